"""Serving the adapters: the command line's shared options, uvicorn servers, signals, shutdown.

The generated `cli.py` adds the options of the capability's adapters (their spec defaults),
builds one server per selected adapter and hands them to `run_until_stopped`. Every server
answers through `exposure.ExposureGuard` (allowed hosts and origins, an optional inbound API
key, the body limit) over `connections.protocol_class` (connection cap, header/body/idle
deadlines, header size); `serve --help` lists the options that move each bound.
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
from pathlib import Path
from typing import Any, Final, TypeVar

import uvicorn

from . import tracing
from .connections import ConnectionLimits, fit_descriptors, protocol_class
from .environment import SettingsError, env_file_option
from .exposure import DEFAULT_MAX_BODY_BYTES, ExposureGuard, HostPolicy, is_loopback
from .front_door import FrontDoor
from .http_client import HttpClient
from .logs import LOG_FORMATS, configure_logging
from .workers import listen, server_options

__all__ = [
    "AdapterServer",
    "adapter_options",
    "command_line",
    "configure_hosted",
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
_SHUTDOWN_SECONDS: Final = 10.0
"""How long running calls may take to finish once told to stop, unless --shutdown-timeout says."""
_ABORT_SECONDS: Final = 2.0
"""After the drain, how long the servers get to send the 503s and close."""

S = TypeVar("S")

logger = logging.getLogger(__name__)


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
    """The command line and its `serve` command, with `--host` and the exposure options."""
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
        help="interface every adapter listens on (env NAFTIKO_HOST; default: the spec's "
        "address, else 127.0.0.1); another than loopback exposes the adapters: see "
        "--allowed-hosts and --require-api-key-file",
    )
    _exposure_options(serve_parser)
    env_file_option(serve_parser)
    return parser, serve_parser


def _count(value: str) -> int:
    """A positive whole number given on the command line (an argparse `type`)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return number


def _seconds(value: str) -> float:
    """A positive duration in seconds given on the command line (an argparse `type`)."""
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return number


def _key_file(path: str) -> str:
    """The API key held in a file (its first line), read at start-up (an argparse `type`)."""
    try:
        with Path(path).open(encoding="utf-8") as file:
            key = file.readline().strip()
    except (OSError, UnicodeDecodeError) as error:
        raise argparse.ArgumentTypeError(f"cannot read {path!r}: {error}") from None
    if not key:
        raise argparse.ArgumentTypeError(f"{path!r} holds no API key (its first line is empty)")
    return key


