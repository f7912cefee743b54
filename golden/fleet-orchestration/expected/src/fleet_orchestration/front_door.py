"""The one ASGI layer in front of each adapter's app: request id, exposure, measures, access line.

`serving.http_server` serves `FrontDoor(app, adapter=..., guard=..., access_log=...)`. Per HTTP
request, in this order:

1. the request id (`logs.request_id_from`: the caller's `X-Request-ID`, its `traceparent`'s
   trace id, or a new one): the running request's id while it is answered (log records,
   upstream calls), and `X-Request-ID` on the answer, refusals included;
2. with tracing on, the SERVER span (`tracing.server_span`), ended with the answer's status;
3. the exposure checks (`exposure.ExposureGuard.admit`): a refused request is answered here,
   counted as refused, and reaches neither the app nor its measures; an admitted one is tracked
   for the shutdown drain, and a body of unknown length is counted as it is read (413 past the
   limit);
4. when `app` is `metrics.instrument`'s, its measures around the app (`Measured.begin`/`end`),
   with the status actually sent (the guard's 413 or 503 included);
5. with `access_log`, the access line once answered (`logs.write_access_line`).

Other ASGI scopes (lifespan) go to the app untouched.

Why one layer: stacked as three middlewares, the three concerns each cost a coroutine frame per
request and a `send` wrapper per message, about 8 µs of CPU per request in process and three
times that beside a real upstream call (`bench/per_request_cost.py --real-upstream`). Here the
headers are read once and `send` is wrapped once (`exposure.Exchange`).
"""

from __future__ import annotations

import asyncio
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from . import tracing
from .exposure import BodyTooLarge, Exchange, ExposureGuard
from .logs import REQUEST_ID, request_id_from, write_access_line
from .metrics import Measured

__all__ = ["FrontDoor"]


class FrontDoor:
    """ASGI middleware: everything a request meets before and after the adapter's app.

    `guard`: the exposure checks (None: none, as for an app served in tests); `adapter` names the
    adapter in access lines, spans and metrics; `access_log`: one line per request.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        adapter: str,
        guard: ExposureGuard | None = None,
        access_log: bool = False,
    ) -> None:
        # An instrumented app is measured here, not by a layer of its own.
        self.measured = app if isinstance(app, Measured) else None
        self.app: ASGIApp = app.app if isinstance(app, Measured) else app
        self.adapter = adapter
        self.guard = guard
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope["headers"]
        headers = dict(raw)  # one C-level pass; a repeated header keeps its last value
        identifier = request_id_from(headers.get(b"x-request-id"), headers.get(b"traceparent"))
        token = REQUEST_ID.set(identifier)
        exchange = Exchange(scope, send, ((b"x-request-id", identifier.encode("ascii")),))
        started = time.perf_counter() if self.access_log else 0.0
        try:
            if tracing.enabled():
                await self._traced(scope, receive, exchange, headers)
            else:
                await self._serve(scope, receive, exchange, headers)
        finally:
            if self.access_log:
                write_access_line(scope, exchange.status, started, self.adapter)
            REQUEST_ID.reset(token)

    async def _traced(
        self, scope: Scope, receive: Receive, exchange: Exchange, headers: dict[bytes, bytes]
    ) -> None:
        with tracing.server_span(scope, self.adapter) as span:
            try:
                await self._serve(scope, receive, exchange, headers)
            finally:
                tracing.end_server_span(span, scope, exchange.status)

    async def _serve(
        self, scope: Scope, receive: Receive, exchange: Exchange, headers: dict[bytes, bytes]
    ) -> None:
        guard = self.guard
        if guard is not None:
            refusal = guard.admit(exchange, headers, scope["headers"])
            if refusal is not None:
                await guard.refuse(exchange, refusal)
                return
            if exchange.chunked:
                receive = guard.bounded(receive, exchange)
            guard.calls.add(exchange)
        measured = self.measured
        begun = measured.begin() if measured is not None else None
        try:
            await self.app(scope, receive, exchange.send_from_app)
        except BodyTooLarge:
            pass  # Answered 413 already; the app gave up reading.
        except asyncio.CancelledError:
            if guard is None or not guard.aborting:
                raise
            # Stopped at shutdown after `abort_in_flight` (which answered 503 if it could): the
            # end of the drain, not an error to log with a traceback.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        finally:
            if guard is not None:
                guard.calls.discard(exchange)
            if measured is not None and begun is not None:
                measured.end(scope, exchange.status, begun, headers.get(b"traceparent"))
