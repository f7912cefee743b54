"""The operations port of the installed seed adapter, as a process: health, readiness, metrics,
and `serve --workers 2` (both workers serve, their metrics aggregate on the supervisor's port).

The upstream is a `RecordingUpstream` (a real HTTP server on loopback) rather than Jupyter: the
readiness test stops it to see the adapter go DEGRADED.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.adapter import Adapter, Launcher, adapter_environment, running_adapter
from servers.processes import HttpResponse, free_port, http_request, stop_process, tail
from servers.recording import RecordingUpstream

TOOL = "jupyter-notebook-list-running-sessions"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    """The module's upstream; the last test stops it."""
    recording = RecordingUpstream()
    recording.answer_json("/api/sessions", [])
    try:
        yield recording
    finally:
        recording.close()


@pytest.fixture(scope="module")
def ops_port() -> int:
    port: int = free_port()
    return port


@pytest.fixture(scope="module")
def adapter(
    adapter_venv: Path,
    upstream: RecordingUpstream,
    ops_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Adapter]:
    """One adapter for the module, its upstream checked at most every 0.3 s."""
    log_path = tmp_path_factory.mktemp("ops") / "rest-sessions.log"
    env = {
        "NAFTIKO_OPS_PORT": str(ops_port),
        "NAFTIKO_READY_CHECK_INTERVAL": "0.3",
        "NAFTIKO_READY_CHECK_TIMEOUT": "1",
    }
    with running_adapter(adapter_venv, upstream.url + "/api", "k", log_path, env) as running:
        yield running


def _call_tool(adapter: Adapter) -> dict[str, object]:
    message: dict[str, object] = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    message["params"] = {"name": TOOL, "arguments": {}}
    request = urllib.request.Request(
        adapter.mcp_url,
        data=json.dumps(message).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with _OPENER.open(request, timeout=10) as response:
        answer: dict[str, object] = json.loads(response.read())
    return answer


def _ops(port: int, path: str) -> HttpResponse:
    return http_request("GET", f"http://127.0.0.1:{port}{path}")


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample of `name` whose labels include `labels` (0 when none)."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)\{(.*)\} (\S+)", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match[2]))
            if labels.items() <= found.items():
                return float(match[3])
    return 0.0


def test_metrics_count_a_rest_call_and_an_mcp_tool_call(adapter: Adapter, ops_port: int) -> None:
    assert adapter.rest("GET", "/v1/api/sessions").status == 200
    result = _call_tool(adapter)["result"]
    assert isinstance(result, dict) and not result.get("isError"), result
    text = _ops(ops_port, "/metrics").text
    assert (
        _sample(
            text,
            "naftiko_http_requests_total",
            adapter="rest",
            method="GET",
            route="/v1/api/sessions",
            status_class="2xx",
        )
        == 1.0
    ), text
    assert _sample(text, "naftiko_mcp_tool_calls_total", tool=TOOL, outcome="ok") == 1.0
    assert _sample(text, "naftiko_upstream_requests_total", status="200") == 2.0
    assert _sample(text, "naftiko_upstream_circuit_state", api="rest-sessions") == 0.0


def test_ready_follows_the_upstream_without_hammering_it(
    adapter: Adapter, upstream: RecordingUpstream, ops_port: int
) -> None:
    assert _ops(ops_port, "/health/live").json == {"status": "UP"}
    upstream.clear()
    answers = [_ops(ops_port, "/health/ready") for _ in range(10)]
    assert {a.status for a in answers} == {200}, answers[0]
    body = answers[-1].json
    assert [u["state"] for u in body["upstreams"]] == ["UP"]
    assert {a["state"] for a in body["adapters"]} == {"STARTED"}
    # Ten probes in well under the 0.3 s interval: at most two checks reached the upstream.
    assert len(upstream.requests) <= 2, upstream.requests
    upstream.close()
    deadline = time.monotonic() + 5
    answer = _ops(ops_port, "/health/ready")
    while answer.status != 503 and time.monotonic() < deadline:
        time.sleep(0.1)
        answer = _ops(ops_port, "/health/ready")
    assert (answer.status, answer.json["status"]) == (503, "DEGRADED")
    assert answer.json["upstreams"][0]["state"] == "DOWN"


