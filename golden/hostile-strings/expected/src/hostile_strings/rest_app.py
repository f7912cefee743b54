"""The REST adapter hostile-api: a FastAPI app that proxies each route upstream.

Upstream status codes and bodies pass through unchanged; transport failures answer
`application/problem+json` (RFC 9457) with 502 or 504 (see `rest_support.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.middleware import Middleware

from . import __version__, operations
from .jwt_auth import RequireJwt
from .mapping import map_output
from .rest_support import ERROR_RESPONSES, build_app, relay, serve_directly
from .settings import load_settings
from .upstream import UpstreamClient, UpstreamResponse

__all__ = ["create_app", "router"]

TITLE: Final = "Hostile \"Strings\" — '''x''' \\ {{ raw }} # </script> *b* _i_ `c` |p| [l](u) ✓"
DESCRIPTION: Final = (
    "Line one with \"\"\"triple\"\"\" and '''triple''' quotes, a backslash \\ and \\n escapes,\n{{ not_a_placeholder }} and {% not_a_tag %} and {# not a comment #}, # not a comment,\n</script> closing tag, Markdown *stars* _under_ `ticks` | pipes | [link](http://x) <b>html</b>,\nunicode: ünïcödé 🚢 — “curly” ‘quotes’ and a NUL-free tab\there.\n\nA second paragraph\\\nending with a backslash\\\n"
)
# FastAPI path parameters must be identifiers; the OpenAPI document shows the spec's names.
_SPEC_PATHS: Final[dict[str, str]] = {
    "/things/{thing_id}": "/things/{thing-id}",
}
_SPEC_PATH_PARAMETERS: Final[dict[tuple[str, str], str]] = {
    ("/things/{thing-id}", "thing_id"): "thing-id",
}

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
    "/things/{thing_id}",
    operation_id="get-thing",
    summary="Get \"thing\" ''' \\ {{ x }} | ` # ✓",
    description="Get one thing. \"\"\"Triple\"\"\" '''triple''' \\ \\\\ \\n {{ x }} {% y %} #\n| `a` *b* _c_ [d](e) <f> </script> ✓ 🚢\n",
    tags=["things"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def get_thing(
    request: Request,
    *,
    thing_id: Annotated[
        str, Path(description="The \"id\" '''x''' \\ {{ y }} # | ` </script>\nsecond line")
    ],
    filter_: Annotated[
        str | None,
        Query(alias="filter", description='Filter with """triple""" and \\\\ and `|` and #'),
    ] = None,
) -> Response:
    """Get one thing. \"\"\"Triple\"\"\" '''triple''' \\ \\\\ \\n {{ x }} {% y %} #
    | `a` *b* _c_ [d](e) <f> </script> ✓ 🚢"""
    upstream = await operations.get_thing(
        _client(request),
        thing_id=thing_id,
        q=filter_,
    )
    return relay(upstream)


@router.post(
    "/things/{thing_id}",
    operation_id="echo-thing",
    summary="A mock answering \"quotes\" '''x''' \\ {{ literally }} #",
    tags=["things"],
    response_class=Response,
    responses=ERROR_RESPONSES,
)
async def echo_thing(
    request: Request,
    *,
    thing_id: Annotated[str, Path(description="path parameter thing-id")],
) -> Response:
    """A mock answering "quotes" '''x''' \\ {{ literally }} #"""
    return JSONResponse({"message": "She said \"hi\" '''there''' \\ # </script> | ` ✓", "count": 3})


# Routes whose inputs are all plain text are served without FastAPI's per-request dependency
# solving (see `serve_directly`): these endpoints read the arguments straight from the request.


async def _get_thing_direct(request: Request) -> Response:
    return await get_thing(
        request,
        thing_id=request.path_params["thing_id"],
        filter_=request.query_params.get("filter"),
    )


async def _echo_thing_direct(request: Request) -> Response:
    return await echo_thing(request, thing_id=request.path_params["thing_id"])


serve_directly(
    router.routes,
    {
        get_thing: _get_thing_direct,
        echo_thing: _echo_thing_direct,
    },
)


def create_app(client: UpstreamClient | None = None, *, otel: bool | None = None) -> FastAPI:
    """Build the REST adapter; without a client, one is configured from the environment.

    `otel` switches FastAPI's native OpenTelemetry on (default: NAFTIKO_OTEL=1).
    """
    upstream = client if client is not None else UpstreamClient(load_settings())
    jwt_settings = upstream.settings.jwt
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
                RequireJwt,
                settings=jwt_settings,
                issuer="https://auth.example.com/\"quoted\" '''x''' \\ {{ braces }}",
                audience=("https://hostile.example.com/</script> # | `tick` ✓",),
                scopes=("things:read", 'odd "scope" \\ {{ x }} ✓'),
                resource="https://hostile.example.com/</script> # | `tick` ✓",
            )
        ],
        spec_paths=_SPEC_PATHS,
        spec_path_parameters=_SPEC_PATH_PARAMETERS,
    )
