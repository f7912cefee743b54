"""The REST adapter's plumbing: upstream answers relayed, RFC 9457 problems, and the FastAPI app.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` with 502 or 504. The generated `rest_app.py` declares the routes and
builds its app with `build_app`.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, request_response

from .http_client import HttpClient, UpstreamError, UpstreamResponse, user_hooks

__all__ = ["ERROR_RESPONSES", "PROBLEM_JSON", "build_app", "relay", "serve_directly"]

PROBLEM_JSON: Final = "application/problem+json"
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    502: {"description": "The upstream API could not be reached (problem+json)."},
    504: {"description": "The upstream API did not answer in time (problem+json)."},
}
"""The answers every proxied route may give besides the upstream's own (for OpenAPI)."""

_BODYLESS_STATUSES: Final = frozenset({204, 304})
_TRUE: Final = ("1", "true", "yes", "on")

Endpoint = Callable[[Request], Awaitable[Response]]


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
        media_type=PROBLEM_JSON,
    )


def serve_directly(
    routes: Sequence[BaseRoute], endpoints: Mapping[Callable[..., Awaitable[Response]], Endpoint]
) -> None:
    """Serve the routes whose handler `endpoints` maps through Starlette's plain wrapper.

    A route whose inputs are all plain text gives FastAPI nothing to convert or reject, so its
    per-request dependency solving is skipped: the direct endpoint reads the arguments straight
    from the request and calls the handler, which still gives FastAPI the signature it documents.
    """
    for route in routes:
        if isinstance(route, APIRoute) and route.endpoint in endpoints:
            route.app = request_response(endpoints[route.endpoint])


def _spec_openapi(
    app: FastAPI, paths: Mapping[str, str], parameters: Mapping[tuple[str, str], str]
) -> dict[str, Any]:
    """Build the OpenAPI document once, with paths and path parameters as the spec names them.

    FastAPI path parameters must be identifiers: `paths` maps a route path to the spec's, and
    `parameters` maps (spec path, argument) to the spec's parameter name.
    """
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        if paths:
            renamed: dict[str, Any] = {}
            for route_path, item in schema.get("paths", {}).items():
                spec_path = paths.get(route_path, route_path)
                for operation in item.values():
                    for parameter in operation.get("parameters", []):
                        if parameter.get("in") == "path":
                            key = (spec_path, parameter["name"])
                            parameter["name"] = parameters.get(key, parameter["name"])
                renamed[spec_path] = item
            schema["paths"] = renamed
        app.openapi_schema = schema
    return app.openapi_schema


def _telemetry_options(otel: bool | None) -> dict[str, Any]:
    """FastAPI's native OpenTelemetry (traces, metrics, logs), on only when asked for.

    FastAPI releases that have it look up OpenTelemetry's global providers on every request, a
    tenth of this adapter's own time per request even when none is configured. So it is off
    unless `otel` (default: the NAFTIKO_OTEL environment variable) says on.
    """
    if otel is None:
        otel = os.environ.get("NAFTIKO_OTEL", "").strip().lower() in _TRUE
    if otel or "telemetry" not in inspect.signature(FastAPI).parameters:
        return {}  # on (FastAPI's default), or a FastAPI release without native telemetry
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def build_app(
    client: HttpClient,
    routes: Sequence[BaseRoute],
    *,
    title: str,
    description: str,
    version: str,
    close_client: bool,
    otel: bool | None = None,
    middleware: Sequence[Middleware] = (),
    spec_paths: Mapping[str, str] | None = None,
    spec_path_parameters: Mapping[tuple[str, str], str] | None = None,
) -> FastAPI:
    """Build the REST adapter's app around its routes, with the user's hooks wired in.

    `close_client`: the app opened `client` and closes it on shutdown. `middleware` (inbound
    authentication) wraps every route, the hooks' extra routes too.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if close_client:  # Close only what this app opened.
            await client.close()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        **_telemetry_options(otel),
    )
    app.state.upstream = client
    # Routes are added to the app directly: an included router adds a layer to every request.
    app.router.routes.extend(routes)
    app.add_exception_handler(UpstreamError, _upstream_problem)
    for layer in middleware:
        app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
    hooks = user_hooks()
    if hooks is not None:  # Your extension module: extra routes and app adjustments.
        app.include_router(hooks.router)
        hooks.configure_app(app)
    paths, parameters = spec_paths or {}, spec_path_parameters or {}
    app.openapi = lambda: _spec_openapi(app, paths, parameters)  # type: ignore[method-assign]
    return app
