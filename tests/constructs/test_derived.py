"""A capability that consumes an API and exposes nothing: the derived MCP server and REST
pass-through, generated, served in-process and driven against a recording upstream on loopback.

Asserts what the caller gets (tool list, hints, input schemas, answers) and what the upstream
receives (method, path, query, body, credentials) for every derived tool and route.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app, stub_upstream

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Notes
  description: A notes API, consumed only.
binds:
  - namespace: env
    keys:
      NOTES_TOKEN: NOTES_TOKEN
capability:
  consumes:
    - type: http
      namespace: notes
      baseUri: http://127.0.0.1:9/api
      description: The notes API.
      authentication:
        type: bearer
        token: "{{NOTES_TOKEN}}"
      resources:
        - name: notes
          path: /notes
          operations:
            - name: list-notes
              method: GET
              description: List the notes, optionally by tag.
              inputParameters:
                - name: tag
                  in: query
            - name: create-note
              method: POST
              label: Create a note
              body:
                type: json
                data:
                  title: "{{title}}"
                  text: "{{text}}"
        - name: note
          path: /notes/{{id}}
          operations:
            - name: get-note
              method: GET
              description: Read one note.
              inputParameters:
                - name: id
                  in: path
            - name: replace-note
              method: PUT
              description: Replace one note.
              inputParameters:
                - name: id
                  in: path
                - name: body
                  in: body
            - name: delete-note
              method: DELETE
              description: Delete one note.
              inputParameters:
                - name: id
                  in: path
"""

