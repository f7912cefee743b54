"""Command line: `rest-sessions serve` runs the REST and MCP adapters in one process.

Every option can also be set by an environment variable (see `--help`); flags win. The options
every package has, and the serving itself, are in `serving.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Final

from . import __version__
from .control import adapter_states
from .environment import load_env_file
from .metrics import instrument
from .ops import enable_observability, observability_options, ops_app, ops_options, ops_routes
from .serving import (
    AdapterServer,
    adapter_options,
    command_line,
    http_server,
    is_running,
    logging_options,
    otel_option,
    run_main,
    run_until_stopped,
    transport_option,
)
from .settings import Settings, load_settings
from .upstream import UpstreamClient
from .workers import Workers, is_worker, process_options

__all__ = ["build_parser", "main", "serve"]

PROG: Final = "rest-sessions"
DESCRIPTION: Final = "Jupyter Notebook REST API — Sessions"
DEFAULT_REST_HOST: Final = "127.0.0.1"
DEFAULT_REST_PORT: Final = 8080
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
    ops_options(serve_parser)
    observability_options(serve_parser)
    process_options(serve_parser)
    logging_options(serve_parser)
    otel_option(serve_parser)
    return parser


def _start_workers(options: argparse.Namespace) -> Workers | None:
    """With `--workers N` (N > 1): the worker processes serving REST and MCP, else None."""
    if options.workers <= 1 or is_worker():
        return None
    if not options.no_mcp and options.mcp_transport == "stdio":
        raise SystemExit(f"{PROG}: error: --workers needs --mcp-transport http (or --no-mcp)")
    return Workers(__package__, options.argv, options.workers, options.shutdown_timeout)


async def serve(options: argparse.Namespace, settings: Settings) -> None:
    """Run the selected adapters until a signal arrives or one of them stops.

    With `--workers N` this process starts N workers that serve the adapters (`workers.py`)
    and serves the operations port itself.
    """
    client = UpstreamClient(settings)
    probe = enable_observability(options, client.apis)
    workers = _start_workers(options)
    servers: list[AdapterServer] = []
    tasks: list[asyncio.Task[None]] = []
    # (type, namespace, port, is it running?) of each adapter, for readiness.
    adapters: list[tuple[str, str, int | None, Callable[[], bool]]] = []
    if not options.no_rest:
        host = options.host or DEFAULT_REST_HOST
        if workers is None:
            from .rest_app import create_app

            rest_app = instrument(create_app(client, otel=options.otel), "rest")
            servers.append(http_server(rest_app, host, options.rest_port, options, adapter="rest"))
        running = is_running(servers[-1]) if workers is None else workers.running
        adapters.append(("rest", "rest-sessions-rest", options.rest_port, running))
        logger.info("REST adapter on http://%s:%s", host, options.rest_port)
    if not options.no_mcp and options.mcp_transport == "http":
        host = options.host or DEFAULT_MCP_HOST
        if workers is None:
            from .mcp_server import create_http_app

            app = instrument(create_http_app(client, host=host), "mcp", default_route="/mcp")
            servers.append(http_server(app, host, options.mcp_port, options, adapter="mcp"))
        running = is_running(servers[-1]) if workers is None else workers.running
        adapters.append(("mcp", "rest-sessions-mcp", options.mcp_port, running))
        logger.info("MCP adapter on http://%s:%s/mcp", host, options.mcp_port)
    if not options.no_mcp and options.mcp_transport == "stdio":
        tasks.append(asyncio.create_task(_serve_stdio(client)))
        stdio = tasks[-1]
        adapters.append(("mcp", "rest-sessions-mcp", None, lambda: not stdio.done()))
    if not options.no_ops and not is_worker():
        routes = ops_routes(
            adapter_states(adapters),
            probe,
            metrics_endpoint=options.metrics,
            traces_endpoint=options.trace_buffer > 0,
        )
        # Probes and scrapers go without the deployment's API key; the port serves no data.
        ops = http_server(
            ops_app(routes, probe),
            options.ops_host,
            options.ops_port,
            options,
            api_key=False,
            adapter="ops",
        )
        servers.append(ops)
        logger.info("operations port on http://%s:%s", options.ops_host, options.ops_port)
    if workers is not None:
        tasks.append(asyncio.create_task(workers.run()))
    await run_until_stopped(
        PROG, client, servers, tasks, stopping=workers.stop if workers else None
    )
    if workers is not None:
        workers.check()


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
