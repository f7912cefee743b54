"""`runtime/rest_support.py`: relaying, problems, direct endpoints, the app `build_app` builds."""

from __future__ import annotations

import asyncio
import inspect
import sys
import types
from typing import Annotated, Any

import aiohttp
import pytest
from fastapi import APIRouter, FastAPI, Path, Request, Response
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from naftiko_codegen.runtime import rest_support
from naftiko_codegen.runtime.http_client import (
    HttpClient,
    UpstreamApi,
    UpstreamError,
    UpstreamResponse,
)
from naftiko_codegen.runtime.rest_support import (
    ERROR_RESPONSES,
    PROBLEM_JSON,
    build_app,
    relay,
    serve_directly,
)
from naftiko_codegen.runtime.tests.loopback import serve_app

HOOKS = "naftiko_codegen.runtime.hooks"


def test_relay_keeps_status_body_and_content_type() -> None:
    answer = relay(UpstreamResponse(201, b"<a/>", "text/xml"))
    assert (answer.status_code, answer.body, answer.media_type) == (201, b"<a/>", "text/xml")


@pytest.mark.parametrize(("status", "body"), [(204, b"ignored"), (304, b""), (200, b"")])
def test_relay_sends_no_body_when_there_is_none_to_send(status: int, body: bytes) -> None:
    answer = relay(UpstreamResponse(status, body, "application/json"))
    assert (answer.status_code, answer.body) == (status, b"")


class _Tagging:
    """Middleware that marks every answer, to see where it sits."""

    def __init__(self, app: ASGIApp, *, tag: str) -> None:
        self.app, self.tag = app, tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-tag", self.tag.encode())]
            await send(message)

        await self.app(scope, receive, tagged)


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/items/{item_id}", responses=ERROR_RESPONSES)
    async def get_item(
        request: Request,
        item_id: Annotated[str, Path(description="The item.")],
        fields: str | None = None,
    ) -> Response:
        if item_id.endswith("down"):
            raise UpstreamError(502, "Upstream unreachable", "nobody there")
        body = f'{{"id": "{item_id}"}}'.encode()
        return relay(UpstreamResponse(200, body, "application/json"))

    async def direct(request: Request) -> Response:
        return await get_item(request, item_id="direct-" + request.path_params["item_id"])

    serve_directly(router.routes, {get_item: direct})
    return router


def _client() -> HttpClient:
    return HttpClient({"a": UpstreamApi("a", "http://127.0.0.1:9", 1.0)})


async def _get(app: FastAPI, *paths: str) -> list[tuple[int, dict[str, str], bytes]]:
    answers = []
    async with serve_app(app) as url, aiohttp.ClientSession() as session:
        for path in paths:
            async with session.get(url + path) as response:
                headers = {name.lower(): value for name, value in response.headers.items()}
                answers.append((response.status, headers, await response.read()))
    return answers


def test_build_app_serves_routes_problems_and_spec_named_openapi() -> None:
    client = _client()
    app = build_app(
        client,
        _router().routes,
        title="T",
        description="D",
        version="1.2",
        close_client=False,
        otel=False,
        middleware=[Middleware(_Tagging, tag="auth")],
        spec_paths={"/items/{item_id}": "/items/{item-id}"},
        spec_path_parameters={("/items/{item-id}", "item_id"): "item-id"},
    )
    item, down, openapi = asyncio.run(_get(app, "/items/7", "/items/down", "/openapi.json"))
    # The direct endpoint answered (it prefixes the id), through the middleware.
    assert item[0] == 200 and item[2] == b'{"id": "direct-7"}' and item[1]["x-tag"] == "auth"
    assert item[1]["content-type"] == "application/json"
    assert down[0] == 502 and down[1]["content-type"] == PROBLEM_JSON
    assert down[2] == (
        b'{"type":"about:blank","title":"Upstream unreachable","status":502,'
        b'"detail":"nobody there","instance":"/items/down"}'
    )
    document = app.openapi()
    assert list(document["paths"]) == ["/items/{item-id}"]
    parameters = document["paths"]["/items/{item-id}"]["get"]["parameters"]
    assert [(p["in"], p["name"]) for p in parameters] == [("path", "item-id"), ("query", "fields")]
    assert document["info"] == {"title": "T", "description": "D", "version": "1.2"}
    assert app.openapi() is document  # built once
    assert openapi[0] == 200
    assert app.state.upstream is client


def test_without_renames_the_openapi_paths_are_fastapi_s() -> None:
    app = build_app(
        _client(), _router().routes, title="T", description="", version="1", close_client=False
    )
    assert list(app.openapi()["paths"]) == ["/items/{item_id}"]


def test_the_app_closes_only_a_client_it_opened() -> None:
    closed: list[bool] = []

    class Recording(HttpClient):
        async def close(self) -> None:
            closed.append(True)

    for owned in (False, True):
        client = Recording({})
        app = build_app(client, [], title="T", description="", version="1", close_client=owned)
        asyncio.run(_get(app))
    assert closed == [True]


