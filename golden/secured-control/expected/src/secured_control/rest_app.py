"""The REST adapter dockyard-api: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, FastAPI, Query, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, request_response

from . import __version__, operations
from .inbound_auth import RequireCredentials
from .settings import load_settings
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse, text, user_hooks

__all__ = ["create_app", "router"]

TITLE: Final = "Dockyard Gateway"
DESCRIPTION: Final = "Vessels of the legacy dockyard behind authenticated REST and MCP adapters."
_PROBLEM_JSON: Final = "application/problem+json"
_BODYLESS_STATUSES: Final = frozenset({204, 304})
_ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    502: {"description": "The upstream API could not be reached (problem+json)."},
    504: {"description": "The upstream API did not answer in time (problem+json)."},
}

router = APIRouter()


def _client(request: Request) -> UpstreamClient:
    client: UpstreamClient = request.app.state.upstream
    return client


def relay(upstream: UpstreamResponse) -> Response:
    """Answer with the upstream status, body and content type, untouched."""
    if upstream.status in _BODYLESS_STATUSES or not upstream.body:
        return Response(status_code=upstream.status)
    return Response(upstream.body, upstream.status, media_type=upstream.content_type)


async def _upstream_problem(request: Request, error: Exception) -> Response:
    """Turn a transport failure into an RFC 9457 problem (never echoing credentials)."""
    assert isinstance(error, UpstreamError)
    return JSONResponse(
        {
            "type": "about:blank",
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
            "instance": request.url.path,
        },
        status_code=error.status,
        media_type=_PROBLEM_JSON,
    )


@router.get(
    "/vessels",
    operation_id="list-vessels",
    summary="List vessels, optionally by status",
    tags=["vessels"],
    response_class=Response,
    responses=_ERROR_RESPONSES,
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
    responses=_ERROR_RESPONSES,
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


# Routes whose inputs are all plain text (path segments, optional text query values) give
# FastAPI nothing to convert or reject, so its per-request dependency solving is skipped: these
# endpoints read the arguments straight from the request and call the handlers above, which
# stay the one implementation and still give FastAPI the signatures it documents.


async def _list_vessels_direct(request: Request) -> Response:
    return await list_vessels(request, status=request.query_params.get("status"))


_DIRECT_ENDPOINTS: Final[
    dict[Callable[..., Awaitable[Response]], Callable[[Request], Awaitable[Response]]]
] = {
    list_vessels: _list_vessels_direct,
}


def _serve_directly(routes: list[BaseRoute]) -> None:
    """Serve the routes listed in `_DIRECT_ENDPOINTS` through Starlette's plain wrapper."""
    for route in routes:
        if isinstance(route, APIRoute) and route.endpoint in _DIRECT_ENDPOINTS:
            route.app = request_response(_DIRECT_ENDPOINTS[route.endpoint])


_serve_directly(router.routes)


def _spec_openapi(app: FastAPI) -> dict[str, Any]:
    """Build the OpenAPI document once, with paths and path parameters as the spec names them."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        app.openapi_schema = schema
    return app.openapi_schema


def _telemetry_options(otel: bool | None) -> dict[str, Any]:
    """FastAPI's native OpenTelemetry (traces, metrics, logs), on only when asked for.

    FastAPI releases that have it look up OpenTelemetry's global providers on every request, a
    tenth of this adapter's own time per request even when none is configured. So it is off
    unless `otel` (default: the NAFTIKO_OTEL environment variable) says on.
    """
    if otel is None:
        otel = os.environ.get("NAFTIKO_OTEL", "").strip().lower() in ("1", "true", "yes", "on")
    if otel or "telemetry" not in inspect.signature(FastAPI).parameters:
        return {}  # on (FastAPI's default), or a FastAPI release without native telemetry
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def create_app(client: UpstreamClient | None = None, *, otel: bool | None = None) -> FastAPI:
    """Build the REST adapter; without a client, one is configured from the environment.

    `otel` switches FastAPI's native OpenTelemetry on (default: NAFTIKO_OTEL=1).
    """
    upstream = client if client is not None else UpstreamClient(load_settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if client is None:  # Close only what this app opened.
            await upstream.close()

    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        lifespan=lifespan,
        **_telemetry_options(otel),
    )
    app.state.upstream = upstream
    # Routes are added to the app directly: an included router adds a layer to every request.
    app.router.routes.extend(router.routes)
    app.add_exception_handler(UpstreamError, _upstream_problem)
    secrets = upstream.secrets
    app.add_middleware(
        RequireCredentials,
        expected=text(secrets.gateway_api_key),
        header="X-Gateway-Key",
        query=None,
        challenge="Bearer",
    )
    hooks = user_hooks()
    if hooks is not None:  # Your extension module: extra routes and app adjustments.
        app.include_router(hooks.router)
        hooks.configure_app(app)
    app.openapi = lambda: _spec_openapi(app)  # type: ignore[method-assign]
    return app
