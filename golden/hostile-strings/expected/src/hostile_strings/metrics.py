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

The cost per request counts (`bench/per_request_cost.py`): one process (the default) keeps
plain numbers, written with no lock by the event loop's thread, made into Prometheus families
when `/metrics` is scraped; with `PROMETHEUS_MULTIPROC_DIR` (workers), prometheus-client's own
metrics keep them in the shared folder. Either way the text is the same.
"""

from __future__ import annotations

import contextvars
import os
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from itertools import accumulate
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
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .trace_buffer import TraceBuffer

__all__ = [
    "CONTENT_TYPE",
    "MULTIPROCESS_VARIABLE",
    "Measured",
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
_LE: Final = (*(repr(bound) for bound in _BUCKETS), "+Inf")  # as prometheus-client writes them
_BREAKER_STATES: Final = {"closed": 0.0, "half-open": 1.0, "open": 2.0}
_STATUS_CLASS: Final = ("5xx", "1xx", "2xx", "3xx", "4xx", "5xx")
"""By `status // 100`; 0 (no answer started: the app failed) counts as 5xx."""

_Family = tuple[str, str, tuple[str, ...]]
# Name, help and labels of each family, shared by both ways of keeping them.
_REQUESTS: Final[_Family] = (
    "naftiko_http_requests",
    "HTTP requests answered by an adapter, by method, route template and status class",
    ("adapter", "method", "route", "status_class"),
)
_DURATION: Final[_Family] = (
    "naftiko_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer",
    ("adapter", "method", "route"),
)
_REFUSED: Final[_Family] = (
    "naftiko_http_refused_requests",
    "Requests a guard refused, by reason: host, origin, api_key, body_size, auth, connections, "
    "header_size, timeout (docs/operations.md)",
    ("adapter", "reason"),
)
_IN_FLIGHT: Final[_Family] = (
    "naftiko_http_requests_in_flight",
    "Requests being answered now",
    ("adapter",),
)
_SERVED: Final[_Family] = (
    "naftiko_process_requests",
    "Requests this process answered; with workers, one series per worker (label pid)",
    (),
)
_TOOLS: Final[_Family] = (
    "naftiko_mcp_tool_calls",
    "MCP tool calls by tool and outcome (ok, error: an isError result, invalid: refused)",
    ("tool", "outcome"),
)
_TOOL_DURATION: Final[_Family] = (
    "naftiko_mcp_tool_duration_seconds",
    "Time an MCP tool call took, upstream calls included",
    ("tool",),
)
_UPSTREAM: Final[_Family] = (
    "naftiko_upstream_requests",
    "Calls to a consumed operation by status (the HTTP status, or `error` when no answer came: "
    "unreachable, timed out, busy, circuit open)",
    ("api", "operation", "status"),
)
_UPSTREAM_DURATION: Final[_Family] = (
    "naftiko_upstream_request_duration_seconds",
    "Time a call to a consumed operation took, retries included",
    ("api", "operation"),
)
_BREAKER: Final[_Family] = (
    "naftiko_upstream_circuit_state",
    "Circuit breaker of a consumed API as of its last call: 0 closed, 1 half-open, 2 open",
    ("api",),
)


class _Row:
    """One label set of a histogram, with the counter beside it split by outcome."""

    __slots__ = ("buckets", "outcomes", "total")

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        self.buckets = [0] * (len(_BUCKETS) + 1)  # not cumulative; the last is above 30 s
        self.total = 0.0

    def add(self, outcome: str, seconds: float) -> None:
        outcomes = self.outcomes
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        self.buckets[bisect_left(_BUCKETS, seconds)] += 1  # `le`: the first bound >= seconds
        self.total += seconds


class Metrics:
    """The package's metrics in one process: plain numbers, read by `registry` at each scrape.

    Written by the event loop's thread only, so no lock is taken: per request, a dictionary
    look-up and three additions.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.http: defaultdict[tuple[str, ...], _Row] = defaultdict(_Row)
        """(adapter, method, route) → durations, and counts by status class."""
        self.tools: defaultdict[tuple[str, ...], _Row] = defaultdict(_Row)
        self.upstream: defaultdict[tuple[str, ...], _Row] = defaultdict(_Row)
        self.in_flight: dict[str, int] = {}
        self.refusals: dict[tuple[str, str], int] = {}
        self.breakers: dict[str, float] = {}
        if type(self) is Metrics:
            self.registry.register(self)  # `collect` turns the numbers into families

    def started(self, adapter: str) -> None:
        """A request of `adapter` arrived."""
        self.in_flight[adapter] = self.in_flight.get(adapter, 0) + 1

    def answered(
        self, adapter: str, method: str, route: str, status_class: str, seconds: float
    ) -> None:
        """A request `started` earlier ended."""
        self.in_flight[adapter] -= 1
        self.http[adapter, method, route].add(status_class, seconds)

    def refused(self, adapter: str, reason: str) -> None:
        """A guard answered instead of the app."""
        self.refusals[adapter, reason] = self.refusals.get((adapter, reason), 0) + 1

    def tool_call(self, tool: str, outcome: str, seconds: float) -> None:
        self.tools[(tool,)].add(outcome, seconds)

    def upstream_call(self, api: str, operation: str, status: str, seconds: float) -> None:
        self.upstream[api, operation].add(status, seconds)

    def breaker(self, api: str, state: float) -> None:
        self.breakers[api] = state

    def collect(self) -> Iterator[Metric]:
        """The families, in the order and form prometheus-client's own metrics give them."""
        http = list(self.http.items())  # copies: a scrape may overlap a request's end
        yield from _families(_REQUESTS, _DURATION, http)
        refused = CounterMetricFamily(*_REFUSED[:2], labels=_REFUSED[2])
        for labels, count in list(self.refusals.items()):
            refused.add_metric(labels, count)
        yield refused
        in_flight = GaugeMetricFamily(*_IN_FLIGHT[:2], labels=_IN_FLIGHT[2])
        for adapter, count in list(self.in_flight.items()):
            in_flight.add_metric((adapter,), count)
        yield in_flight
        served = sum(sum(row.outcomes.values()) for _, row in http)
        yield GaugeMetricFamily(*_SERVED[:2], value=served)
        yield from _families(_TOOLS, _TOOL_DURATION, list(self.tools.items()))
        yield from _families(_UPSTREAM, _UPSTREAM_DURATION, list(self.upstream.items()))
        breaker = GaugeMetricFamily(*_BREAKER[:2], labels=_BREAKER[2])
        for api, state in list(self.breakers.items()):
            breaker.add_metric((api,), state)
        yield breaker


