"""The REST adapter fleet-api: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504 (see `rest_support.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.middleware import Middleware

from . import __version__, operations, orchestration
from .digest_auth import RequireDigest
from .mapping import map_output
from .rest_support import ERROR_RESPONSES, build_app, relay, serve_directly
from .settings import load_settings
from .upstream import UpstreamClient, UpstreamResponse, text

__all__ = ["create_app", "router"]

TITLE: Final = "Fleet Orchestration"
DESCRIPTION: Final = (
    "Ships from a JSON registry, crew from a CSV export, ports from XML and YAML feeds."
)

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


@router.post(
    "/ships/{imo}/manifest",
    operation_id="file-manifest",
    summary="POST /ships/{imo}/manifest",
    tags=["manifest"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def file_manifest(
    request: Request,
    *,
    imo: Annotated[str, Path(description="IMO number of the ship")],
    manifest: Annotated[str | None, Body(embed=True, description="The manifest (CSV text)")] = None,
) -> Response:
    """POST /ships/{imo}/manifest"""
    upstream = await operations.upload_manifest(
        _client(request),
        imo_number=imo,
        body=[
            {"name": "kind", "value": "cargo", "filename": None, "contentType": None},
            {
                "name": "file",
                "value": manifest,
                "filename": "manifest.csv",
                "contentType": "text/csv",
            },
        ],
    )
    return relay(upstream)


@router.get(
    "/ships/{imo}",
    operation_id="get-ship",
    summary="GET /ships/{imo}",
    tags=["ship"],
    response_class=Response,
    responses=ERROR_RESPONSES,
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
    responses=ERROR_RESPONSES,
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
    responses=ERROR_RESPONSES,
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


@router.get(
    "/notices",
    operation_id="notice-table",
    summary="GET /notices",
    tags=["notices"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def notice_table(
    request: Request,
) -> Response:
    """GET /notices"""
    upstream = await operations.notice_table(
        _client(request),
    )
    return relay_mapped(
        upstream,
        {
            "type": "array",
            "mapping": "$.tables[0]",
            "items": {
                "type": "object",
                "properties": {
                    "port": {"type": "string", "mapping": "$.Port"},
                    "notice": {"type": "string", "mapping": "$.Notice"},
                },
            },
        },
    )


@router.post(
    "/notices",
    operation_id="bulletin",
    summary="POST /notices",
    tags=["notices"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def bulletin(
    request: Request,
) -> Response:
    """POST /notices"""
    upstream = await operations.bulletin(
        _client(request),
    )
    return relay_mapped(
        upstream,
        {
            "type": "array",
            "mapping": "$.sections",
            "items": {
                "type": "object",
                "properties": {
                    "heading": {"type": "string", "mapping": "$.heading"},
                    "content": {"type": "string", "mapping": "$.content"},
                },
            },
        },
    )


@router.put(
    "/notices",
    operation_id="berth-feed",
    summary="PUT /notices",
    tags=["notices"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def berth_feed(
    request: Request,
) -> Response:
    """PUT /notices"""
    upstream = await operations.berth_feed(
        _client(request),
    )
    return relay_mapped(
        upstream,
        {
            "type": "array",
            "mapping": "$.berths",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "mapping": "$.code"},
                    "free": {"type": "boolean", "mapping": "$.free"},
                },
            },
        },
    )


@router.patch(
    "/notices",
    operation_id="tide-feed",
    summary="PATCH /notices",
    tags=["notices"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def tide_feed(
    request: Request,
) -> Response:
    """PATCH /notices"""
    upstream = await operations.tide_feed(
        _client(request),
    )
    return relay_mapped(
        upstream,
        {
            "type": "array",
            "mapping": "$.tides",
            "items": {
                "type": "object",
                "properties": {
                    "port": {"type": "string", "mapping": "$.port"},
                    "height": {"type": "number", "mapping": "$.height_m"},
                },
            },
        },
    )


# Routes whose inputs are all plain text are served without FastAPI's per-request dependency
# solving (see `serve_directly`): these endpoints read the arguments straight from the request.


async def _get_ship_direct(request: Request) -> Response:
    return await get_ship(request, imo=request.path_params["imo"])


async def _get_ship_with_crew_direct(request: Request) -> Response:
    return await get_ship_with_crew(request, imo=request.path_params["imo"])


async def _list_ports_direct(request: Request) -> Response:
    return await list_ports(request)


async def _notice_table_direct(request: Request) -> Response:
    return await notice_table(request)


async def _bulletin_direct(request: Request) -> Response:
    return await bulletin(request)


async def _berth_feed_direct(request: Request) -> Response:
    return await berth_feed(request)


async def _tide_feed_direct(request: Request) -> Response:
    return await tide_feed(request)


serve_directly(
    router.routes,
    {
        get_ship: _get_ship_direct,
        get_ship_with_crew: _get_ship_with_crew_direct,
        list_ports: _list_ports_direct,
        notice_table: _notice_table_direct,
        bulletin: _bulletin_direct,
        berth_feed: _berth_feed_direct,
        tide_feed: _tide_feed_direct,
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
                RequireDigest,
                username=text(secrets.fleet_user),
                password=text(secrets.fleet_password),
                realm="fleet-api",
            )
        ],
    )
