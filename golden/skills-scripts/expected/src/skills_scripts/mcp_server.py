"""The MCP adapter tickets-mcp: one tool per spec tool, each calling the upstream API.

Each tool is declared once, in `TOOLS` (checked and run by `mcp_tools`).
Served over Streamable HTTP at `/mcp` (stateless, JSON responses; see `mcp_http`) or, with the
official MCP SDK, over stdio (see `mcp_stdio`). Upstream errors come back as `isError` results
carrying the status; they never crash a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from . import __version__, orchestration
from .mapping import map_output
from .mcp_http import StreamableHttpApp
from .mcp_tools import Tool, ToolRegistry
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse

if TYPE_CHECKING:  # The SDK is imported only to serve stdio.
    from mcp.server.lowlevel.server import Server
    from starlette.types import ASGIApp

__all__ = [
    "NAME",
    "TOOLS",
    "create_http_app",
    "create_server",
]

NAME: Final = "tickets-mcp"
INSTRUCTIONS: Final = "Ticket tools"


async def score_ticket(client: UpstreamClient, arguments: Mapping[str, Any]) -> UpstreamResponse:
    """Score a ticket with the triage script and record the score"""
    return await orchestration.score_ticket(
        client,
        id_=arguments["id"],
        tags=arguments["tags"],
    )


TOOLS: Final[ToolRegistry[UpstreamClient]] = ToolRegistry(
    Tool(
        name="score-ticket",
        description="Score a ticket with the triage script and record the score",
        input_schema={
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "Ticket id"},
                "tags": {"type": "string", "description": "Comma-separated tags"},
            },
            "required": ["id", "tags"],
        },
        handler=score_ticket,
    ),
    upstream_error=UpstreamError,
    map_output=map_output,
)


def create_server(client: UpstreamClient) -> Server[Any]:
    """Build the official SDK's MCP server (for stdio), serving what the HTTP app serves."""
    from .mcp_stdio import create_sdk_server

    return create_sdk_server(
        name=NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=TOOLS.listing,
        call_tool=TOOLS.caller(client),
    )


def create_http_app(client: UpstreamClient, *, host: str) -> ASGIApp:
    """Serve the adapter over Streamable HTTP at `/mcp`: stateless, JSON (not SSE) responses."""
    app: ASGIApp = StreamableHttpApp(
        name=NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=TOOLS.listing,
        call_tool=TOOLS.caller(client),
        host=host,
    )
    return app
