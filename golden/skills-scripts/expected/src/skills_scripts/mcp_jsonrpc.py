"""MCP's JSON-RPC: protocol revisions, error codes, message shapes and the 2026-07-28 envelope.

What a message must look like, whatever carries it: `mcp_http` checks each POST body with these,
and every module answering a method raises `JsonRpcError`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "HANDSHAKE_VERSIONS",
    "HEADER_MISMATCH",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "STATELESS_VERSIONS",
    "UNSUPPORTED_PROTOCOL_VERSION",
    "JsonRpcError",
    "check_envelope",
    "decode_header_value",
    "is_notification",
    "is_request",
    "is_response",
    "tool_call_params",
    "unsupported_version",
]

STATELESS_VERSIONS: Final = ("2026-07-28",)
"""Revisions with a per-request envelope and no `initialize`."""
HANDSHAKE_VERSIONS: Final = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
"""Revisions negotiated by `initialize`; the last one is offered to clients asking for another."""

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
HEADER_MISMATCH: Final = -32020
UNSUPPORTED_PROTOCOL_VERSION: Final = -32022

_VERSION_KEY: Final = "io.modelcontextprotocol/protocolVersion"
_CAPABILITIES_KEY: Final = "io.modelcontextprotocol/clientCapabilities"
# Method -> the params key mirrored by the Mcp-Name header (2026-07-28).
_NAMED_PARAMS: Final = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
}


class JsonRpcError(Exception):
    """A JSON-RPC error answer: `code`, `message` and optional `data`."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def payload(self) -> dict[str, Any]:
        """The `error` member of the answer."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def decode_header_value(value: str | None) -> str | None:
    """Undo the `=?base64?…?=` wrapping clients use for header values that are not plain ASCII."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    payload = value[9:-2]
    try:
        decoded = base64.b64decode(payload, validate=True)
        # Only the canonical encoding counts, so a corrupt value never matches by accident.
        if base64.b64encode(decoded).decode("ascii") != payload:
            return None
        return decoded.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def is_request(message: Any) -> bool:
    """A single JSON-RPC 2.0 request object: string method, string or integer id, object params."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return False
    request_id = message.get("id")
    return (
        isinstance(message.get("method"), str)
        and isinstance(request_id, str | int)
        and not isinstance(request_id, bool)
        and isinstance(message.get("params", {}), dict | None)
    )


def is_notification(message: Any) -> bool:
    """A JSON-RPC 2.0 notification: a method, no id."""
    return (
        isinstance(message, dict)
        and "id" not in message
        and message.get("jsonrpc") == "2.0"
        and isinstance(message.get("method"), str)
        and isinstance(message.get("params", {}), dict | None)
    )


def is_response(message: Any) -> bool:
    """A JSON-RPC 2.0 response (a client answering the server): an id and a result or error."""
    return (
        isinstance(message, dict)
        and message.get("jsonrpc") == "2.0"
        and "id" in message
        and ("result" in message or "error" in message)
    )


def unsupported_version(requested: Any) -> JsonRpcError:
    return JsonRpcError(
        UNSUPPORTED_PROTOCOL_VERSION,
        "Unsupported protocol version",
        {"supported": list(STATELESS_VERSIONS), "requested": requested},
    )


def tool_call_params(params: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The tool name and arguments of a `tools/call`, or an invalid-params error."""
    name = params.get("name")
    arguments = params.get("arguments")
    if not isinstance(name, str):
        raise JsonRpcError(INVALID_PARAMS, "Invalid request parameters: 'name' must be a string")
    if arguments is None:
        return name, {}
    if not isinstance(arguments, dict):
        raise JsonRpcError(
            INVALID_PARAMS, "Invalid request parameters: 'arguments' must be an object"
        )
    return name, arguments


def check_envelope(
    method: str,
    params: Mapping[str, Any],
    headers: Mapping[bytes, bytes],
    header_version: str,
) -> None:
    """Require the `_meta` envelope and headers that agree with the body, in the SDK's order."""
    meta = params.get("_meta")
    if not isinstance(meta, dict):
        raise JsonRpcError(
            INVALID_PARAMS,
            f"params._meta must be an object carrying the required {_VERSION_KEY!r} and "
            f"{_CAPABILITIES_KEY!r} envelope keys",
        )
    missing = [key for key in (_VERSION_KEY, _CAPABILITIES_KEY) if key not in meta]
    if missing:
        text = f"params._meta is missing the required envelope key(s): {', '.join(missing)}"
        raise JsonRpcError(INVALID_PARAMS, text)
    if header_version != meta[_VERSION_KEY]:
        text = "mcp-protocol-version header does not match the request envelope's protocol version"
        raise JsonRpcError(HEADER_MISMATCH, text)
    if headers.get(b"mcp-method", b"").decode("latin-1") != method:
        raise JsonRpcError(
            HEADER_MISMATCH,
            "mcp-method header does not match the request body's method",
        )
    name_key = _NAMED_PARAMS.get(method)
    if name_key is not None and params.get(name_key) is not None:
        raw_name = headers.get(b"mcp-name")
        name = decode_header_value(None if raw_name is None else raw_name.decode("latin-1"))
        if name != params[name_key]:
            text = f"mcp-name header does not match the request body's {name_key!r} parameter"
            raise JsonRpcError(HEADER_MISMATCH, text)
    if header_version not in STATELESS_VERSIONS:
        raise unsupported_version(header_version)
