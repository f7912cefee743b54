"""The installed seed adapter against a hostile upstream: bounded reads, no redirects, masking,
bulkhead and breaker, unsendable values refused, unsafe base URLs refused at start-up.

One adapter process runs with its defaults for the whole module (a hostile API key); the
bulkhead and breaker probes start their own with small `NAFTIKO_UPSTREAM_*` limits.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from servers.adapter import Adapter, Launcher, running_adapter
from servers.processes import HttpResponse
from servers.recording import Answer, RecordedRequest, RecordingUpstream

HOSTILE_KEY = "Jk/+&= z%q'9"
"""A key with every character URL, form and JSON encoders treat specially."""
LIST, GET = "jupyter-notebook-list-running-sessions", "jupyter-notebook-get-session"
CREATE = "jupyter-notebook-create-new-session"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def adapter(
    adapter_venv: Path, upstream: RecordingUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adapter]:
    """The seed adapter with its defaults, its API key hostile, in front of `upstream`."""
    log = tmp_path_factory.mktemp("upstream-probes") / "adapter.log"
    with running_adapter(adapter_venv, upstream.url + "/api", HOSTILE_KEY, log) as running:
        yield running


@pytest.fixture
def hostile(upstream: RecordingUpstream, adapter: Adapter) -> Iterator[RecordingUpstream]:
    upstream.clear()
    yield upstream
    upstream.clear()


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))


def mcp_call(adapter: Adapter, tool: str, raw_arguments: str) -> dict[str, Any]:
    """`tools/call` with the arguments as raw JSON text (so NaN and lone surrogates go as is)."""
    body = (
        '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", '
        f'"params": {{"name": "{tool}", "arguments": {raw_arguments}}}}}'
    ).encode()
    request = urllib.request.Request(
        adapter.mcp_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def problem(response: HttpResponse, status: int, title: str) -> str:
    assert response.status == status, str(response)
    assert response.content_type == "application/problem+json"
    assert response.json["title"] == title
    detail: str = response.json["detail"]
    return detail


def tool_error(answer: dict[str, Any]) -> dict[str, Any]:
    result = answer["result"]
    assert result["isError"] is True, answer
    payload: dict[str, Any] = json.loads(result["content"][0]["text"])
    return payload


# ----------------------------------------------------------------------------- sizes


def test_a_huge_answer_is_a_bounded_502_and_memory_stays_flat(
    adapter: Adapter, hostile: RecordingUpstream
) -> None:
    chunk = b"x" * MiB
    hostile.answer("/api/sessions", lambda _: Answer(chunks=iter([chunk] * 200)))
    before = rss_kib(adapter.proc.pid)
    detail = problem(adapter.rest("GET", "/v1/api/sessions"), 502, "Upstream answer too large")
    assert "more than 8388608 bytes" in detail and "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES" in detail
    error = tool_error(mcp_call(adapter, LIST, "{}"))
    assert (error["status"], error["error"]) == (502, "Upstream answer too large")
    assert rss_kib(adapter.proc.pid) - before < 80 * 1024  # 200 MB twice were offered


def _gzip_bomb(inflated: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = b"\0" * MiB
    parts = [compressor.compress(zeros) for _ in range(inflated // MiB)]
    return b"".join(parts) + compressor.flush()


def test_a_gzip_bomb_is_bounded_after_decompression(
    adapter: Adapter, hostile: RecordingUpstream
) -> None:
    bomb = _gzip_bomb(300 * MiB)
    assert len(bomb) < 400_000
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    hostile.answer("/api/sessions", Answer(headers=headers, body=bomb))
    before = rss_kib(adapter.proc.pid)
    problem(adapter.rest("GET", "/v1/api/sessions"), 502, "Upstream answer too large")
    assert tool_error(mcp_call(adapter, LIST, "{}"))["status"] == 502
    assert rss_kib(adapter.proc.pid) - before < 80 * 1024


def test_an_endless_stream_stops_at_the_limit(adapter: Adapter, hostile: RecordingUpstream) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"[" * 65536

    hostile.answer("/api/sessions", lambda _: Answer(chunks=endless()))
    started = time.monotonic()
    problem(adapter.rest("GET", "/v1/api/sessions"), 502, "Upstream answer too large")
    assert time.monotonic() - started < 10


# ----------------------------------------------------------------------------- redirects


def test_a_cross_origin_redirect_is_not_followed(
    adapter: Adapter, hostile: RecordingUpstream
) -> None:
    thief = RecordingUpstream()
    try:

        def redirect(request: RecordedRequest) -> Answer:
            token = dict(request.query).get("token", "")
            location = f"{thief.url}/steal?token={quote_plus(token)}"
            return Answer(status=302, headers={"Location": location}, body=b"")

        hostile.answer("/api/sessions", redirect)
        detail = problem(adapter.rest("GET", "/v1/api/sessions"), 502, "Upstream redirect")
        assert f"a redirect to {thief.url}/steal;" in detail and "token" not in detail
        error = tool_error(mcp_call(adapter, LIST, "{}"))
        assert (error["status"], error["error"]) == (502, "Upstream redirect")
        assert len(hostile.requests) == 2 and thief.requests == []
    finally:
        thief.close()


# ----------------------------------------------------------------------------- masking


def _echo(request: RecordedRequest) -> Answer:
    """Echo the token it was sent in every encoding, and in the Content-Type."""
    token = dict(request.query)["token"]
    forms = {
        "raw": token,
        "percent": quote(token, safe=""),
        "percent-lower": re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), quote(token, safe="")),
        "plus": quote_plus(token),
        "slash-safe": quote(token),
        "base64": base64.b64encode(token.encode()).decode(),
        "html": token.replace("&", "&amp;").replace("'", "&#39;"),
    }
    body = json.dumps({"echo": forms, "escaped": json.dumps(token)}).encode()
    content_type = f'application/json; charset=utf-8; note="{quote(token)} {token}"'
    return Answer(headers={"Content-Type": content_type}, body=body)


def test_every_form_of_the_key_is_masked_in_rest_and_mcp(
    adapter: Adapter, hostile: RecordingUpstream
) -> None:
    hostile.answer("/api/sessions", _echo)
    rest = adapter.rest("GET", "/v1/api/sessions")
    mcp = json.dumps(mcp_call(adapter, LIST, "{}"))
    [first, _] = hostile.requests
    assert dict(first.query)["token"] == HOSTILE_KEY  # the key did go upstream
    assert rest.status == 200
    echoed = rest.json["echo"]
    assert set(echoed.values()) == {"[redacted]"}, echoed
    assert rest.json["escaped"] == '"[redacted]"'
    assert rest.content_type == 'application/json; charset=utf-8; note="[redacted] [redacted]"'
    for marker in ("Jk", "z%q", "SmsvKyY9"):  # nothing of the key, nor of its base64
        assert marker not in rest.text and marker not in rest.content_type
        assert marker not in mcp
    assert mcp.count("[redacted]") >= 8


# ----------------------------------------------------------------------------- values


def test_an_empty_path_value_never_reaches_the_upstream(
    adapter: Adapter, hostile: RecordingUpstream
) -> None:
    error = tool_error(mcp_call(adapter, GET, '{"session_id": ""}'))
    assert (error["status"], error["error"]) == (422, "Invalid argument")
    assert "path parameter is empty" in error["detail"]
    adapter.rest("GET", "/v1/api/sessions/")  # whatever it answers, not `GET /api/sessions/`
    assert [r.path for r in hostile.requests if r.path.endswith("/")] == []


def test_nan_is_refused_not_forwarded(adapter: Adapter, hostile: RecordingUpstream) -> None:
    request = urllib.request.Request(
        adapter.rest_url + "/v1/api/sessions",
        data=b'{"path": "a.ipynb", "kernel": {"x": NaN}}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(request, timeout=30)
        raise AssertionError("NaN was accepted")
    except urllib.error.HTTPError as refused:
        assert refused.code in (400, 422)
        assert b"NaN" in refused.read()
    answer = mcp_call(adapter, CREATE, '{"body": {"x": Infinity}}')
    assert "error" in answer or answer["result"]["isError"] is True
    assert hostile.requests == []


def test_a_lone_surrogate_is_a_clean_tool_error_logged_in_one_line(
    adapter: Adapter, hostile: RecordingUpstream
) -> None:
    logged = adapter.log_path.stat().st_size
    error = tool_error(mcp_call(adapter, GET, '{"session_id": "a\\ud800"}'))
    assert (error["status"], error["error"]) == (422, "Invalid argument")
    assert "lone surrogate" in error["detail"]
    assert hostile.requests == []
    with adapter.log_path.open("rb") as log:
        log.seek(logged)
        assert b"Traceback" not in log.read()


# ----------------------------------------------------------------------------- resilience


def test_hanging_calls_do_not_block_others_beyond_the_pool_wait(
    launcher: Launcher, recording_upstream: RecordingUpstream
) -> None:
    release = threading.Event()

    def hanging(_: RecordedRequest) -> Answer:
        release.wait(10)
        return Answer()

    recording_upstream.answer("/api/sessions/hang", hanging)
    limits = {"NAFTIKO_UPSTREAM_CONCURRENCY": "2", "NAFTIKO_UPSTREAM_POOL_WAIT": "0.3"}
    adapter = launcher.start(recording_upstream.url + "/api", "k-1234", limits)
    callers = [
        threading.Thread(target=adapter.rest, args=("GET", "/v1/api/sessions/hang"))
        for _ in range(2)
    ]
    try:
        for caller in callers:
            caller.start()
        deadline = time.monotonic() + 5
        while len(recording_upstream.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        detail = problem(adapter.rest("GET", "/v1/api/sessions"), 503, "Upstream busy")
        assert time.monotonic() - started < 2.0
        assert "NAFTIKO_UPSTREAM_POOL_WAIT" in detail
    finally:
        release.set()
        for caller in callers:
            caller.join(10)
    assert adapter.rest("GET", "/v1/api/sessions").status == 200  # slots freed


def test_the_breaker_opens_answers_at_once_then_closes_after_a_probe(
    launcher: Launcher, recording_upstream: RecordingUpstream
) -> None:
    down = threading.Event()
    down.set()

    def flaky(_: RecordedRequest) -> Answer:
        if down.is_set():
            time.sleep(1.0)  # past the 0.3 s timeout
        return Answer(body=b"[]")

    recording_upstream.answer("/api/sessions", flaky)
    limits = {
        "REST_SESSIONS_TIMEOUT": "0.3",
        "NAFTIKO_UPSTREAM_BREAKER_FAILURES": "2",
        "NAFTIKO_UPSTREAM_BREAKER_RESET": "1",
    }
    adapter = launcher.start(recording_upstream.url + "/api", "k-1234", limits)
    for _ in range(2):
        problem(adapter.rest("GET", "/v1/api/sessions"), 504, "Upstream timeout")
    started = time.monotonic()
    problem(adapter.rest("GET", "/v1/api/sessions"), 503, "Upstream circuit open")
    assert time.monotonic() - started < 0.2
    assert len(recording_upstream.requests) == 2  # the open breaker sent nothing
    down.clear()
    time.sleep(1.1)
    assert adapter.rest("GET", "/v1/api/sessions").status == 200  # the probe
    assert adapter.rest("GET", "/v1/api/sessions").status == 200
    log = adapter.log_path.read_text()
    for state in ("circuit open for 1 s", "circuit half-open", "circuit closed"):
        assert state in log


@pytest.mark.parametrize(
    ("suffix", "says"),
    [("?token=abc", "has a query"), ("#top", "has a fragment")],
)
def test_a_base_url_with_a_query_or_fragment_is_refused_at_start(
    launcher: Launcher, suffix: str, says: str
) -> None:
    result = launcher.serve_once("http://127.0.0.1:9/api" + suffix, "k-1234")
    assert result.returncode != 0
    assert f"REST_SESSIONS_BASE_URL {says}" in result.stderr and "abc" not in result.stderr
