"""`runtime/serving.py`: the shared command line, servers, signals, shutdown and `main`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from naftiko_codegen.runtime import connections, serving
from naftiko_codegen.runtime.environment import SettingsError
from naftiko_codegen.runtime.front_door import FrontDoor
from naftiko_codegen.runtime.http_client import HttpClient
from naftiko_codegen.runtime.serving import (
    AdapterServer,
    adapter_options,
    command_line,
    env_flag,
    http_server,
    is_running,
    logging_options,
    otel_option,
    port_number,
    run,
    run_main,
    run_until_stopped,
    transport_option,
)
from naftiko_codegen.runtime.tests.loopback import free_port

VARIABLES = (
    "NAFTIKO_HOST",
    "NAFTIKO_REST_PORT",
    "NAFTIKO_NO_REST",
    "NAFTIKO_MCP_TRANSPORT",
    "NAFTIKO_LOG_LEVEL",
    "NAFTIKO_ACCESS_LOG",
    "NAFTIKO_LOG_FORMAT",
    "NAFTIKO_ENV_FILE",
    "NAFTIKO_OTEL",
    "NAFTIKO_ALLOWED_HOSTS",
    "NAFTIKO_ALLOWED_ORIGINS",
    "NAFTIKO_REQUIRE_API_KEY",
    "NAFTIKO_REQUIRE_API_KEY_FILE",
    "NAFTIKO_MAX_BODY_BYTES",
    "NAFTIKO_MAX_CONNECTIONS",
    "NAFTIKO_HEADER_TIMEOUT",
    "NAFTIKO_SHUTDOWN_TIMEOUT",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(connections, "_reserved", 0)  # each server reserves descriptors


@pytest.fixture
def _unfrozen() -> Iterator[None]:
    """`run_until_stopped` freezes the collector's generations; thaw them afterwards."""
    yield
    gc.unfreeze()


def _parser() -> argparse.ArgumentParser:
    parser, serve_parser = command_line("demo", "A demo.", "1.2.3")
    adapter_options(serve_parser, "rest", "REST adapter", 8080, "REST adapter port")
    transport_option(serve_parser, "http")
    logging_options(serve_parser)
    otel_option(serve_parser)
    return parser


def test_env_flag_reads_the_usual_spellings_of_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("1", True), (" Yes ", True), ("on", True), ("0", False)):
        monkeypatch.setenv("NAFTIKO_X", value)
        assert env_flag("NAFTIKO_X") is expected
    monkeypatch.delenv("NAFTIKO_X")
    assert env_flag("NAFTIKO_X") is False


def test_port_numbers_are_checked() -> None:
    assert port_number("0") == 0
    assert port_number("65535") == 65535
    for bad in ("65536", "-1", "http"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a port number"):
            port_number(bad)


def test_defaults_come_from_the_spec() -> None:
    options = _parser().parse_args(["serve"])
    assert vars(options) == {
        "command": "serve",
        "host": None,
        "rest_port": 8080,
        "no_rest": False,
        "mcp_transport": "http",
        "log_level": "warning",
        "log_format": "text",
        "access_log": False,
        "otel": False,
        "allowed_hosts": "",
        "allowed_origins": "",
        "inbound_api_key": None,
        "max_body_bytes": 4 * 1024 * 1024,
        "max_header_bytes": 64 * 1024,
        "max_connections": 1000,
        "header_timeout": 10.0,
        "body_timeout": 30.0,
        "keep_alive_timeout": 5.0,
        "shutdown_timeout": 10.0,
        "env_file": None,
    }


def test_the_environment_overrides_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "NAFTIKO_HOST": "127.0.0.2",
        "NAFTIKO_REST_PORT": "81",
        "NAFTIKO_NO_REST": "true",
        "NAFTIKO_MCP_TRANSPORT": "stdio",
        "NAFTIKO_LOG_LEVEL": "DEBUG",
        "NAFTIKO_ACCESS_LOG": "1",
        "NAFTIKO_OTEL": "yes",
        "NAFTIKO_LOG_FORMAT": " JSON ",
        "NAFTIKO_ENV_FILE": "settings.env",
    }.items():
        monkeypatch.setenv(name, value)
    options = _parser().parse_args(["serve"])
    assert (options.host, options.rest_port, options.no_rest) == ("127.0.0.2", 81, True)
    assert (options.mcp_transport, options.log_level) == ("stdio", "debug")
    assert (options.access_log, options.otel) == (True, True)
    assert (options.log_format, options.env_file) == ("json", "settings.env")
    # Flags win over the environment.
    assert _parser().parse_args(["serve", "--rest-port", "82"]).rest_port == 82