def test_two_workers_both_serve_and_their_metrics_aggregate(
    launcher: Launcher, recording_upstream: RecordingUpstream, tmp_path: Path
) -> None:
    ops_port = free_port()
    env = {"NAFTIKO_WORKERS": "2", "NAFTIKO_OPS_PORT": str(ops_port), "TMPDIR": str(tmp_path)}
    recording_upstream.answer_json("/api/sessions", [])
    adapter = launcher.start(recording_upstream.url + "/api", "k", env)
    calls = 24  # each on a new connection: the kernel spreads them over the two workers
    assert {adapter.rest("GET", "/v1/api/sessions").status for _ in range(calls)} == {200}
    text = _ops(ops_port, "/metrics").text
    served = [
        float(value)
        for value in re.findall(r"^naftiko_process_requests\{[^}]*pid=\"\d+\"\} (\S+)$", text, re.M)
    ]
    assert len([n for n in served if n > 0]) == 2, text  # both workers answered
    # `wait_ready` asked for /openapi.json once or more; the route's counter sums every worker.
    assert _sample(text, "naftiko_http_requests_total", route="/v1/api/sessions") == calls
    assert _ops(ops_port, "/health/ready").json["status"] == "UP"
    assert list(tmp_path.glob("naftiko-metrics-*"))  # the private folder, while running
    adapter.stop()
    assert adapter.proc.returncode == 0
    assert not list(tmp_path.glob("naftiko-metrics-*"))  # removed at the end


def test_the_asgi_factory_serves_as_serve_does(
    adapter_venv: Path, recording_upstream: RecordingUpstream, tmp_path: Path
) -> None:
    """`uvicorn --factory rest_sessions.asgi:create_rest_app`, as a user runs it under another
    ASGI server: the same guard (a Host nobody allowed gets 421), request ids (returned and sent
    upstream) and the access log. Ctrl-C ends it cleanly: the upstream client the request opened
    is closed at lifespan shutdown, so aiohttp reports no unclosed session or connector at exit.
    (On SIGTERM uvicorn shuts down the same way, then re-raises the signal: the status is -15 and
    the interpreter dies before aiohttp could report anything, so SIGINT is what shows a leak.)"""
    recording_upstream.answer_json("/api/sessions", [])
    port = free_port()
    env = {
        **adapter_environment(recording_upstream.url + "/api", "k"),
        "NAFTIKO_ACCESS_LOG": "1",
    }
    log_path = tmp_path / "uvicorn.log"
    command = [str(adapter_venv / "python"), "-m", "uvicorn", "--factory"]
    command += ["rest_sessions.asgi:create_rest_app", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path
        )
    try:
        url = f"http://127.0.0.1:{port}/v1/api/sessions"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, tail(log_path)
            with contextlib.suppress(OSError):
                answer = http_request("GET", url, timeout=2)
                break
            assert time.monotonic() < deadline, tail(log_path)
            time.sleep(0.1)
        assert answer.status == 200, answer.text
        request_id = answer.headers["X-Request-ID"]
        assert request_id and recording_upstream.requests[-1].header("X-Request-ID") == request_id
        spoofed = urllib.request.Request(url, headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            _OPENER.open(spoofed, timeout=5)
        refused.value.close()
        assert refused.value.code == 421
    finally:
        stop_process(proc, signal.SIGINT)
    log_text = log_path.read_text(encoding="utf-8")
    assert request_id in log_text  # its access line
    assert proc.returncode == 0, log_text
    assert "Unclosed" not in log_text


def test_a_taken_operations_port_stops_serve_with_one_line(adapter_venv: Path) -> None:
    """Another program holds the operations port: `serve` exits 1 at once with one line naming
    the port, `--ops-port` and `NAFTIKO_OPS_PORT` (no traceback, REST never served)."""
    rest_port, mcp_port = free_port(), free_port()
    command = [str(adapter_venv / "rest-sessions"), "serve", "--rest-port", str(rest_port)]
    command += ["--mcp-port", str(mcp_port), "--ops-host", "127.0.0.1"]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        ops_port = holder.getsockname()[1]
        done = subprocess.run(
            [*command, "--ops-port", str(ops_port)],
            env=adapter_environment("http://127.0.0.1:9/api", "k"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"rest-sessions: error: port {ops_port} (the operations port, 127.0.0.1) is in use by "
        "another program: choose another port with --ops-port or NAFTIKO_OPS_PORT, or turn it "
        "off with --no-ops"
    )
    assert "Traceback" not in done.stderr and not done.stdout
