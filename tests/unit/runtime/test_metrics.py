"""`runtime/metrics.py`: request, tool and upstream metrics, the trace buffer, the exposition."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from naftiko_codegen.runtime import metrics

from ._support import call_asgi

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture(autouse=True)
def _off_after() -> Iterator[None]:
    metrics.disable()
    yield
    metrics.disable()


async def _item(request: Request) -> PlainTextResponse:
    if request.path_params["item"] == "boom":
        raise RuntimeError("boom")
    return PlainTextResponse("ok", status_code=201)


def _starlette() -> Starlette:
    return Starlette(routes=[Route("/items/{item}", _item, methods=["GET"])])


def _value(name: str, **labels: str) -> float:
    text = metrics.exposition().decode()
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
            if labels.items() <= found.items():
                return float(match[3])
    return 0.0


def test_off_instrument_leaves_the_app_alone() -> None:
    app = _starlette()
    assert metrics.instrument(app, "rest") is app
    assert metrics.active() is None
    assert metrics.exposition() == b""
    metrics.record_tool("t", "ok", 0.1)  # no-ops, no error
    metrics.record_upstream("api", "op", 200, 0.1)
    metrics.record_breaker("api", "open")


def test_requests_are_counted_by_route_template_and_status_class() -> None:
    metrics.enable(trace_buffer=5)
    app = metrics.instrument(_starlette(), "rest")
    headers = [("traceparent", f"00-{TRACE.upper()}-00f067aa0ba902b7-01")]
    answer = asyncio.run(call_asgi(app, method="GET", path="/items/42", headers=headers))
    assert answer is not None and answer.status == 201
    assert asyncio.run(call_asgi(app, method="GET", path="/nowhere")).status == 404  # type: ignore[union-attr]
    labels = {"adapter": "rest", "method": "GET"}
    assert _value("naftiko_http_requests_total", route="/items/{item}", status_class="2xx") == 1
    assert _value("naftiko_http_requests_total", route="<unmatched>", status_class="4xx") == 1
    assert _value("naftiko_http_request_duration_seconds_count", **labels) == 1
    assert _value("naftiko_http_requests_in_flight", adapter="rest") == 0
    assert _value("naftiko_process_requests") == 2
    (summary,) = metrics.traces().find(TRACE)
    assert summary["route"] == "/items/{item}" and summary["status"] == 201
    assert summary["startTime"].endswith("Z") and summary["durationMs"] >= 0
    assert len(metrics.traces().listing()) == 2


def test_a_failing_app_counts_as_5xx() -> None:
    metrics.enable()
    app = metrics.instrument(_starlette(), "rest")
    with pytest.raises(RuntimeError):
        asyncio.run(call_asgi(app, method="GET", path="/items/boom"))
    assert _value("naftiko_http_requests_total", status_class="5xx") == 1


def test_fastapi_routes_and_the_default_route() -> None:
    api = FastAPI()

    @api.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    metrics.enable()
    app = metrics.instrument(api, "rest")
    asyncio.run(call_asgi(app, method="GET", path="/things/7"))
    asyncio.run(call_asgi(app, method="GET", path="/openapi.json"))
    assert _value("naftiko_http_requests_total", route="/things/{thing_id}") == 1
    assert _value("naftiko_http_requests_total", route="/openapi.json") == 1

    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    mcp = metrics.instrument(bare, "mcp", default_route="/mcp")
    asyncio.run(call_asgi(mcp, path="/mcp"))
    assert _value("naftiko_http_requests_total", adapter="mcp", route="/mcp") == 1


def test_a_placeholder_renamed_for_python_is_labelled_as_the_spec_writes_it() -> None:
    api = FastAPI()

    @api.get("/items/{id_}")
    async def item(id_: str) -> dict[str, str]:
        return {"id": id_}

    api.state.spec_paths = {"/items/{id_}": "/items/{id}"}  # as rest_support.build_app sets it
    metrics.enable()
    app = metrics.instrument(api, "rest")
    asyncio.run(call_asgi(app, method="GET", path="/items/7"))
    assert _value("naftiko_http_requests_total", route="/items/{id}") == 1
    assert _value("naftiko_http_requests_total", route="/items/{id_}") == 0


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    metrics.enable()

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        pass

    async def exercise() -> None:
        await metrics.instrument(app, "rest")({"type": "lifespan"}, receive, send)

    asyncio.run(exercise())
    assert seen == ["lifespan"]


@pytest.mark.parametrize(
    "header",
    [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all zeros: invalid
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # 31 digits
        "00-zzf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # not hex
        "garbage",
    ],
)
def test_a_bad_traceparent_gets_a_new_trace_id(header: str) -> None:
    metrics.enable(metrics=False, trace_buffer=2)
    app = metrics.instrument(_starlette(), "rest")
    asyncio.run(call_asgi(app, method="GET", path="/items/1", headers=[("traceparent", header)]))
    (summary,) = metrics.traces().listing()
    assert re.fullmatch(r"[0-9a-f]{32}", summary["traceId"])
    assert summary["traceId"] != "0" * 32 and summary["traceId"] != TRACE
    # Drawn when first shown, then kept: the same id in every listing, and found by it.
    assert metrics.traces().listing() == [summary]
    assert metrics.traces().find(summary["traceId"]) == [summary]


def test_tool_and_upstream_calls_are_counted_and_attached_to_the_request() -> None:
    metrics.enable(trace_buffer=3)

    async def tool_app(scope: Scope, receive: Receive, send: Send) -> None:
        metrics.record_tool("list", "ok", 0.002)
        metrics.record_upstream("jupyter", "listsessions", 200, 0.001)
        metrics.record_upstream("jupyter", "listsessions", None, 0.5)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = metrics.instrument(tool_app, "mcp", default_route="/mcp")
    asyncio.run(call_asgi(app, headers=[("traceparent", f"00-{TRACE}-00f067aa0ba902b7-01")]))
    metrics.record_breaker("jupyter", "open")
    assert _value("naftiko_mcp_tool_calls_total", tool="list", outcome="ok") == 1
    assert _value("naftiko_upstream_requests_total", operation="listsessions", status="200") == 1
    assert _value("naftiko_upstream_requests_total", status="error") == 1
    assert _value("naftiko_upstream_request_duration_seconds_count", api="jupyter") == 2
    assert _value("naftiko_upstream_circuit_state", api="jupyter") == 2
    (summary,) = metrics.traces().find(TRACE)
    assert [span["kind"] for span in summary["spans"]] == ["tool", "upstream", "upstream"]
    assert summary["spans"][2]["status"] == "error"


def test_the_trace_buffer_is_a_bounded_ring() -> None:
    metrics.enable(metrics=False, trace_buffer=2)
    app = metrics.instrument(_starlette(), "rest")
    for item in ("1", "2", "3"):
        asyncio.run(call_asgi(app, method="GET", path=f"/items/{item}"))
    assert len(metrics.traces().listing()) == 2
    assert metrics.traces().find("f" * 32) == []
    assert metrics.active() is None
    metrics.enable(metrics=False, trace_buffer=0)
    assert metrics.instrument(_starlette(), "rest").__class__ is Starlette


def test_multiprocess_exposition_reads_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(metrics.MULTIPROCESS_VARIABLE, str(tmp_path))
    assert metrics.exposition() == b""  # no process wrote anything yet
    assert metrics.CONTENT_TYPE.startswith("text/plain")


def _recorded(kept: metrics.Metrics) -> bytes:
    kept.started("rest")
    kept.answered("rest", "GET", "/items/{item}", "2xx", 0.003)
    kept.started("rest")
    kept.answered("rest", "GET", "/items/{item}", "5xx", 45.0)  # above the last bucket
    kept.started("mcp")  # still running
    kept.refused("rest", "host")
    kept.refused("rest", "host")
    kept.tool_call("list", "ok", 0.02)
    kept.upstream_call("jupyter", "get", "200", 0.25)  # on a bucket's bound
    kept.upstream_call("jupyter", "get", "error", 0.004)
    kept.breaker("jupyter", 2.0)
    return generate_latest(kept.registry)


def test_plain_numbers_give_prometheus_clients_own_text() -> None:
    """One process keeps plain numbers; workers, prometheus-client's metrics: the same text."""
    metrics.enable()  # no `*_created` series, as `serve` runs
    text = _recorded(metrics.Metrics())
    assert text == _recorded(metrics._SharedMetrics())
    assert b'naftiko_http_requests_in_flight{adapter="mcp"} 1.0' in text
    assert b'naftiko_http_refused_requests_total{adapter="rest",reason="host"} 2.0' in text
    assert b"naftiko_process_requests 2.0" in text


def test_workers_keep_prometheus_clients_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(metrics.MULTIPROCESS_VARIABLE, str(tmp_path))
    kept = metrics.enable()
    assert isinstance(kept, metrics._SharedMetrics)
    app = metrics.instrument(_starlette(), "rest")
    asyncio.run(call_asgi(app, method="GET", path="/items/42"))
    metrics.record_tool("list", "invalid", 0.001)
    metrics.record_upstream("jupyter", "get", 503, 0.1)
    metrics.record_breaker("jupyter", "half-open")
    text = generate_latest(kept.registry).decode()
    assert 'naftiko_http_requests_total{adapter="rest",method="GET",route="/items/{item}",' in text
    assert 'naftiko_mcp_tool_calls_total{outcome="invalid",tool="list"} 1.0' in text
    assert 'naftiko_upstream_circuit_state{api="jupyter"} 1.0' in text
