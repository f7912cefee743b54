"""Prometheus metrics and recent-request summaries of a running package (the ops port shows them).

Off until `enable()` is called (`serve` does, unless `--no-metrics`); then:

- `instrument(app, adapter)` wraps an adapter's ASGI app: requests counted by method, route
  template (never the raw path: bounded label values, no identifiers) and status class, their
  duration, the requests in flight; and one summary per request in the trace buffer.
- `record_tool` (MCP tool calls by tool and outcome), `record_upstream` (each upstream call by
  API, consumed operation and status, with its latency) and `record_breaker` (each API's
  circuit state) are called by `mcp_tools` and `http_client`; each is one `if` when off.
- `exposition()` is the text of `GET /metrics`. With `PROMETHEUS_MULTIPROC_DIR` set (`serve
  --workers N` sets it, to a private temporary folder), every process writes its values there
  and the exposition aggregates them all.

Per request the cost is a few dictionary look-ups and three metric updates (a cached label set);
`bench/run.py` measures it.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_TYPE",
    "MULTIPROCESS_VARIABLE",
    "Metrics",
    "TraceBuffer",
    "active",
    "disable",
    "enable",
    "exposition",
    "instrument",
    "record_breaker",
    "record_refused",
    "record_tool",
    "record_upstream",
    "traces",
]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
MULTIPROCESS_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"
_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BREAKER_STATES: Final = {"closed": 0.0, "half-open": 1.0, "open": 2.0}
_STATUS_CLASSES: Final = ("1xx", "2xx", "3xx", "4xx", "5xx")


class Metrics:
    """The package's metric families, in `registry` (their values in files in multiprocess mode)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "naftiko_http_requests",
            "HTTP requests answered by an adapter, by method, route template and status class",
            ("adapter", "method", "route", "status_class"),
            registry=r,
        )
        self.duration = Histogram(
            "naftiko_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer",
            ("adapter", "method", "route"),
            buckets=_BUCKETS,
            registry=r,
        )
        self.refused = Counter(
            "naftiko_http_refused_requests",
            "Requests a guard refused, by reason: host, origin, api_key, body_size, auth, "
            "connections, header_size, timeout (docs/operations.md)",
            ("adapter", "reason"),
            registry=r,
        )
        self.in_flight = Gauge(
            "naftiko_http_requests_in_flight",
            "Requests being answered now",
            ("adapter",),
            multiprocess_mode="livesum",
            registry=r,
        )
        self.served = Gauge(
            "naftiko_process_requests",
            "Requests this process answered; with workers, one series per worker (label pid)",
            multiprocess_mode="all",
            registry=r,
        )
        self.tool_calls = Counter(
            "naftiko_mcp_tool_calls",
            "MCP tool calls by tool and outcome (ok, error: an isError result, invalid: refused)",
            ("tool", "outcome"),
            registry=r,
        )
        self.tool_duration = Histogram(
            "naftiko_mcp_tool_duration_seconds",
            "Time an MCP tool call took, upstream calls included",
            ("tool",),
            buckets=_BUCKETS,
            registry=r,
        )
        self.upstream = Counter(
            "naftiko_upstream_requests",
            "Calls to a consumed operation by status (the HTTP status, or `error` when no "
            "answer came: unreachable, timed out, busy, circuit open)",
            ("api", "operation", "status"),
            registry=r,
        )
        self.upstream_duration = Histogram(
            "naftiko_upstream_request_duration_seconds",
            "Time a call to a consumed operation took, retries included",
            ("api", "operation"),
            buckets=_BUCKETS,
            registry=r,
        )
        self.breaker = Gauge(
            "naftiko_upstream_circuit_state",
            "Circuit breaker of a consumed API as of its last call: 0 closed, 1 half-open, 2 open",
            ("api",),
            multiprocess_mode="livemax",
            registry=r,
        )
        # Label sets resolved once: `.labels()` takes a lock and builds a key on every call.
        self._children: dict[tuple[object, ...], Any] = {}

    def child(self, family: Any, *labels: str) -> Any:
        """`family.labels(*labels)`, cached."""
        key = (id(family), *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = family.labels(*labels)
        return found


@dataclass(slots=True)
class _Summary:
    """One request as `/traces` shows it (no path, query or body: they may carry identifiers)."""

    trace_id: str
    adapter: str
    method: str
    started: float
    route: str = ""
    status: int = 0
    duration: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    """Tool calls and upstream calls made while answering."""

    def as_json(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "adapter": self.adapter,
            "method": self.method,
            "route": self.route,
            "status": self.status,
            "startTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "durationMs": round(self.duration * 1000, 3),
            "spans": list(self.calls),
        }


class TraceBuffer:
    """The most recent request summaries of this process, newest last (a bounded ring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ring: deque[_Summary] = deque(maxlen=max(size, 1))

    def add(self, summary: _Summary) -> None:
        if self.size > 0:
            self._ring.append(summary)

    def listing(self) -> list[dict[str, Any]]:
        """The summaries, newest first."""
        return [summary.as_json() for summary in reversed(self._ring)]

    def find(self, trace_id: str) -> list[dict[str, Any]]:
        """Every summary with this trace id (one trace may span several requests)."""
        return [s.as_json() for s in reversed(self._ring) if s.trace_id == trace_id]


_metrics: Metrics | None = None
_traces: TraceBuffer = TraceBuffer(0)
_current: contextvars.ContextVar[_Summary | None] = contextvars.ContextVar(
    "naftiko_request", default=None
)


def enable(*, metrics: bool = True, trace_buffer: int = 0) -> Metrics | None:
    """Switch metrics on (idempotent) and size the trace buffer (0: none); the metrics or None."""
    global _metrics, _traces
    if metrics and _metrics is None:
        # `*_created` series: twice the text, nothing to alert on.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        _metrics = Metrics()
    if trace_buffer != _traces.size:
        _traces = TraceBuffer(trace_buffer)
    return _metrics


def disable() -> None:
    """Switch metrics and the trace buffer off (tests)."""
    global _metrics, _traces
    _metrics, _traces = None, TraceBuffer(0)


def active() -> Metrics | None:
    """The metrics when they are on."""
    return _metrics


def traces() -> TraceBuffer:
    """This process's trace buffer (size 0 when off)."""
    return _traces


def exposition() -> bytes:
    """The Prometheus text of every metric: of all processes when in multiprocess mode."""
    folder = os.environ.get(MULTIPROCESS_VARIABLE)
    if folder:
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    if _metrics is None:
        return b""
    return generate_latest(_metrics.registry)


def _trace_id(scope: Scope) -> str:
    """The trace id of an incoming W3C `traceparent`, else a new random one."""
    for name, value in scope["headers"]:
        if name == b"traceparent":
            parts = value.split(b"-")
            trace = parts[1].lower() if len(parts) >= 4 else b""
            if len(trace) == 32 and trace.strip(b"0123456789abcdef") == b"" and trace.strip(b"0"):
                return trace.decode("ascii")
            break
    return os.urandom(16).hex()


def instrument(app: ASGIApp, adapter: str, *, default_route: str = "<unmatched>") -> ASGIApp:
    """`app` with its requests measured and summarised (as is when metrics and traces are off).

    The route is the matched route's template (`scope["route"]`), else `default_route`.
    """
    if _metrics is None and _traces.size == 0:
        return app
    return _Instrumented(app, adapter, default_route)


class _Instrumented:
    def __init__(self, app: ASGIApp, adapter: str, default_route: str) -> None:
        self.app = app
        self.adapter = adapter
        self.default_route = default_route
        self._templates: dict[Any, str] | None = None

    def _route(self, scope: Scope) -> str:
        """The matched route's template: FastAPI names its own routes in `scope["route"]`, a
        plain Starlette route (`/openapi.json`, a direct route) only by its endpoint."""
        path = getattr(scope.get("route"), "path", None)
        if path is not None:
            return str(path)
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return self.default_route
        if self._templates is None:  # Once the app serves: hooks may have added routes.
            routes = getattr(self.app, "routes", ())
            self._templates = {
                r.endpoint: r.path for r in routes if hasattr(r, "endpoint") and hasattr(r, "path")
            }
        return self._templates.get(endpoint, self.default_route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics, buffer = _metrics, _traces
        started = time.perf_counter()
        summary = _Summary(_trace_id(scope), self.adapter, scope["method"], time.time())
        token = _current.set(summary)
        in_flight = metrics.child(metrics.in_flight, self.adapter) if metrics else None
        if in_flight is not None:
            in_flight.inc()

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                summary.status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            _current.reset(token)
            duration = time.perf_counter() - started
            route = self._route(scope)
            summary.route, summary.duration = route, duration
            if metrics is not None and in_flight is not None:
                in_flight.dec()
                status = summary.status or 500  # No answer started: the app failed.
                status_class = _STATUS_CLASSES[min(max(status // 100, 1), 5) - 1]
                method = scope["method"]
                metrics.child(metrics.requests, self.adapter, method, route, status_class).inc()
                metrics.child(metrics.duration, self.adapter, method, route).observe(duration)
                metrics.served.inc()
            buffer.add(summary)


def record_tool(tool: str, outcome: str, seconds: float) -> None:
    """One MCP tool call: `ok`, `error` (an isError result) or `invalid` (refused)."""
    metrics = _metrics
    if metrics is not None:
        metrics.child(metrics.tool_calls, tool, outcome).inc()
        metrics.child(metrics.tool_duration, tool).observe(seconds)
    summary = _current.get()
    if summary is not None:
        summary.calls.append(
            {"kind": "tool", "name": tool, "outcome": outcome, "durationMs": _ms(seconds)}
        )


def record_upstream(api: str, operation: str, status: int | None, seconds: float) -> None:
    """One call to a consumed operation; `status` None when no answer came."""
    metrics = _metrics
    label = "error" if status is None else str(status)
    if metrics is not None:
        metrics.child(metrics.upstream, api, operation, label).inc()
        metrics.child(metrics.upstream_duration, api, operation).observe(seconds)
    summary = _current.get()
    if summary is not None:
        summary.calls.append(
            {
                "kind": "upstream",
                "api": api,
                "operation": operation,
                "status": label,
                "durationMs": _ms(seconds),
            }
        )


def record_refused(adapter: str, reason: str) -> None:
    """One request refused before or instead of the app's answer (`exposure`, `connections`,
    `inbound_auth`); `reason` is one of the few the metric's help names (bounded labels)."""
    metrics = _metrics
    if metrics is not None:
        metrics.child(metrics.refused, adapter, reason).inc()


def record_breaker(api: str, state: str) -> None:
    """The circuit state of a consumed API (`closed`, `half-open`, `open`)."""
    metrics = _metrics
    if metrics is not None:
        metrics.child(metrics.breaker, api).set(_BREAKER_STATES.get(state, 0.0))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
