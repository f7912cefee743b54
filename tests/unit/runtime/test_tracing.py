"""`runtime/tracing.py`: OpenTelemetry spans for requests, tool calls and upstream calls."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Iterator, Mapping
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import Receive, Scope, Send

from naftiko_codegen.runtime import tracing
from naftiko_codegen.runtime.front_door import FrontDoor
from naftiko_codegen.runtime.http_client import HttpClient
from naftiko_codegen.runtime.mcp_http import StreamableHttpApp
from naftiko_codegen.runtime.tests.loopback import free_port, stub_upstream
from naftiko_codegen.runtime.upstream_request import UpstreamApi, UpstreamError

from ._support import call_asgi

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory; off again afterwards."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider.get_tracer("test"))
    yield exporter
    tracing.use(None)


def test_the_otel_variables_ask_for_traces() -> None:
    assert not tracing.requested({})
    assert tracing.requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing.requested({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    assert tracing.requested({"OTEL_TRACES_EXPORTER": "console"})
    assert not tracing.requested(
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "x"}
    )
    assert not tracing.requested({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"})


@pytest.fixture
def provider_slot(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """`setup`'s global tracer provider, kept out of the process's global state."""
    slot: list[Any] = [trace.NoOpTracerProvider()]
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: slot[-1])
    monkeypatch.setattr(trace, "set_tracer_provider", slot.append)
    yield slot
    tracing.use(None)


def test_setup_does_nothing_unless_asked(provider_slot: list[Any]) -> None:
    assert tracing.setup("demo", {}) is False
    assert not tracing.enabled() and len(provider_slot) == 1


def test_setup_builds_a_provider_with_the_named_exporters(
    provider_slot: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    environ = {
        "OTEL_TRACES_EXPORTER": "console, otlp,zipkin",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",
    }
    assert tracing.setup("demo", environ) is True and tracing.enabled()
    provider = provider_slot[-1]
    assert isinstance(provider, TracerProvider)
    assert provider.resource.attributes["service.name"] == "demo"
    assert "unknown exporter 'zipkin'" in caplog.text
    processors = provider._active_span_processor._span_processors
    kinds = [type(p.span_exporter).__name__ for p in processors]  # type: ignore[attr-defined]
    assert kinds == ["ConsoleSpanExporter", "OTLPSpanExporter"]
    provider.shutdown()
    # A provider set up before (opentelemetry-instrument) is used as it is; a named service kept.
    tracing.use(None)
    assert tracing.setup("demo", {"OTEL_TRACES_EXPORTER": "console"}) and len(provider_slot) == 2
    provider_slot.pop()
    named = {"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "mine"}
    assert tracing.setup("demo", named)
    assert provider_slot[-1].resource.attributes["service.name"] == "mine"


def test_missing_packages_are_a_warning_not_a_failure(
    provider_slot: list[Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    grpc = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.grpc.trace_exporter", None)
    assert tracing.setup("demo", grpc) is True  # on, without that exporter
    assert "exporter 'otlp' is not installed" in caplog.text
    tracing.use(None)
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)
    with caplog.at_level(logging.WARNING):
        assert tracing.setup("demo", {"OTEL_TRACES_EXPORTER": "console"}) is False
    assert "pip install 'demo[otel]'" in caplog.text and not tracing.enabled()


async def _answer(status: int, scope: Scope, send: Send) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_requests_are_server_spans_continuing_the_callers_trace(
    spans: InMemorySpanExporter,
) -> None:
    class Route:
        path = "/items/{id}"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/fail":
            await _answer(502, scope, send)
            return
        scope["route"] = Route()
        await _answer(200, scope, send)

    context = FrontDoor(app, adapter="rest")
    asyncio.run(
        call_asgi(context, method="GET", path="/items/7", headers=[("traceparent", TRACEPARENT)])
    )
    asyncio.run(call_asgi(context, method="POST", path="/fail"))
    ok, failed = spans.get_finished_spans()
    assert (ok.name, ok.kind) == ("GET /items/{id}", SpanKind.SERVER)
    assert format(ok.context.trace_id, "032x") == TRACE_ID
    assert ok.parent is not None and format(ok.parent.span_id, "016x") == "b7ad6b7169203331"
    assert ok.attributes is not None and ok.attributes["http.route"] == "/items/{id}"
    assert ok.attributes["http.response.status_code"] == 200
    assert ok.attributes["naftiko.adapter"] == "rest"
    assert ok.status.status_code == StatusCode.UNSET
    assert (failed.name, failed.status.status_code) == ("POST /fail", StatusCode.ERROR)
    assert failed.parent is None


async def _run(call: Awaitable[Any]) -> Any:
    return await call


def test_tool_calls_are_spans_and_off_costs_nothing(spans: InMemorySpanExporter) -> None:
    async def call_tool(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return {"isError": name == "bad", "content": []}

    tracing.use(None)
    assert tracing.traced_tool_calls(call_tool) is call_tool
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.use(provider.get_tracer("test"))
    traced = tracing.traced_tool_calls(call_tool)
    for name in ("good", "bad"):
        asyncio.run(_run(traced(name, {})))
    good, bad = spans.get_finished_spans()
    assert (good.name, good.kind, good.status.status_code) == (
        "tools/call good",
        SpanKind.INTERNAL,
        StatusCode.UNSET,
    )
    assert good.attributes is not None and good.attributes["gen_ai.tool.name"] == "good"
    assert bad.status.status_code == StatusCode.ERROR
    app = StreamableHttpApp(
        name="n", version="1", instructions="", tools=[], call_tool=call_tool, host="127.0.0.1"
    )
    assert app._call_tool is not call_tool  # traced while tracing is on


def test_upstream_calls_are_client_spans_sending_traceparent(spans: InMemorySpanExporter) -> None:
    async def exercise() -> tuple[list[Any], str]:
        async with stub_upstream() as stub:
            api = UpstreamApi("demo", stub.url + "/base", 5.0)
            client = HttpClient({"demo": api})
            dead = HttpClient({"dead": UpstreamApi("dead", f"http://127.0.0.1:{free_port()}", 2.0)})
            try:
                await client.send("demo", "GET", "/items", query=[("key", "s3cret")])
                with pytest.raises(UpstreamError) as failure:
                    await dead.send("dead", "POST", "/x")
            finally:
                await client.close()
                await dead.close()
            return stub.requests, failure.value.title

    requests, title = asyncio.run(exercise())
    ok, failed = spans.get_finished_spans()
    assert (ok.name, ok.kind) == ("GET demo", SpanKind.CLIENT)
    span_id = format(ok.context.span_id, "016x")
    trace_id = format(ok.context.trace_id, "032x")
    assert requests[0].headers["traceparent"].startswith(f"00-{trace_id}-{span_id}-")
    assert ok.attributes is not None and ok.attributes["http.response.status_code"] == 200
    assert "s3cret" not in str(ok.attributes["url.full"])
    assert str(ok.attributes["url.full"]).endswith("/base/items")
    assert (failed.name, failed.status.status_code) == ("POST dead", StatusCode.ERROR)
    assert failed.status.description == title
    assert "http.response.status_code" not in (failed.attributes or {})