def test_help_names_each_environment_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in (
        "REST adapter port (env NAFTIKO_REST_PORT) (default: 8080)",
        "do not run the REST adapter (env NAFTIKO_NO_REST=1)",
        "(env NAFTIKO_MCP_TRANSPORT)",
        "(env NAFTIKO_LOG_LEVEL)",
        "(env NAFTIKO_ACCESS_LOG=1)",
        "(env NAFTIKO_LOG_FORMAT)",
        "(env NAFTIKO_ENV_FILE;",
        "(env NAFTIKO_OTEL=1)",
        "(env NAFTIKO_HOST;",
    ):
        assert phrase in text
    with pytest.raises(SystemExit):
        _parser().parse_args(["--version"])
    assert capsys.readouterr().out == "demo 1.2.3\n"


def test_servers_leave_signals_alone_and_report_running() -> None:
    options = _parser().parse_args(["serve", "--access-log", "--log-level", "error"])
    server = http_server(object(), "127.0.0.1", 1234, options)
    assert isinstance(server, AdapterServer)
    config = server.config
    # The access lines are FrontDoor's; uvicorn's own are off and its logging unconfigured.
    assert (config.host, config.port, config.access_log, config.log_level) == (
        "127.0.0.1",
        1234,
        False,
        "error",
    )
    assert config.log_config is None
    assert isinstance(config.app, FrontDoor) and config.app.access_log
    assert config.app.adapter == "http"
    assert (config.lifespan, config.server_header) == ("on", False)
    with server.capture_signals():
        pass  # no handler installed
    running = is_running(server)
    assert running() is False
    server.started = True
    assert running() is True
    server.should_exit = True
    assert running() is False


class _Closing(HttpClient):
    """A client that records being closed."""

    def __init__(self) -> None:
        super().__init__({})
        self.closed = 0

    async def close(self) -> None:
        self.closed += 1


def test_nothing_to_serve_is_an_error() -> None:
    client = _Closing()
    with pytest.raises(SystemExit, match="demo: error: every adapter is disabled"):
        asyncio.run(run_until_stopped("demo", client, []))
    assert client.closed == 1


@pytest.mark.usefixtures("_unfrozen")
def test_a_finished_task_stops_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "_SHUTDOWN_SECONDS", 0.05)
    client = _Closing()
    cancelled: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def noop() -> None:
        return None

    async def exercise() -> None:
        await run_until_stopped(
            "demo", client, [], [asyncio.create_task(forever()), asyncio.create_task(noop())]
        )

    asyncio.run(exercise())
    assert (client.closed, cancelled) == (1, [True])


@pytest.mark.usefixtures("_unfrozen")
def test_an_adapter_failure_is_raised() -> None:
    client = _Closing()

    async def fails() -> None:
        raise RuntimeError("adapter broke")

    async def exercise() -> None:
        await run_until_stopped("demo", client, [], [asyncio.create_task(fails())])

    with pytest.raises(RuntimeError, match="adapter broke"):
        asyncio.run(exercise())
    assert client.closed == 1


@pytest.mark.usefixtures("_unfrozen")
def test_a_signal_stops_the_servers() -> None:
    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hi")

    app = Starlette(routes=[Route("/", hello)])
    options = _parser().parse_args(["serve"])
    port = free_port()
    server = http_server(app, "127.0.0.1", port, options)
    client = _Closing()

    async def exercise() -> str:
        serving_task = asyncio.create_task(run_until_stopped("demo", client, [server]))
        while not server.started:
            await asyncio.sleep(0.01)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/") as response,
        ):
            text = await response.text()
        os.kill(os.getpid(), signal.SIGTERM)
        await serving_task
        return text

    assert asyncio.run(exercise()) == "hi"
    assert server.should_exit and client.closed == 1


def test_run_prefers_uvloop_and_falls_back_to_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    loops: list[str] = []

    async def which() -> None:
        loops.append(type(asyncio.get_running_loop()).__module__.split(".")[0])

    run(which())
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop → ImportError
    run(which())
    assert loops[1] == "asyncio"
    assert loops[0] in ("uvloop", "asyncio")


def test_main_reads_settings_then_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[str, Any]] = []

    async def serve(options: argparse.Namespace, settings: str) -> None:
        served.append((options.command, settings))

    monkeypatch.setattr(serving, "configure_logging", lambda *args, **kwargs: None)
    assert run_main("demo", _parser(), ["serve"], lambda: "settings", serve) == 0
    assert served == [("serve", "settings")]


def test_main_reports_missing_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing() -> str:
        raise SettingsError("cannot start: X is not set")

    async def serve(options: argparse.Namespace, settings: str) -> None:
        raise AssertionError("never served")

    monkeypatch.setattr(serving, "configure_logging", lambda *args, **kwargs: None)
    assert run_main("demo", _parser(), ["serve"], missing, serve) == 2
    assert capsys.readouterr().err == "demo: error: cannot start: X is not set\n"


