"""The MCP adapter release-desk: one tool per spec tool, each calling the upstream API.

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
from .mapping import map_output, mock_response
from .mcp_content import Folder, Prompt, PromptRegistry, Resource, ResourceRegistry
from .mcp_http import StreamableHttpApp
from .mcp_tools import Tool, ToolRegistry
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse, text

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

NAME: Final = "release-desk"
INSTRUCTIONS: Final = "Release desk tools, resources and prompts."


async def query_participants(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """Committed participants of the pre-release."""
    return await operations.query_db(
        client,
        datasource_id="participants",
        body={"filter": {"property": "Status", "select": {"equals": "Committed"}}},
    )


async def release_status(client: UpstreamClient, arguments: Mapping[str, Any]) -> UpstreamResponse:
    """A fixed answer while the release tracker is offline."""
    return mock_response({"release": text(arguments["release"]), "status": "on-track"})


TOOLS: Final[ToolRegistry[UpstreamClient]] = ToolRegistry(
    Tool(
        name="query-participants",
        title="Query Participants",
        description="Committed participants of the pre-release.",
        input_schema={"type": "object", "properties": {}},
        annotations={
            "readOnlyHint": False,
            "idempotentHint": True,
            "openWorldHint": False,
        },
        output_shape={
            "type": "array",
            "mapping": "$.results",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string", "mapping": "$.id"}},
            },
        },
        handler=query_participants,
    ),
    Tool(
        name="release-status",
        description="A fixed answer while the release tracker is offline.",
        input_schema={
            "type": "object",
            "properties": {"release": {"type": "string", "description": "Release name"}},
            "required": ["release"],
        },
        handler=release_status,
    ),
    upstream_error=UpstreamError,
    map_output=map_output,
)


async def read_database_schema(
    client: UpstreamClient, arguments: Mapping[str, str]
) -> UpstreamResponse:
    """Schema of the pre-release participants database"""
    return await operations.query_db(
        client,
        datasource_id="schema",
        body={"filter": {"property": "Status", "select": {"equals": "Committed"}}},
    )


async def read_user_profile(
    client: UpstreamClient, arguments: Mapping[str, str]
) -> UpstreamResponse:
    """User profile by ID"""
    return await operations.query_db(
        client,
        datasource_id=arguments["userId"],
        body={"filter": {"property": "Status", "select": {"equals": "Committed"}}},
    )


RESOURCES: Final[ResourceRegistry[UpstreamClient]] = ResourceRegistry(
    Resource(
        name="database-schema",
        title="Database Schema",
        uri="data://databases/pre-release/schema",
        description="Schema of the pre-release participants database",
        mime_type="application/json",
        reader=read_database_schema,
    ),
    Resource(
        name="user-profile",
        title="User Profile",
        uri="data://users/{userId}/profile",
        description="User profile by ID",
        mime_type="application/json",
        reader=read_user_profile,
    ),
    Folder("docs://release-notes", "notes"),
    upstream_error=UpstreamError,
    map_output=map_output,
)


PROMPTS: Final = PromptRegistry(
    Prompt(
        name="participant-outreach",
        title="Participant Outreach",
        description="Draft outreach message to pre-release participants",
        arguments=[
            {
                "name": "participant_name",
                "description": "Name of the participant",
                "required": True,
            },
            {"name": "product_name", "description": "Name of the product", "required": True},
        ],
        messages=(
            (
                "user",
                "Draft a personalized outreach email to {{participant_name}} about the upcoming {{product_name}} pre-release.",
            ),
        ),
    ),
    Prompt(
        name="summary-prompt",
        title="Summary Prompt",
        description="Summarize data in a given format",
        arguments=[
            {"name": "data", "description": "The raw data to summarize", "required": True},
            {
                "name": "format",
                "description": "Output format: bullet-points, paragraph, or table",
                "required": False,
            },
        ],
        messages=(
            ("user", "Summarize the following data in {{format}} format:\n\n{{data}}"),
            ("assistant", "I'll summarize the data for you."),
        ),
    ),
    Prompt(
        name="release-brief",
        title="Release Brief",
        description="The release brief, kept in a file beside the spec",
        arguments=[
            {"name": "product_name", "description": "Name of the product", "required": True}
        ],
        file="prompts/release-brief.md",
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
