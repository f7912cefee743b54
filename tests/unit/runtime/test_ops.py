"""`runtime/ops.py`: the operations endpoints, the cached upstream checks and their options."""

from __future__ import annotations

import argparse
import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.runtime import metrics, ops
from naftiko_codegen.runtime.control import AdapterState, adapter_states
from naftiko_codegen.runtime.ops import UpstreamProbe, ops_app, ops_routes
from naftiko_codegen.runtime.tests.loopback import free_port, serve_app
from naftiko_codegen.runtime.upstream_request import UpstreamApi

STARTED = [AdapterState("rest", "demo-rest", 8080, "STARTED")]
VARIABLES = (
    "NAFTIKO_OPS_PORT",
    "NAFTIKO_OPS_HOST",
    "NAFTIKO_NO_OPS",
    "NAFTIKO_METRICS",
    "NAFTIKO_TRACE_BUFFER",
    "NAFTIKO_READY_CHECK_INTERVAL",
    "NAFTIKO_READY_CHECK_TIMEOUT",
)


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    metrics.disable()
    yield
    metrics.disable()


@asynccontextmanager
async def _upstream(status: int = 401) -> AsyncIterator[tuple[str, list[str]]]:
    """A loopback upstream answering `status` to everything; yields its URL and the paths seen."""
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.Response(status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/api", seen
    finally:
        await runner.cleanup()


async def _get(app: Any, *paths: str) -> list[tuple[int, Any]]:
    answers = []
    async with serve_app(app) as url, aiohttp.ClientSession() as session:
        for path in paths:
            async with session.get(url + path) as response:
                body = await response.read()
                is_json = response.content_type == "application/json"
                answers.append((response.status, await response.json() if is_json else body))
    return answers


def test_any_answer_counts_and_checks_are_cached() -> None:
    now = [100.0]

    async def exercise() -> None:
        async with _upstream(401) as (url, seen):
            probe = UpstreamProbe({"jupyter": url}, interval=10, clock=lambda: now[0])
            app = ops_app(ops_routes(lambda: STARTED, probe), probe)
            answers = await _get(app, *["/health/ready"] * 5)
            assert {status for status, _ in answers} == {200}
            upstreams = answers[0][1]["upstreams"]
            assert upstreams == [
                {
                    "namespace": "jupyter",
                    "state": "UP",
                    "detail": "HTTP 401",
                    "checkedSecondsAgo": 0,
                }
            ]
            assert seen == ["/api"] and probe.requests == 1
            now[0] += 11  # due: the next probe answers from the cache and checks in background
            await probe.states()
            await asyncio.sleep(0.2)
            assert probe.requests == 2
            await probe.close()
            await probe.close()  # idempotent

    asyncio.run(exercise())


def test_an_unreachable_upstream_degrades_readiness() -> None:
    probe = UpstreamProbe({"gone": f"http://127.0.0.1:{free_port()}"}, timeout=1)
    app = ops_app(ops_routes(lambda: STARTED, probe), probe)
    ((status, body),) = asyncio.run(_get(app, "/health/ready"))
    assert status == 503 and body["status"] == "DEGRADED"
    assert body["upstreams"][0]["state"] == "DOWN"
    assert body["upstreams"][0]["detail"].endswith("Error")


def test_no_targets_or_no_interval_check_nothing() -> None:
    assert asyncio.run(UpstreamProbe({}).states()) == []
    assert asyncio.run(UpstreamProbe({"a": "http://x"}, interval=0).states()) == []


def test_closing_cancels_a_check_in_progress() -> None:
    silent = socket.socket()  # accepts connections (the backlog), never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()

    async def exercise() -> None:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        probe = UpstreamProbe({"slow": url}, timeout=5)
        task = asyncio.create_task(probe.states())
        await asyncio.sleep(0.1)
        await probe.close()
        with pytest.raises(asyncio.CancelledError):
            await task

    with silent:
        asyncio.run(exercise())


def test_metrics_and_traces_endpoints() -> None:
    metrics.enable(trace_buffer=5)
    app = ops_app(ops_routes(adapter_states([("rest", "r", 1, lambda: True)]), None), None)
    metrics_answer, traces, missing, live = asyncio.run(
        _get(app, "/metrics", "/traces", "/traces/" + "a" * 32, "/health/live")
    )
    assert metrics_answer[0] == 200 and b"naftiko_http_requests_total" in metrics_answer[1]
    assert traces == (200, {"count": 0, "traces": []})
    assert missing[0] == 404 and "no trace" in missing[1]["detail"]
    assert live == (200, {"status": "UP"})


def test_switched_off_endpoints_are_not_served() -> None:
    routes = ops_routes(list, None, health=False, metrics_endpoint=False, traces_endpoint=False)
    assert routes == []


def test_probes_only_answer_the_status_and_serve_nothing_else() -> None:
    """The port beside an authenticated control port: no names, no metrics, no traces."""
    metrics.enable(trace_buffer=5)
    stopped = [AdapterState("rest", "demo-rest", 8080, "STOPPED")]
    probe = UpstreamProbe({"gone": f"http://127.0.0.1:{free_port()}"}, timeout=1)
    up = ops_app(ops_routes(lambda: STARTED, None, probes_only=True), None)
    down = ops_app(ops_routes(lambda: stopped, probe, probes_only=True), probe)
    live, ready, *others = asyncio.run(
        _get(up, "/health/live", "/health/ready", "/metrics", "/traces")
    )
    assert (live, ready) == ((200, {"status": "UP"}), (200, {"status": "UP"}))
    assert [status for status, _ in others] == [404, 404]
    assert asyncio.run(_get(down, "/health/ready")) == [(503, {"status": "DEGRADED"})]
    parser = argparse.ArgumentParser()
    ops.ops_options(parser, probes_only=True)
    assert "status only" in parser.format_help()


def test_a_trace_is_found_by_its_id() -> None:
    metrics.enable(metrics=False, trace_buffer=5)
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"

    async def exercise() -> list[tuple[int, Any]]:
        header = {"traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
        async with (
            serve_app(metrics.instrument(ops_app([], None), "rest")) as url,
            aiohttp.ClientSession() as session,
            session.get(url + "/anything", headers=header) as response,
        ):
            assert response.status == 404
        return await _get(ops_app(ops_routes(list, None), None), f"/traces/{trace.upper()}")

    ((status, body),) = asyncio.run(exercise())
    assert status == 200 and body["traceId"] == trace
    assert body["requests"][0]["status"] == 404


def _parse(separate: bool, *argv: str, **kwargs: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    if separate:
        ops.ops_options(parser)
    ops.observability_options(parser, **kwargs)
    return parser.parse_args(argv)


def test_options_defaults_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _parse(True)
    assert (options.ops_port, options.ops_host, options.no_ops) == (9464, "0.0.0.0", False)
    assert (options.metrics, options.trace_buffer) == (True, 100)
    assert (options.ready_check_interval, options.ready_check_timeout) == (10.0, 2.0)
    assert _parse(False, metrics_default=False, trace_buffer=0).metrics is False
    options = _parse(True, "--no-metrics", "--trace-buffer", "0", "--ops-port", "0")
    assert (options.metrics, options.trace_buffer, options.ops_port) == (False, 0, 0)
    monkeypatch.setenv("NAFTIKO_METRICS", "0")
    monkeypatch.setenv("NAFTIKO_NO_OPS", "1")
    monkeypatch.setenv("NAFTIKO_READY_CHECK_INTERVAL", "0")
    options = _parse(True)
    assert (options.metrics, options.no_ops, options.ready_check_interval) == (False, True, 0.0)
    assert _parse(True, "--metrics").metrics is True


def test_bad_numbers_are_usage_errors() -> None:
    for value in ("-1", "x", "inf"):
        with pytest.raises(SystemExit):
            _parse(False, "--ready-check-interval", value)
    with pytest.raises(SystemExit):
        _parse(True, "--ops-port", "65536")


def test_enable_observability_switches_metrics_and_builds_the_probe() -> None:
    options = _parse(False, "--trace-buffer", "7")
    apis = {"jupyter": UpstreamApi("jupyter", "http://127.0.0.1:1/api", 5.0)}
    probe = ops.enable_observability(options, apis)
    assert probe is not None and probe.targets == {"jupyter": "http://127.0.0.1:1/api"}
    assert metrics.active() is not None and metrics.traces().size == 7
    assert ops.enable_observability(options, {}) is None
    assert ops.enable_observability(_parse(False, "--ready-check-interval", "0"), apis) is None


def _lifespan_events(app: Any, events: list[str]) -> list[str]:
    """Drive `app` through a server's lifespan: startup, then shutdown; what it sent, in order."""
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(incoming)

    async def send(message: dict[str, Any]) -> None:
        events.append(message["type"])

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    return events


def test_close_on_shutdown_closes_once_before_the_server_hears_shutdown_is_over() -> None:
    events: list[str] = []

    async def close() -> None:
        events.append("closed")

    app = ops.close_on_shutdown(ops_app([], None), close)
    assert _lifespan_events(app, events) == [
        "lifespan.startup.complete",
        "closed",
        "lifespan.shutdown.complete",
    ]


def test_close_on_shutdown_still_completes_the_shutdown_when_closing_fails() -> None:
    events: list[str] = []

    async def close() -> None:
        raise RuntimeError("close broke")

    app = ops.close_on_shutdown(ops_app([], None), close)
    with pytest.raises(RuntimeError, match="close broke"):
        _lifespan_events(app, events)
    assert events == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_close_on_shutdown_serves_requests_then_closes_when_uvicorn_stops() -> None:
    closed: list[bool] = []

    async def close() -> None:
        closed.append(True)

    async def exercise() -> int:
        app = ops.close_on_shutdown(ops_app(ops_routes(adapter_states([]), None), None), close)
        async with (
            serve_app(app) as base,
            aiohttp.ClientSession() as session,
            session.get(f"{base}/health/live") as response,
        ):
            return response.status

    assert (asyncio.run(exercise()), closed) == (200, [True])