def _exposure_options(serve_parser: argparse.ArgumentParser) -> None:
    """Who may call the adapters, and the bounds of every client connection."""
    env = os.environ.get
    group = serve_parser.add_argument_group(
        "exposure and limits", "who may call the adapters; bounds of each client connection"
    )
    group.add_argument(
        "--allowed-hosts",
        default=env("NAFTIKO_ALLOWED_HOSTS", ""),
        metavar="HOSTS",
        help="comma list of Host names answered besides loopback and the bind address (and any "
        "IP address when bound to 0.0.0.0): name, name:port, *.domain; * turns the check off "
        "(env NAFTIKO_ALLOWED_HOSTS)",
    )
    group.add_argument(
        "--allowed-origins",
        default=env("NAFTIKO_ALLOWED_ORIGINS", ""),
        metavar="ORIGINS",
        help="comma list of browser origins (scheme://host[:port]) answered besides loopback "
        "and same-origin ones; * turns the check off (env NAFTIKO_ALLOWED_ORIGINS)",
    )
    group.add_argument(
        "--require-api-key-file",
        dest="inbound_api_key",
        type=_key_file,
        default=env("NAFTIKO_REQUIRE_API_KEY_FILE") or None,
        metavar="FILE",
        help="callers of REST and MCP must send the key in FILE as X-API-Key or as a bearer "
        "token (env NAFTIKO_REQUIRE_API_KEY_FILE, or the key itself in NAFTIKO_REQUIRE_API_KEY)",
    )
    limits = ConnectionLimits()
    numbers: list[tuple[str, Any, Any, str]] = [
        ("max-body-bytes", _count, DEFAULT_MAX_BODY_BYTES, "largest request body (413 beyond)"),
        (
            "max-header-bytes",
            _count,
            limits.max_header_bytes,
            "largest request target and " "headers (431 beyond)",
        ),
        (
            "max-connections",
            _count,
            limits.max_connections,
            "client connections each adapter " "holds at once (503 beyond)",
        ),
        (
            "header-timeout",
            _seconds,
            limits.header_timeout,
            "seconds a request's headers may " "take (408 beyond)",
        ),
        (
            "body-timeout",
            _seconds,
            limits.body_timeout,
            "seconds a request's body may take " "after its headers (408 beyond)",
        ),
        (
            "keep-alive-timeout",
            _seconds,
            limits.keep_alive_timeout,
            "seconds an idle " "connection is kept",
        ),
        (
            "shutdown-timeout",
            _seconds,
            10.0,
            "seconds running calls get to finish once told "
            "to stop (503 after); also "
            "--drain-seconds, env NAFTIKO_DRAIN_SECONDS",
        ),
    ]
    for name, kind, default, what in numbers:
        variable = "NAFTIKO_" + name.upper().replace("-", "_")
        aliases = ["--drain-seconds"] if name == "shutdown-timeout" else []
        group.add_argument(
            f"--{name}",
            *aliases,
            type=kind,
            default=env(variable) or (env("NAFTIKO_DRAIN_SECONDS") if aliases else None) or default,
            metavar="N",
            help=f"{what} (env {variable})",
        )


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
    """`--log-level`, `--log-format` and `--access-log`."""
    serve_parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default=os.environ.get("NAFTIKO_LOG_LEVEL", "warning").lower(),
        help="log level, written to stderr (env NAFTIKO_LOG_LEVEL)",
    )
    serve_parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=os.environ.get("NAFTIKO_LOG_FORMAT", "text").strip().lower(),
        help="text lines, or JSON lines (time, level, logger, message, request_id; access "
        "lines add method, path, status, duration_ms, adapter) (env NAFTIKO_LOG_FORMAT)",
    )
    serve_parser.add_argument(
        "--access-log",
        action="store_true",
        default=env_flag("NAFTIKO_ACCESS_LOG"),
        help="log every request, whatever the log level (env NAFTIKO_ACCESS_LOG=1)",
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
    """A uvicorn server that leaves signal handling to `run_until_stopped`, which runs several.

    `guard` is the exposure guard its app answers through; `drain_seconds`, how long its calls
    may run on once it is told to stop.
    """

    guard: ExposureGuard | None = None
    drain_seconds: float = _SHUTDOWN_SECONDS
    sockets: list[Any] | None = None
    """Its listening sockets once bound (`workers.listen`), shared by the workers if a worker's."""
    adapter: str = "http"
    """What it serves: `rest`, `mcp`, `ops`... (its options are `--<adapter>-port` etc.)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(
    app: Any,
    host: str,
    port: int,
    options: argparse.Namespace,
    *,
    api_key: bool = True,
    adapter: str = "http",
) -> AdapterServer:
    """A server for one adapter's ASGI app, exposed and bounded as the command line says.

    `api_key`: whether the deployment's inbound API key (if any) applies to this adapter (the
    control port's health checks go without). `adapter` names it in access lines and spans.
    Every request gets an id and (with `--access-log`) an access line (`front_door.FrontDoor`).
    """
    key = (options.inbound_api_key or os.environ.get("NAFTIKO_REQUIRE_API_KEY")) or None
    policy = HostPolicy.for_bind(host, [options.allowed_hosts], [options.allowed_origins])
    guard = ExposureGuard(
        policy=policy,
        max_body_bytes=options.max_body_bytes,
        api_key=key if api_key else None,
        adapter=adapter,
    )
    limits = ConnectionLimits(
        max_connections=fit_descriptors(options.max_connections),
        header_timeout=options.header_timeout,
        body_timeout=options.body_timeout,
        keep_alive_timeout=options.keep_alive_timeout,
        max_header_bytes=options.max_header_bytes,
    )
    front = FrontDoor(app, adapter=adapter, guard=guard, access_log=options.access_log)
    config = uvicorn.Config(
        front,
        host=host,
        port=port,
        log_level=options.log_level,
        # The access lines are FrontDoor's (with the request id); uvicorn's records go
        # through `logs.configure_logging`'s handler, not a configuration of its own.
        access_log=False,
        log_config=None,
        lifespan="on",
        server_header=False,
        http=protocol_class(limits, adapter),
        ws="none",  # no adapter speaks WebSocket: an upgrade request is plain HTTP
        timeout_keep_alive=options.keep_alive_timeout,
        **server_options(options),
    )
    if not is_loopback(host):
        logger.warning(
            "listening on %s:%s, not loopback only: Host must be loopback, %s or listed in "
            "--allowed-hosts; %s",
            host,
            port,
            "an IP address" if policy.wildcard else repr(host),
            (
                "an API key is required"
                if guard.requires_key
                else "no API key is required "
                "(see --require-api-key-file) unless the spec declares authentication"
            ),
        )
    server = AdapterServer(config)
    server.guard, server.adapter = guard, adapter
    server.drain_seconds = options.shutdown_timeout
    return server


def is_running(server: uvicorn.Server) -> Callable[[], bool]:
    """Whether `server` has started and is not stopping, asked anew at each call."""
    return lambda: server.started and not server.should_exit


async def run_until_stopped(
    prog: str,
    client: HttpClient,
    servers: Sequence[AdapterServer],
    tasks: Sequence[asyncio.Task[None]] = (),
    stopping: Callable[[], None] | None = None,
) -> None:
    """Run the servers (and `tasks`) until a signal arrives or one of them stops; close `client`.

    `stopping` is called once told to stop (`Workers.stop`). Exit with an error when there is
    nothing to run; re-raise the first adapter's failure.
    """
    # Every port bound before any serves: a port taken stops the process before it answers.
    refusal = listen(servers) or (None if servers or tasks else "every adapter is disabled")
    if refusal is not None:
        for task in tasks:  # The stdio adapter; the workers (reaped when cancelled).
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()
        raise SystemExit(f"{prog}: error: {refusal}")
    running = [*tasks, *(asyncio.create_task(server.serve(server.sockets)) for server in servers)]
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
        if stopping is not None:
            stopping()
        for server in servers:
            server.should_exit = True
        drain = max((_drain_seconds(server) for server in servers), default=_SHUTDOWN_SECONDS)
        done, pending = await asyncio.wait(running, timeout=drain)
        if pending:
            # Calls still running get 503 "shutting down" now, before the upstream client
            # closes under them (which would read as 502 "upstream unreachable").
            for server in servers:
                guard = getattr(server, "guard", None)
                if guard is not None and await guard.abort_in_flight(drain):
                    logger.warning("shutdown: calls still running after %g s answered 503", drain)
                for request_task in list(server.server_state.tasks):
                    request_task.cancel()
            more, pending = await asyncio.wait(pending, timeout=_ABORT_SECONDS)
            done |= more
        for task in pending:
            task.cancel()
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
    finally:
        for sock in [sock for server in servers for sock in server.sockets or ()]:
            sock.close()  # uvicorn closed what it served on; not when its start-up failed
        await client.close()


def _drain_seconds(server: uvicorn.Server) -> float:
    drain: float = getattr(server, "drain_seconds", _SHUTDOWN_SECONDS)
    return drain


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run the coroutine on uvloop when it is installed, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:  # uvloop is optional (absent on Windows).
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


def _configure_logging(options: argparse.Namespace) -> None:
    configure_logging(
        options.log_level,
        getattr(options, "log_format", "text"),
        access_log=getattr(options, "access_log", False),
    )


def configure_hosted(prog: str, options: argparse.Namespace) -> None:
    """Logging and tracing for an app another ASGI server runs (`asgi.py`), as `serve` sets
    them; a root logger the host server has configured already is left as it is."""
    if not logging.getLogger().handlers:
        _configure_logging(options)
    tracing.setup(prog)


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
    options.argv = list(argv) if argv is not None else sys.argv[1:]  # for `--workers`
    _configure_logging(options)
    tracing.setup(prog)
    try:
        settings = load_settings()
    except SettingsError as error:
        sys.stderr.write(f"{prog}: error: {error}\n")
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        run(serve(options, settings))
    return 0
