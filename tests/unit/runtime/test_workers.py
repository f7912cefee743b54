"""`runtime/workers.py`: worker processes, reused ports, proxy options; MCP behind a proxy."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from naftiko_codegen.runtime import serving, workers
from naftiko_codegen.runtime.exposure import ExposureGuard, HostPolicy
from naftiko_codegen.runtime.front_door import FrontDoor
from naftiko_codegen.runtime.http_client import HttpClient
from naftiko_codegen.runtime.mcp_http import StreamableHttpApp
from naftiko_codegen.runtime.metrics import MULTIPROCESS_VARIABLE
from naftiko_codegen.runtime.workers import Workers, listening_socket, process_options

from ._support import call_asgi

VARIABLES = (
    "NAFTIKO_WORKERS",
    "NAFTIKO_WORKER",
    "NAFTIKO_PROXY_HEADERS",
    "NAFTIKO_FORWARDED_ALLOW_IPS",
    "NAFTIKO_ROOT_PATH",
    "NAFTIKO_DRAIN_SECONDS",
    "NAFTIKO_SHUTDOWN_TIMEOUT",
)

# A stand-in package for `python -m`: runs until SIGTERM, or exits with the status in argv.
_MAIN = """
import signal, sys, time
if sys.argv[1:] == ["fail"]:
    sys.exit(3)
if sys.argv[1:] == ["stubborn"]:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "standin"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(_MAIN)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv(MULTIPROCESS_VARIABLE, raising=False)
    return "standin"


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    process_options(parser)
    return parser.parse_args(argv)


def test_process_options(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _parse()
    assert (options.workers, options.proxy_headers, options.forwarded_allow_ips) == (
        1,
        True,
        "127.0.0.1",
    )
    assert options.root_path == ""
    options = _parse("--workers", "4", "--no-proxy-headers", "--root-path", "/x")
    assert (options.workers, options.proxy_headers, options.root_path) == (4, False, "/x")
    monkeypatch.setenv("NAFTIKO_WORKERS", "3")
    monkeypatch.setenv("NAFTIKO_PROXY_HEADERS", "0")
    monkeypatch.setenv("NAFTIKO_FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    options = _parse()
    assert (options.workers, options.proxy_headers) == (3, False)
    assert workers.server_options(options) == {
        "proxy_headers": False,
        "forwarded_allow_ips": "10.0.0.0/8",
        "root_path": "",
    }
    for bad in ("0", "x", "1000"):
        with pytest.raises(SystemExit):
            _parse("--workers", bad)


def test_drain_seconds_is_the_shutdown_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    _, serve_parser = serving.command_line("demo", "Demo", "1.0")
    assert serve_parser.parse_args(["--drain-seconds", "3"]).shutdown_timeout == 3.0
    monkeypatch.setenv("NAFTIKO_DRAIN_SECONDS", "4")
    _, serve_parser = serving.command_line("demo", "Demo", "1.0")
    assert serve_parser.parse_args([]).shutdown_timeout == 4.0


def test_workers_share_a_port() -> None:
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    with first, listening_socket("127.0.0.1", port) as second:
        assert second.getsockname()[1] == port
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    with taken, pytest.raises(OSError):
        listening_socket("127.0.0.1", taken.getsockname()[1])


def test_a_worker_binds_its_own_reused_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.WORKER_VARIABLE, "1")
    _, serve_parser = serving.command_line("demo", "Demo", "1.0")
    serving.logging_options(serve_parser)
    process_options(serve_parser)
    options = serve_parser.parse_args(["--root-path", "/api"])
    server = serving.http_server(lambda *_: None, "127.0.0.1", 0, options)
    assert workers.is_worker() and server.sockets is None
    assert workers.listen([server]) is None and server.sockets is not None
    assert server.config.root_path == "/api"
    port = server.sockets[0].getsockname()[1]
    with listening_socket("127.0.0.1", port):  # shared: another worker binds it too
        for sock in server.sockets:
            sock.close()


def test_workers_run_until_stopped_and_clean_up(stand_in: str, tmp_path: Path) -> None:
    async def exercise() -> Workers:
        pool = Workers(stand_in, [], 2, drain=1.0)
        assert os.environ[MULTIPROCESS_VARIABLE] == pool.folder
        assert Path(pool.folder).is_dir() and pool.running()
        task = asyncio.create_task(pool.run())
        await asyncio.sleep(0.3)
        pool.stop()
        assert not pool.running()
        await asyncio.wait_for(task, 10)
        return pool

    pool = asyncio.run(exercise())
    pool.check()  # asked to stop: no error
    assert not Path(pool.folder).exists() and MULTIPROCESS_VARIABLE not in os.environ
    assert all(process.returncode is not None for process in pool.processes)


def test_a_worker_exiting_unasked_stops_the_rest(stand_in: str) -> None:
    async def exercise() -> Workers:
        pool = Workers(stand_in, ["fail"], 2, drain=1.0)
        await asyncio.wait_for(pool.run(), 10)
        return pool

    pool = asyncio.run(exercise())
    with pytest.raises(SystemExit, match="status 3"):
        pool.check()


def test_workers_outliving_the_drain_are_killed(
    stand_in: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "_GRACE_SECONDS", 0.2)

    async def exercise() -> Workers:
        pool = Workers(stand_in, ["stubborn"], 1, drain=0.1)
        await asyncio.sleep(0.5)  # let it ignore SIGTERM first
        pool.stop()
        await asyncio.wait_for(pool.run(), 10)
        return pool

    pool = asyncio.run(exercise())
    assert pool.processes[0].returncode == -9


def test_run_until_stopped_tells_the_workers_and_passes_sockets() -> None:
    told: list[bool] = []
    seen: list[Any] = []

    bound = socket.socket()

    class Server:
        should_exit = False

        def __init__(self) -> None:
            self.sockets = [bound]

        async def serve(self, sockets: Any = None) -> None:
            seen.append(sockets)
            raise RuntimeError("stop")

    try:
        with pytest.raises(RuntimeError):
            asyncio.run(
                serving.run_until_stopped(
                    "demo", HttpClient({}), [Server()], stopping=lambda: told.append(True)  # type: ignore[list-item]
                )
            )
    finally:
        # run_until_stopped froze the collector's generations: left frozen, whatever this
        # process holds now would be finalised in the first later test that thaws them.
        gc.unfreeze()
    assert told == [True] and seen == [[bound]]
    assert bound.fileno() == -1  # closed on the way out, though uvicorn never served on it


@pytest.mark.parametrize(("host", "status"), [("mcp.example.com", 200), ("evil.example", 421)])
def test_an_ingress_host_reaches_mcp_when_allowed(host: str, status: int) -> None:
    """Behind an ingress the MCP port sees the public Host: `--allowed-hosts` lets it through
    while the DNS-rebinding check stays on for any other name."""

    async def call_tool(name: str, arguments: Any) -> dict[str, Any]:
        return {"content": []}

    mcp = StreamableHttpApp(
        name="demo", version="1", instructions="", tools=[], call_tool=call_tool, host="127.0.0.1"
    )
    policy = HostPolicy.for_bind("127.0.0.1", ["mcp.example.com"], [""])
    guard = ExposureGuard(policy=policy, max_body_bytes=1 << 20, adapter="mcp")
    app = FrontDoor(mcp, adapter="mcp", guard=guard)
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    headers = [("host", host), ("content-type", "application/json"), ("accept", "application/json")]
    answer = asyncio.run(call_asgi(app, headers=headers, body=body))
    assert answer is not None and answer.status == status
