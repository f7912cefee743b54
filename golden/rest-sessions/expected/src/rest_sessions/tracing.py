"""OpenTelemetry traces, on when the standard `OTEL_*` variables ask and the `otel` extra is in.

`setup` (at start-up) turns tracing on when `OTEL_TRACES_EXPORTER` names an exporter (not
`none`) or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless `OTEL_SDK_DISABLED=true`. It needs
`opentelemetry-sdk` and an exporter (`pip install 'PACKAGE[otel]'`); without them it logs one
warning and nothing else changes. Nothing of OpenTelemetry is imported while tracing is off, and
the request path asks one module global (`enabled()`).

Spans: a SERVER span per HTTP request (`front_door.FrontDoor`, continuing the caller's
`traceparent`), an INTERNAL span per MCP tool call (`traced_tool_calls`), and a CLIENT span per
upstream call (`client_span`) whose context travels upstream as `traceparent` (W3C trace
context). URLs in spans carry no query (it may hold a credential).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Final

__all__ = [
    "client_span",
    "enabled",
    "end_client_span",
    "end_server_span",
    "requested",
    "server_span",
    "setup",
    "traced_tool_calls",
    "traced_upstream",
    "use",
]

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_tracer: Any = None
"""The tracer while tracing is on, else None."""

logger = logging.getLogger(__name__)

ToolCaller = Callable[[str, Mapping[str, Any]], Awaitable[dict[str, Any]]]


def enabled() -> bool:
    """Whether spans are recorded."""
    return _tracer is not None


def use(tracer: Any) -> None:
    """Record spans with `tracer` (an OpenTelemetry `Tracer`), or stop with None."""
    global _tracer
    _tracer = tracer


def requested(environ: Mapping[str, str]) -> bool:
    """Whether the `OTEL_*` variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() in _TRUE:
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporters == "none":
        return False
    endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return bool(exporters or any(environ.get(name, "").strip() for name in endpoints))


def setup(service: str, environ: Mapping[str, str] | None = None) -> bool:
    """Turn tracing on if the environment asks (service name `service` unless it names one).

    Returns whether it is on. A tracer provider set up before (e.g. by `opentelemetry-instrument`)
    is used as it is.
    """
    environ = os.environ if environ is None else environ
    if not requested(environ):
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        logger.warning(
            "OTEL_* variables ask for traces but OpenTelemetry's SDK is not installed "
            "(pip install '%s[otel]'): no traces",
            service,
        )
        return False
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        use(trace.get_tracer(__name__))
        return True
    attributes: dict[str, str] = {}
    name = environ.get("OTEL_SERVICE_NAME", "").strip()
    if name:
        attributes["service.name"] = name
    elif "service.name=" not in environ.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        attributes["service.name"] = service  # else OpenTelemetry's "unknown_service"
    provider = TracerProvider(resource=Resource.create(attributes))
    for exporter in _exporters(environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    use(provider.get_tracer(__name__))
    return True


def _exporters(environ: Mapping[str, str]) -> list[Any]:
    """The span exporters `OTEL_TRACES_EXPORTER` names (default `otlp`)."""
    exporters: list[Any] = []
    names = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() or "otlp"
    for name in (part.strip() for part in names.split(",")):
        try:
            if name == "otlp":
                exporters.append(_otlp_exporter(environ))
            elif name == "console":
                from opentelemetry.sdk.trace.export import ConsoleSpanExporter

                # stderr: stdout may be the MCP stdio transport.
                exporters.append(ConsoleSpanExporter(out=sys.stderr))
            else:
                logger.warning("OTEL_TRACES_EXPORTER: unknown exporter %r left out", name)
        except ImportError as error:
            logger.warning("OTEL_TRACES_EXPORTER: exporter %r is not installed (%s)", name, error)
    return exporters


def _otlp_exporter(environ: Mapping[str, str]) -> Any:
    """OTLP over HTTP/protobuf (the default protocol), or gRPC when the protocol says so."""
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol == "grpc":
        # Not in the `otel` extra (it needs grpcio): installed by whoever picks gRPC.
        grpc = importlib.import_module("opentelemetry.exporter.otlp.proto.grpc.trace_exporter")
        return grpc.OTLPSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def _kind(name: str) -> Any:
    from opentelemetry.trace import SpanKind

    return getattr(SpanKind, name)


def server_span(scope: MutableMapping[str, Any], adapter: str) -> Any:
    """The SERVER span of one HTTP request (a context manager), child of its `traceparent`."""
    from opentelemetry import propagate

    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope["headers"]
        if name in (b"traceparent", b"tracestate")
    }
    method: str = scope.get("method", "")
    return _tracer.start_as_current_span(
        method,
        context=propagate.extract(carrier),
        kind=_kind("SERVER"),
        attributes={
            "http.request.method": method,
            "url.path": scope.get("path", ""),
            "naftiko.adapter": adapter,
        },
    )


