"""Client connections, bounded: how many, how long each phase may take, how large headers are.

uvicorn's httptools protocol has a keep-alive timeout but no deadline for a request's headers or
body, no connection cap at accept time and no header size limit, so a slow or silent client holds
a socket (a file descriptor) for ever. `protocol_class(limits)` returns its subclass that:

- closes a connection beyond `max_connections` at once, answering 503 (the descriptor is freed
  before any request is read);
- answers 408 and closes when the headers of a request are not complete within `header_timeout`
  (counted from the connection's start, or from the first byte of a later request), or its body
  within `body_timeout` after them; closes an idle connection after `keep_alive_timeout`;
- answers 431 and closes when a request's target and headers pass `max_header_bytes`.

Each refusal is counted by `metrics.record_refused` (reasons `connections`, `timeout`,
`header_size`) under the adapter `protocol_class` names.

`fit_descriptors` raises the process's open-file soft limit towards what the caps need (never
above the hard limit) and shrinks a cap that would not fit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .metrics import record_refused

__all__ = ["ConnectionLimits", "fit_descriptors", "protocol_class"]

_RESERVED_DESCRIPTORS: Final = 256
"""Kept free for everything but client sockets: upstream pool, logs, the event loop, imports."""

_CLOCK_SLACK: Final = 0.01
"""Seconds a timer may fire before its deadline (the loop's clock resolution) and count as due."""

logger = logging.getLogger(__name__)


def _ignore(data: bytes) -> None:
    """`data_received` of a refused connection."""


@dataclass
class ConnectionLimits:
    """What one adapter's server allows each client connection (times in seconds)."""

    max_connections: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_header_bytes: int = 64 * 1024


def _raw_answer(status: bytes, title: str, detail: str) -> bytes:
    """A complete problem+json answer that closes the connection, written by the protocol."""
    code = int(status.split(b" ")[0])
    document = {"type": "about:blank", "title": title, "status": code, "detail": detail}
    body = json.dumps(document, separators=(",", ":")).encode()
    return b"".join(
        [
            b"HTTP/1.1 " + status + b"\r\n",
            b"content-type: application/problem+json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


_TOO_MANY: Final = _raw_answer(
    b"503 Service Unavailable",
    "Too many connections",
    "the adapter holds as many client connections as it allows; retry later, or raise "
    "--max-connections (env NAFTIKO_MAX_CONNECTIONS)",
)
_HEADERS_LATE: Final = _raw_answer(
    b"408 Request Timeout",
    "Request headers too slow",
    "the request headers did not arrive in time; raise --header-timeout "
    "(env NAFTIKO_HEADER_TIMEOUT)",
)
_BODY_LATE: Final = _raw_answer(
    b"408 Request Timeout",
    "Request body too slow",
    "the request body did not arrive in time; raise --body-timeout (env NAFTIKO_BODY_TIMEOUT)",
)
_HEADERS_TOO_LARGE: Final = _raw_answer(
    b"431 Request Header Fields Too Large",
    "Request headers too large",
    "the request target and headers are too large; raise --max-header-bytes "
    "(env NAFTIKO_MAX_HEADER_BYTES)",
)


class _LimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the deadlines and caps of `limits`."""

    limits: ClassVar[ConnectionLimits]
    adapter: ClassVar[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._due: float | None = None
        """When the current phase must end (loop time); None while the app answers."""
        self._phase = "idle"  # idle -> headers -> body -> busy -> idle ...
        self._header_bytes = 0
        self._max_header_bytes = self.limits.max_header_bytes
        self._headers_too_large = False

    # The connection's life.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            # Before uvicorn counts it: refused, and its descriptor freed now; whatever it sent
            # meanwhile is dropped (an attribute of this connection: the others pay nothing).
            self.data_received = _ignore  # type: ignore[method-assign]
            record_refused(self.adapter, "connections")
            self.transport = transport
            transport.write(_TOO_MANY)
            transport.close()
            return
        super().connection_made(transport)
        self._arm(self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._due = None
        if self._deadline is not None:  # freed now, not when it would have fired
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        if self._headers_too_large:
            record_refused(self.adapter, "header_size")
            self._close_with(_HEADERS_TOO_LARGE)
        else:
            super().send_400_response(msg)

    # Parser callbacks: the phases of a request.
    def on_message_begin(self) -> None:
        HttpToolsProtocol.on_message_begin(self)
        self._phase = "headers"
        self._header_bytes = 0
        if self._due is None:  # else the connection's (or idle) deadline still runs
            self._arm(self.limits.header_timeout)

    # Called by the parser for every header: the count is inline, the parent named directly.
    def on_url(self, url: bytes) -> None:
        self._header_bytes += len(url)
        if self._header_bytes > self._max_header_bytes:
            self._too_large()
        HttpToolsProtocol.on_url(self, url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > self._max_header_bytes:
            self._too_large()
        HttpToolsProtocol.on_header(self, name, value)

    def on_headers_complete(self) -> None:
        self._phase = "body"
        self._arm(self.limits.body_timeout)
        HttpToolsProtocol.on_headers_complete(self)

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        if self.cycle is not None and self.cycle.response_complete:
            self._idle()  # answered before its body ended (413): the connection is free
        else:
            self._phase = "busy"
            self._due = None  # disarmed: the app is answering (its own and upstream timeouts)

    def on_response_complete(self) -> None:
        HttpToolsProtocol.on_response_complete(self)
        if self._phase == "busy" and not self.pipeline and not self.transport.is_closing():
            self._idle()

    # Deadlines.
    def _too_large(self) -> None:
        self._headers_too_large = True
        # httptools turns this into its parser error; uvicorn then calls send_400_response.
        raise ValueError("request headers too large")

    def _idle(self) -> None:
        self._phase = "idle"
        # uvicorn's keep-alive timer stops at the first byte; this one bounds the whole wait.
        self._arm(self.limits.keep_alive_timeout + self.limits.header_timeout)

    # One timer per connection, rarely moved: a phase's deadline is a number (`_due`); the timer
    # is rescheduled only when the new deadline comes before it, and when it fires early it waits
    # for the deadline as it is then. A request on a kept-alive connection so costs no timer call.
    def _arm(self, seconds: float) -> None:
        due = self._due = self.loop.time() + seconds
        timer = self._deadline
        if timer is None or timer.when() > due:
            if timer is not None:
                timer.cancel()
            self._deadline = self.loop.call_at(due, self._expired)

    def _expired(self) -> None:
        self._deadline = None
        due = self._due
        if due is None or self.transport.is_closing():
            return
        if self.loop.time() + _CLOCK_SLACK < due:  # the deadline moved on since the timer was set
            self._deadline = self.loop.call_at(due, self._expired)
            return
        self._due = None
        if self._phase == "headers":
            record_refused(self.adapter, "timeout")
            self._close_with(_HEADERS_LATE)
        elif self._phase == "body":
            cycle = self.cycle
            started = cycle is not None and cycle.response_started
            if cycle is not None:  # the app reading the body sees the client gone
                cycle.disconnected = True
                cycle.message_event.set()
            if not started:
                record_refused(self.adapter, "timeout")
            self._close_with(b"" if started else _BODY_LATE)
        else:
            self.transport.close()

    def _close_with(self, answer: bytes) -> None:
        if answer:
            self.transport.write(answer)
        self.transport.close()


def protocol_class(limits: ConnectionLimits, adapter: str = "http") -> type[asyncio.Protocol]:
    """The HTTP protocol class for `uvicorn.Config(http=...)` that enforces `limits`; `adapter`
    names it in the refused-requests metric."""
    return type("LimitedHttpProtocol", (_LimitedProtocol,), {"limits": limits, "adapter": adapter})


_reserved = 0


def fit_descriptors(wanted: int) -> int:
    """Reserve `wanted` client descriptors; return how many fit under the open-file limit.

    The soft limit is raised (up to the hard limit) so that every server's cap plus a reserve
    fits; a cap that still does not fit is shrunk, with a warning, rather than let accepting
    clients starve the process of descriptors.
    """
    global _reserved
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = _reserved + wanted + _RESERVED_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # pragma: no cover - a platform that refuses
            pass
    fits = wanted
    if soft != resource.RLIM_INFINITY:
        fits = max(1, min(wanted, soft - _RESERVED_DESCRIPTORS - _reserved))
    if fits < wanted:
        logger.warning(
            "open-file limit %s leaves room for %s client connections, not %s: capped",
            soft,
            fits,
            wanted,
        )
    _reserved += fits
    return fits