def test_hooks_add_routes_and_adjust_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    router = APIRouter()

    @router.get("/extra")
    async def extra() -> dict[str, str]:
        return {"extra": "yes"}

    def configure_app(app: FastAPI) -> None:
        app.state.configured = True

    hooks = types.ModuleType(HOOKS)
    hooks.router = router  # type: ignore[attr-defined]
    hooks.configure_app = configure_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, HOOKS, hooks)
    app = build_app(_client(), [], title="T", description="", version="1", close_client=False)
    ((status, _, body),) = asyncio.run(_get(app, "/extra"))
    assert (status, body, app.state.configured) == (200, b'{"extra":"yes"}', True)


def test_telemetry_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    has_telemetry = "telemetry" in inspect.signature(FastAPI).parameters
    off = {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    monkeypatch.delenv("NAFTIKO_OTEL", raising=False)
    assert rest_support._telemetry_options(None) == (off if has_telemetry else {})
    assert rest_support._telemetry_options(True) == {}
    monkeypatch.setenv("NAFTIKO_OTEL", " On ")
    assert rest_support._telemetry_options(None) == {}


def test_telemetry_options_suit_a_fastapi_without_telemetry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def old_fastapi(*, title: str = "") -> None:
        """A FastAPI release before native telemetry."""

    monkeypatch.setattr(rest_support, "FastAPI", old_fastapi)
    assert rest_support._telemetry_options(False) == {}


def test_only_listed_endpoints_are_served_directly() -> None:
    router = APIRouter()

    @router.get("/a")
    async def a() -> Response:
        return Response()

    async def replacement(request: Request) -> Response:
        return Response()

    original = router.routes[0].app  # type: ignore[attr-defined]
    serve_directly([*router.routes, object()], {})  # type: ignore[list-item]
    assert router.routes[0].app is original  # type: ignore[attr-defined]
    serve_directly(router.routes, {a: replacement})
    assert router.routes[0].app is not original  # type: ignore[attr-defined]


def _two_method_app() -> FastAPI:
    """An app whose `/things` has GET and POST as two routes, and a passed-through PUT."""
    router = APIRouter()

    @router.get("/things", response_class=Response, responses=ERROR_RESPONSES)
    async def list_things() -> Response:
        return Response(b"[]", media_type="application/json")

    @router.post("/things", response_class=Response, responses=ERROR_RESPONSES)
    async def add_thing() -> Response:
        return Response(status_code=201)

    @router.api_route("/raw", methods=["PUT"], response_class=Response)
    async def raw(request: Request) -> Response:
        return Response(await request.body())

    return build_app(
        _client(), router.routes, title="T", description="", version="1", close_client=False
    )


async def _call(app: FastAPI, method: str, path: str, host: str = "evil.example") -> Any:
    async with (
        serve_app(app) as url,
        aiohttp.ClientSession() as session,
        session.request(method, url + path, headers={"Host": host}, allow_redirects=False) as r,
    ):
        return r.status, dict(r.headers), await r.read()


def test_a_405_lists_every_method_of_the_path() -> None:
    status, headers, body = asyncio.run(_call(_two_method_app(), "DELETE", "/things"))
    assert (status, headers["Allow"], headers["Content-Type"]) == (405, "GET, POST", PROBLEM_JSON)
    assert b"DELETE is not served at this path; it allows GET, POST" in body


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        ("/things/", 307, "/things"),
        ("/things/?a=%C3%A9&b", 307, "/things?a=%C3%A9&b"),
        ("/raw/", 307, "/raw"),
        ("//things/", 404, None),
        ("/nothing/", 404, None),
        ("/", 404, None),
    ],
)
def test_a_trailing_slash_redirect_is_relative(
    path: str, status: int, location: str | None
) -> None:
    """Never built from the client's Host (here a foreign one), never to another host."""
    answer_status, headers, _ = asyncio.run(_call(_two_method_app(), "GET", path))
    assert (answer_status, headers.get("Location")) == (status, location)


def test_openapi_lists_passed_through_statuses() -> None:
    document = _two_method_app().openapi()
    post = document["paths"]["/things"]["post"]
    assert {"200", "201", "204", "400", "404", "413", "502", "504", "default"} <= set(
        post["responses"]
    )
    assert "default" in document["paths"]["/raw"]["put"]["responses"]


def test_the_adapters_routes_come_before_the_docs_unless_they_would_answer_a_docs_path() -> None:
    app = build_app(
        _client(), _router().routes, title="T", description="", version="1", close_client=False
    )
    paths = [getattr(route, "path", None) for route in app.router.routes]
    assert paths.index("/items/{item_id}") < paths.index("/openapi.json") < paths.index("/docs")
    shadowing = APIRouter()

    @shadowing.get("/{page}")
    async def page(page: str) -> dict[str, str]:
        return {"page": page}

    app = build_app(
        _client(), shadowing.routes, title="T", description="", version="1", close_client=False
    )
    paths = [getattr(route, "path", None) for route in app.router.routes]
    assert paths.index("/docs") < paths.index("/{page}")  # /docs stays the docs page
