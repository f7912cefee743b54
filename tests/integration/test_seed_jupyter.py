"""The generated ``rest-sessions`` package against a real Jupyter Server.

The story: Jupyter itself works (smoke test), then a session goes through its whole life over
REST, over MCP (current protocol, legacy protocol, stdio), and after every step Jupyter's own
``/api/sessions`` must agree. Then the unhappy paths: unknown ids, path traversal, Jupyter
going down and coming back, a base URL ending in ``/api``, a missing API key.

Fixtures (see conftest.py): ``jupyter`` is a running Jupyter Server without sessions,
``adapter`` a running ``rest-sessions serve`` (module-wide), ``launcher`` runs the CLI otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult

LIST = "jupyter-notebook-list-running-sessions"
CREATE = "jupyter-notebook-create-new-session"
GET = "jupyter-notebook-get-session"
UPDATE = "jupyter-notebook-update-session"
DELETE = "jupyter-notebook-delete-session"

# Arguments (name -> JSON type, all required) and hints (readOnly, destructive, idempotent),
# exactly as in examples/rest-sessions.yaml.
TOOL_ARGUMENTS = {
    LIST: {},
    CREATE: {"body": "object"},
    GET: {"session_id": "string"},
    UPDATE: {"session_id": "string", "body": "object"},
    DELETE: {"session_id": "string"},
}
TOOL_HINTS = {
    LIST: (True, False, True),
    CREATE: (False, False, False),
    GET: (True, False, True),
    UPDATE: (False, False, True),
    DELETE: (False, True, True),
}

# Well-formed (Jupyter routes only UUID-shaped ids to its sessions handler) but unknown.
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def new_session(name: str) -> dict[str, Any]:
    """Body for ``POST /api/sessions``: a notebook session with a python3 kernel."""
    return {
        "path": f"{name}.ipynb",
        "type": "notebook",
        "name": f"{name}.ipynb",
        "kernel": {"name": "python3"},
    }


def assert_same_session(seen: dict[str, Any], truth: dict[str, Any]) -> None:
    """The fields of a session that do not change by themselves (unlike last_activity)."""
    for key in ("id", "path", "name", "type"):
        assert seen[key] == truth[key], key
    assert seen["kernel"]["id"] == truth["kernel"]["id"]
    assert seen["kernel"]["name"] == truth["kernel"]["name"]


def assert_live_python3_kernel(jupyter, session: dict[str, Any]) -> None:
    """Jupyter knows the session's kernel, and it is a python3 kernel."""
    assert session["kernel"]["name"] == "python3"
    kernel = jupyter.api("GET", f"/api/kernels/{session['kernel']['id']}")
    assert kernel.status == 200, str(kernel)
    assert kernel.json["name"] == "python3"


def only_text(result: CallToolResult) -> str:
    """The single text content every tool result carries."""
    texts = [block.text for block in result.content if block.type == "text"]
    assert len(texts) == 1, result
    return texts[0]


def tool_ok(result: CallToolResult) -> dict[str, Any]:
    """A successful tool result: not an error, a JSON object as structuredContent, one text."""
    text = only_text(result)
    assert not result.is_error, text
    assert isinstance(result.structured_content, dict), result
    return result.structured_content


def tool_json(result: CallToolResult) -> Any:
    """The upstream JSON of a successful tool result, checked against its text content.

    Arrays arrive wrapped as ``{"result": [...]}``; the text may hold either form.
    """
    structured = tool_ok(result)
    from_text = json.loads(only_text(result))
    if set(structured) == {"result"} and isinstance(structured["result"], list):
        assert from_text in (structured, structured["result"])
        return structured["result"]
    assert from_text == structured
    return structured


def tool_error_text(result: CallToolResult) -> str:
    """The text of a tool result that must be an error (``isError: true``)."""
    text = only_text(result)
    assert result.is_error, f"expected isError, got: {text}"
    return text


# --------------------------------------------------------------------------------------
# 0. Jupyter itself (needs no generator)
# --------------------------------------------------------------------------------------


def test_jupyter_fixture_smoke(jupyter):
    """Jupyter starts as whoever we are, runs a python3 kernel, and restarts on the same port."""
    created = jupyter.api("POST", "/api/sessions", new_session("smoke"))
    assert created.status == 201, str(created)
    session = created.json
    assert_live_python3_kernel(jupyter, session)
    assert jupyter.session_ids() == {session["id"]}

    deleted = jupyter.api("DELETE", f"/api/sessions/{session['id']}")
    assert (deleted.status, deleted.body) == (204, b"")
    assert jupyter.sessions() == []
    assert jupyter.api("GET", f"/api/kernels/{session['kernel']['id']}").status == 404

    port = jupyter.port
    jupyter.stop()
    with pytest.raises(OSError):
        jupyter.api("GET", "/api/status", timeout=2)
    jupyter.start()
    assert jupyter.port == port
    assert jupyter.api("GET", "/api/status").status == 200


# --------------------------------------------------------------------------------------
# 1. REST lifecycle
# --------------------------------------------------------------------------------------


