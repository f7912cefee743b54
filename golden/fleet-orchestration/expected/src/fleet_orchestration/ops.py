"""The operations port every package serves: liveness, readiness, Prometheus metrics, recent traces.

Without a `control` adapter in the spec, `serve` runs this port on 0.0.0.0:9464 (a kubelet and a
Prometheus scraper must reach it; it serves no data and no credential): `--ops-port`,
`--ops-host`, `--no-ops`. With a `control` adapter, the control port is the operations port: its
address, port and switches win and it gains what the spec's engine serves there by default.

A control port that declares `authentication` requires it on every endpoint, as the spec's
engine does (§3.14 puts the check in front of the whole adapter). A kubelet's probe sends no
credential (a header in the manifest would publish it), so `serve` then also runs this port with
the probes only (`ops_routes(..., probes_only=True)`): liveness, and readiness with the status
alone (`UP`/`DEGRADED`, no adapter or upstream names). Metrics, traces and status stay behind
the declared authentication. The same holds for a control port with `management.health: false`.

- `GET /health/live`: `{"status": "UP"}` while the process runs.
- `GET /health/ready`: 200 `UP` when every adapter started and every consumed upstream answers,
  else 503 `DEGRADED` (see `control.health_routes`). Upstreams are checked by `UpstreamProbe`:
  at most one request per upstream every `--ready-check-interval` seconds, whatever the number
  of probes; any HTTP answer (4xx included) counts as reachable.
- `GET /metrics`: Prometheus text (`metrics.exposition`), unless `--no-metrics`.
- `GET /traces`, `GET /traces/{traceId}`: the last `--trace-buffer` request summaries of this
  process (trace id from `traceparent`, else generated; route templates, never paths).

`close_on_shutdown` is for the app factories (`asgi.py`) another ASGI server runs: it closes
their upstream client when that server's lifespan shuts down, as `serve` does on its way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

import aiohttp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import metrics
from .control import AdapterStates, health_routes

__all__ = [
    "DEFAULT_OPS_HOST",
    "DEFAULT_OPS_PORT",
    "DEFAULT_TRACE_BUFFER",
    "UpstreamProbe",
    "close_on_shutdown",
    "enable_observability",
    "observability_options",
    "ops_app",
    "ops_options",
    "ops_routes",
]

DEFAULT_OPS_HOST: Final = "0.0.0.0"  # Probes and scrapers come from outside the pod.
DEFAULT_OPS_PORT: Final = 9464
DEFAULT_TRACE_BUFFER: Final = 100
_CHECK_INTERVAL: Final = 10.0
_CHECK_TIMEOUT: Final = 2.0
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


class UpstreamProbe:
    """Whether each consumed upstream answers, checked at most once per `interval` seconds.

    A readiness probe never waits for a check except the very first; a check that is due starts
    in the background and the probe answers from the last result. `interval` 0: no check.
    Requests carry no credential (any answer, 401 included, proves the upstream is there) and
    follow no redirect.
    """

    def __init__(
        self,
        targets: Mapping[str, str],
        *,
        interval: float = _CHECK_INTERVAL,
        timeout: float = _CHECK_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.targets = dict(targets)
        self.interval = interval
        self.timeout = timeout
        self._clock = clock
        self._results: dict[str, tuple[bool, str, float]] = {}
        self._checked_at: float | None = None
        self._check: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.requests = 0
        """Requests sent so far (what the tests count)."""

    async def states(self) -> list[dict[str, Any]]:
        """Each upstream: `namespace`, `state` (`UP`/`DOWN`), `detail`, `checkedSecondsAgo`."""
        if not self.targets or self.interval <= 0:
            return []
        now = self._clock()
        due = self._checked_at is None or now - self._checked_at >= self.interval
        if due and (self._check is None or self._check.done()):
            self._checked_at = now
            self._check = asyncio.create_task(self._check_all())
        if not self._results and self._check is not None:
            await asyncio.shield(self._check)
        now = self._clock()
        return [
            {
                "namespace": name,
                "state": "UP" if up else "DOWN",
                "detail": detail,
                "checkedSecondsAgo": round(now - at, 3),
            }
            for name, (up, detail, at) in sorted(self._results.items())
        ]

    async def _check_all(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(skip_auto_headers=("User-Agent",))
        names = list(self.targets)
        answers = await asyncio.gather(*(self._check_one(self.targets[n]) for n in names))
        at = self._clock()
        for name, (up, detail) in zip(names, answers, strict=True):
            self._results[name] = (up, detail, at)

    async def _check_one(self, url: str) -> tuple[bool, str]:
        assert self._session is not None
        self.requests += 1
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._session.get(url, allow_redirects=False, timeout=timeout) as answer:
                return True, f"HTTP {answer.status}"
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            # The error class only: a message could quote the URL's query (a key in it).
            return False, type(error).__name__

    async def close(self) -> None:
        """Close the probe's connections (idempotent)."""
        if self._check is not None and not self._check.done():
            self._check.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._check
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _metrics(request: Request) -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


async def _traces(request: Request) -> JSONResponse:
    listing = metrics.traces().listing()
    return JSONResponse({"count": len(listing), "traces": listing})


async def _trace(request: Request) -> JSONResponse:
    trace_id = request.path_params["trace_id"]
    found = metrics.traces().find(trace_id.lower())
    if not found:
        return JSONResponse(
            {"status": 404, "error": "Not Found", "detail": f"no trace {trace_id!r} in the buffer"},
            status_code=404,
        )
    return JSONResponse({"traceId": trace_id.lower(), "requests": found})


