"""The MCP adapter hostile-tools: one tool per spec tool, each calling the upstream API.

Served over Streamable HTTP at `/mcp` (stateless, JSON responses; see `mcp_http`) or, with the
official MCP SDK, over stdio. Upstream errors come back as `isError` results carrying the status;
they never crash a call.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from . import __version__, mcp_content, operations
from .mapping import map_output
from .mcp_http import INVALID_PARAMS, JsonRpcError, StreamableHttpApp
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse

if TYPE_CHECKING:  # The SDK is imported only to serve stdio.
    from mcp.server.lowlevel.server import Server
    from starlette.types import ASGIApp

__all__ = ["NAME", "TOOLS", "create_http_app", "create_server", "tool_result"]

NAME: Final = "hostile-tools"
INSTRUCTIONS: Final = "MCP server \"quoted\" '''x''' \\ {{ braces }} # </script>\nsecond line"

logger = logging.getLogger(__name__)

ToolHandler = Callable[[UpstreamClient, Mapping[str, Any]], Awaitable[UpstreamResponse]]

# Each tool as `tools/list` describes it (MCP's JSON field names).
TOOLS: Final[tuple[dict[str, Any], ...]] = (
    {
        "name": "get-thing",
        "title": "Get \"thing\" ''' \\ {{ x }} | ` # ✓",
        "description": "Tool: \"\"\"triple\"\"\" '''triple''' \\ \\\\ \\n {{ x }} # | `a` *b* </script> 🚢\nsecond line\n",
        "inputSchema": {
            "type": "object",
            "properties": {
                "thing-id": {
                    "type": "string",
                    "description": "The \"id\" '''x''' \\ {{ y }} # | `\nsecond line",
                }
            },
            "required": ["thing-id"],
        },
    },
)


async def get_thing(client: UpstreamClient, arguments: Mapping[str, Any]) -> UpstreamResponse:
    """Tool: \"\"\"triple\"\"\" '''triple''' \\ \\\\ \\n {{ x }} # | `a` *b* </script> 🚢
    second line"""
    return await operations.get_thing(
        client,
        thing_id=arguments["thing-id"],
    )


_HANDLERS: Final[dict[str, ToolHandler]] = {
    "get-thing": get_thing,
}
# (argument, JSON type, required) per tool: checked before any upstream call.
_ARGUMENTS: Final[dict[str, tuple[tuple[str, str, bool], ...]]] = {
    "get-thing": (("thing-id", "string", True),),
}
_PYTHON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _argument_problem(tool: str, arguments: Mapping[str, Any]) -> str | None:
    """Say what is wrong with a call's arguments (missing or mistyped), or None."""
    for name, json_type, required in _ARGUMENTS[tool]:
        if name not in arguments:
            if required:
                return f"missing required argument {name!r}"
            continue
        value = arguments[name]
        expected = _PYTHON_TYPES.get(json_type)
        # bool is an int in Python, but not a JSON number.
        if expected and (
            not isinstance(value, expected) or (isinstance(value, bool) and json_type != "boolean")
        ):
            if value is None and not required:
                continue
            return f"argument {name!r} must be of type {json_type}"
    return None


_OUTPUT_SHAPES: Final[dict[str, dict[str, Any]]] = {}


def _text_result(payload: Any, *, is_error: bool = False) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": json.dumps(payload)}], "isError": is_error}


def _raw_result(upstream: UpstreamResponse) -> dict[str, Any]:
    """The upstream body as it came, as the text of a successful result."""
    text = upstream.body.decode("utf-8", "replace")
    return {"content": [{"type": "text", "text": text}], "isError": False}