def test_rest_lifecycle(adapter, jupyter):
    """create -> list -> get -> rename -> delete through /v1, Jupyter agreeing at every step."""
    created = adapter.rest("POST", "/v1/api/sessions", new_session("rest"))
    assert created.status == 201, str(created)
    session = created.json
    session_id = session["id"]
    assert session["path"] == "rest.ipynb"
    assert_live_python3_kernel(jupyter, session)
    assert jupyter.session_ids() == {session_id}

    listed = adapter.rest("GET", "/v1/api/sessions")
    assert listed.status == 200, str(listed)
    assert [s["id"] for s in listed.json] == [session_id]
    assert_same_session(listed.json[0], jupyter.sessions()[0])

    fetched = adapter.rest("GET", f"/v1/api/sessions/{session_id}")
    assert fetched.status == 200, str(fetched)
    assert_same_session(fetched.json, jupyter.api("GET", f"/api/sessions/{session_id}").json)

    renamed = adapter.rest("PATCH", f"/v1/api/sessions/{session_id}", {"path": "renamed.ipynb"})
    assert renamed.status == 200, str(renamed)
    assert renamed.json["id"] == session_id
    assert renamed.json["path"] == "renamed.ipynb"
    assert jupyter.api("GET", f"/api/sessions/{session_id}").json["path"] == "renamed.ipynb"

    deleted = adapter.rest("DELETE", f"/v1/api/sessions/{session_id}")
    assert deleted.status == 204, str(deleted)
    assert deleted.body == b""
    assert jupyter.sessions() == []
    assert jupyter.api("GET", f"/api/kernels/{session['kernel']['id']}").status == 404


# --------------------------------------------------------------------------------------
# 2. MCP lifecycle, current protocol (2026-07-28, stateless)
# --------------------------------------------------------------------------------------


async def check_tool_listing(client: Client) -> None:
    """tools/list: exactly the five tools, their required arguments and their hints."""
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == set(TOOL_ARGUMENTS)
    for name, arguments in TOOL_ARGUMENTS.items():
        schema = tools[name].input_schema
        assert schema.get("type") == "object", (name, schema)
        properties = schema.get("properties", {})
        assert {arg: spec.get("type") for arg, spec in properties.items()} == arguments, name
        assert set(schema.get("required", [])) == set(arguments), name
        annotations = tools[name].annotations
        assert annotations is not None, name
        hints = (
            annotations.read_only_hint,
            annotations.destructive_hint,
            annotations.idempotent_hint,
        )
        assert hints == TOOL_HINTS[name], name


async def mcp_lifecycle(client: Client, jupyter, name: str) -> None:
    """create -> list -> get -> rename -> delete through MCP tools, checking Jupyter each time."""
    session = tool_json(await client.call_tool(CREATE, {"body": new_session(name)}))
    session_id = session["id"]
    assert session["path"] == f"{name}.ipynb"
    assert_live_python3_kernel(jupyter, session)
    assert jupyter.session_ids() == {session_id}

    listed = tool_json(await client.call_tool(LIST, {}))
    assert [s["id"] for s in listed] == [session_id]
    assert_same_session(listed[0], jupyter.sessions()[0])

    fetched = tool_json(await client.call_tool(GET, {"session_id": session_id}))
    assert_same_session(fetched, jupyter.api("GET", f"/api/sessions/{session_id}").json)

    renamed = tool_json(
        await client.call_tool(
            UPDATE, {"session_id": session_id, "body": {"path": f"{name}-renamed.ipynb"}}
        )
    )
    assert renamed["path"] == f"{name}-renamed.ipynb"
    assert jupyter.api("GET", f"/api/sessions/{session_id}").json["path"] == renamed["path"]

    tool_ok(await client.call_tool(DELETE, {"session_id": session_id}))
    assert jupyter.sessions() == []
    assert tool_json(await client.call_tool(LIST, {})) == []


@pytest.mark.anyio
async def test_mcp_lifecycle_current_protocol(adapter, jupyter):
    async with Client(adapter.mcp_url) as client:
        assert client.protocol_version == "2026-07-28"
        await check_tool_listing(client)
        await mcp_lifecycle(client, jupyter, "mcp-current")


# --------------------------------------------------------------------------------------
# 3. MCP lifecycle, legacy protocol (2025-11-25 handshake) and stdio
# --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_mcp_lifecycle_legacy_protocol(adapter, jupyter):
    async with Client(adapter.mcp_url, mode="legacy") as client:
        assert client.protocol_version == "2025-11-25"
        await check_tool_listing(client)
        await mcp_lifecycle(client, jupyter, "mcp-legacy")


@pytest.mark.anyio
async def test_mcp_lifecycle_stdio(launcher, jupyter):
    """``rest-sessions serve --no-rest --mcp-transport stdio`` as a subprocess of the client."""
    async with Client(launcher.stdio_parameters(jupyter.url, jupyter.token)) as client:
        await check_tool_listing(client)
        await mcp_lifecycle(client, jupyter, "mcp-stdio")


