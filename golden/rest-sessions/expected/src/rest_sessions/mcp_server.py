"""The MCP adapter rest-sessions-mcp: one tool per spec tool, each calling the upstream API.

Each tool is declared once, in `TOOLS` (checked and run by `mcp_tools`).
Served over Streamable HTTP at `/mcp` (stateless, JSON responses; see `mcp_http`) or, with the
official MCP SDK, over stdio (see `mcp_stdio`). Upstream errors come back as `isError` results
carrying the status; they never crash a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from . import __version__, operations
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

NAME: Final = "rest-sessions-mcp"
INSTRUCTIONS: Final = (
    "MCP adapter for Jupyter Notebook REST API — Sessions. One tool per consumed operation, routed inline through this capability's consumes block."
)


async def jupyter_notebook_list_running_sessions(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """Jupyter Notebook List running sessions"""
    return await operations.listsessions(
        client,
    )


async def jupyter_notebook_create_new_session(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """Jupyter Notebook Create a new session"""
    return await operations.createsession(
        client,
        body=arguments["body"],
    )


async def jupyter_notebook_get_session(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """Jupyter Notebook Get a session"""
    return await operations.getsession(
        client,
        session_id=arguments["session_id"],
    )


async def jupyter_notebook_update_session(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """Jupyter Notebook Update a session"""
    return await operations.updatesession(
        client,
        session_id=arguments["session_id"],
        body=arguments["body"],
    )


async def jupyter_notebook_delete_session(
    client: UpstreamClient, arguments: Mapping[str, Any]
) -> UpstreamResponse:
    """Jupyter Notebook Delete a session"""
    return await operations.deletesession(
        client,
        session_id=arguments["session_id"],
    )


TOOLS: Final[ToolRegistry[UpstreamClient]] = ToolRegistry(
    Tool(
        name="jupyter-notebook-list-running-sessions",
        description="Jupyter Notebook List running sessions",
        input_schema={"type": "object", "properties": {}},
        annotations={
            "readOnlyHint": True,
            "destructiveHint": False,
            "idempotentHint": True,
        },
        handler=jupyter_notebook_list_running_sessions,
    ),
    Tool(
        name="jupyter-notebook-create-new-session",
        description="Jupyter Notebook Create a new session",
        input_schema={
            "type": "object",
            "properties": {
                "body": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Request body (JSON).",
                }
            },
            "required": ["body"],
        },
        annotations={
            "readOnlyHint": False,
            "destructiveHint": False,
            "idempotentHint": False,
        },
        handler=jupyter_notebook_create_new_session,
    ),
    Tool(
        name="jupyter-notebook-get-session",
        description="Jupyter Notebook Get a session",
        input_schema={
            "type": "object",
            "properties": {
                "session_id": {
                    "type": "string",
                    "description": "Unique identifier for the session.",
                }
            },
            "required": ["session_id"],
        },
        annotations={
            "readOnlyHint": True,
            "destructiveHint": False,
            "idempotentHint": True,
        },
        handler=jupyter_notebook_get_session,
    ),
    Tool(
        name="jupyter-notebook-update-session",
        description="Jupyter Notebook Update a session",
        input_schema={
            "type": "object",
            "properties": {
                "session_id": {
                    "type": "string",
                    "description": "Unique identifier for the session.",
                },
                "body": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Request body (JSON).",
                },
            },
            "required": ["session_id", "body"],
        },
        annotations={
            "readOnlyHint": False,
            "destructiveHint": False,
            "idempotentHint": True,
        },
        handler=jupyter_notebook_update_session,
    ),
    Tool(
        name="jupyter-notebook-delete-session",
        description="Jupyter Notebook Delete a session",
        input_schema={
            "type": "object",
            "properties": {
                "session_id": {
                    "type": "string",
                    "description": "Unique identifier for the session.",
                }
            },
            "required": ["session_id"],
        },
        annotations={
            "readOnlyHint": False,
            "destructiveHint": True,
            "idempotentHint": True,
        },
        handler=jupyter_notebook_delete_session,
    ),
    upstream_error=UpstreamError,
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
