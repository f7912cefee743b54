"""Command line: `fleet-orchestration serve` runs the REST and MCP adapters in one process.

Every option can also be set by an environment variable (see `--help`); flags win. The options
every package has, and the serving itself, are in `serving.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence
from typing import Final

from . import __version__
from .environment import load_env_file
from .serving import (
    AdapterServer,
    adapter_options,
    command_line,
    http_server,
    logging_options,
    otel_option,
    run_main,
    run_until_stopped,
    transport_option,
)
from .settings import Settings, load_settings
from .upstream import UpstreamClient

__all__ = ["build_parser", "main", "serve"]

PROG: Final = "fleet-orchestration"
DESCRIPTION: Final = "Fleet Orchestration"
DEFAULT_REST_HOST: Final = "0.0.0.0"
DEFAULT_REST_PORT: Final = 8090
DEFAULT_MCP_HOST: Final = "127.0.0.1"
DEFAULT_MCP_PORT: Final = 9090
DEFAULT_MCP_TRANSPORT: Final = "http"

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line (defaults read from the environment)."""
    parser, serve_parser = command_line(PROG, DESCRIPTION, __version__)
    adapter_options(serve_parser, "rest", "REST adapter", DEFAULT_REST_PORT, "REST adapter port")
    adapter_options(
        serve_parser,
        "mcp",
        "MCP adapter",
        DEFAULT_MCP_PORT,
        "MCP adapter port, Streamable HTTP at /mcp",
    )
    transport_option(serve_parser, DEFAULT_MCP_TRANSPORT)
    logging_options(serve_parser)
    otel_option(serve_parser)
    return parser


async def serve(options: argparse.Namespace, settings: Settings) -> None:
    """Run the selected adapters until a signal arrives or one of them stops."""
    client = UpstreamClient(settings)
    servers: list[AdapterServer] = []
    tasks: list[asyncio.Task[None]] = []  # MCP over stdio
    if not options.no_rest:
        from .rest_app import create_app

        host = options.host or DEFAULT_REST_HOST
        rest_app = create_app(client, otel=options.otel)
        servers.append(http_server(rest_app, host, options.rest_port, options, adapter="rest"))
        logger.info("REST adapter on http://%s:%s", host, options.rest_port)
    if not options.no_mcp and options.mcp_transport == "http":
        from .mcp_server import create_http_app

        host = options.host or DEFAULT_MCP_HOST
        app = create_http_app(client, host=host)
        servers.append(http_server(app, host, options.mcp_port, options, adapter="mcp"))
        logger.info("MCP adapter on http://%s:%s/mcp", host, options.mcp_port)
    if not options.no_mcp and options.mcp_transport == "stdio":
        tasks.append(asyncio.create_task(_serve_stdio(client)))
    await run_until_stopped(PROG, client, servers, tasks)


async def _serve_stdio(client: UpstreamClient) -> None:
    """Serve MCP over stdin/stdout until the client closes stdin."""
    from mcp.server.stdio import stdio_server

    from .mcp_server import create_server

    server = create_server(client)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run it; return the exit status."""
    load_env_file(PROG, argv)  # first: the options read their defaults from the environment
    return run_main(PROG, build_parser(), argv, load_settings, serve)
