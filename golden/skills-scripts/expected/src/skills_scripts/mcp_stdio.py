"""MCP over stdio: the official SDK's low-level server, answering as the HTTP endpoint does.

It takes what `mcp_http.StreamableHttpApp` takes (the `tools/list` entries, the tool caller and
the handlers of other methods), so both transports serve the same adapter; only the SDK's
models sit at the edges. The SDK is imported only by this module, so only stdio pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError

from .mcp_http import MethodHandler, ToolCaller
from .mcp_jsonrpc import JsonRpcError

__all__ = ["create_sdk_server"]


def create_sdk_server(
    *,
    name: str,
    version: str,
    instructions: str,
    tools: Sequence[Mapping[str, Any]],
    call_tool: ToolCaller,
    methods: Mapping[str, MethodHandler] | None = None,
) -> Server[Any]:
    """Build the SDK server for `tools`, run by `call_tool`; `methods` serves resources, prompts."""
    listed = types.ListToolsResult.model_validate({"tools": tools})
    served = dict(methods or {})

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listed

    async def run_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            result = await call_tool(params.name, params.arguments or {})
        except JsonRpcError as error:
            raise MCPError(error.code, error.message, error.data) from None
        return types.CallToolResult.model_validate(result)

    def serve(method: str, result_type: Any) -> Any:
        """The endpoint's handler of `method` with SDK models at its edges (None: not served)."""
        handler = served.get(method)
        if handler is None:
            return None

        async def handle(ctx: ServerRequestContext[Any], params: Any) -> Any:
            arguments = params.model_dump(by_alias=True, exclude_none=True) if params else {}
            try:
                return result_type.model_validate(await handler(arguments))
            except JsonRpcError as error:
                raise MCPError(error.code, error.message, error.data) from None

        return handle

    server: Server[Any] = Server(
        name,
        version=version,
        instructions=instructions or None,
        on_list_tools=list_tools,
        on_call_tool=run_tool,
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
