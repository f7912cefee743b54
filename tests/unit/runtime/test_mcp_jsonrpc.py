"""`runtime/mcp_jsonrpc.py`: message shapes, errors, and the 2026-07-28 envelope and headers."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from naftiko_codegen.runtime.mcp_jsonrpc import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    STATELESS_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    JsonRpcError,
    check_envelope,
    decode_header_value,
    is_notification,
    is_request,
    is_response,
    tool_call_params,
    unsupported_version,
)

STATELESS = STATELESS_VERSIONS[0]
META = {
    "io.modelcontextprotocol/protocolVersion": STATELESS,
    "io.modelcontextprotocol/clientCapabilities": {},
}


def encoded(text: str) -> str:
    return "=?base64?" + base64.b64encode(text.encode()).decode() + "?="


@pytest.mark.parametrize(
    ("message", "a_request", "notification", "response"),
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "ping"}, True, False, False),
        ({"jsonrpc": "2.0", "id": "a", "method": "ping", "params": None}, True, False, False),
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, False, False, False),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, False, False, False),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}, False, False, False),
        ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, False, False, False),
        ({"jsonrpc": "2.0", "method": "notifications/x"}, False, True, False),
        ({"jsonrpc": "2.0", "method": "notifications/x", "params": 3}, False, False, False),
        ({"jsonrpc": "2.0", "method": 3}, False, False, False),
        ({"jsonrpc": "2.0", "id": 1, "result": {}}, False, False, True),
        ({"jsonrpc": "2.0", "id": 1, "error": {}}, False, False, True),
        ({"jsonrpc": "2.0", "id": 1}, False, False, False),
        ([{"jsonrpc": "2.0", "id": 1, "method": "ping"}], False, False, False),
    ],
)
def test_message_shapes(message: Any, a_request: bool, notification: bool, response: bool) -> None:
    assert (is_request(message), is_notification(message), is_response(message)) == (
        a_request,
        notification,
        response,
    )


def test_error_payload() -> None:
    assert JsonRpcError(1, "m").payload() == {"code": 1, "message": "m"}
    assert JsonRpcError(1, "m", [2]).payload() == {"code": 1, "message": "m", "data": [2]}
    assert str(JsonRpcError(1, "m")) == "m"
    error = unsupported_version("2099-01-01")
    assert error.code == UNSUPPORTED_PROTOCOL_VERSION
    assert error.data == {"supported": [STATELESS], "requested": "2099-01-01"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "t"}, ("t", {})),
        ({"name": "t", "arguments": None}, ("t", {})),
        ({"name": "t", "arguments": {"a": 1}}, ("t", {"a": 1})),
        ({"arguments": {}}, "Invalid request parameters: 'name' must be a string"),
        (
            {"name": "t", "arguments": [1]},
            "Invalid request parameters: 'arguments' must be an object",
        ),
    ],
)
def test_tool_call_params(params: dict[str, Any], expected: Any) -> None:
    if isinstance(expected, tuple):
        assert tool_call_params(params) == expected
        return
    with pytest.raises(JsonRpcError) as caught:
        tool_call_params(params)
    assert (caught.value.code, caught.value.message) == (INVALID_PARAMS, expected)


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        (None, None),
        ("plain", "plain"),
        (encoded("naïve"), "naïve"),
        ("=?base64?bm9wZQ?=", None),  # no padding
        ("=?base64?bm9wZR==?=", None),  # decodes, but is not the canonical encoding
        ("=?base64?***?=", None),
        ("=?base64?/w==?=", None),  # not UTF-8
    ],
)
def test_decode_header_value(value: str | None, decoded: str | None) -> None:
    assert decode_header_value(value) == decoded


def headers(method: str, name: str | None = None) -> dict[bytes, bytes]:
    sent = {b"mcp-method": method.encode()}
    return sent if name is None else {**sent, b"mcp-name": name.encode()}


@pytest.mark.parametrize(
    ("method", "params", "sent", "version", "code", "text"),
    [
        ("tools/list", {"_meta": META}, headers("tools/list"), STATELESS, None, ""),
        (
            "tools/call",
            {"name": "é", "_meta": META},
            headers("tools/call", encoded("é")),
            STATELESS,
            None,
            "",
        ),
        (
            "tools/call",
            {"_meta": META},
            headers("tools/call"),
            STATELESS,
            None,
            "",
        ),  # no name to mirror
        (
            "resources/read",
            {"uri": "a://b", "_meta": META},
            headers("resources/read", "a://b"),
            STATELESS,
            None,
            "",
        ),
        (
            "tools/list",
            {},
            headers("tools/list"),
            STATELESS,
            INVALID_PARAMS,
            "params._meta must be an object carrying",
        ),
        (
            "tools/list",
            {"_meta": {}},
            headers("tools/list"),
            STATELESS,
            INVALID_PARAMS,
            "missing the required envelope key(s): io.modelcontextprotocol/protocolVersion, io.",
        ),
        (
            "tools/list",
            {"_meta": META},
            headers("tools/list"),
            "2025-01-01",
            HEADER_MISMATCH,
            "mcp-protocol-version header does not match",
        ),
        (
            "tools/list",
            {"_meta": META},
            headers("tools/call"),
            STATELESS,
            HEADER_MISMATCH,
            "mcp-method header does not match",
        ),
        (
            "prompts/get",
            {"name": "p", "_meta": META},
            headers("prompts/get", "q"),
            STATELESS,
            HEADER_MISMATCH,
            "request body's 'name' parameter",
        ),
        (
            "tools/list",
            {"_meta": {**META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"}},
            headers("tools/list"),
            "2099-01-01",
            UNSUPPORTED_PROTOCOL_VERSION,
            "Unsupported protocol version",
        ),
    ],
)
def test_check_envelope(
    method: str,
    params: dict[str, Any],
    sent: dict[bytes, bytes],
    version: str,
    code: int | None,
    text: str,
) -> None:
    if code is None:
        check_envelope(method, params, sent, version)
        return
    with pytest.raises(JsonRpcError) as caught:
        check_envelope(method, params, sent, version)
    assert caught.value.code == code and text in caught.value.message