def tool_result(upstream: UpstreamResponse, shape: dict[str, Any] | None = None) -> dict[str, Any]:
    """Turn an upstream reply into a `CallToolResult` (as JSON): text plus `structuredContent`."""
    if upstream.status >= 400:
        detail: Any = upstream.body.decode("utf-8", "replace")
        if upstream.is_json:
            with contextlib.suppress(ValueError):
                detail = upstream.json()
        return _text_result({"status": upstream.status, "error": detail}, is_error=True)
    if not upstream.body:
        result = _text_result({"status": upstream.status})
        result["structuredContent"] = {"status": upstream.status}
        return result
    # A body in another format is read only to be shaped; unshaped, it goes out as text.
    if not upstream.is_json and (shape is None or not upstream.has_data):
        return _raw_result(upstream)
    try:
        data = upstream.data()
    except ValueError:
        return _raw_result(upstream)
    if shape is not None:
        data = map_output(data, shape, single_item_lists=upstream.raw_format == "xml")
        if data is None:  # The shape maps to nothing: the body as the upstream sent it.
            return _raw_result(upstream)
    result = _text_result(data)
    result["structuredContent"] = data if isinstance(data, dict) else {"result": data}
    return result


async def _call_tool(
    client: UpstreamClient, name: str, arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """Run tool `name`: check its arguments, call the upstream, shape the reply."""
    handler = _HANDLERS.get(name)
    if handler is None:
        raise JsonRpcError(INVALID_PARAMS, f"unknown tool {name!r}")
    problem = _argument_problem(name, arguments)
    if problem is not None:
        raise JsonRpcError(INVALID_PARAMS, f"invalid arguments for {name}: {problem}")
    try:
        upstream = await handler(client, arguments)
    except UpstreamError as error:
        return _text_result(
            {"status": error.status, "error": error.title, "detail": error.detail},
            is_error=True,
        )
    except Exception:  # A bug must not end the session; log it, tell the caller.
        logger.exception("tool %s failed", name)
        return _text_result(
            {"status": 500, "error": "Internal error", "detail": "see the server log"},
            is_error=True,
        )
    return tool_result(upstream, _OUTPUT_SHAPES.get(name))


def create_server(client: UpstreamClient) -> Server[Any]:
    """Build the official SDK's MCP server (for stdio) with the same tools as the HTTP app."""
    from mcp import types
    from mcp.server.context import ServerRequestContext
    from mcp.server.lowlevel.server import Server
    from mcp.shared.exceptions import MCPError

    listed = types.ListToolsResult.model_validate({"tools": TOOLS})

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listed

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            result = await _call_tool(client, params.name, params.arguments or {})
        except JsonRpcError as error:
            raise MCPError(error.code, error.message, error.data) from None
        return types.CallToolResult.model_validate(result)

    extra = mcp_content.methods(client)

    def serve(method: str, result_type: Any) -> Any:
        """The same handler as over HTTP, with SDK models at its edges."""

        async def handle(ctx: ServerRequestContext[Any], params: Any) -> Any:
            arguments = params.model_dump(by_alias=True, exclude_none=True) if params else {}
            try:
                return result_type.model_validate(await extra[method](arguments))
            except JsonRpcError as error:
                raise MCPError(error.code, error.message, error.data) from None

        return handle

    server: Server[Any] = Server(
        NAME,
        version=__version__,
        instructions=INSTRUCTIONS or None,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=serve("resources/list", types.ListResourcesResult),
        on_list_resource_templates=serve(
            "resources/templates/list", types.ListResourceTemplatesResult
        ),
        on_read_resource=serve("resources/read", types.ReadResourceResult),
        on_list_prompts=serve("prompts/list", types.ListPromptsResult),
        on_get_prompt=serve("prompts/get", types.GetPromptResult),
    )
    # No tracing exporter is configured here; skip the SDK's per-message span middleware.
    server.middleware.clear()
    return server


def create_http_app(client: UpstreamClient, *, host: str) -> ASGIApp:
    """Serve the tools over Streamable HTTP at `/mcp`: stateless, JSON (not SSE) responses."""
    app: ASGIApp = StreamableHttpApp(
        name=NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=TOOLS,
        call_tool=functools.partial(_call_tool, client),
        host=host,
        methods=mcp_content.methods(client),
    )
    return app
