"""Serving the adapters: the command line's shared options, uvicorn servers, signals, shutdown.

The generated `cli.py` adds the options of the capability's adapters (their spec defaults),
builds one server per selected adapter and hands them to `run_until_stopped`.
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
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, Final, TypeVar

import uvicorn

from .environment import SettingsError
from .http_client import HttpClient

__all__ = [
    "AdapterServer",
    "adapter_options",
    "command_line",
    "env_flag",
    "http_server",
    "is_running",
    "logging_options",
    "otel_option",
    "port_number",
    "run",
    "run_main",
    "run_until_stopped",
    "transport_option",
]

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_SHUTDOWN_SECONDS: Final = 10
"""How long the servers may take to finish their requests once told to stop."""

S = TypeVar("S")


def env_flag(name: str) -> bool:
    """Whether the environment variable `name` says on (`1`, `true`, `yes`, `on`)."""
    return os.environ.get(name, "").strip().lower() in _TRUE


def port_number(value: str) -> int:
    """A TCP port given on the command line (an argparse `type`)."""
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0-65535)")
    return port


def command_line(
    prog: str, description: str, version: str
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The command line and its `serve` command, which has the `--host` option so far."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog="Run `%(prog)s serve --help` for the server options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
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
    return parser, serve_parser


def adapter_options(
    serve_parser: argparse.ArgumentParser, name: str, what: str, port: int, port_help: str
) -> None:
    """`--NAME-port` (default `port`) and `--no-NAME` for the adapter `what`, with their env."""
    variable = name.upper()
    serve_parser.add_argument(
        f"--{name}-port",
        type=port_number,
        default=os.environ.get(f"NAFTIKO_{variable}_PORT") or port,
        help=f"{port_help} (env NAFTIKO_{variable}_PORT)",
    )
    serve_parser.add_argument(
        f"--no-{name}",
        action="store_true",
        default=env_flag(f"NAFTIKO_NO_{variable}"),
        help=f"do not run the {what} (env NAFTIKO_NO_{variable}=1)",
    )


def transport_option(serve_parser: argparse.ArgumentParser, default: str) -> None:
    """`--mcp-transport`: Streamable HTTP or stdio (`default`: the spec's)."""
    serve_parser.add_argument(
        "--mcp-transport",
        choices=("http", "stdio"),
        default=os.environ.get("NAFTIKO_MCP_TRANSPORT") or default,
        help="serve MCP over Streamable HTTP or over stdin/stdout (env NAFTIKO_MCP_TRANSPORT)",
    )


def logging_options(serve_parser: argparse.ArgumentParser) -> None:
    """`--log-level` and `--access-log`."""
    serve_parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default=os.environ.get("NAFTIKO_LOG_LEVEL", "warning").lower(),
        help="log level, written to stderr (env NAFTIKO_LOG_LEVEL)",
    )
    serve_parser.add_argument(
        "--access-log",
        action="store_true",
        default=env_flag("NAFTIKO_ACCESS_LOG"),
        help="log every request (env NAFTIKO_ACCESS_LOG=1)",
    )


def otel_option(serve_parser: argparse.ArgumentParser) -> None:
    """`--otel`: FastAPI's native OpenTelemetry for the REST adapter."""
    serve_parser.add_argument(
        "--otel",
        action="store_true",
        default=env_flag("NAFTIKO_OTEL"),
        help="REST: FastAPI's native OpenTelemetry, to the globally configured providers "
        "(env NAFTIKO_OTEL=1)",
    )


class AdapterServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `run_until_stopped`, which runs several."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: Any, host: str, port: int, options: argparse.Namespace) -> AdapterServer:
    """A server for one adapter's ASGI app, logging as the command line says."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=options.log_level,
        access_log=options.access_log,
        lifespan="on",
        server_header=False,
    )
    return AdapterServer(config)


def is_running(server: uvicorn.Server) -> Callable[[], bool]:
    """Whether `server` has started and is not stopping, asked anew at each call."""
    return lambda: server.started and not server.should_exit


async def run_until_stopped(
    prog: str,
    client: HttpClient,
    servers: Sequence[uvicorn.Server],
    tasks: Sequence[asyncio.Task[None]] = (),
) -> None:
    """Run the servers (and `tasks`) until a signal arrives or one of them stops; close `client`.

    Exit with an error when there is nothing to run; re-raise the first adapter's failure.
    """
    running = [*tasks, *(asyncio.create_task(server.serve()) for server in servers)]
    if not running:
        await client.close()
        raise SystemExit(f"{prog}: error: every adapter is disabled; nothing to serve")
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
    for task in running:
        task.add_done_callback(lambda _: stop.set())
    try:
        await stop.wait()
        for server in servers:
            server.should_exit = True
        done, pending = await asyncio.wait(running, timeout=_SHUTDOWN_SECONDS)
        for task in pending:
            task.cancel()
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
    finally:
        await client.close()


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run the coroutine on uvloop when it is installed, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:  # uvloop is optional (absent on Windows).
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


def run_main(
    prog: str,
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    load_settings: Callable[[], S],
    serve: Callable[[argparse.Namespace, S], Coroutine[Any, Any, None]],
) -> int:
    """Parse the command line, read the settings and serve; return the exit status.

    Missing settings exit with status 2 and one message naming all of them; Ctrl-C exits 0.
    """
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=options.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except SettingsError as error:
        sys.stderr.write(f"{prog}: error: {error}\n")
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        run(serve(options, settings))
    return 0
