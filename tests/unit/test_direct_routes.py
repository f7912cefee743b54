"""Routes with only text inputs skip FastAPI's dependency solving, and nothing else changes."""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from naftiko_codegen.load import load_spec
from naftiko_codegen.model import build_model
from naftiko_codegen.pipeline import generate
from naftiko_codegen.resolve import resolve_spec

REPO = Path(__file__).resolve().parents[2]

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Direct
  description: Routes served with and without FastAPI's validation.
capability:
  consumes:
  - type: http
    namespace: demo-api
    baseUri: http://localhost:9999
    resources:
    - name: items
      path: /items/{id}
      operations:
      - name: get-item
        method: GET
        inputParameters:
        - name: id
          in: path
          type: string
          required: true
        - name: fields
          in: query
          type: string
    - name: tagged
      path: /tagged/{id}
      operations:
      - name: get-tagged
        method: GET
        inputParameters:
        - name: id
          in: path
          type: string
          required: true
        - name: tag
          in: query
          type: string
          required: true
    - name: limited
      path: /limited/{id}
      operations:
      - name: get-limited
        method: GET
        inputParameters:
        - name: id
          in: path
          type: string
          required: true
        - name: limit
          in: query
          type: integer
  exposes:
  - type: rest
    namespace: demo-rest
    port: 8080
    resources:
    - path: /items/{item-id}
      operations:
      - method: GET
        name: get-item
        call: demo-api.get-item
        with:
          id: rest.item-id
          fields: rest.fields
    - path: /tagged/{item-id}
      operations:
      - method: GET
        name: get-tagged
        call: demo-api.get-tagged
        with:
          id: rest.item-id
          tag: rest.tag
    - path: /limited/{item-id}
      operations:
      - method: GET
        name: get-limited
        call: demo-api.get-limited
        with:
          id: rest.item-id
          limit: rest.limit
"""


def test_only_text_inputs_are_read_directly() -> None:
    spec = load_spec(SPEC, "direct.yaml")
    model = build_model(resolve_spec(spec), spec_file="direct.yaml", spec_text=SPEC, slug="direct")
    assert model.rest is not None
    routes = {route.function: route for route in model.rest.routes}
    direct = routes["get_item"]
    assert direct.direct_function == "_get_item_direct"
    assert direct.direct_arguments == (
        ("item_id", "request.path_params['item_id']"),
        ("fields", "request.query_params.get('fields')"),
    )
    # A required query value can be missing and an integer can be malformed: FastAPI says 422.
    for name in ("get_tagged", "get_limited"):
        assert routes[name].direct_function is None
        assert routes[name].direct_arguments == ()
    assert model.rest.direct_routes == (direct,)


def test_direct_routes_behave_like_fastapi_routes(tmp_path: Path) -> None:
    spec_path = tmp_path / "direct.yaml"
    spec_path.write_text(SPEC, encoding="utf-8")
    package = generate(spec_path)
    for relative, text in package.files.items():
        if relative.startswith("src/"):
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        seen, answers, openapi, problem = asyncio.run(_exercise())
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in [n for n in sys.modules if n == "direct" or n.startswith("direct.")]:
            del sys.modules[name]
    assert seen == [
        ("/items/a%20b", [("fields", "x y")]),
        ("/items/plain", []),
        ("/tagged/t", [("tag", "blue")]),
    ]
    assert answers == [200, 200, 422, 200, 422]
    parameters = openapi["paths"]["/items/{item-id}"]["get"]["parameters"]
    assert [(p["in"], p["name"], p["required"]) for p in parameters] == [
        ("path", "item-id", True),
        ("query", "fields", False),
    ]
    assert problem[0] == 502
    assert problem[1] == "application/problem+json"
    assert problem[2]["instance"] == "/items/x"


async def _exercise() -> tuple[list[Any], list[int], Any, tuple[int, str, Any]]:
    import aiohttp
    from direct.rest_app import create_app  # type: ignore[import-not-found]
    from direct.settings import load_settings  # type: ignore[import-not-found]
    from direct.upstream import UpstreamClient  # type: ignore[import-not-found]

    from naftiko_codegen.runtime.tests.loopback import free_port, serve_app, stub_upstream

    answers: list[int] = []
    async with stub_upstream() as stub, aiohttp.ClientSession() as session:
        client = UpstreamClient(load_settings({"DEMO_API_BASE_URL": stub.url}))
        try:
            async with serve_app(create_app(client)) as url:
                for path in (
                    "/items/a%20b?fields=x%20y",
                    "/items/plain",
                    "/tagged/t",  # `tag` is required
                    "/tagged/t?tag=blue",
                    "/limited/t?limit=many",
                ):
                    async with session.get(url + path) as response:
                        answers.append(response.status)
                async with session.get(url + "/openapi.json") as response:
                    openapi = await response.json()
        finally:
            await client.close()
        seen = [(request.path, request.query) for request in stub.requests]
        # Nothing listens on a fresh free port: the direct route answers a 502 problem.
        closed = UpstreamClient(
            load_settings({"DEMO_API_BASE_URL": f"http://127.0.0.1:{free_port()}"})
        )
        try:
            async with (
                serve_app(create_app(closed)) as url,
                session.get(url + "/items/x") as response,
            ):
                problem = (
                    response.status,
                    response.content_type,
                    await response.json(content_type=None),
                )
        finally:
            await closed.close()
    return seen, answers, openapi, problem


def test_fastapi_native_telemetry_is_opt_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off by default (its per-request provider lookup costs a tenth of the adapter's time); on
    with `otel=True` or NAFTIKO_OTEL=1, as `serve --otel` does."""
    if "telemetry" not in inspect.signature(FastAPI).parameters:
        pytest.skip("this FastAPI release has no native telemetry")
    for relative, text in generate(REPO / "examples" / "rest-sessions.yaml").files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setenv("REST_SESSIONS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("JUPYTER_NOTEBOOK_API_KEY", "key")
    monkeypatch.delenv("NAFTIKO_OTEL", raising=False)

    def switches(app: FastAPI) -> set[bool]:
        config = app._telemetry  # FastAPI's own record of the `telemetry=` it was given
        return {config["tracing"], config["metrics"], config["logs"]}

    try:
        from rest_sessions.rest_app import create_app  # type: ignore[import-not-found]

        assert switches(create_app()) == {False}
        assert switches(create_app(otel=True)) == {True}
        monkeypatch.setenv("NAFTIKO_OTEL", "1")
        assert switches(create_app()) == {True}
        assert switches(create_app(otel=False)) == {False}
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "rest_sessions"]:
            del sys.modules[name]