def _families(
    counter: _Family, histogram: _Family, rows: list[tuple[tuple[str, ...], _Row]]
) -> Iterator[Metric]:
    """A counter by (key, outcome) and a histogram by key, from the same rows."""
    counts = CounterMetricFamily(*counter[:2], labels=counter[2])
    durations = HistogramMetricFamily(*histogram[:2], labels=histogram[2])
    for key, row in rows:
        for outcome, count in list(row.outcomes.items()):
            counts.add_metric((*key, outcome), count)
        cumulative = map(float, accumulate(row.buckets))
        durations.add_metric(key, list(zip(_LE, cumulative, strict=True)), row.total)
    yield counts
    yield durations


class _SharedMetrics(Metrics):
    """The same metrics as prometheus-client's own, for `PROMETHEUS_MULTIPROC_DIR` (workers):
    their values go to the shared folder, which the main process's exposition aggregates."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        r = self.registry
        self._requests = Counter(*_REQUESTS, registry=r)
        self._duration = Histogram(*_DURATION, buckets=_BUCKETS, registry=r)
        self._refused = Counter(*_REFUSED, registry=r)
        self._in_flight = Gauge(*_IN_FLIGHT, multiprocess_mode="livesum", registry=r)
        self._served = Gauge(*_SERVED, multiprocess_mode="all", registry=r)
        self._tools = Counter(*_TOOLS, registry=r)
        self._tool_duration = Histogram(*_TOOL_DURATION, buckets=_BUCKETS, registry=r)
        self._upstream = Counter(*_UPSTREAM, registry=r)
        self._upstream_duration = Histogram(*_UPSTREAM_DURATION, buckets=_BUCKETS, registry=r)
        self._breaker = Gauge(*_BREAKER, multiprocess_mode="livemax", registry=r)
        # Label sets resolved once: `.labels()` takes a lock and builds a key on every call.
        self._children: dict[tuple[object, ...], Any] = {}

    def _child(self, family: Any, *labels: str) -> Any:
        key = (id(family), *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = family.labels(*labels)
        return found

    def started(self, adapter: str) -> None:
        self._child(self._in_flight, adapter).inc()

    def answered(
        self, adapter: str, method: str, route: str, status_class: str, seconds: float
    ) -> None:
        self._child(self._in_flight, adapter).dec()
        self._child(self._requests, adapter, method, route, status_class).inc()
        self._child(self._duration, adapter, method, route).observe(seconds)
        self._served.inc()

    def refused(self, adapter: str, reason: str) -> None:
        self._child(self._refused, adapter, reason).inc()

    def tool_call(self, tool: str, outcome: str, seconds: float) -> None:
        self._child(self._tools, tool, outcome).inc()
        self._child(self._tool_duration, tool).observe(seconds)

    def upstream_call(self, api: str, operation: str, status: str, seconds: float) -> None:
        self._child(self._upstream, api, operation, status).inc()
        self._child(self._upstream_duration, api, operation).observe(seconds)

    def breaker(self, api: str, state: float) -> None:
        self._child(self._breaker, api).set(state)


_metrics: Metrics | None = None
_traces: TraceBuffer = TraceBuffer(0)
_calls: contextvars.ContextVar[list[tuple[Any, ...]] | None] = contextvars.ContextVar(
    "naftiko_request_calls", default=None
)
"""The calls of the request being answered, when its summary is kept."""


def enable(*, metrics: bool = True, trace_buffer: int = 0) -> Metrics | None:
    """Switch metrics on (idempotent) and size the trace buffer (0: none); the metrics or None."""
    global _metrics, _traces
    if metrics and _metrics is None:
        # `*_created` series: twice the text, nothing to alert on.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        _metrics = _SharedMetrics() if os.environ.get(MULTIPROCESS_VARIABLE) else Metrics()
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


def instrument(app: ASGIApp, adapter: str, *, default_route: str = "<unmatched>") -> ASGIApp:
    """`app` with its requests measured and summarised (as is when metrics and traces are off).

    The route is the matched route's template as the spec writes it, else `default_route`.
    Served by `serving.http_server`, the measures are taken by its front door
    (`front_door.FrontDoor` calls `Measured.begin` and `Measured.end`: no layer of their own).
    """
    if _metrics is None and _traces.size == 0:
        return app
    return Measured(app, adapter, default_route)


Begun = tuple[float, "Metrics | None", list[tuple[Any, ...]] | None, contextvars.Token[Any] | None]
"""What `Measured.begin` hands to `Measured.end`: the start, the metrics then on, the calls kept
and the context token."""


class Measured:
    """An app whose requests are measured: on its own (ASGI), or by the front door."""

    def __init__(self, app: ASGIApp, adapter: str, default_route: str) -> None:
        self.app = app
        self.adapter = adapter
        self.default_route = default_route
        self._templates: dict[Any, str] | None = None
        # A placeholder renamed for Python (`{id_}`) is named back as the spec writes it.
        self._spec_paths: dict[str, str] = getattr(getattr(app, "state", None), "spec_paths", {})

    def _route_by_endpoint(self, scope: Scope) -> str:
        """The template of a route the scope names only by its endpoint: a plain Starlette route
        (`/openapi.json`, a direct route); FastAPI's own are in `scope["route"]` (`end`)."""
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return self.default_route
        if self._templates is None:  # Once the app serves: hooks may have added routes.
            routes = getattr(self.app, "routes", ())
            self._templates = {
                r.endpoint: self._spec_paths.get(r.path, r.path)
                for r in routes
                if hasattr(r, "endpoint") and hasattr(r, "path")
            }
        return self._templates.get(endpoint, self.default_route)

    def begin(self) -> Begun:
        """A request reaches the app: in flight, and its calls collected when summaries are kept."""
        calls: list[tuple[Any, ...]] | None = [] if _traces.size else None
        token = _calls.set(calls) if calls is not None else None
        metrics = _metrics
        if metrics is not None:
            metrics.started(self.adapter)
        return time.perf_counter(), metrics, calls, token

    def end(self, scope: Scope, status: int, begun: Begun, parent: bytes | None) -> None:
        """The request `begin` saw was answered with `status` (0: no answer started);
        `parent` is its `traceparent` header."""
        started, metrics, calls, token = begun
        duration = time.perf_counter() - started
        if token is not None:
            _calls.reset(token)
        path = getattr(scope.get("route"), "path", None)
        if path is not None:
            route = self._spec_paths.get(path) or str(path)
        else:
            route = self._route_by_endpoint(scope)
        if metrics is not None:
            status_class = _STATUS_CLASS[status // 100] if 0 < status < 600 else "5xx"
            metrics.answered(self.adapter, scope["method"], route, status_class, duration)
        if calls is not None:
            entry = (parent, self.adapter, scope["method"], route, status, duration, calls)
            _traces.append((*entry, time.time()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        begun = self.begin()
        try:
            await self.app(scope, receive, send_status)
        finally:
            parent = None
            for name, value in scope["headers"]:
                if name == b"traceparent":
                    parent = value
            self.end(scope, status, begun, parent)


def record_tool(tool: str, outcome: str, seconds: float) -> None:
    """One MCP tool call: `ok`, `error` (an isError result) or `invalid` (refused)."""
    metrics = _metrics
    if metrics is not None:
        metrics.tool_call(tool, outcome, seconds)
    calls = _calls.get()
    if calls is not None:
        calls.append(("tool", tool, outcome, seconds))


def record_upstream(api: str, operation: str, status: int | None, seconds: float) -> None:
    """One call to a consumed operation; `status` None when no answer came."""
    label = "error" if status is None else str(status)
    metrics = _metrics
    if metrics is not None:
        metrics.upstream_call(api, operation, label, seconds)
    calls = _calls.get()
    if calls is not None:
        calls.append(("upstream", api, operation, label, seconds))


def record_refused(adapter: str, reason: str) -> None:
    """One request refused before or instead of the app's answer (`exposure`, `connections`,
    `inbound_auth`); `reason` is one of the few the metric's help names (bounded labels)."""
    metrics = _metrics
    if metrics is not None:
        metrics.refused(adapter, reason)


def record_breaker(api: str, state: str) -> None:
    """The circuit state of a consumed API (`closed`, `half-open`, `open`)."""
    metrics = _metrics
    if metrics is not None:
        metrics.breaker(api, _BREAKER_STATES.get(state, 0.0))
