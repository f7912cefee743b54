"""Command line: `fleet-orchestration serve` runs the REST and MCP adapters in one process.

Every option can also be set by an environment variable (see `--help`); flags win.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any, Final

import uvicorn

from . import __version__
from .settings import Settings, SettingsError, load_settings
from .upstream import UpstreamClient

__all__ = ["build_parser", "main", "serve"]

PROG: Final = "fleet-orchestration"
DESCRIPTION: Final = "Fleet Orchestration"
DEFAULT_REST_HOST: Final = "0.0.0.0"
DEFAULT_REST_PORT: Final = 8090
DEFAULT_MCP_HOST: Final = "127.0.0.1"
DEFAULT_MCP_PORT: Final = 9090
DEFAULT_MCP_TRANSPORT: Final = "http"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})

logger = logging.getLogger(__name__)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0-65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line (defaults read from the environment)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog="Run `%(prog)s serve --help` for the server options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve",
        help="run the adapters",
        description="Run the REST and MCP adapters in one process until interrupted.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve_parser.add_argument(
        "--host",
        default=os.environ.get("NAFTIKO_HOST") or None,
        help="interface both adapters listen on (env NAFTIKO_HOST; default: the spec's "
        "address, else REST 0.0.0.0 and MCP 127.0.0.1)",
    )
    serve_parser.add_argument(
        "--rest-port",
        type=_port,
        default=os.environ.get("NAFTIKO_REST_PORT") or DEFAULT_REST_PORT,
        help="REST adapter port (env NAFTIKO_REST_PORT)",
    )
    serve_parser.add_argument(
        "--no-rest",
        action="store_true",
        default=_env_flag("NAFTIKO_NO_REST"),
        help="do not run the REST adapter (env NAFTIKO_NO_REST=1)",
    )
    serve_parser.add_argument(
        "--mcp-port",
        type=_port,
        default=os.environ.get("NAFTIKO_MCP_PORT") or DEFAULT_MCP_PORT,
        help="MCP adapter port, Streamable HTTP at /mcp (env NAFTIKO_MCP_PORT)",
    )
    serve_parser.add_argument(
        "--no-mcp",
        action="store_true",
        default=_env_flag("NAFTIKO_NO_MCP"),
        help="do not run the MCP adapter (env NAFTIKO_NO_MCP=1)",
    )
    serve_parser.add_argument(
        "--mcp-transport",
        choices=("http", "stdio"),
        default=os.environ.get("NAFTIKO_MCP_TRANSPORT") or DEFAULT_MCP_TRANSPORT,
        help="serve MCP over Streamable HTTP or over stdin/stdout (env NAFTIKO_MCP_TRANSPORT)",
    )
    serve_parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default=os.environ.get("NAFTIKO_LOG_LEVEL", "warning").lower(),
        help="log level, written to stderr (env NAFTIKO_LOG_LEVEL)",
    )
    serve_parser.add_argument(
        "--access-log",
        action="store_true",
        default=_env_flag("NAFTIKO_ACCESS_LOG"),
        help="log every request (env NAFTIKO_ACCESS_LOG=1)",
    )
    serve_parser.add_argument(
        "--otel",
        action="store_true",
        default=_env_flag("NAFTIKO_OTEL"),
        help="REST: FastAPI's native OpenTelemetry, to the globally configured providers "
        "(env NAFTIKO_OTEL=1)",
    )
    return parser


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `serve`, which runs several at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _http_server(app: Any, host: str, port: int, options: argparse.Namespace) -> _Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=options.log_level,
        access_log=options.access_log,
        lifespan="on",
        server_header=False,
    )
    return _Server(config)


async def serve(options: argparse.Namespace, settings: Settings) -> None:
    """Run the selected adapters until a signal arrives or one of them stops."""
    client = UpstreamClient(settings)
    servers: list[_Server] = []
    tasks: list[asyncio.Task[None]] = []
    if not options.no_rest:
        from .rest_app import create_app

        host = options.host or DEFAULT_REST_HOST
        rest_app = create_app(client, otel=options.otel)
        servers.append(_http_server(rest_app, host, options.rest_port, options))
        logger.info("REST adapter on http://%s:%s", host, options.rest_port)
    if not options.no_mcp and options.mcp_transport == "http":
        from .mcp_server import create_http_app

        host = options.host or DEFAULT_MCP_HOST
        app = create_http_app(client, host=host)
        servers.append(_http_server(app, host, options.mcp_port, options))
        logger.info("MCP adapter on http://%s:%s/mcp", host, options.mcp_port)
    if not options.no_mcp and options.mcp_transport == "stdio":
        tasks.append(asyncio.create_task(_serve_stdio(client)))
    tasks.extend(asyncio.create_task(server.serve()) for server in servers)
    if not tasks:
        await client.close()
        raise SystemExit(f"{PROG}: error: every adapter is disabled; nothing to serve")
    # What start-up loaded (FastAPI, pydantic, the MCP SDK, the apps) lives as long as the
    # process: freezing it keeps the collector's full passes from walking it again and again
    # under load.
    gc.collect()
    gc.freeze()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Not available on Windows.
            loop.add_signal_handler(signum, stop.set)
    for task in tasks:
        task.add_done_callback(lambda _: stop.set())
    try:
        await stop.wait()
        for server in servers:
            server.should_exit = True
        done, pending = await asyncio.wait(tasks, timeout=10)
        for task in pending:
            task.cancel()
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
    finally:
        await client.close()


async def _serve_stdio(client: UpstreamClient) -> None:
    """Serve MCP over stdin/stdout until the client closes stdin."""
    from mcp.server.stdio import stdio_server

    from .mcp_server import create_server

    server = create_server(client)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (absent on Windows).
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run it; return the exit status."""
    options = build_parser().parse_args(argv)
    logging.basicConfig(
        level=options.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        _run(serve(options, settings))
    return 0
