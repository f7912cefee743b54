"""MCP over Streamable HTTP, stateless, with JSON (never SSE) responses: a small ASGI app.

One POST carries one JSON-RPC message and gets one answer. Both protocol revisions the official
clients speak are served at the same URL, told apart by the `MCP-Protocol-Version` header:

- **2026-07-28** (stateless): every request carries its protocol version and client capabilities
  in `params._meta`, mirrored by the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers;
  there is no `initialize`; `server/discover` describes the server. Errors get an HTTP status
  (400 for malformed or mismatched requests, 404 for an unknown method).
- **2025-11-25 and older** (no header, or a handshake version): `initialize` negotiates the
  version; every request is answered on its own (no session), errors inside HTTP 200.

It does what the official SDK's stateless JSON mode does on the wire, without building a transport,
session and pydantic models per request. Served by `serve`, the app sits behind
`exposure.ExposureGuard` (allowed Host and Origin, body limit, as for REST); served on its own it
applies the same `HostPolicy` for its bind address (421 for a foreign `Host`, 403 for a foreign
`Origin`: DNS-rebinding protection) and a `MAX_BODY_SIZE` cap (413). GET, DELETE and other
methods answer 405: a stateless server offers no SSE stream and no session to end.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

from starlette.types import Receive, Scope, Send

from .exposure import DEFAULT_MAX_BODY_BYTES, GUARDED, HostPolicy, send_problem
from .mcp_jsonrpc import (
    HANDSHAKE_VERSIONS,
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    STATELESS_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    JsonRpcError,
    check_envelope,
    is_notification,
    is_request,
    is_response,
    tool_call_params,
    unsupported_version,
)
from .tracing import traced_tool_calls

# The JSON-RPC names are re-exported: code written against this module (generated tests, hooks)
# keeps importing them from here.
__all__ = [
    "HANDSHAKE_VERSIONS",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "STATELESS_VERSIONS",
    "JsonRpcError",
    "MethodHandler",
    "StreamableHttpApp",
    "ToolCaller",
]

MAX_BODY_SIZE: Final = DEFAULT_MAX_BODY_BYTES
"""The body cap when served on its own (behind the guard, `--max-body-bytes` applies)."""

# 2026-07-28 maps error codes to HTTP statuses; others (internal errors) answer 200.
_STATUS_OF_ERROR: Final = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    METHOD_NOT_FOUND: 404,
}

_SERVER_INFO_KEY: Final = "io.modelcontextprotocol/serverInfo"
# Lists this server has nothing in; answered empty rather than "method not found".
_EMPTY_LISTS: Final = {
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
    "prompts/list": "prompts",
}
_CACHE_HINT: Final = {"ttlMs": 0, "cacheScope": "private"}
_ROUTING_HEADERS: Final = frozenset({b"mcp-protocol-version", b"mcp-method", b"mcp-name"})
_INVALID_BODY: Final = "Body must be a single JSON-RPC request or notification object"

logger = logging.getLogger(__name__)

ToolCaller = Callable[[str, Mapping[str, Any]], Awaitable[dict[str, Any]]]
"""Run one tool: (name, arguments) -> `CallToolResult` as JSON; raises `JsonRpcError`."""
MethodHandler = Callable[[Mapping[str, Any]], Awaitable[dict[str, Any]]]
"""Answer one more method (resources, prompts): params -> result as JSON; raises `JsonRpcError`."""


_INTERNAL: Final = JsonRpcError(INTERNAL_ERROR, "Internal server error")


def _accepts_json(accept: str) -> bool:
    """Whether an `Accept` header admits `application/json` (wildcards included)."""
    for part in accept.split(","):
        media_type = part.split(";", 1)[0].strip().lower()
        if media_type in ("application/json", "application/*", "*/*"):
            return True
    return False


class StreamableHttpApp:
    """The MCP endpoint (ASGI): tools listed from `tools`, run by `call_tool`."""

    def __init__(
        self,
        *,
        name: str,
        version: str,
        instructions: str,
        tools: Sequence[Mapping[str, Any]],
        call_tool: ToolCaller,
        host: str,
        path: str = "/mcp",
        methods: Mapping[str, MethodHandler] | None = None,
    ) -> None:
        """`methods` serves more of the protocol (e.g. `resources/read`, `prompts/get`); the
        capabilities announced follow from the method names."""
        self._call_tool = traced_tool_calls(call_tool)  # itself unless tracing is on
        self._methods = dict(methods or {})
        self._tools = list(tools)
        self._server_info = {"name": name, "version": version}
        self._instructions = instructions
        self._paths = (path, path + "/")
        # Used only when no `ExposureGuard` checked the request already (served on its own).
        self._policy = HostPolicy.for_bind(host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request: transport checks first, then the JSON-RPC message."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] not in self._paths:
            await _respond(send, 404, b"Not Found", b"text/plain; charset=utf-8")
            return
        headers: dict[bytes, bytes] = {}
        duplicated: bytes | None = None
        for key, value in scope["headers"]:
            if key in headers and key in _ROUTING_HEADERS:
                duplicated = key
            headers[key] = value
        guarded = GUARDED in scope
        if not guarded:
            refusal = self._policy.refusal(headers.get(b"host", b""), headers.get(b"origin", b""))
            if refusal is not None:
                await send_problem(send, scope, *refusal)
                return
        body = await _read_body(headers, receive, send, None if guarded else MAX_BODY_SIZE)
        if body is None:
            return
        is_post = scope["method"] == "POST"
        if not await _content_type_allows(headers, is_post, send):
            return
        if not is_post:
            error = JsonRpcError(
                INVALID_REQUEST, "Method Not Allowed: send JSON-RPC messages by POST"
            )
            await _respond_error(send, 405, None, error, [(b"allow", b"POST")])
            return
        if not _accepts_json(headers.get(b"accept", b"").decode("latin-1")):
            error = JsonRpcError(
                INVALID_REQUEST, "Not Acceptable: Client must accept application/json"
            )
            await _respond_error(send, 406, None, error)
            return
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            await _respond_error(send, 400, None, JsonRpcError(PARSE_ERROR, "Parse error"))
            return
        version = headers.get(b"mcp-protocol-version")
        if version is None or version.decode("latin-1") in HANDSHAKE_VERSIONS:
            await self._handle_handshake_era(message, send)
        else:
            await self._handle_stateless(message, headers, duplicated, send)

    async def _handle_handshake_era(self, message: Any, send: Send) -> None:
        """Answer one message of a 2025-11-25 (or older) client; errors travel in HTTP 200."""
        if is_notification(message) or is_response(message):
            await _respond(send, 202)
            return
        if not is_request(message):
            await _respond_error(send, 400, None, JsonRpcError(INVALID_REQUEST, _INVALID_BODY))
            return
        request_id = message["id"]
        method: str = message["method"]
        params: dict[str, Any] = message.get("params") or {}
        try:
            if method == "tools/call":
                result = await self._call_tool(*tool_call_params(params))
            elif method == "tools/list":
                result = {"tools": self._tools}
            elif method == "initialize":
                result = self._initialize(params)
            elif method == "ping":
                result = {}
            elif method in self._methods:
                result = await self._methods[method](params)
            elif method in _EMPTY_LISTS:
                result = {_EMPTY_LISTS[method]: []}
            else:
                raise JsonRpcError(METHOD_NOT_FOUND, "Method not found", method)
        except JsonRpcError as error:
            await _respond_error(send, 200, request_id, error)
            return
        except Exception:
            logger.exception("MCP request %s failed", method)
            await _respond_error(send, 200, request_id, _INTERNAL)
            return
        await _respond_result(send, request_id, result)

    async def _handle_stateless(
        self,
        message: Any,
        headers: Mapping[bytes, bytes],
        duplicated: bytes | None,
        send: Send,
    ) -> None:
        """Answer one 2026-07-28 message: check its envelope and headers, then serve it."""
        header_version = headers[b"mcp-protocol-version"].decode("latin-1")
        if isinstance(message, dict) and "id" not in message:
            if not is_notification(message):
                await _respond_error(send, 400, None, JsonRpcError(INVALID_REQUEST, _INVALID_BODY))
            elif header_version not in STATELESS_VERSIONS:
                await _respond_error(send, 400, None, unsupported_version(header_version))
            else:  # No client-to-server notification means anything on this revision.
                await _respond(send, 202)
            return
        if not is_request(message):
            await _respond_error(send, 400, None, JsonRpcError(INVALID_REQUEST, _INVALID_BODY))
            return
        request_id = message["id"]
        method: str = message["method"]
        params: dict[str, Any] = message.get("params") or {}
        try:
            if duplicated is not None:
                text = f"{duplicated.decode()} header appears more than once"
                raise JsonRpcError(HEADER_MISMATCH, text)
            check_envelope(method, params, headers, header_version)
            if method == "tools/call":
                result = await self._call_tool(*tool_call_params(params))
            elif method == "tools/list":
                result = {"tools": self._tools, **_CACHE_HINT}
            elif method == "server/discover":
                result = self._discover()
            elif method in self._methods:
                result = await self._methods[method](params)
                if method.endswith("/list"):
                    result = {**result, **_CACHE_HINT}
            elif method in _EMPTY_LISTS:
                result = {_EMPTY_LISTS[method]: [], **_CACHE_HINT}
            else:
                raise JsonRpcError(METHOD_NOT_FOUND, "Method not found", method)
        except JsonRpcError as error:
            await _respond_error(send, _STATUS_OF_ERROR.get(error.code, 200), request_id, error)
            return
        except Exception:
            logger.exception("MCP request %s failed", method)
            await _respond_error(send, 200, request_id, _INTERNAL)
            return
        # A copy: the tool's result may be shared. Every 2026-07-28 result names its type and
        # server.
        stamped = {**result, "resultType": "complete"}
        stamped["_meta"] = {_SERVER_INFO_KEY: dict(self._server_info)}
        await _respond_result(send, request_id, stamped)

    def _capabilities(self) -> dict[str, Any]:
        capabilities: dict[str, Any] = {"tools": {"listChanged": False}}
        if "resources/read" in self._methods:
            capabilities["resources"] = {"subscribe": False, "listChanged": False}
        if "prompts/get" in self._methods:
            capabilities["prompts"] = {"listChanged": False}
        return capabilities

    def _initialize(self, params: Mapping[str, Any]) -> dict[str, Any]:
        requested = params.get("protocolVersion")
        if not isinstance(requested, str):
            raise JsonRpcError(INVALID_PARAMS, "Invalid request parameters: 'protocolVersion'")
        result: dict[str, Any] = {
            "protocolVersion": (
                requested if requested in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[-1]
            ),
            "capabilities": self._capabilities(),
            "serverInfo": dict(self._server_info),
        }
        if self._instructions:
            result["instructions"] = self._instructions
        return result

    def _discover(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "supportedVersions": list(STATELESS_VERSIONS),
            "capabilities": self._capabilities(),
            **_CACHE_HINT,
        }
        if self._instructions:
            result["instructions"] = self._instructions
        return result


async def _content_type_allows(headers: Mapping[bytes, bytes], is_post: bool, send: Send) -> bool:
    """Check a POST's Content-Type; answer 400 when it is not JSON."""
    if is_post and not headers.get(b"content-type", b"").lower().startswith(b"application/json"):
        await _respond(send, 400, b"Invalid Content-Type header", b"text/plain; charset=utf-8")
        return False
    return True


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop; acknowledge the server's lifespan events."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(
    headers: Mapping[bytes, bytes], receive: Receive, send: Send, limit: int | None
) -> bytes | None:
    """The whole request body, or None once a 413 is answered (or the client went away).

    `limit` None: the guard in front counts the body already.
    """
    limit = limit if limit is not None else 1 << 62
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        await _respond(send, 413, b"Request body too large", b"text/plain; charset=utf-8")
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await _respond(send, 413, b"Request body too large", b"text/plain; charset=utf-8")
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _respond(
    send: Send,
    status: int,
    body: bytes = b"",
    content_type: bytes | None = None,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    headers = [(b"content-length", str(len(body)).encode()), *extra]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _respond_result(send: Send, request_id: str | int, result: dict[str, Any]) -> None:
    answer = {"jsonrpc": "2.0", "id": request_id, "result": result}
    body = json.dumps(answer, separators=(",", ":")).encode()
    await _respond(send, 200, body, b"application/json")


async def _respond_error(
    send: Send,
    status: int,
    request_id: str | int | None,
    error: JsonRpcError,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    answer = {"jsonrpc": "2.0", "id": request_id, "error": error.payload()}
    body = json.dumps(answer, separators=(",", ":")).encode()
    await _respond(send, status, body, b"application/json", extra)
