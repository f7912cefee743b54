"""Loopback servers for the tests: a recording stub upstream, and any ASGI app served in-process."""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from aiohttp import web

__all__ = [
    "TOKEN_PATH",
    "RecordedRequest",
    "StubUpstream",
    "assert_body",
    "free_port",
    "multipart_parts",
    "serve_app",
    "stub_upstream",
]


@dataclass
class RecordedRequest:
    """What the stub upstream received."""

    method: str
    path: str
    """The raw (still percent-encoded) path."""
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


TOKEN_PATH = "/__naftiko_oauth2_token"
"""Where the stub answers oauth2 client credentials grants (the tests' `<API>_TOKEN_URL`)."""
_TOKEN = {"access_token": "stub-access-token", "token_type": "Bearer", "expires_in": 3600}


@dataclass
class StubUpstream:
    """A real HTTP server on 127.0.0.1 that answers every request with a canned reply."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    status: int = 200
    reply: Any = field(default_factory=lambda: {"ok": True})
    delay: float = 0.0
    """Seconds to wait before answering (to provoke timeouts)."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request, then answer `status` with `reply` as JSON (204: no body).

        `TOKEN_PATH` is an oauth2 token endpoint (client credentials), answered, not recorded.
        """
        if request.path == TOKEN_PATH and request.method == "POST":
            return web.json_response(_TOKEN)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.rel_url.raw_path,
                query=list(request.rel_url.query.items()),
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status == 204:
            return web.Response(status=204)
        return web.json_response(self.reply, status=self.status)


def free_port() -> int:
    """Ask the OS for a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _bound_socket() -> socket.socket:
    """A listening-ready TCP socket bound to a free loopback port, kept open."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


_SHUTDOWN_POLL_SECONDS = 0.005
_SHUTDOWN_POLLS = 1000
"""How often, and how many times, a stopping test server looks for connections still open."""


class _QuietServer(uvicorn.Server):
    """A uvicorn server for one test: leaves the runner's signals alone and stops at once.

    uvicorn polls for exit every 0.1 s and sleeps 0.1 s more while shutting down; a test
    starts one or two servers, and thousands of generated tests lost ~0.2 s each that way.
    `stop()` wakes the main loop instead, and shutdown polls the connections briefly.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._stopping = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def stop(self) -> None:
        self.should_exit = True
        self._stopping.set()

    async def main_loop(self) -> None:
        await self.on_tick(0)  # sets the default headers (Date) once, as uvicorn's loop does
        await self._stopping.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after
        for _ in range(_SHUTDOWN_POLLS):
            if not self.server_state.connections and not self.server_state.tasks:
                break
            await asyncio.sleep(_SHUTDOWN_POLL_SECONDS)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@contextlib.asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port; yield its base URL."""
    # The socket is bound here and handed over: a port picked and released first could be
    # taken by another test process before uvicorn binds it.
    sock = _bound_socket()
    port: int = sock.getsockname()[1]
    server = _QuietServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        await task


@contextlib.asynccontextmanager
async def stub_upstream(*, delay: float = 0.0) -> AsyncIterator[StubUpstream]:
    """Run a `StubUpstream` on a free loopback port."""
    stub = StubUpstream(delay=delay)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stub.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    sock = _bound_socket()
    port: int = sock.getsockname()[1]
    site = web.SockSite(runner, sock)
    await site.start()
    stub.url = f"http://127.0.0.1:{port}"
    try:
        yield stub
    finally:
        await runner.cleanup()


def multipart_parts(seen: RecordedRequest) -> list[dict[str, str]]:
    """The parts of a `multipart/form-data` body: name, value, filename and content type."""
    content_type = seen.headers.get("Content-Type", "")
    assert content_type.startswith("multipart/form-data; boundary="), content_type
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser().parsebytes(head + seen.body)  # headers kept verbatim
    parts: list[dict[str, str]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        found = {"name": str(part.get_param("name", "", header="content-disposition"))}
        found["value"] = payload.decode() if isinstance(payload, bytes) else ""
        if (filename := part.get_filename()) is not None:
            found["filename"] = filename
        declared = str(part.get("Content-Type", ""))
        if declared and not declared.startswith("text/plain"):  # text/plain: the default
            found["contentType"] = declared
        parts.append(found)
    return parts


def assert_body(seen: RecordedRequest, expected: tuple[str, Any]) -> None:
    """Check the body the stub received against `(format, value)`."""
    body_format, value = expected
    if body_format == "none":
        assert seen.body == b"", seen.body
    elif body_format == "json":
        assert json.loads(seen.body) == value
    elif body_format == "form":
        assert dict(parse_qsl(seen.body.decode(), keep_blank_values=True)) == value
    elif body_format == "multipart":
        assert multipart_parts(seen) == value
    else:
        assert seen.body.decode() == value
