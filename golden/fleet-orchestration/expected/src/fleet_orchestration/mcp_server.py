"""The MCP adapter fleet-tools: one tool per spec tool, each calling the upstream API.

Each tool is declared once, in `TOOLS` (checked and run by `mcp_tools`).
Served over Streamable HTTP at `/mcp` (stateless, JSON responses; see `mcp_http`) or, with the
official MCP SDK, over stdio (see `mcp_stdio`). Upstream errors come back as `isError` results
carrying the status; they never crash a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from . import __version__, operations, orchestration
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

NAME: Final = "fleet-tools"
INSTRUCTIONS: Final = "Fleet tools for agents"


async def list_crew(client: UpstreamClient, arguments: Mapping[str, Any]) -> UpstreamResponse:
    """Every crew member from the CSV export"""
    return await operations.list_crew(
        client,
    )


async def list_berths(client: UpstreamClient, arguments: Mapping[str, Any]) -> UpstreamResponse:
    """Berths of a port, from the YAML feed"""
    return await operations.list_berths(
        client,
        port=arguments["port"],
    )


async def get_ship_with_crew(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """A ship with its crew's names and roles"""
    return await orchestration.get_ship_with_crew_2(
        client,
        imo=arguments["imo"],
    )


TOOLS: Final[ToolRegistry[UpstreamClient]] = ToolRegistry(
    Tool(
        name="list-crew",
        description="Every crew member from the CSV export",
        input_schema={"type": "object", "properties": {}},
        output_shape={
            "type": "array",
            "mapping": "$",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "mapping": "$.crewId"},
                    "fullName": {"type": "string", "mapping": "$.fullName"},
                },
            },
        },
        handler=list_crew,
    ),
    Tool(
        name="list-berths",
        description="Berths of a port, from the YAML feed",
        input_schema={
            "type": "object",
            "properties": {"port": {"type": "string", "description": "UN/LOCODE of the port"}},
            "required": ["port"],
        },
        output_shape={
            "type": "array",
            "mapping": "$.berths",
            "items": {
                "type": "object",
                "properties": {
                    "berth": {"type": "string", "mapping": "$.id"},
                    "depth": {"type": "number", "mapping": "$.depth"},
                },
            },
        },
        handler=list_berths,
    ),
    Tool(
        name="get-ship-with-crew",
        description="A ship with its crew's names and roles",
        input_schema={
            "type": "object",
            "properties": {"imo": {"type": "string", "description": "IMO number of the ship"}},
            "required": ["imo"],
        },
        handler=get_ship_with_crew,
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
