"""How the installed seed adapter faces the network: bind, Host/Origin, body size, slow clients.

Each probe runs the real `rest-sessions serve` process against a recording upstream, with its
defaults (only the ports are given) unless the probe is about an option; timeouts are then set
short by their options so the whole module runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers.adapter import adapter_environment
from servers.processes import free_port, http_request, stop_process, tail
from servers.recording import Answer, RecordedRequest, RecordingUpstream

API_KEY = "upstream-secret-4242"
INBOUND_KEY = "deploy-key-7f3a"
SESSIONS = "/v1/api/sessions"


@dataclass
class Served:
    """One `rest-sessions serve` process on two free loopback ports."""

    proc: subprocess.Popen[bytes]
    rest_port: int
    mcp_port: int
    log: Path

    def failure_logs(self) -> list[tuple[str, str]]:
        return [(f"rest-sessions ({self.log})", tail(self.log))]

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
        )

    def descriptors(self) -> int:
        return len(list(Path(f"/proc/{self.proc.pid}/fd").iterdir()))


@contextlib.contextmanager
def serve(
    bin_dir: Path,
    upstream: RecordingUpstream,
    log: Path,
    *options: str,
    env: dict[str, str] | None = None,
) -> Iterator[Served]:
    """Start the adapter with `options` (besides the ports) and wait until both ports accept."""
    rest_port, mcp_port = free_port(), free_port()
    cmd = [str(bin_dir / "rest-sessions"), "serve", "--rest-port", str(rest_port)]
    cmd += ["--mcp-port", str(mcp_port), *options]
    environment = {**adapter_environment(upstream.url, API_KEY), **(env or {})}
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, env=environment
        )
    served = Served(proc, rest_port, mcp_port, log)
    try:
        deadline = time.monotonic() + 30
        while not all(_accepts(port) for port in (rest_port, mcp_port)):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"rest-sessions did not start:\n{tail(log)}")
            time.sleep(0.05)
        yield served
    finally:
        stop_process(proc, signal.SIGINT)


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def exchange(port: int, head: bytes, *, timeout: float = 5.0) -> bytes:
    """Send raw bytes and read until the server closes or the answer's body is in."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        return _read_answer(sock)


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def body_of(answer: bytes) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(answer.partition(b"\r\n\r\n")[2])
    return parsed