def end_server_span(span: Any, scope: MutableMapping[str, Any], status: int) -> None:
    """Name the span by its route (REST) or path, and record the answer's status."""
    route = getattr(scope.get("route"), "path", None) or scope.get("path", "")
    method = scope.get("method", "")
    span.update_name(f"{method} {route}")
    if route:
        span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500 or status == 0:
        from opentelemetry.trace import StatusCode

        span.set_status(StatusCode.ERROR)


def client_span(api: str, method: str, url: Any, headers: dict[str, str]) -> Any:
    """Start the CLIENT span of one upstream call and put its `traceparent` into `headers`."""
    from opentelemetry import propagate, trace

    span = _tracer.start_span(
        f"{method} {api}",
        kind=_kind("CLIENT"),
        attributes={
            "http.request.method": method,
            "server.address": getattr(url, "host", "") or "",
            "url.full": str(url.with_query(None)) if hasattr(url, "with_query") else "",
            "naftiko.upstream": api,
        },
    )
    propagate.inject(headers, context=trace.set_span_in_context(span))
    return span


async def traced_upstream(
    api: str,
    method: str,
    url: Any,
    headers: dict[str, str],
    call: Callable[[dict[str, str]], Awaitable[Any]],
) -> Any:
    """`call(headers)` (an upstream call's attempts) as a CLIENT span; its outcome.

    The outcome is an answer with a `status`, or the adapter's error (an exception returned,
    with a `title`): no answer, or one out of bounds.
    """
    span = client_span(api, method, url, headers)
    status: int | None = None
    error: str | None = "cancelled"
    try:
        outcome = await call(headers)
        if isinstance(outcome, Exception):
            error = str(getattr(outcome, "title", type(outcome).__name__))
        else:
            status, error = outcome.status, None
        return outcome
    finally:
        end_client_span(span, status, error)


def end_client_span(span: Any, status: int | None, error: str | None = None) -> None:
    """End an upstream call's span with its answer's status, or the error that ended it."""
    if status is not None:
        span.set_attribute("http.response.status_code", status)
    if error is not None or (status is not None and status >= 500):
        from opentelemetry.trace import StatusCode

        span.set_status(StatusCode.ERROR, error)
    span.end()


def traced_tool_calls(call_tool: ToolCaller) -> ToolCaller:
    """`call_tool`, each call an INTERNAL span `tools/call NAME`; itself when tracing is off."""
    if _tracer is None:
        return call_tool
    tracer = _tracer

    async def traced(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        with _tool_span(tracer, name) as span:
            result = await call_tool(name, arguments)
            if result.get("isError"):
                from opentelemetry.trace import StatusCode

                span.set_status(StatusCode.ERROR, "the tool answered isError")
            return result

    return traced


@contextmanager
def _tool_span(tracer: Any, name: str) -> Iterator[Any]:
    with tracer.start_as_current_span(
        f"tools/call {name}",
        kind=_kind("INTERNAL"),
        attributes={"mcp.method.name": "tools/call", "gen_ai.tool.name": name},
    ) as span:
        yield span
