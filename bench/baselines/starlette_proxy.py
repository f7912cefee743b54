"""Minimal hand-written REST proxy: plain Starlette + one pooled aiohttp session.

Same contract as `fastapi_proxy.py` without FastAPI's dependency and validation layer: the
stretch baseline for the generated adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from _serve import parse_args, run
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

args = parse_args(__doc__ or "")
URL = f"{args.upstream.rstrip('/')}/api/sessions"
PARAMS = {"token": args.token} if args.token else {}
state: dict[str, aiohttp.ClientSession] = {}


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    state["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    yield
    await state["session"].close()


async def list_sessions(_: Request) -> Response:
    """Relay the upstream's session list."""
    async with state["session"].get(URL, params=PARAMS) as upstream:
        body = await upstream.read()
        return Response(body, upstream.status, media_type=upstream.headers.get("Content-Type"))


app = Starlette(routes=[Route("/v1/api/sessions", list_sessions)], lifespan=lifespan)

if __name__ == "__main__":
    run(app, args.host, args.port)
