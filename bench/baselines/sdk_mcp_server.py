"""Minimal hand-written MCP server: the official SDK's low-level `Server` + aiohttp.

One tool, `jupyter-notebook-list-running-sessions`, GETs `{upstream}/api/sessions?token=…` and
returns the body as text. Streamable HTTP at `/mcp`, stateless, JSON responses (not SSE), SDK
defaults otherwise: the floor the generated MCP adapter is compared with.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from _serve import parse_args, run
from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server

TOOL = "jupyter-notebook-list-running-sessions"
args = parse_args(__doc__ or "")
URL = f"{args.upstream.rstrip('/')}/api/sessions"
PARAMS = {"token": args.token} if args.token else {}
state: dict[str, aiohttp.ClientSession] = {}


def _session() -> aiohttp.ClientSession:
    # Created on first use so it binds to the server's event loop.
    if "session" not in state:
        state["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    return state["session"]


async def list_tools(
    ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    tool = types.Tool(name=TOOL, description="List sessions", input_schema={"type": "object"})
    return types.ListToolsResult(tools=[tool])


async def call_tool(
    ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
) -> types.CallToolResult:
    async with _session().get(URL, params=PARAMS) as upstream:
        text = await upstream.text()
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], is_error=upstream.status >= 400
        )


server: Server[Any] = Server("bench-sdk", on_list_tools=list_tools, on_call_tool=call_tool)
mcp_app = server.streamable_http_app(
    streamable_http_path="/mcp", json_response=True, stateless_http=True, host=args.host
)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    run(mcp_app, args.host, args.port)
