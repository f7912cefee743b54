"""The MCP adapter hostile-tools: one tool per spec tool, each calling the upstream API.

Each tool is declared once, in `TOOLS` (checked and run by `mcp_tools`).
Resources are declared in `RESOURCES` and read by `mcp_content`.
Prompts are declared in `PROMPTS` and filled in by `mcp_content`.
Served over Streamable HTTP at `/mcp` (stateless, JSON responses; see `mcp_http`) or, with the
official MCP SDK, over stdio (see `mcp_stdio`). Upstream errors come back as `isError` results
carrying the status; they never crash a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from . import __version__, operations
from .mapping import map_output
from .mcp_content import Prompt, PromptRegistry, Resource, ResourceRegistry
from .mcp_http import StreamableHttpApp
from .mcp_tools import Tool, ToolRegistry
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse

if TYPE_CHECKING:  # The SDK is imported only to serve stdio.
    from mcp.server.lowlevel.server import Server
    from starlette.types import ASGIApp

__all__ = [
    "NAME",
    "PROMPTS",
    "RESOURCES",
    "TOOLS",
    "create_http_app",
    "create_server",
]

NAME: Final = "hostile-tools"
INSTRUCTIONS: Final = "MCP server \"quoted\" '''x''' \\ {{ braces }} # </script>\nsecond line"


async def get_thing(client: UpstreamClient, arguments: Mapping[str, Any]) -> UpstreamResponse:
    """Tool: \"\"\"triple\"\"\" '''triple''' \\ \\\\ \\n {{ x }} # | `a` *b* </script> 🚢
    second line"""
    return await operations.get_thing(
        client,
        thing_id=arguments["thing-id"],
    )


TOOLS: Final[ToolRegistry[UpstreamClient]] = ToolRegistry(
    Tool(
        name="get-thing",
        title="Get \"thing\" ''' \\ {{ x }} | ` # ✓",
        description="Tool: \"\"\"triple\"\"\" '''triple''' \\ \\\\ \\n {{ x }} # | `a` *b* </script> 🚢\nsecond line\n",
        input_schema={
            "type": "object",
            "properties": {
                "thing-id": {
                    "type": "string",
                    "description": "The \"id\" '''x''' \\ {{ y }} # | `\nsecond line",
                }
            },
            "required": ["thing-id"],
        },
        handler=get_thing,
    ),
    upstream_error=UpstreamError,
    map_output=map_output,
)


async def read_thing_doc(client: UpstreamClient, arguments: Mapping[str, str]) -> UpstreamResponse:
    """Doc of a thing: \"\"\" ''' \\ {{ x }} # | ` </script>"""
    return await operations.get_thing(
        client,
        thing_id=arguments["thingId"],
    )


RESOURCES: Final[ResourceRegistry[UpstreamClient]] = ResourceRegistry(
    Resource(
        name="thing-doc",
        title="Thing \"doc\" ''' \\ | ` #",
        uri="data://things/{thingId}/doc",
        description="Doc of a thing: \"\"\" ''' \\ {{ x }} # | ` </script>",
        mime_type="application/json",
        reader=read_thing_doc,
    ),
    upstream_error=UpstreamError,
    map_output=map_output,
)


PROMPTS: Final = PromptRegistry(
    Prompt(
        name="hostile-prompt",
        title="Prompt \"label\" ''' \\ | `",
        description="Prompt: \"\"\" ''' \\ {{ x }} # | ` </script>\nsecond line",
        arguments=[
            {"name": "topic", "description": "Topic \"quoted\" ''' \\ # | `", "required": True}
        ],
        messages=(
            (
                "user",
                "Write about {{topic}} with \"quotes\", '''triples''', \\ backslashes, # and ``` fences.\nNew line </script>",
            ),
        ),
    ),
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
        methods={**RESOURCES.methods(client), **PROMPTS.methods()},
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
        methods={**RESOURCES.methods(client), **PROMPTS.methods()},
    )
    return app
