"""`runtime/mcp_http.py`: the Streamable HTTP endpoint, driven as an ASGI app (no server)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from starlette.types import Message

from naftiko_codegen.runtime.mcp_http import MAX_BODY_SIZE, StreamableHttpApp, _accepts_json
from naftiko_codegen.runtime.mcp_jsonrpc import (
    HANDSHAKE_VERSIONS,
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
    JsonRpcError,
)

from ._support import Answer, call_asgi

STATELESS = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": STATELESS,
    "io.modelcontextprotocol/clientCapabilities": {},
}
JSON = [
    ("content-type", "application/json"),
    ("accept", "application/json"),
    ("host", "127.0.0.1:8"),
]
TOOL = {"name": "echo", "description": "Echo.", "inputSchema": {"type": "object"}}
UNSUPPORTED = UNSUPPORTED_PROTOCOL_VERSION


async def echo(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    if arguments.get("fail") == "params":
        raise JsonRpcError(INVALID_PARAMS, "bad arguments", {"why": "fail"})
    if arguments.get("fail") == "bug":
        raise RuntimeError("a bug")
    return {"content": [{"type": "text", "text": json.dumps([name, arguments])}]}


async def list_things(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"prompts": [{"name": "p"}]}


async def get_thing(params: Mapping[str, Any]) -> dict[str, Any]:
    if params.get("name") == "bug":
        raise KeyError("bug")
    return {"messages": [], "name": params.get("name")}


def app(
    *, host: str = "127.0.0.1", instructions: str = "Echoes.", methods: Any = None
) -> StreamableHttpApp:
    return StreamableHttpApp(
        name="echo-server",
        version="1.0",
        instructions=instructions,
        tools=[TOOL],
        call_tool=echo,
        host=host,
        methods=methods,
    )


def message(method: str, params: Any = None, request_id: Any = 1) -> dict[str, Any]:
    sent: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        sent["params"] = params
    return sent


def post(
    body: Any,
    headers: list[tuple[str, str]] | None = None,
    served: StreamableHttpApp | None = None,
    **options: Any,
) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = asyncio.run(
        call_asgi(
            served or app(), headers=JSON if headers is None else headers, body=raw, **options
        )
    )
    assert answer is not None
    return answer


def stateless_headers(method: str, name: str | None = None, version: str = STATELESS) -> Any:
    headers = [*JSON, ("mcp-protocol-version", version), ("mcp-method", method)]
    return headers if name is None else [*headers, ("mcp-name", name)]


def stateless(
    method: str,
    params: dict[str, Any] | None = None,
    *,
    name: str | None = None,
    served: StreamableHttpApp | None = None,
) -> Answer:
    body = message(method, {**(params or {}), "_meta": META})
    return post(body, stateless_headers(method, name), served)


# ----------------------------------------------------------------------------- transport


def test_lifespan_is_acknowledged_and_other_scopes_ignored() -> None:
    events: list[Message] = [
        {"type": "lifespan.startup"},
        {"type": "lifespan.unknown"},  # ignored
        {"type": "lifespan.shutdown"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return events.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app()({"type": "lifespan"}, receive, send))
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    asyncio.run(app()({"type": "websocket"}, receive, send))
    assert len(sent) == 2


@pytest.mark.parametrize(("path", "status"), [("/mcp", 200), ("/mcp/", 200), ("/other", 404)])
def test_only_the_endpoint_path_is_served(path: str, status: int) -> None:
    assert post(message("ping"), path=path).status == status


@pytest.mark.parametrize(
    ("headers", "status", "text"),
    [
        ([("content-type", "text/plain"), ("host", "127.0.0.1:1")], 400, b"Content-Type"),
        ([*JSON[:2], ("host", "evil.example:80")], 421, b"Invalid Host header"),
        ([*JSON, ("origin", "http://evil.example")], 403, b"Invalid Origin header"),
        ([*JSON, ("origin", "http://localhost:3000")], 200, b'"result"'),
        ([*JSON[:2], ("host", "[::1]:8")], 200, b'"result"'),
    ],
)
def test_transport_checks(headers: list[tuple[str, str]], status: int, text: bytes) -> None:
    answer = post(message("ping"), headers)
    assert answer.status == status and text in answer.body


def test_a_server_on_every_interface_still_checks_host_and_origin() -> None:
    """A wildcard bind answers IP addresses as Host, never a name nobody allowed (9.3)."""
    by_address = [*JSON[:2], ("host", "10.1.2.3:9090"), ("origin", "http://10.1.2.3:9090")]
    assert post(message("ping"), by_address, app(host="0.0.0.0")).status == 200
    by_name = [*JSON[:2], ("host", "example.org"), ("origin", "https://example.org")]
    assert post(message("ping"), by_name, app(host="0.0.0.0")).status == 421
    foreign = [*JSON[:2], ("host", "10.1.2.3:9090"), ("origin", "http://10.9.9.9")]
    assert post(message("ping"), foreign, app(host="0.0.0.0")).status == 403


def test_behind_the_guard_the_app_leaves_the_checks_to_it() -> None:
    """`ExposureGuard` checked Host, Origin and the body size already: they are not redone."""
    headers = [*JSON[:2], ("host", "example.org")]
    big = b" " * (MAX_BODY_SIZE + 1)
    answer = asyncio.run(
        call_asgi(
            app(),
            method="POST",
            headers=headers,
            body=json.dumps(message("ping")).encode() + big,
            guarded=True,
        )
    )
    assert answer is not None and answer.status == 200


def test_other_http_methods_are_not_allowed() -> None:
    for method in ("GET", "DELETE"):
        answer = asyncio.run(call_asgi(app(), method=method, headers=JSON))
        assert answer is not None and answer.status == 405
        assert answer.headers[b"allow"] == b"POST"
        assert answer.json()["error"]["code"] == INVALID_REQUEST


@pytest.mark.parametrize(
    ("accept", "accepted"),
    [
        ("application/json", True),
        ("text/event-stream, application/json;q=0.9", True),
        ("application/*", True),
        ("*/*", True),
        ("text/event-stream", False),
        ("", False),
    ],
)
def test_accept(accept: str, accepted: bool) -> None:
    assert _accepts_json(accept) is accepted
    answer = post(message("ping"), [JSON[0], JSON[2], ("accept", accept)])
    assert (answer.status == 200) is accepted
    if not accepted:
        assert answer.status == 406 and answer.json()["error"]["code"] == INVALID_REQUEST


def test_bodies_over_the_limit_are_refused() -> None:
    declared = [*JSON, ("content-length", str(MAX_BODY_SIZE + 1))]
    assert post(b"", declared).status == 413
    chunk = b" " * (MAX_BODY_SIZE // 2 + 1)
    assert post(b"", chunks=[chunk, chunk]).status == 413


def test_a_body_in_chunks_is_joined() -> None:
    raw = json.dumps(message("ping")).encode()
    assert post(b"", chunks=[raw[:5], raw[5:]]).json()["result"] == {}


def test_a_client_gone_before_the_body_is_answered_nothing() -> None:
    answer = asyncio.run(call_asgi(app(), headers=JSON, chunks=[b"{", b"}"], disconnect=True))
    assert answer is None


@pytest.mark.parametrize("body", [b"{not json", b"[" * 100_000])
def test_unparsable_bodies_are_parse_errors(body: bytes) -> None:
    answer = post(body)
    assert answer.status == 400 and answer.json()["error"]["code"] == PARSE_ERROR


# ----------------------------------------------------------------------------- 2025-11-25


def test_initialize_negotiates_the_version_and_announces_capabilities() -> None:
    for asked, agreed in [("2025-03-26", "2025-03-26"), ("2099-01-01", HANDSHAKE_VERSIONS[-1])]:
        result = post(message("initialize", {"protocolVersion": asked})).json()["result"]
        assert result == {
            "protocolVersion": agreed,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": "echo-server", "version": "1.0"},
            "instructions": "Echoes.",
        }
    served = app(instructions="", methods={"resources/read": get_thing, "prompts/get": get_thing})
    result = post(message("initialize", {"protocolVersion": "2025-06-18"}), None, served)
    assert result.json()["result"]["capabilities"] == {
        "tools": {"listChanged": False},
        "resources": {"subscribe": False, "listChanged": False},
        "prompts": {"listChanged": False},
    }
    assert "instructions" not in result.json()["result"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (message("initialize", {}), 200, INVALID_PARAMS),
        (message("tools/call", {"arguments": {}}), 200, INVALID_PARAMS),
        (message("tools/call", {"name": "echo", "arguments": [1]}), 200, INVALID_PARAMS),
        (message("tools/call", {"name": "echo", "arguments": {"fail": "params"}}), 200, -32602),
        (
            message("tools/call", {"name": "echo", "arguments": {"fail": "bug"}}),
            200,
            INTERNAL_ERROR,
        ),
        (message("nope"), 200, METHOD_NOT_FOUND),
        ([message("ping")], 400, INVALID_REQUEST),
        (message("ping", request_id=None), 400, INVALID_REQUEST),
        (message("ping", request_id=True), 400, INVALID_REQUEST),
        (message("ping", params=[1]), 400, INVALID_REQUEST),
        ({**message("ping"), "jsonrpc": "1.0"}, 400, INVALID_REQUEST),
    ],
)
def test_handshake_era_errors(body: Any, status: int, code: int) -> None:
    answer = post(body)
    assert answer.status == status and answer.json()["error"]["code"] == code
    assert answer.json()["id"] == (body["id"] if status == 200 else None)


def test_handshake_era_results() -> None:
    assert post(message("tools/list")).json()["result"] == {"tools": [TOOL]}
    call = message("tools/call", {"name": "echo"}, request_id="seven")
    answer = post(call).json()
    assert answer["id"] == "seven"
    assert answer["result"]["content"][0]["text"] == '["echo", {}]'
    assert post(message("resources/list")).json()["result"] == {"resources": []}
    served = app(methods={"prompts/list": list_things})
    assert post(message("prompts/list"), None, served).json()["result"] == {
        "prompts": [{"name": "p"}]
    }


def test_a_failing_method_handler_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    served = app(methods={"prompts/get": get_thing})
    with caplog.at_level(logging.ERROR):
        answer = post(message("prompts/get", {"name": "bug"}), None, served)
    assert answer.json()["error"] == {"code": INTERNAL_ERROR, "message": "Internal server error"}
    assert "MCP request prompts/get failed" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 4, "result": {}},
        {"jsonrpc": "2.0", "id": 4, "error": {"code": 1, "message": "no"}},
    ],
)
def test_notifications_and_responses_are_accepted(body: Any) -> None:
    answer = post(body)
    assert (answer.status, answer.body) == (202, b"")


# ----------------------------------------------------------------------------- 2026-07-28


def test_stateless_results_carry_type_server_and_cache_hints() -> None:
    result = stateless("tools/list").json()["result"]
    assert result == {
        "tools": [TOOL],
        "ttlMs": 0,
        "cacheScope": "private",
        "resultType": "complete",
        "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "echo-server", "version": "1.0"}},
    }
    call = stateless("tools/call", {"name": "echo", "arguments": {"a": 1}}, name="echo")
    assert call.json()["result"]["content"][0]["text"] == '["echo", {"a": 1}]'


def test_discover_and_other_methods() -> None:
    served = app(instructions="", methods={"prompts/list": list_things, "prompts/get": get_thing})
    discovered = stateless("server/discover", served=served).json()["result"]
    assert discovered["supportedVersions"] == [STATELESS]
    assert discovered["capabilities"] == {
        "tools": {"listChanged": False},
        "prompts": {"listChanged": False},
    }
    assert "instructions" not in discovered
    assert stateless("server/discover").json()["result"]["instructions"] == "Echoes."
    listed = stateless("prompts/list", served=served).json()["result"]
    assert listed["prompts"] == [{"name": "p"}] and listed["ttlMs"] == 0
    got = stateless("prompts/get", {"name": "x"}, name="x", served=served).json()["result"]
    assert got["name"] == "x" and "ttlMs" not in got
    empty = stateless("resources/templates/list").json()["result"]
    assert empty["resourceTemplates"] == [] and empty["cacheScope"] == "private"


def encoded(text: str) -> str:
    return "=?base64?" + base64.b64encode(text.encode()).decode() + "?="


CALL, ECHO = "tools/call", {"name": "echo"}


@pytest.mark.parametrize(
    ("method", "params", "headers", "status", "code"),
    [
        (CALL, ECHO, stateless_headers(CALL, encoded("echo")), 200, None),
        (CALL, {"name": "écho"}, stateless_headers(CALL, encoded("écho")), 200, None),
        (CALL, ECHO, stateless_headers(CALL, "=?base64?ZWNobw?="), 400, HEADER_MISMATCH),
        (CALL, ECHO, stateless_headers(CALL), 400, HEADER_MISMATCH),
        (CALL, ECHO, stateless_headers(CALL, "other"), 400, HEADER_MISMATCH),
        (CALL, ECHO, stateless_headers("tools/list", "echo"), 400, HEADER_MISMATCH),
        (CALL, {}, stateless_headers(CALL), 400, INVALID_PARAMS),
        (
            CALL,
            {**ECHO, "arguments": {"fail": "params"}},
            stateless_headers(CALL, "echo"),
            400,
            INVALID_PARAMS,
        ),
        (
            CALL,
            {**ECHO, "arguments": {"fail": "bug"}},
            stateless_headers(CALL, "echo"),
            200,
            INTERNAL_ERROR,
        ),
        ("ping", {}, stateless_headers("ping"), 404, METHOD_NOT_FOUND),
    ],
)
def test_stateless_envelope_and_headers(
    method: str, params: dict[str, Any], headers: Any, status: int, code: int | None
) -> None:
    answer = post(message(method, {**params, "_meta": META}), headers)
    assert answer.status == status, answer.body
    if code is None:
        assert "result" in answer.json()
    else:
        assert answer.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("meta", "version", "code", "text"),
    [
        (None, STATELESS, INVALID_PARAMS, "params._meta must be an object"),
        ({}, STATELESS, INVALID_PARAMS, "missing the required envelope key(s): io."),
        (
            {**META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"},
            STATELESS,
            HEADER_MISMATCH,
            "mcp-protocol-version",
        ),
        (
            {**META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"},
            "2099-01-01",
            UNSUPPORTED,
            "Unsupported protocol version",
        ),
    ],
)
def test_stateless_envelope_errors(meta: Any, version: str, code: int, text: str) -> None:
    params = {} if meta is None else {"_meta": meta}
    answer = post(message("tools/list", params), stateless_headers("tools/list", version=version))
    assert answer.status == 400
    assert answer.json()["error"]["code"] == code and text in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "version", "status", "code"),
    [
        ({"jsonrpc": "2.0", "method": "notifications/cancelled"}, STATELESS, 202, None),
        ({"jsonrpc": "2.0", "method": "notifications/cancelled"}, "2099-01-01", 400, UNSUPPORTED),
        ({"jsonrpc": "2.0", "method": 3}, STATELESS, 400, INVALID_REQUEST),
        ([message("tools/list")], STATELESS, 400, INVALID_REQUEST),
    ],
)
def test_stateless_notifications_and_bad_messages(
    body: Any, version: str, status: int, code: int | None
) -> None:
    answer = post(body, stateless_headers("tools/list", version=version))
    assert answer.status == status
    if code is not None:
        assert answer.json()["error"]["code"] == code


def test_a_repeated_routing_header_is_a_mismatch() -> None:
    headers = [*stateless_headers("tools/list"), ("mcp-method", "tools/list")]
    answer = post(message("tools/list", {"_meta": META}), headers)
    assert answer.json()["error"] == {
        "code": HEADER_MISMATCH,
        "message": "mcp-method header appears more than once",
    }
