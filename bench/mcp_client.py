"""MCP client side of the benchmarks: sequential latency with the official client, and the
capture of one `tools/call` exchange so a load generator can replay it byte for byte.

The capture goes through a small recording proxy, so whatever the client negotiates (the
stateless 2026-07-28 protocol with its `Mcp-Method`/`Mcp-Name` headers, or the legacy
handshake) is what gets replayed.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from mcp import Client

_HOP_BY_HOP = frozenset({"host", "content-length", "connection", "transfer-encoding"})


@dataclass
class RecordedCall:
    """One `tools/call` POST as the official client sent it."""

    url: str
    headers: dict[str, str]
    body: bytes
    exchanges: list[str] = field(default_factory=list)
    """`METHOD jsonrpc-method -> status` for every request of the recorded conversation."""


async def _record(url: str, tool: str, arguments: dict[str, Any]) -> RecordedCall:
    recorded: dict[str, Any] = {}
    exchanges: list[str] = []
    session = aiohttp.ClientSession()

    async def relay(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        method = ""
        if body:
            try:
                method = str(json.loads(body).get("method", ""))
            except (ValueError, AttributeError):
                method = "?"
        if method == "tools/call":
            recorded.update(headers=headers, body=body)
        async with session.request(request.method, url, headers=headers, data=body) as answer:
            data = await answer.read()
            exchanges.append(f"{request.method} {method or '-'} -> {answer.status}")
            out_headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(body=data, status=answer.status, headers=out_headers)

    app = web.Application()
    app.router.add_route("*", "/mcp", relay)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            await client.list_tools()
            result = await client.call_tool(tool, arguments)
            if result.is_error:
                raise RuntimeError(f"{tool} answered an error: {result.content!r:.300}")
    finally:
        await runner.cleanup()
        await session.close()
    if "body" not in recorded:
        raise RuntimeError(f"no tools/call request seen; exchanges: {exchanges}")
    return RecordedCall(url, recorded["headers"], recorded["body"], exchanges)


def record_call(url: str, tool: str, arguments: dict[str, Any] | None = None) -> RecordedCall:
    """Run `list_tools` + `call_tool` through a recording proxy; return the `tools/call` POST."""
    return asyncio.run(_record(url, tool, arguments or {}))


async def _sequential(url: str, tool: str, calls: int, warmup: int) -> list[float]:
    samples: list[float] = []
    async with Client(url) as client:
        await client.list_tools()
        for index in range(warmup + calls):
            began = time.perf_counter()
            result = await client.call_tool(tool, {})
            elapsed = time.perf_counter() - began
            if result.is_error:
                raise RuntimeError(f"{tool} answered an error: {result.content!r:.300}")
            if index >= warmup:
                samples.append(elapsed * 1000)
    return samples


def sequential_latencies(url: str, tool: str, calls: int, warmup: int = 20) -> list[float]:
    """Milliseconds per `tools/call`, one after another on one `mcp.Client` connection."""
    return asyncio.run(_sequential(url, tool, calls, warmup))