def test_ctrl_c_ends_main_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    async def serve(options: argparse.Namespace, settings: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(serving, "configure_logging", lambda *args, **kwargs: None)
    assert run_main("demo", _parser(), ["serve"], lambda: "s", serve) == 0


def test_exposure_options_come_from_flags_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("file-key\nignored\n")
    monkeypatch.setenv("NAFTIKO_MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("NAFTIKO_HEADER_TIMEOUT", "2.5")
    monkeypatch.setenv("NAFTIKO_ALLOWED_HOSTS", "api.example")
    monkeypatch.setenv("NAFTIKO_REQUIRE_API_KEY_FILE", str(key_file))
    options = _parser().parse_args(["serve", "--max-connections", "7"])
    assert (options.max_body_bytes, options.header_timeout) == (1024, 2.5)
    assert (options.allowed_hosts, options.inbound_api_key, options.max_connections) == (
        "api.example",
        "file-key",
        7,
    )


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--max-body-bytes", "0", "is not a positive whole number"),
        ("--max-connections", "many", "is not a positive whole number"),
        ("--header-timeout", "-1", "is not a positive number of seconds"),
        ("--body-timeout", "nan", "is not a positive number of seconds"),
        ("--require-api-key-file", "/nonexistent/key", "cannot read"),
    ],
)
def test_bad_exposure_options_are_usage_errors(
    flag: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["serve", flag, value])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_an_empty_key_file_is_a_usage_error(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--require-api-key-file", str(empty)])
    assert "holds no API key" in capsys.readouterr().err


def test_servers_answer_through_the_guard_with_bounded_connections(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NAFTIKO_REQUIRE_API_KEY", "env-key")
    options = _parser().parse_args(
        ["serve", "--shutdown-timeout", "3", "--keep-alive-timeout", "2"]
    )
    server = http_server(object(), "127.0.0.1", 1234, options)
    assert server.guard is not None and server.guard.requires_key
    context = server.config.app
    assert isinstance(context, FrontDoor) and context.guard is server.guard
    assert server.drain_seconds == 3.0
    assert (server.config.ws, server.config.timeout_keep_alive) == ("none", 2.0)
    limits = server.config.http.limits  # type: ignore[union-attr]
    assert (limits.max_connections, limits.header_timeout) == (1000, 10.0)
    assert not caplog.records  # loopback: nothing to warn about
    control = http_server(object(), "0.0.0.0", 1235, options, api_key=False)
    assert control.guard is not None and not control.guard.requires_key
    assert "not loopback only" in caplog.text and "an IP address" in caplog.text
    assert "no API key is required" in caplog.text


def test_each_server_names_its_adapter() -> None:
    options = _parser().parse_args(["serve"])
    server = http_server(object(), "127.0.0.1", 1234, options, adapter="mcp")
    assert isinstance(server.config.app, FrontDoor)
    assert (server.config.app.adapter, server.config.app.access_log) == ("mcp", False)


@pytest.mark.usefixtures("_unfrozen")
def test_calls_still_running_after_the_drain_get_503() -> None:
    async def slow(request: Any) -> PlainTextResponse:
        await asyncio.sleep(3600)
        return PlainTextResponse("never")

    app = Starlette(routes=[Route("/", slow)])
    options = _parser().parse_args(["serve", "--shutdown-timeout", "0.2"])
    port = free_port()
    server = http_server(app, "127.0.0.1", port, options)
    client = _Closing()

    async def exercise() -> tuple[int, Any]:
        serving_task = asyncio.create_task(run_until_stopped("demo", client, [server]))
        while not server.started:
            await asyncio.sleep(0.01)
        async with aiohttp.ClientSession() as session:
            call = asyncio.create_task(session.get(f"http://127.0.0.1:{port}/"))
            assert server.guard is not None
            while not server.guard.in_flight:
                await asyncio.sleep(0.01)
            os.kill(os.getpid(), signal.SIGTERM)
            response = await call
            answer = (response.status, await response.json(content_type=None))
        await serving_task
        return answer

    status, problem = asyncio.run(exercise())
    assert status == 503 and problem["title"] == "Service shutting down"
    assert "0.2 s drain" in problem["detail"] and client.closed == 1


def test_a_hosted_app_configures_logging_only_where_the_host_did_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured: list[tuple[Any, ...]] = []
    traced: list[str] = []
    monkeypatch.setattr(serving, "configure_logging", lambda *a, **k: configured.append(a))
    monkeypatch.setattr(serving.tracing, "setup", traced.append)
    options = argparse.Namespace(log_level="info", log_format="json", access_log=True)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.NullHandler()])
    serving.configure_hosted("demo", options)  # the host server's handler stays
    assert configured == [] and traced == ["demo"]
    monkeypatch.setattr(root, "handlers", [])
    serving.configure_hosted("demo", options)
    assert configured == [("info", "json")] and traced == ["demo", "demo"]