LOCAL = {"Host": "127.0.0.1"}
MCP_JSON = {"Content-Type": "application/json", "Accept": "application/json"}
PING = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    # The shutdown probe's held answer is written after the adapter left: not worth a traceback.
    server._server.handle_error = lambda *_: None  # type: ignore[method-assign]
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def adapter(
    adapter_venv: Path, upstream: RecordingUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The seed adapter with its defaults: no --host, no limits given."""
    with serve(
        adapter_venv, upstream, tmp_path_factory.mktemp("defaults") / "adapter.log"
    ) as served:
        yield served


@pytest.fixture(scope="module")
def exposed(
    adapter_venv: Path, upstream: RecordingUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Bound to every interface, with short client deadlines and a small connection cap."""
    options = ["--host", "0.0.0.0", "--header-timeout", "0.8", "--body-timeout", "0.8"]
    options += ["--keep-alive-timeout", "0.5", "--max-connections", "6"]
    with serve(
        adapter_venv, upstream, tmp_path_factory.mktemp("exposed") / "adapter.log", *options
    ) as served:
        yield served


def test_by_default_both_adapters_listen_on_loopback_only(adapter: Served) -> None:
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    for port in (adapter.rest_port, adapter.mcp_port):
        local = [
            line.split()[1]
            for line in listening
            if line.split()[3] == "0A" and line.split()[1].endswith(f":{port:04X}")
        ]
        assert local == [f"0100007F:{port:04X}"], (port, local)  # 127.0.0.1, nothing else


@pytest.mark.parametrize("which", ["rest", "mcp"])
def test_a_rebinding_host_or_a_foreign_origin_is_refused(adapter: Served, which: str) -> None:
    port, path = (adapter.rest_port, SESSIONS) if which == "rest" else (adapter.mcp_port, "/mcp")
    method, extra, body = ("GET", {}, b"") if which == "rest" else ("POST", MCP_JSON, PING)
    rebound = exchange(
        port, request(method, path, {"Host": f"attacker.example:{port}", **extra}, body)
    )
    assert status_of(rebound) == 421 and body_of(rebound)["title"] == "Invalid Host header"
    foreign = exchange(
        port, request(method, path, {**LOCAL, "Origin": "http://attacker.example", **extra}, body)
    )
    assert status_of(foreign) == 403 and "--allowed-origins" in str(body_of(foreign)["detail"])
    local = exchange(
        port,
        request(
            method,
            path,
            {"Host": f"localhost:{port}", "Origin": "http://localhost:3000", **extra},
            body,
        ),
    )
    assert status_of(local) == 200


def test_a_100_mb_post_is_refused_at_once_without_growing_memory(adapter: Served) -> None:
    before = adapter.rss_kib()
    head = request(
        "POST",
        SESSIONS,
        {**LOCAL, "Content-Type": "application/json", "Content-Length": str(100 << 20)},
    )
    with socket.create_connection(("127.0.0.1", adapter.rest_port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(head)
        answer = _read_answer(sock)
        elapsed = time.monotonic() - started
        with contextlib.suppress(OSError):  # then send the body anyway: it is discarded
            for _ in range(100):
                sock.sendall(b" " * (1 << 20))
    assert status_of(answer) == 413 and elapsed < 1.0, answer
    assert "--max-body-bytes" in str(body_of(answer)["detail"])
    assert adapter.rss_kib() - before < 20 * 1024  # KiB: not the 100 MB
    assert http_request("GET", f"http://127.0.0.1:{adapter.rest_port}{SESSIONS}").status == 200


def test_a_chunked_body_past_the_limit_is_cut_off(adapter: Served) -> None:
    before = adapter.rss_kib()
    head = request(
        "POST",
        SESSIONS,
        {**LOCAL, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20))
    with socket.create_connection(("127.0.0.1", adapter.rest_port), timeout=5) as sock:
        sock.sendall(head)
        with contextlib.suppress(OSError):
            for _ in range(6):  # 6 MiB, past the 4 MiB default
                sock.sendall(chunk)
        answer = _read_answer(sock)
    assert status_of(answer) == 413, answer
    assert adapter.rss_kib() - before < 20 * 1024


def test_mcp_keeps_its_4_mb_cap(adapter: Served) -> None:
    big = b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "pad": "' + b"x" * (5 << 20) + b'"}'
    answer = exchange(adapter.mcp_port, request("POST", "/mcp", {**LOCAL, **MCP_JSON}, big))
    assert status_of(answer) == 413


def test_405_lists_the_methods_of_the_path_and_redirects_stay_relative(adapter: Served) -> None:
    refused = exchange(adapter.rest_port, request("DELETE", SESSIONS, LOCAL))
    assert status_of(refused) == 405 and b"\r\nallow: GET, POST\r\n" in refused
    slash = exchange(adapter.rest_port, request("GET", SESSIONS + "/?x=1", {"Host": "localhost"}))
    assert (
        status_of(slash) in (307, 308)
        and b"\r\nlocation: /v1/api/sessions?x=1\r\n" in slash.lower()
    )


def test_openapi_documents_passed_through_statuses(adapter: Served) -> None:
    document = http_request("GET", f"http://127.0.0.1:{adapter.rest_port}/openapi.json").json
    responses = document["paths"][SESSIONS]["post"]["responses"]
    assert {"201", "204", "400", "404", "413", "default"} <= set(responses)


def test_bound_to_every_interface_the_checks_stay_on(exposed: Served) -> None:
    port = exposed.rest_port
    assert status_of(exchange(port, request("GET", SESSIONS, {"Host": "attacker.example"}))) == 421
    assert status_of(exchange(port, request("GET", SESSIONS, {"Host": f"10.0.0.7:{port}"}))) == 200
    assert b"not loopback only" in exposed.log.read_bytes()


def test_slow_or_silent_clients_are_dropped(exposed: Served) -> None:
    with (
        socket.create_connection(("127.0.0.1", exposed.rest_port), timeout=5) as slow,
        socket.create_connection(("127.0.0.1", exposed.rest_port), timeout=5) as silent,
    ):
        started = time.monotonic()
        slow.sendall(b"GET /v1/api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        with contextlib.suppress(OSError):
            for _ in range(10):  # one header line every 0.2 s: never complete
                time.sleep(0.2)
                slow.sendall(b"X-Slow: 1\r\n")
        answer = _read_answer(slow)
        assert status_of(answer) == 408 and "--header-timeout" in str(body_of(answer)["detail"])
        assert time.monotonic() - started < 3
        assert silent.recv(100) == b""  # closed, not held


def test_the_connection_cap_answers_503_and_holds_no_more_descriptors(exposed: Served) -> None:
    time.sleep(1.0)  # earlier probes' connections are gone
    base = exposed.descriptors()
    held = [socket.create_connection(("127.0.0.1", exposed.rest_port), timeout=5) for _ in range(6)]
    try:
        time.sleep(0.2)
        extra = [
            socket.create_connection(("127.0.0.1", exposed.rest_port), timeout=5) for _ in range(60)
        ]
        try:
            refused = _read_answer(extra[0])
            assert status_of(refused) == 503 and "--max-connections" in str(
                body_of(refused)["detail"]
            )
            assert exposed.descriptors() <= base + 6 + 2
        finally:
            for sock in extra:
                sock.close()
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    assert http_request("GET", f"http://127.0.0.1:{exposed.rest_port}{SESSIONS}").status == 200


def test_an_inbound_key_the_access_log_and_a_503_after_the_shutdown_drain(
    adapter_venv: Path, upstream: RecordingUpstream, tmp_path: Path
) -> None:
    release = threading.Event()

    def slow(request: RecordedRequest) -> Answer:
        release.wait(10)
        return Answer()

    options = ("--shutdown-timeout", "0.5", "--access-log")
    try:
        with serve(
            adapter_venv,
            upstream,
            tmp_path / "adapter.log",
            *options,
            env={"NAFTIKO_REQUIRE_API_KEY": INBOUND_KEY},
        ) as served:
            port = served.rest_port
            missing = exchange(port, request("GET", SESSIONS, LOCAL))
            assert status_of(missing) == 401 and INBOUND_KEY.encode() not in missing
            assert (
                status_of(
                    exchange(port, request("GET", SESSIONS, {**LOCAL, "X-API-Key": INBOUND_KEY}))
                )
                == 200
            )
            bearer = {**LOCAL, "Authorization": f"Bearer {INBOUND_KEY}", **MCP_JSON}
            assert (
                status_of(exchange(served.mcp_port, request("POST", "/mcp", bearer, PING))) == 200
            )
            assert b'"GET /v1/api/sessions HTTP/1.1" 200' in served.log.read_bytes()

            # A call the upstream holds past the drain: 503 "shutting down", not 502.
            answers: list[bytes] = []
            keyed = request("GET", SESSIONS, {**LOCAL, "X-API-Key": INBOUND_KEY})
            call = threading.Thread(
                target=lambda: answers.append(exchange(port, keyed, timeout=10))
            )
            upstream.answer("/api/sessions", slow)
            seen = len(upstream.requests)
            call.start()
            deadline = time.monotonic() + 5
            while len(upstream.requests) == seen and time.monotonic() < deadline:
                time.sleep(0.02)
            served.proc.send_signal(signal.SIGINT)
            call.join(timeout=8)
        assert answers and status_of(answers[0]) == 503, answers
        assert "shutting down" in str(body_of(answers[0])["title"]).lower()
    finally:
        release.set()
        upstream.clear()
