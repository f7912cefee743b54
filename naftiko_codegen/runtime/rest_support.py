"""The REST adapter's plumbing: upstream answers relayed, RFC 9457 problems, and the FastAPI app.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` with 502, 503 or 504 (422 for a value no upstream request can
carry). The generated `rest_app.py` declares the routes and builds its app with `build_app`,
which also makes a 405's `Allow` list every method of the path, redirects a path that only lacks
(or has an extra) trailing slash with a relative `Location` (never built from the client's
`Host`), and documents in OpenAPI the statuses that pass through.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, Mount, Router, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from .api_docs import add_docs
from .http_client import HttpClient, UpstreamError, UpstreamResponse, user_hooks

__all__ = [
    "ERROR_RESPONSES",
    "PASSED_THROUGH",
    "PROBLEM_JSON",
    "build_app",
    "relay",
    "serve_directly",
]

PROBLEM_JSON: Final = "application/problem+json"
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    502: {"description": "The upstream API could not be reached (problem+json)."},
    504: {"description": "The upstream API did not answer in time (problem+json)."},
}
"""The answers every proxied route may give besides the upstream's own (for OpenAPI)."""

PASSED_THROUGH: Final[dict[str, str]] = {
    "201": "Created: the upstream API's answer, passed through.",
    "204": "No content: the upstream API's answer, passed through.",
    "400": "The upstream API refused the request (passed through).",
    "401": "Credentials missing or wrong: this adapter's (problem+json) or the upstream API's.",
    "403": "Forbidden by the upstream API, or an Origin this adapter does not answer "
    "(problem+json).",
    "404": "Not found: the upstream API's answer, passed through.",
    "409": "Conflict: the upstream API's answer, passed through.",
    "413": "The request body is larger than --max-body-bytes (problem+json).",
    "421": "A Host this adapter does not answer (problem+json).",
    "503": "The adapter is shutting down or holds too many connections, or the upstream API is "
    "refused for now: its circuit breaker is open or its connections are all busy (problem+json).",
    "default": "Any other status of the upstream API, passed through with its body.",
}
"""Statuses an operation may answer besides 200 and `ERROR_RESPONSES` (for OpenAPI)."""

_BODYLESS_STATUSES: Final = frozenset({204, 304})
_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~"
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
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                _document_pass_through(operation)
        app.openapi_schema = schema
    return app.openapi_schema


def _document_pass_through(operation: dict[str, Any]) -> None:
    """Add the statuses an operation may answer besides its declared ones."""
    responses = operation.setdefault("responses", {})
    for status, description in PASSED_THROUGH.items():
        responses.setdefault(status, {"description": description})


async def _method_not_allowed(request: Request, error: Exception) -> Response:
    """405 naming every method the path has (Starlette names only the first route's)."""
    assert isinstance(error, HTTPException)
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route_methods
    allowed = ", ".join(sorted(methods))
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Method Not Allowed",
            "status": 405,
            "detail": f"{request.method} is not served at this path; it allows {allowed}",
            "instance": request.url.path,
        },
        status_code=405,
        headers={"Allow": allowed},
        media_type=PROBLEM_JSON,
    )


def _relative_slash_redirect(router: Router) -> ASGIApp:
    """The router's fallback: redirect to the same path with or without its trailing slash.

    Starlette's own redirect builds an absolute `Location` from the client's `Host` header; this
    one is relative (the path and query only), and never starts with `//` (another host).
    """
    not_found = router.default

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path not in ("", "/"):
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            probe = {**scope, "path": other}
            if not other.startswith("//") and any(
                route.matches(probe)[0] != Match.NONE for route in router.routes
            ):
                location = quote(other, safe=_PATH_SAFE)
                if scope.get("query_string"):
                    location += "?" + scope["query_string"].decode("latin-1")
                redirect = Response(status_code=307, headers={"Location": location})
                await redirect(scope, receive, send)
                return
        await not_found(scope, receive, send)

    return default


def _before_the_docs(router: Router, routes: Sequence[BaseRoute]) -> None:
    """Add `routes` before the routes already there (OpenAPI, the docs pages and their files),
    unless one of them could answer a path of those.

    The router tries its routes in order: behind five documentation routes, every proxied
    request paid five failed matches first (a fifth of the app's own time per request). When
    no route of `routes` matches a documentation path, which route comes first changes no answer.
    """
    docs = list(router.routes)
    probes: list[str] = []
    for route in docs:
        path = str(getattr(route, "path", ""))
        probes += [path + "/x", path + "/x.js"] if isinstance(route, Mount) else [path]
    for probe in probes:
        scope = {"type": "http", "method": "GET", "path": probe, "root_path": ""}
        if any(route.matches(scope)[0] != Match.NONE for route in routes):
            router.routes.extend(routes)
            return
    router.routes[:] = [*routes, *docs]


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
        docs_url=None,  # FastAPI's pages load from a CDN: add_docs serves them offline
        redoc_url=None,
        **_telemetry_options(otel),
    )
    add_docs(app)
    app.state.upstream = client
    # Routes are added to the app directly: an included router adds a layer to every request.
    _before_the_docs(app.router, routes)
    app.add_exception_handler(UpstreamError, _upstream_problem)
    app.add_exception_handler(405, _method_not_allowed)
    app.router.redirect_slashes = False
    app.router.default = _relative_slash_redirect(app.router)
    for layer in middleware:
        app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
    hooks = user_hooks()
    if hooks is not None:  # Your extension module: extra routes and app adjustments.
        app.include_router(hooks.router)
        hooks.configure_app(app)
    paths, parameters = spec_paths or {}, spec_path_parameters or {}
    app.state.spec_paths = dict(paths)  # metrics and traces label routes as the spec writes them
    app.openapi = lambda: _spec_openapi(app, paths, parameters)  # type: ignore[method-assign]
    return app