# --------------------------------------------------------------------------------------
# 4. Unknown session id
# --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_unknown_session_is_404(adapter, jupyter):
    """Jupyter's 404 and its JSON body pass through REST; MCP turns it into an error result."""
    upstream = jupyter.api("GET", f"/api/sessions/{UNKNOWN_ID}")
    assert upstream.status == 404  # {"message": "Session not found: ...", "reason": null}

    for method, body in (("GET", None), ("PATCH", {"path": "z.ipynb"}), ("DELETE", None)):
        response = adapter.rest(method, f"/v1/api/sessions/{UNKNOWN_ID}", body)
        assert response.status == 404, (method, str(response))
        assert response.content_type.startswith("application/json"), method
        assert "Session not found" in response.json["message"], method

    async with Client(adapter.mcp_url) as client:
        text = tool_error_text(await client.call_tool(GET, {"session_id": UNKNOWN_ID}))
    assert "404" in text
    assert "Session not found" in text


# --------------------------------------------------------------------------------------
# 5. Path traversal: a session id never reaches another upstream path
# --------------------------------------------------------------------------------------


@pytest.fixture
def leak_markers(jupyter) -> list[str]:
    """Strings that appear only if a request reached another Jupyter path.

    A live session makes ``/api/kernels`` and ``/api/sessions`` non-empty (kernel id,
    session id); ``/api/`` answers ``{"version": ...}``.
    """
    created = jupyter.api("POST", "/api/sessions", new_session("bystander"))
    assert created.status == 201, str(created)
    return [created.json["kernel"]["id"], created.json["id"], '"version"']


@pytest.mark.parametrize(
    ("raw_path", "expected"),
    [
        ("/v1/api/sessions/..%2Fkernels", {404}),
        ("/v1/api/sessions/a%2Fb", {404}),
        ("/v1/api/sessions/%2E%2E%2Fkernels", {404}),
        # A bare ".." must not climb to /api/ (400 or 422 = the adapter refused it itself).
        ("/v1/api/sessions/..", {400, 404, 422}),
        ("/v1/api/sessions/%2E%2E", {400, 404, 422}),
    ],
)
def test_rest_path_traversal(adapter, leak_markers, raw_path, expected):
    response = adapter.rest("GET", raw_path)
    assert response.status in expected, str(response)
    for marker in leak_markers:
        assert marker not in response.text, (marker, str(response))


@pytest.mark.parametrize(
    ("session_id", "must_say_404"),
    [("../kernels", True), ("a/b", True), ("..", False), ("../../api/kernels", False)],
)
@pytest.mark.anyio
async def test_mcp_path_traversal(adapter, leak_markers, session_id, must_say_404):
    async with Client(adapter.mcp_url) as client:
        result = await client.call_tool(GET, {"session_id": session_id})
    text = tool_error_text(result)
    if must_say_404:
        assert "404" in text
    seen = text + json.dumps(result.structured_content)
    for marker in leak_markers:
        assert marker not in seen, (marker, text)


# --------------------------------------------------------------------------------------
# 6. Jupyter down, then back on the same port: the adapter recovers by itself
# --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_upstream_down_then_back(adapter, jupyter):
    jupyter.stop()

    for path in ("/v1/api/sessions", f"/v1/api/sessions/{UNKNOWN_ID}"):
        down = adapter.rest("GET", path)
        assert down.status == 502, (path, str(down))
        assert down.content_type.startswith("application/problem+json"), path
        problem = down.json
        assert {"type", "title", "status", "detail"} <= problem.keys(), problem
        assert problem["status"] == 502
        assert jupyter.token not in down.text, "API key leaked into the problem body"

    async with Client(adapter.mcp_url) as client:
        result = await client.call_tool(LIST, {})
    text = tool_error_text(result)
    assert jupyter.token not in text + json.dumps(result.structured_content)

    jupyter.start()
    back = adapter.rest("GET", "/v1/api/sessions")
    assert back.status == 200, str(back)
    assert back.json == []
    async with Client(adapter.mcp_url) as client:
        assert tool_json(await client.call_tool(LIST, {})) == []


# --------------------------------------------------------------------------------------
# 7. Configuration: base URL ending in /api, missing API key
# --------------------------------------------------------------------------------------


def test_base_url_may_end_in_api(launcher, jupyter):
    """``REST_SESSIONS_BASE_URL=http://host:port/api`` reaches the same /api/sessions."""
    other = launcher.start(f"{jupyter.url}/api", jupyter.token)
    created = other.rest("POST", "/v1/api/sessions", new_session("api-suffix"))
    assert created.status == 201, str(created)
    assert jupyter.session_ids() == {created.json["id"]}
    listed = other.rest("GET", "/v1/api/sessions")
    assert listed.status == 200, str(listed)
    assert [s["id"] for s in listed.json] == [created.json["id"]]


def test_missing_api_key_fails_at_startup(launcher, jupyter):
    """Without ``JUPYTER_NOTEBOOK_API_KEY`` the adapter exits non-zero, naming the variable."""
    result = launcher.serve_once(jupyter.url, api_key=None)
    assert result.returncode != 0, result
    assert "JUPYTER_NOTEBOOK_API_KEY" in result.stderr, result.stderr
