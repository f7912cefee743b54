"""`runtime/connections.py`: connection cap, header/body/idle deadlines, header size, descriptors."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from naftiko_codegen.runtime import connections
from naftiko_codegen.runtime.connections import ConnectionLimits, fit_descriptors, protocol_class
from naftiko_codegen.runtime.serving import AdapterServer
from naftiko_codegen.runtime.tests.loopback import free_port

LIMITS = ConnectionLimits(
    max_connections=3,
    header_timeout=0.3,
    body_timeout=0.3,
    keep_alive_timeout=0.2,
    max_header_bytes=2000,
)
GET = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the body and answer 200 `ok`; `/early` answers unread, `/stream` unread, never ends."""
    if scope["type"] != "http":
        return
    if scope["path"] not in ("/early", "/stream"):
        while (await receive()).get("more_body", False):
            pass
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    if scope["path"] == "/stream":
        await asyncio.sleep(3600)
    await send({"type": "http.response.body", "body": b"ok"})


@contextlib.asynccontextmanager
async def serving(limits: ConnectionLimits = LIMITS) -> AsyncIterator[int]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=protocol_class(limits), ws="none",
        lifespan="off", log_level="critical", timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
    )  # fmt: skip
    server = AdapterServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        server.force_exit = True
        await asyncio.wait_for(task, 5)


async def read_all(reader: asyncio.StreamReader, timeout: float = 3.0) -> bytes:
    """Everything until the server closes the connection."""
    return await asyncio.wait_for(reader.read(), timeout)


def run(test: Callable[[int], Awaitable[Any]], limits: ConnectionLimits = LIMITS) -> Any:
    async def exercise() -> Any:
        async with serving(limits) as port:
            return await test(port)

    return asyncio.run(exercise())


def test_a_request_is_served_and_an_idle_connection_closed() -> None:
    async def test(port: int) -> tuple[bytes, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GET)
        first = await reader.readuntil(b"ok")
        rest = await read_all(reader)  # idle after the answer: closed
        writer.close()
        return first, rest

    first, rest = run(test)
    assert first.startswith(b"HTTP/1.1 200") and rest == b""


@pytest.mark.parametrize(
    ("sent", "status", "option"),
    [
        (b"GET / HTTP/1.1\r\nHost: loc", b"408", b"--header-timeout"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12", b"408", b"--body-timeout"),
        (b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\n", b"431", b"--max-header-bytes"),
        (
            b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"b" * 3000 + b"\r\n\r\n",
            b"431",
            b"--max-header-bytes",
        ),
    ],
)
def test_slow_or_large_requests_are_answered_and_closed(
    sent: bytes, status: bytes, option: bytes
) -> None:
    async def test(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(sent)
        answer = await read_all(reader)
        writer.close()
        return answer

    answer = run(test)
    assert answer.startswith(b"HTTP/1.1 " + status) and option in answer


def test_a_connection_used_again_and_again_gets_fresh_deadlines() -> None:
    async def test(port: int) -> tuple[list[bytes], bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answers = []
        # Longer in all than every deadline of LIMITS together: each request moves them on.
        for _ in range(6):
            writer.write(GET)
            answers.append(await reader.readuntil(b"ok"))
            await asyncio.sleep(0.15)  # idle, under the keep-alive timeout
        writer.write(b"GET / HTTP/1.1\r\nHost: loc")  # then headers that stall
        late = await read_all(reader)
        writer.close()
        return answers, late

    answers, late = run(test)
    assert [answer[:12] for answer in answers] == [b"HTTP/1.1 200"] * 6
    assert late.startswith(b"HTTP/1.1 408") and b"--header-timeout" in late


def test_a_silent_connection_is_closed_without_an_answer() -> None:
    async def test(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await read_all(reader)
        writer.close()
        return answer

    assert run(test) == b""


def test_an_answer_before_the_body_ends_frees_the_connection() -> None:
    async def test(port: int) -> tuple[bytes, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n12")
        first = await reader.readuntil(b"ok")
        writer.write(b"34")  # the rest of the body, discarded; then the connection idles
        rest = await read_all(reader)
        writer.close()
        return first, rest

    first, rest = run(test)
    assert first.startswith(b"HTTP/1.1 200") and rest == b""


def test_a_slow_body_after_the_answer_started_is_just_closed() -> None:
    async def test(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n1")
        answer = await read_all(reader)
        writer.close()
        return answer

    answer = run(test)
    assert answer.startswith(b"HTTP/1.1 200") and b"408" not in answer


def test_connections_beyond_the_cap_are_refused_at_once() -> None:
    async def test(port: int) -> tuple[bytes, bytes]:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GET)  # read nothing: the protocol ignores it
        refused = await read_all(reader)
        writer.close()
        for _, held_writer in held:
            held_writer.close()
        await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GET)
        served = await reader.readuntil(b"ok")
        writer.close()
        return refused, served

    refused, served = run(test)
    assert refused.startswith(b"HTTP/1.1 503") and b"--max-connections" in refused
    assert served.startswith(b"HTTP/1.1 200")


def test_pipelined_requests_are_both_answered() -> None:
    async def test(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GET + GET)
        answer = await read_all(reader)
        writer.close()
        return answer

    assert run(test).count(b"HTTP/1.1 200") == 2


def test_descriptors_are_reserved_under_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import resource

    limits = {"now": (1024, 4096)}
    monkeypatch.setattr(resource, "getrlimit", lambda _: limits["now"])
    monkeypatch.setattr(resource, "setrlimit", lambda _, value: limits.update(now=value))
    monkeypatch.setattr(connections, "_reserved", 0)
    assert fit_descriptors(1000) == 1000 and limits["now"] == (1256, 4096)
    assert fit_descriptors(1000) == 1000 and limits["now"] == (2256, 4096)
    assert fit_descriptors(5000) == 4096 - 256 - 2000  # the hard limit: capped
    monkeypatch.setattr(resource, "getrlimit", lambda _: (resource.RLIM_INFINITY,) * 2)
    assert fit_descriptors(10) == 10