def ops_routes(
    adapters: AdapterStates,
    probe: UpstreamProbe | None,
    *,
    health: bool = True,
    metrics_endpoint: bool = True,
    traces_endpoint: bool = True,
    probes_only: bool = False,
) -> list[Route]:
    """The operations endpoints: health (with `probe`'s upstream checks), metrics, traces.

    `probes_only`: liveness and readiness with the status only, nothing else (the port beside
    a control port that requires credentials).
    """
    upstreams = probe.states if probe else None
    if probes_only:
        return health_routes(adapters, upstreams, detail=False)
    routes = health_routes(adapters, upstreams) if health else []
    if metrics_endpoint:
        routes.append(Route("/metrics", _metrics, methods=["GET"]))
    if traces_endpoint:
        routes.append(Route("/traces", _traces, methods=["GET"]))
        routes.append(Route("/traces/{trace_id}", _trace, methods=["GET"]))
    return routes


def ops_app(routes: Sequence[Route], probe: UpstreamProbe | None) -> Starlette:
    """An app serving `routes` that closes `probe` on shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if probe is not None:
            await probe.close()

    return Starlette(routes=list(routes), lifespan=lifespan)


def close_on_shutdown(app: ASGIApp, close: Callable[[], Awaitable[None]]) -> ASGIApp:
    """`app`, awaiting `close` once its lifespan shutdown is over, before the server hears so.

    Without it an upstream client a hosted app opened outlives the app: its pooled connections
    stay open to the end and aiohttp reports the session unclosed at exit. A server run without
    lifespan events (`uvicorn --lifespan off`) never calls `close`.
    """

    async def closing(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                try:
                    await close()
                finally:  # The server waits for this message: it is sent whatever happens.
                    await send(message)
                return
            await send(message)

        await app(scope, receive, sending)

    return closing


def _flag_default(variable: str, default: bool) -> bool:
    value = os.environ.get(variable, "").strip().lower()
    return default if not value else value in _TRUE


def _non_negative(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            number = -1
        if not 0 <= number < float("inf"):
            raise argparse.ArgumentTypeError(f"{value!r} is not a number >= 0")
        return number

    return parse


def _port(value: str) -> int:
    port: int = _non_negative(int)(value)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0-65535)")
    return port


def ops_options(serve_parser: argparse.ArgumentParser, *, probes_only: bool = False) -> None:
    """`--ops-port`, `--ops-host`, `--no-ops`: the operations port of a package without `control`
    (`probes_only`: the probes' port beside a control port that requires credentials)."""
    env = os.environ.get
    group = serve_parser.add_argument_group(
        "operations port",
        (
            "/health/live, /health/ready (status only) for probes without credentials"
            if probes_only
            else "/health/live, /health/ready, /metrics, /traces"
        ),
    )
    group.add_argument(
        "--ops-port",
        type=_port,
        default=env("NAFTIKO_OPS_PORT") or DEFAULT_OPS_PORT,
        help="port of the operations endpoints (env NAFTIKO_OPS_PORT)",
    )
    group.add_argument(
        "--ops-host",
        default=env("NAFTIKO_OPS_HOST") or DEFAULT_OPS_HOST,
        help="interface of the operations port; all by default, so a kubelet and a scraper "
        "reach it: it serves no data (env NAFTIKO_OPS_HOST)",
    )
    group.add_argument(
        "--no-ops",
        action="store_true",
        default=_flag_default("NAFTIKO_NO_OPS", False),
        help="no operations port (env NAFTIKO_NO_OPS=1)",
    )


def observability_options(
    serve_parser: argparse.ArgumentParser,
    *,
    metrics_default: bool = True,
    trace_buffer: int = DEFAULT_TRACE_BUFFER,
) -> None:
    """`--metrics`/`--no-metrics`, `--trace-buffer` and the readiness checks of the upstreams."""
    env = os.environ.get
    group = serve_parser.add_argument_group("observability", "metrics, traces and readiness")
    group.add_argument(
        "--metrics",
        action=argparse.BooleanOptionalAction,
        default=_flag_default("NAFTIKO_METRICS", metrics_default),
        help="Prometheus metrics at /metrics of the operations port (env NAFTIKO_METRICS=0 "
        "turns them off)",
    )
    group.add_argument(
        "--trace-buffer",
        type=_non_negative(int),
        default=env("NAFTIKO_TRACE_BUFFER") or trace_buffer,
        metavar="N",
        help="recent request summaries kept for /traces; 0 keeps none (env NAFTIKO_TRACE_BUFFER)",
    )
    group.add_argument(
        "--ready-check-interval",
        type=_non_negative(float),
        default=env("NAFTIKO_READY_CHECK_INTERVAL") or _CHECK_INTERVAL,
        metavar="SECONDS",
        help="readiness checks each consumed upstream at most this often; 0: not at all "
        "(env NAFTIKO_READY_CHECK_INTERVAL)",
    )
    group.add_argument(
        "--ready-check-timeout",
        type=_non_negative(float),
        default=env("NAFTIKO_READY_CHECK_TIMEOUT") or _CHECK_TIMEOUT,
        metavar="SECONDS",
        help="how long an upstream check may take before the upstream counts as down "
        "(env NAFTIKO_READY_CHECK_TIMEOUT)",
    )


def enable_observability(
    options: argparse.Namespace, apis: Mapping[str, Any]
) -> UpstreamProbe | None:
    """Switch metrics and traces on as `options` say; the upstream probe for readiness.

    `apis`: the consumed APIs by name (`HttpClient.apis`: each has a `base_url`).
    """
    metrics.enable(metrics=bool(options.metrics), trace_buffer=int(options.trace_buffer))
    interval = float(options.ready_check_interval)
    if interval <= 0 or not apis:
        return None
    return UpstreamProbe(
        {name: api.base_url for name, api in apis.items()},
        interval=interval,
        timeout=float(options.ready_check_timeout) or _CHECK_TIMEOUT,
    )