TOKEN = "notes-secret-token"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The derived package, written and imported (forgotten again afterwards)."""
    root = tmp_path_factory.mktemp("derived")
    spec = root / "notes.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    generated = generate(spec)
    assert [d.code for d in generated.diagnostics if d.code == "NAF390"] == ["NAF390"]
    for relative, text in generated.files.items():
        (root / "out" / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / "out" / relative).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(root / "out" / "src"))
    name = generated.model.package
    yield name, generated
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]
    sys.path.remove(str(root / "out" / "src"))


def test_the_warning_says_what_was_derived_and_how_to_turn_it_off(package: Any) -> None:
    _, generated = package
    (warning,) = [d for d in generated.diagnostics if d.code == "NAF390"]
    assert "5 tool(s) (port 9090)" in warning.message
    assert "5 route(s) (port 8080)" in warning.message
    assert "--no-derive" in warning.hint and warning.location.line > 0
    assert generated.model.rest is not None and generated.model.mcp is not None


def test_no_derive_refuses_with_the_fix(tmp_path: Path) -> None:
    spec = tmp_path / "notes.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    with pytest.raises(DiagnosticError) as raised:
        generate(spec, derive=False)
    (error,) = [d for d in raised.value.diagnostics if d.is_error]
    assert error.code == "NAF302" and "--no-derive" in error.message
    assert "drop --no-derive" in error.hint


async def _rpc(session: aiohttp.ClientSession, url: str, method: str, **params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    headers = {"Accept": "application/json, text/event-stream"}
    async with session.post(url, json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["result"]


def test_derived_tools_and_routes_reach_the_upstream(package: Any) -> None:
    name, _ = package
    settings = importlib.import_module(f"{name}.settings")
    upstream = importlib.import_module(f"{name}.upstream")
    rest_app = importlib.import_module(f"{name}.rest_app")
    mcp_server = importlib.import_module(f"{name}.mcp_server")

    async def scenario() -> None:
        async with stub_upstream() as stub:
            environment = {"NOTES_BASE_URL": stub.url + "/api", "NOTES_TOKEN": TOKEN}
            client = upstream.UpstreamClient(settings.load_settings(environment))
            try:
                async with (
                    serve_app(rest_app.create_app(client)) as rest,
                    serve_app(mcp_server.create_http_app(client, host="127.0.0.1")) as mcp,
                    aiohttp.ClientSession() as session,
                ):
                    await _drive_mcp(session, mcp + "/mcp", stub)
                    await _drive_rest(session, rest, stub)
            finally:
                await client.close()
        assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in stub.requests)

    asyncio.run(scenario())


async def _drive_mcp(session: aiohttp.ClientSession, url: str, stub: Any) -> None:
    listed = {t["name"]: t for t in (await _rpc(session, url, "tools/list"))["tools"]}
    assert sorted(listed) == [
        "create-note",
        "delete-note",
        "get-note",
        "list-notes",
        "replace-note",
    ]
    assert listed["list-notes"]["annotations"] == {
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
    }
    assert listed["delete-note"]["annotations"]["destructiveHint"] is True
    assert listed["delete-note"]["annotations"]["idempotentHint"] is True
    assert listed["replace-note"]["annotations"]["idempotentHint"] is True
    assert listed["create-note"]["annotations"]["readOnlyHint"] is False
    assert listed["create-note"]["description"] == "Create a note"
    assert listed["get-note"]["description"] == "Read one note."
    assert listed["get-note"]["inputSchema"]["required"] == ["id"]
    assert set(listed["create-note"]["inputSchema"]["properties"]) == {"title", "text"}
    assert set(listed["list-notes"]["inputSchema"]["properties"]) == {"tag"}

    stub.reply = [{"id": 1, "tag": "work"}]
    result = await _rpc(session, url, "tools/call", name="list-notes", arguments={"tag": "work"})
    assert not result.get("isError") and json.loads(result["content"][0]["text"]) == stub.reply
    seen = stub.requests[-1]
    assert (seen.method, seen.path, seen.query) == ("GET", "/api/notes", [("tag", "work")])

    stub.reply = {"id": 2}
    arguments = {"title": "Hello", "text": "World"}
    result = await _rpc(session, url, "tools/call", name="create-note", arguments=arguments)
    assert json.loads(result["content"][0]["text"]) == {"id": 2}
    seen = stub.requests[-1]
    assert (seen.method, seen.path, json.loads(seen.body)) == ("POST", "/api/notes", arguments)

    result = await _rpc(session, url, "tools/call", name="delete-note", arguments={"id": "a/b"})
    seen = stub.requests[-1]
    assert (seen.method, seen.path) == ("DELETE", "/api/notes/a%2Fb")


async def _drive_rest(session: aiohttp.ClientSession, rest: str, stub: Any) -> None:
    stub.reply = {"id": 42, "title": "t"}
    async with session.get(rest + "/notes/42") as response:
        assert response.status == 200 and await response.json() == stub.reply
    seen = stub.requests[-1]
    assert (seen.method, seen.path, seen.body) == ("GET", "/api/notes/42", b"")

    async with session.get(rest + "/notes", params={"tag": "home"}) as response:
        assert response.status == 200
    assert stub.requests[-1].query == [("tag", "home")]

    note = {"title": "New", "text": "Body"}
    async with session.put(rest + "/notes/7", json=note) as response:
        assert response.status == 200
    seen = stub.requests[-1]
    assert (seen.method, seen.path, json.loads(seen.body)) == ("PUT", "/api/notes/7", note)

    async with session.post(rest + "/notes", json={"title": "A", "text": "B"}) as response:
        assert response.status == 200
    seen = stub.requests[-1]
    assert (seen.method, json.loads(seen.body)) == ("POST", {"title": "A", "text": "B"})

    stub.status = 404
    async with session.delete(rest + "/notes/9") as response:
        assert response.status == 404
    assert (stub.requests[-1].method, stub.requests[-1].path) == ("DELETE", "/api/notes/9")
    stub.status = 200


def test_several_apis_are_mounted_under_their_namespace(tmp_path: Path) -> None:
    other = SPEC.replace("namespace: notes", "namespace: archive").split("capability:\n")[1]
    other_api = other.split("  consumes:\n")[1]
    spec = tmp_path / "two.yaml"
    spec.write_text(SPEC + other_api, encoding="utf-8")
    generated = generate(spec)
    assert generated.model.rest is not None and generated.model.mcp is not None
    paths = {route.spec_path for route in generated.model.rest.routes}
    assert "/notes/notes/{id}" in paths and "/archive/notes" in paths
    tools = {tool.name for tool in generated.model.mcp.tools}
    assert {"list-notes", "archive-list-notes"} <= tools
