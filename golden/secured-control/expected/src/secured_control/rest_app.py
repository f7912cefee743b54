"""The REST adapter dockyard-api: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504 (see `rest_support.py`).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Body, FastAPI, Query, Request, Response
from starlette.middleware import Middleware

from . import __version__, operations
from .inbound_auth import RequireCredentials
from .rest_support import ERROR_RESPONSES, build_app, relay, serve_directly
from .settings import load_settings
from .upstream import UpstreamClient, text

__all__ = ["create_app", "router"]

TITLE: Final = "Dockyard Gateway"
DESCRIPTION: Final = "Vessels of the legacy dockyard behind authenticated REST and MCP adapters."

router = APIRouter()


def _client(request: Request) -> UpstreamClient:
    client: UpstreamClient = request.app.state.upstream
    return client


@router.get(
    "/vessels",
    operation_id="list-vessels",
    summary="List vessels, optionally by status",
    tags=["vessels"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def list_vessels(
    request: Request,
    *,
    status: Annotated[
        str | None, Query(description="Operational status (active, laid_up, scrapped)")
    ] = None,
) -> Response:
    """List vessels, optionally by status"""
    upstream = await operations.list_vessels(
        _client(request),
        status=status,
    )
    return relay(upstream)


@router.post(
    "/vessels",
    operation_id="register-vessel",
    summary="Register a vessel",
    tags=["vessels"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def register_vessel(
    request: Request,
    *,
    vessel_code: Annotated[
        str | None, Body(embed=True, alias="vesselCode", description="Dockyard code of the vessel")
    ] = None,
    name: Annotated[str | None, Body(embed=True, description="Name of the vessel")] = None,
) -> Response:
    """Register a vessel"""
    upstream = await operations.register_vessel(
        _client(request),
        vessel_code=vessel_code,
        vessel_name=name,
    )
    return relay(upstream)


# Routes whose inputs are all plain text are served without FastAPI's per-request dependency
# solving (see `serve_directly`): these endpoints read the arguments straight from the request.


async def _list_vessels_direct(request: Request) -> Response:
    return await list_vessels(request, status=request.query_params.get("status"))


serve_directly(
    router.routes,
    {
        list_vessels: _list_vessels_direct,
    },
)


def create_app(client: UpstreamClient | None = None, *, otel: bool | None = None) -> FastAPI:
    """Build the REST adapter; without a client, one is configured from the environment.

    `otel` switches FastAPI's native OpenTelemetry on (default: NAFTIKO_OTEL=1).
    """
    upstream = client if client is not None else UpstreamClient(load_settings())
    secrets = upstream.secrets
    return build_app(
        upstream,
        router.routes,
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        close_client=client is None,
        otel=otel,
        middleware=[
            Middleware(
                RequireCredentials,
                expected=text(secrets.gateway_api_key),
                header="X-Gateway-Key",
                query=None,
                challenge="Bearer",
            )
        ],
    )
