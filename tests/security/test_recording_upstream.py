"""The recording upstream the security probes rely on records exactly and answers as told."""

from __future__ import annotations

from servers.processes import http_request
from servers.recording import Answer, RecordingUpstream


def test_it_records_the_target_headers_and_body_as_sent(
    recording_upstream: RecordingUpstream,
) -> None:
    response = http_request("POST", recording_upstream.url + "/a/%2Fb?token=x&y=", {"k": 1})

    assert response.status == 200 and response.json == {}
    [seen] = recording_upstream.requests
    assert (seen.method, seen.target, seen.path) == ("POST", "/a/%2Fb?token=x&y=", "/a/%2Fb")
    assert seen.query == [("token", "x"), ("y", "")]
    assert seen.header("content-type") == "application/json" and seen.body == b'{"k": 1}'


def test_the_longest_matching_prefix_answers(recording_upstream: RecordingUpstream) -> None:
    recording_upstream.answer_json("/api", {"which": "api"}, status=201)
    recording_upstream.answer("/api/stream", Answer(chunks=iter([b'{"which":', b' "stream"}'])))

    assert http_request("GET", recording_upstream.url + "/api/x").json == {"which": "api"}
    streamed = http_request("GET", recording_upstream.url + "/api/stream/1")
    assert (streamed.status, streamed.json) == (200, {"which": "stream"})
    assert http_request("GET", recording_upstream.url + "/other").json == {}
