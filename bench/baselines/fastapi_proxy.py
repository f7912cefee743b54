"""Minimal hand-written REST proxy: FastAPI + one pooled aiohttp session, bytes passed through.

`GET /v1/api/sessions` → `GET {upstream}/api/sessions?token=…`, status, body and content type
unchanged. This is what a person would write by hand; the generated adapter should match it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from _serve import parse_args, run
from fastapi import FastAPI, Response

args = parse_args(__doc__ or "")
URL = f"{args.upstream.rstrip('/')}/api/sessions"
PARAMS = {"token": args.token} if args.token else {}
state: dict[str, aiohttp.ClientSession] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    state["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    yield
    await state["session"].close()


app = FastAPI(lifespan=lifespan)


@app.get("/v1/api/sessions", response_class=Response)
async def list_sessions() -> Response:
    """Relay the upstream's session list."""
    async with state["session"].get(URL, params=PARAMS) as upstream:
        body = await upstream.read()
        return Response(body, upstream.status, media_type=upstream.headers.get("Content-Type"))


if __name__ == "__main__":
    run(app, args.host, args.port)
