"""`workers.listen` and `serving.run_until_stopped`: every port bound before any serves, and a
port another program holds stops `serve` with one line naming the option that changes it."""

from __future__ import annotations

import argparse
import asyncio
import socket
from collections.abc import Iterator

import pytest

from naftiko_codegen.runtime import connections, workers
from naftiko_codegen.runtime.http_client import HttpClient
from naftiko_codegen.runtime.ops import ops_options
from naftiko_codegen.runtime.serving import (
    AdapterServer,
    adapter_options,
    command_line,
    http_server,
    logging_options,
    run_until_stopped,
)
from naftiko_codegen.runtime.tests.loopback import free_port


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(workers.WORKER_VARIABLE, raising=False)
    monkeypatch.setattr(connections, "_reserved", 0)  # each server reserves descriptors


@pytest.fixture
def taken() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _options() -> argparse.Namespace:
    parser, serve_parser = command_line("demo", "A demo.", "1.2.3")
    adapter_options(serve_parser, "rest", "REST adapter", 8080, "REST adapter port")
    ops_options(serve_parser)
    logging_options(serve_parser)
    return parser.parse_args(["serve"])


def _server(port: int, adapter: str, host: str = "127.0.0.1") -> AdapterServer:
    return http_server(lambda *_: None, host, port, _options(), adapter=adapter)


class _Closing(HttpClient):
    def __init__(self) -> None:
        super().__init__({})
        self.closed = 0

    async def close(self) -> None:
        self.closed += 1


def test_listen_binds_each_server_its_own_sockets() -> None:
    rest, ops = _server(free_port(), "rest"), _server(0, "ops", "localhost")
    try:
        assert workers.listen([rest, ops]) is None
        assert rest.sockets is not None and ops.sockets is not None
        assert [s.getsockname()[1] for s in rest.sockets] == [rest.config.port]
        assert len(ops.sockets) >= 1  # localhost: one socket per address it names
        with socket.socket() as other, pytest.raises(OSError):  # not shared: the port is ours
            other.bind(("127.0.0.1", rest.config.port))
            other.listen()
    finally:
        for sock in [*(rest.sockets or ()), *(ops.sockets or ())]:
            sock.close()


def test_a_taken_port_leaves_nothing_bound_and_names_its_option(taken: int) -> None:
    rest, ops = _server(free_port(), "rest"), _server(taken, "ops")
    refusal = workers.listen([rest, ops])
    assert refusal == (
        f"port {taken} (the operations port, 127.0.0.1) is in use by another program: choose "
        "another port with --ops-port or NAFTIKO_OPS_PORT, or turn it off with --no-ops"
    )
    assert rest.sockets is not None and all(s.fileno() == -1 for s in rest.sockets)


@pytest.mark.parametrize(
    ("adapter", "host_option"),
    [("rest", "--host or NAFTIKO_HOST"), ("ops", "--ops-host or NAFTIKO_OPS_HOST")],
)
def test_an_address_this_machine_lacks_names_the_host_option(
    adapter: str, host_option: str
) -> None:
    refusal = workers.listen([_server(free_port(), adapter, "192.0.2.1")])  # TEST-NET-1
    assert refusal is not None and refusal.startswith("cannot listen on 192.0.2.1:")
    assert f"--{adapter}-port or NAFTIKO_{adapter.upper()}_PORT" in refusal
    assert refusal.endswith(f"the address with {host_option}")


def test_a_taken_port_stops_serve_before_anything_serves(taken: int) -> None:
    rest, ops = _server(free_port(), "rest"), _server(taken, "ops")
    client = _Closing()
    cancelled: list[bool] = []

    async def stdio() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def exercise() -> None:
        task = asyncio.create_task(stdio())
        await asyncio.sleep(0)  # it runs
        await run_until_stopped("demo", client, [rest, ops], [task])

    with pytest.raises(SystemExit) as stopped:
        asyncio.run(exercise())
    message = str(stopped.value.code)
    assert message.startswith(f"demo: error: port {taken} (the operations port, 127.0.0.1)")
    assert "\n" not in message and "NAFTIKO_OPS_PORT" in message
    assert not rest.started and (client.closed, cancelled) == (1, [True])
