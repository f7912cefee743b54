"""The REST adapter fleet-api: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final

from fastapi import APIRouter, FastAPI, Path, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, request_response

from . import __version__, operations, orchestration
from .mapping import map_output
from .settings import load_settings
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse, user_hooks

__all__ = ["create_app", "router"]

TITLE: Final = "Fleet Orchestration"
DESCRIPTION: Final = (
    "Ships from a JSON registry, crew from a CSV export, ports from XML and YAML feeds."
)
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


def relay_mapped(upstream: UpstreamResponse, shape: dict[str, Any]) -> Response:
    """Answer a successful reply with the spec's output shape; relay anything else as is.

    As in the Naftiko engine, a shape that maps to nothing (or a body that does not parse)
    relays the upstream body unchanged.
    """
    if upstream.status >= 400 or not upstream.has_data:
        return relay(upstream)
    try:
        data = upstream.data()
    except ValueError:
        return relay(upstream)
    mapped = map_output(data, shape, single_item_lists=upstream.raw_format == "xml")
    if mapped is None:
        return relay(upstream)
    return JSONResponse(mapped, upstream.status)


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
    "/ships/{imo}",
    operation_id="get-ship",
    summary="GET /ships/{imo}",
    tags=["ship"],
    response_class=Response,
    responses=_ERROR_RESPONSES,
)
async def get_ship(
    request: Request,
    *,
    imo: Annotated[str, Path(description="IMO number of the ship")],
) -> Response:
    """GET /ships/{imo}"""
    upstream = await operations.get_ship(
        _client(request),
        imo_number=imo,
    )
    return relay_mapped(
        upstream,
        {
            "type": "object",
            "properties": {
                "imo": {"type": "string", "mapping": "$.imo_number"},
                "name": {"type": "string", "mapping": "$.vessel_name"},
                "specs": {
                    "type": "object",
                    "properties": {"tonnage": {"type": "number", "mapping": "$.gross_tonnage"}},
                },
            },
        },
    )


@router.get(
    "/ships/{imo}/crew",
    operation_id="get-ship-with-crew",
    summary="GET /ships/{imo}/crew",
    tags=["ship-crew"],
    response_class=Response,
    responses=_ERROR_RESPONSES,
)
async def get_ship_with_crew(
    request: Request,
    *,
    imo: Annotated[str, Path(description="IMO number of the ship")],
) -> Response:
    """GET /ships/{imo}/crew"""
    upstream = await orchestration.get_ship_with_crew(
        _client(request),
        imo=imo,
    )
    return relay(upstream)


@router.get(
    "/ports",
    operation_id="list-ports",
    summary="GET /ports",
    tags=["ports"],
    response_class=Response,
    responses=_ERROR_RESPONSES,
)
async def list_ports(
    request: Request,
) -> Response:
    """GET /ports"""
    upstream = await operations.list_ports(
        _client(request),
    )
    return relay_mapped(
        upstream,
        {
            "type": "array",
            "mapping": "$.ports.port",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "mapping": "$.code"},
                    "name": {"type": "string", "mapping": "$.name"},
                },
            },
        },
    )


# Routes whose inputs are all plain text (path segments, optional text query values) give
# FastAPI nothing to convert or reject, so its per-request dependency solving is skipped: these
# endpoints read the arguments straight from the request and call the handlers above, which
# stay the one implementation and still give FastAPI the signatures it documents.


async def _get_ship_direct(request: Request) -> Response:
    return await get_ship(request, imo=request.path_params["imo"])


async def _get_ship_with_crew_direct(request: Request) -> Response:
    return await get_ship_with_crew(request, imo=request.path_params["imo"])


async def _list_ports_direct(request: Request) -> Response:
    return await list_ports(request)


_DIRECT_ENDPOINTS: Final[
    dict[Callable[..., Awaitable[Response]], Callable[[Request], Awaitable[Response]]]
] = {
    get_ship: _get_ship_direct,
    get_ship_with_crew: _get_ship_with_crew_direct,
    list_ports: _list_ports_direct,
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
    hooks = user_hooks()
    if hooks is not None:  # Your extension module: extra routes and app adjustments.
        app.include_router(hooks.router)
        hooks.configure_app(app)
    app.openapi = lambda: _spec_openapi(app)  # type: ignore[method-assign]
    return app
