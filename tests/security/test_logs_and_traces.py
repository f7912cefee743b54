"""The installed seed adapter, as a process: request ids, JSON access lines and trace context.

One adapter runs in front of the recording upstream with its settings in a `.env` file
(`NAFTIKO_ENV_FILE`): JSON logs, the access log, and traces to the console exporter (the
`otel` extra's SDK). Each call carries a `traceparent` and the caller's `X-Request-ID`; the
upstream must receive both (the trace id continued, a new parent span), the caller gets the id
back, and the access lines name it without ever holding the API key.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers.adapter import Adapter, running_adapter
from servers.recording import RecordingUpstream

API_KEY = "obs-secret-key-9f3a"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
LIST = "jupyter-notebook-list-running-sessions"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    server.answer_json("/api/sessions", [])
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def adapter(
    adapter_venv: Path, upstream: RecordingUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adapter]:
    folder = tmp_path_factory.mktemp("logs-and-traces")
    env_file = folder / "adapter.env"
    env_file.write_text(
        "NAFTIKO_LOG_FORMAT=json\nNAFTIKO_ACCESS_LOG=1\nOTEL_TRACES_EXPORTER=console\n",
        encoding="utf-8",
    )
    extra = {"NAFTIKO_ENV_FILE": str(env_file), "OTEL_SERVICE_NAME": "obs-probe"}
    with running_adapter(
        adapter_venv, upstream.url + "/api", API_KEY, folder / "adapter.log", extra
    ) as running:
        yield running


def _call(url: str, request_id: str, body: bytes | None = None) -> tuple[int, str | None]:
    headers = {
        "Accept": "application/json",
        "X-Request-ID": request_id,
        "traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01",
    }
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers)
    with _OPENER.open(request, timeout=30) as response:
        response.read()
        return response.status, response.headers.get("X-Request-ID")


def _access_lines(adapter: Adapter, *request_ids: str) -> dict[str, dict[str, Any]]:
    """The access lines by request id, once those of `request_ids` are written.

    A line is written once the answer is sent: the caller may read the log before it is there.
    """
    deadline = time.monotonic() + 10
    while True:
        text = adapter.log_path.read_text(encoding="utf-8", errors="replace")
        entries = [json.loads(line) for line in text.splitlines() if line.startswith('{"time"')]
        lines = {e["request_id"]: e for e in entries if e["logger"].endswith(".access")}
        if set(request_ids) <= lines.keys() or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_ids_and_trace_context_reach_the_upstream_and_the_logs(
    adapter: Adapter, upstream: RecordingUpstream
) -> None:
    upstream.clear()
    assert _call(adapter.rest_url + "/v1/api/sessions", "rest-call-1") == (200, "rest-call-1")
    tool = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    tool["params"] = {"name": LIST, "arguments": {}}
    status, answered = _call(adapter.mcp_url, "mcp-call-1", json.dumps(tool).encode())
    assert (status, answered) == (200, "mcp-call-1")

    rest_call, mcp_call = upstream.requests
    for seen, request_id in ((rest_call, "rest-call-1"), (mcp_call, "mcp-call-1")):
        assert seen.header("X-Request-ID") == request_id
        traceparent = seen.header("traceparent") or ""
        match = re.fullmatch(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}", traceparent)
        assert match is not None, traceparent
        assert match[1] == TRACE_ID and match[2] != CALLER_SPAN  # the adapter's client span

    lines = _access_lines(adapter, "rest-call-1", "mcp-call-1")
    rest_line, mcp_line = lines["rest-call-1"], lines["mcp-call-1"]
    assert (rest_line["method"], rest_line["path"], rest_line["status"]) == (
        "GET",
        "/v1/api/sessions",
        200,
    )
    assert (rest_line["adapter"], mcp_line["adapter"], mcp_line["path"]) == ("rest", "mcp", "/mcp")
    assert rest_line["duration_ms"] >= 0 and rest_line["level"] == "info"
    assert API_KEY not in adapter.log_path.read_text(encoding="utf-8", errors="replace")


def test_an_unsafe_id_is_replaced_by_the_trace_id(
    adapter: Adapter, upstream: RecordingUpstream
) -> None:
    upstream.clear()
    status, answered = _call(adapter.rest_url + "/v1/api/sessions", "no spaces allowed")
    assert (status, answered) == (200, TRACE_ID)
    assert upstream.requests[0].header("X-Request-ID") == TRACE_ID
