"""The Streamable HTTP endpoint speaks both MCP revisions and answers bad requests as the spec says."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest

from skills_scripts.mcp_http import INVALID_PARAMS, JsonRpcError, StreamableHttpApp

from .loopback import serve_app

pytestmark = pytest.mark.anyio

STATELESS = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": STATELESS,
    "io.modelcontextprotocol/clientCapabilities": {},
}
JSON = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
TOOL = {"name": "echo", "description": "Echo the arguments.", "inputSchema": {"type": "object"}}


async def echo(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    if arguments.get("fail") == "params":
        raise JsonRpcError(INVALID_PARAMS, "bad arguments")
    if arguments.get("fail") == "bug":
        raise RuntimeError("a bug")
    return {"content": [{"type": "text", "text": json.dumps(arguments)}], "isError": False}


def stateless(method: str, name: str | None = None) -> dict[str, str]:
    """Headers of a 2026-07-28 request."""
    headers = {**JSON, "MCP-Protocol-Version": STATELESS, "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


def request(method: str, params: dict[str, Any] | None = None, request_id: Any = 1) -> str:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message)


CALL = {"name": "echo", "arguments": {"a": 1}, "_meta": META}
OTHER_VERSION = {**META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"}
# (HTTP method, headers, body, expected status, expected JSON-RPC error code or None)
CASES: list[Any] = [
    pytest.param(
        "POST", stateless("tools/call", "echo"), request("tools/call", CALL), 200, None, id="call"
    ),
    pytest.param(
        "POST",
        stateless("tools/call", "=?base64?ZWNobw==?="),
        request("tools/call", CALL),
        200,
        None,
        id="base64-name",
    ),
    pytest.param(
        "POST",
        stateless("tools/call", "other"),
        request("tools/call", CALL),
        400,
        -32020,
        id="name-mismatch",
    ),
    pytest.param(
        "POST",
        stateless("tools/list"),
        request("tools/call", CALL),
        400,
        -32020,
        id="method-mismatch",
    ),
    pytest.param(
        "POST", stateless("tools/list"), request("tools/list", {}), 400, -32602, id="no-envelope"
    ),
    pytest.param(
        "POST",
        {**stateless("tools/list"), "MCP-Protocol-Version": "2099-01-01"},
        request("tools/list", {"_meta": OTHER_VERSION}),
        400,
        -32022,
        id="unsupported-version",
    ),
    pytest.param(
        "POST",
        stateless("tools/call", "echo"),
        request("tools/call", {**CALL, "arguments": {"fail": "params"}}),
        400,
        -32602,
        id="tool-invalid-params",
    ),
    pytest.param(
        "POST",
        stateless("tools/call", "echo"),
        request("tools/call", {**CALL, "arguments": {"fail": "bug"}}),
        200,
        -32603,
        id="tool-bug",
    ),
    pytest.param(
        "POST",
        stateless("tools/call"),
        request("tools/call", {"_meta": META}),
        400,
        -32602,
        id="call-without-name",
    ),
    pytest.param(
        "POST",
        stateless("ping"),
        request("ping", {"_meta": META}),
        404,
        -32601,
        id="stateless-ping",
    ),
    pytest.param(
        "POST",
        stateless("server/discover"),
        request("server/discover", {"_meta": META}),
        200,
        None,
        id="discover",
    ),
    pytest.param(
        "POST",
        stateless("prompts/list"),
        request("prompts/list", {"_meta": META}),
        200,
        None,
        id="prompts",
    ),
    pytest.param(
        "POST",
        JSON,
        request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}}),
        200,
        None,
        id="initialize",
    ),
    pytest.param(
        "POST", JSON, request("tools/call", {"name": "echo"}, "seven"), 200, None, id="legacy-call"
    ),
    pytest.param("POST", JSON, request("ping"), 200, None, id="legacy-ping"),
    pytest.param("POST", JSON, request("resources/list"), 200, None, id="legacy-resources"),
    pytest.param("POST", JSON, request("nope"), 200, -32601, id="legacy-unknown-method"),
    pytest.param(
        "POST",
        JSON,
        request("tools/call", {"name": "echo", "arguments": {"fail": "params"}}),
        200,
        -32602,
        id="legacy-tool-error",
    ),
    pytest.param(
        "POST",
        JSON,
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        202,
        None,
        id="notification",
    ),
    pytest.param(
        "POST",
        stateless("x"),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled"}),
        202,
        None,
        id="stateless-notification",
    ),
    pytest.param("POST", JSON, json.dumps([json.loads(request("ping"))]), 400, -32600, id="batch"),
    pytest.param(
        "POST",
        JSON,
        json.dumps({"jsonrpc": "2.0", "id": None, "method": "ping"}),
        400,
        -32600,
        id="null-id",
    ),
    pytest.param("POST", JSON, "{not json", 400, -32700, id="parse-error"),
    pytest.param(
        "POST",
        {**JSON, "Accept": "text/event-stream"},
        request("ping"),
        406,
        -32600,
        id="no-json-accepted",
    ),
    pytest.param(
        "POST", {**JSON, "Content-Type": "text/plain"}, request("ping"), 400, None, id="not-json"
    ),
    pytest.param(
        "POST", {**JSON, "Host": "evil.example:80"}, request("ping"), 421, None, id="foreign-host"
    ),
    pytest.param(
        "POST",
        {**JSON, "Origin": "http://evil.example"},
        request("ping"),
        403,
        None,
        id="foreign-origin",
    ),
    pytest.param(
        "POST",
        {**JSON, "Origin": "http://localhost:3000"},
        request("ping"),
        200,
        None,
        id="local-origin",
    ),
    pytest.param("GET", {"Accept": "text/event-stream"}, "", 405, -32600, id="get"),
    pytest.param("DELETE", JSON, "", 405, -32600, id="delete"),
]


@pytest.fixture
async def endpoint() -> AsyncIterator[str]:
    app = StreamableHttpApp(
        name="echo-server",
        version="1.0",
        instructions="Echoes.",
        tools=[TOOL],
        call_tool=echo,
        host="127.0.0.1",
    )
    async with serve_app(app) as url:
        yield url + "/mcp"


@pytest.mark.parametrize(("method", "headers", "body", "status", "code"), CASES)
async def test_answers(
    endpoint: str, method: str, headers: dict[str, str], body: str, status: int, code: int | None
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, endpoint, headers=headers, data=body.encode()) as response,
    ):
        assert response.status == status, await response.text()
        text = await response.text()
    if status == 405:
        assert response.headers["Allow"] == "POST"
    if code is not None:
        assert json.loads(text)["error"]["code"] == code
    elif status == 200:
        assert "result" in json.loads(text), text


async def test_stateless_results_carry_type_and_server_info(endpoint: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            endpoint, headers=stateless("tools/call", "echo"), data=request("tools/call", CALL)
        ) as response,
    ):
        answer = await response.json()
    assert answer["id"] == 1
    assert answer["result"]["content"][0]["text"] == '{"a": 1}'
    assert answer["result"]["resultType"] == "complete"
    assert answer["result"]["_meta"]["io.modelcontextprotocol/serverInfo"] == {
        "name": "echo-server",
        "version": "1.0",
    }


@pytest.mark.parametrize(
    ("asked", "agreed"), [("2025-03-26", "2025-03-26"), ("2099-01-01", "2025-11-25")]
)
async def test_initialize_negotiates_the_version(endpoint: str, asked: str, agreed: str) -> None:
    params = {
        "protocolVersion": asked,
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(endpoint, headers=JSON, data=request("initialize", params)) as response,
    ):
        result = (await response.json())["result"]
    assert result["protocolVersion"] == agreed
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert result["serverInfo"] == {"name": "echo-server", "version": "1.0"}
    assert result["instructions"] == "Echoes."


async def test_oversized_body_is_refused(endpoint: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            endpoint, headers=JSON, data=io.BytesIO(b" " * (4 * 1024 * 1024 + 1))
        ) as response,
    ):
        assert response.status == 413


async def test_other_paths_are_not_found(endpoint: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(endpoint + "/more", headers=JSON, data=request("ping")) as response,
    ):
        assert response.status == 404
