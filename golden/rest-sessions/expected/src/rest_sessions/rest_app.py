"""The REST adapter rest-sessions-rest: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504 (see `rest_support.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, FastAPI, Path, Request, Response

from . import __version__, operations
from .rest_support import ERROR_RESPONSES, build_app, relay, serve_directly
from .settings import load_settings
from .upstream import UpstreamClient

__all__ = ["create_app", "router"]

TITLE: Final = "Jupyter Notebook REST API — Sessions"
DESCRIPTION: Final = (
    "REST adapter for Jupyter Notebook REST API — Sessions. One Spectral-compliant resource per consumed operation, prefixed with /v1."
)
# FastAPI path parameters must be identifiers; the OpenAPI document shows the spec's names.
_SPEC_PATHS: Final[dict[str, str]] = {
    "/v1/api/sessions/{session_id}": "/v1/api/sessions/{session-id}",
}
_SPEC_PATH_PARAMETERS: Final[dict[tuple[str, str], str]] = {
    ("/v1/api/sessions/{session-id}", "session_id"): "session-id",
}

router = APIRouter()


def _client(request: Request) -> UpstreamClient:
    client: UpstreamClient = request.app.state.upstream
    return client


@router.get(
    "/v1/api/sessions",
    operation_id="listsessions",
    summary="Jupyter Notebook List running sessions",
    tags=["api-sessions"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def listsessions(
    request: Request,
) -> Response:
    """Jupyter Notebook List running sessions"""
    upstream = await operations.listsessions(
        _client(request),
    )
    return relay(upstream)


@router.post(
    "/v1/api/sessions",
    operation_id="createsession",
    summary="Jupyter Notebook Create a new session",
    tags=["api-sessions"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def createsession(
    request: Request,
    *,
    body: Annotated[dict[str, Any], Body(description="Request body (JSON).")],
) -> Response:
    """Jupyter Notebook Create a new session"""
    upstream = await operations.createsession(
        _client(request),
        body=body,
    )
    return relay(upstream)


@router.get(
    "/v1/api/sessions/{session_id}",
    operation_id="getsession",
    summary="Jupyter Notebook Get a session",
    tags=["api-sessions-session-id"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def getsession(
    request: Request,
    *,
    session_id: Annotated[str, Path(description="Unique identifier for the session.")],
) -> Response:
    """Jupyter Notebook Get a session"""
    upstream = await operations.getsession(
        _client(request),
        session_id=session_id,
    )
    return relay(upstream)


@router.patch(
    "/v1/api/sessions/{session_id}",
    operation_id="updatesession",
    summary="Jupyter Notebook Update a session",
    tags=["api-sessions-session-id"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def updatesession(
    request: Request,
    *,
    session_id: Annotated[str, Path(description="Unique identifier for the session.")],
    body: Annotated[dict[str, Any], Body(description="Request body (JSON).")],
) -> Response:
    """Jupyter Notebook Update a session"""
    upstream = await operations.updatesession(
        _client(request),
        session_id=session_id,
        body=body,
    )
    return relay(upstream)


@router.delete(
    "/v1/api/sessions/{session_id}",
    operation_id="deletesession",
    summary="Jupyter Notebook Delete a session",
    tags=["api-sessions-session-id"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def deletesession(
    request: Request,
    *,
    session_id: Annotated[str, Path(description="Unique identifier for the session.")],
) -> Response:
    """Jupyter Notebook Delete a session"""
    upstream = await operations.deletesession(
        _client(request),
        session_id=session_id,
    )
    return relay(upstream)


# Routes whose inputs are all plain text are served without FastAPI's per-request dependency
# solving (see `serve_directly`): these endpoints read the arguments straight from the request.


async def _listsessions_direct(request: Request) -> Response:
    return await listsessions(request)


async def _getsession_direct(request: Request) -> Response:
    return await getsession(request, session_id=request.path_params["session_id"])


async def _deletesession_direct(request: Request) -> Response:
    return await deletesession(request, session_id=request.path_params["session_id"])


serve_directly(
    router.routes,
    {
        listsessions: _listsessions_direct,
        getsession: _getsession_direct,
        deletesession: _deletesession_direct,
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
        spec_paths=_SPEC_PATHS,
        spec_path_parameters=_SPEC_PATH_PARAMETERS,
    )
