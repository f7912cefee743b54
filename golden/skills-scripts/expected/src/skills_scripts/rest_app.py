"""The REST adapter tickets-api: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504 (see `rest_support.py`).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from . import __version__, operations
from .mapping import map_output
from .rest_support import ERROR_RESPONSES, build_app, relay, serve_directly
from .settings import load_settings
from .upstream import UpstreamClient, UpstreamResponse

__all__ = ["create_app", "router"]

TITLE: Final = "Ticket Triage"
DESCRIPTION: Final = "Tickets scored by a script and grouped into agent skills."

router = APIRouter()


def _client(request: Request) -> UpstreamClient:
    client: UpstreamClient = request.app.state.upstream
    return client


def relay_mapped(
    upstream: UpstreamResponse, shape: dict[str, Any], params: dict[str, Any] | None = None
) -> Response:
    """Answer a successful reply with the spec's output shape; relay anything else as is.

    As in the Naftiko engine, a shape that maps to nothing (or a body that does not parse)
    relays the upstream body unchanged; `params` render a Mustache output `value`.
    """
    if upstream.status >= 400 or not upstream.has_data:
        return relay(upstream)
    try:
        data = upstream.data()
    except ValueError:
        return relay(upstream)
    mapped = map_output(data, shape, single_item_lists=upstream.raw_format == "xml", params=params)
    if mapped is None:
        return relay(upstream)
    return JSONResponse(mapped, upstream.status)


@router.get(
    "/tickets",
    operation_id="list-tickets",
    summary="GET /tickets",
    tags=["tickets"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def list_tickets(
    request: Request,
) -> Response:
    """GET /tickets"""
    upstream = await operations.list_tickets(
        _client(request),
    )
    return relay(upstream)


# Routes whose inputs are all plain text are served without FastAPI's per-request dependency
# solving (see `serve_directly`): these endpoints read the arguments straight from the request.


async def _list_tickets_direct(request: Request) -> Response:
    return await list_tickets(request)


serve_directly(
    router.routes,
    {
        list_tickets: _list_tickets_direct,
    },
)


def create_app(client: UpstreamClient | None = None, *, otel: bool | None = None) -> FastAPI:
    """Build the REST adapter; without a client, one is configured from the environment.

    `otel` switches FastAPI's native OpenTelemetry on (default: NAFTIKO_OTEL=1).
    """
    upstream = client if client is not None else UpstreamClient(load_settings())
    return build_app(
        upstream,
        router.routes,
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        close_client=client is None,
        otel=otel,
    )
