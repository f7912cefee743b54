"""The recent-request summaries `GET /traces` shows: a bounded ring of this process's requests.

`metrics.instrument` adds one entry per request (kept raw, a tuple until `/traces` is read: a
few fields and the tool and upstream calls made while answering); the `Summary`, its JSON, and a trace id when the request had no valid
`traceparent`, are made only when `/traces` is asked. Nothing of the path, query or body is
kept: they may carry identifiers.
"""

from __future__ import annotations

import os
import time
from collections import deque
from typing import Any, Final

__all__ = ["Summary", "TraceBuffer"]

_SPAN_FIELDS: Final = {"tool": ("name", "outcome"), "upstream": ("api", "operation", "status")}


class Summary:
    """One request as `/traces` shows it (no path, query or body: they may carry identifiers).

    Kept raw; the JSON, and the trace id when the request had no valid `traceparent`, are made
    when `/traces` is asked (rarely), not per request.
    """

    __slots__ = ("adapter", "calls", "duration", "method", "parent", "route", "started", "status")

    def __init__(
        self,
        parent: bytes | None,
        adapter: str,
        method: str,
        route: str,
        status: int,
        duration: float,
        calls: list[tuple[Any, ...]],
        ended: float | None = None,
    ) -> None:
        self.parent: bytes | str | None = parent
        """The `traceparent` header; once known, the trace id."""
        self.adapter = adapter
        self.method = method
        self.route = route
        self.status = status
        self.duration = duration
        self.started = (time.time() if ended is None else ended) - duration
        self.calls = calls
        """Tool calls and upstream calls made while answering."""

    @property
    def trace_id(self) -> str:
        """The trace id of a valid `traceparent`, else a random one (drawn once)."""
        if not isinstance(self.parent, str):
            self.parent = _trace_id(self.parent)
        return self.parent

    def as_json(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "adapter": self.adapter,
            "method": self.method,
            "route": self.route,
            "status": self.status,
            "startTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "durationMs": _ms(self.duration),
            "spans": [_span(call) for call in self.calls],
        }


def _span(call: tuple[Any, ...]) -> dict[str, Any]:
    kind, *values, seconds = call
    fields = dict(zip(_SPAN_FIELDS[kind], values, strict=True))
    return {"kind": kind, **fields, "durationMs": _ms(seconds)}


class TraceBuffer:
    """The most recent request summaries of this process, newest last (a bounded ring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        # A request's fields as a tuple: made a `Summary` only when `/traces` reads the ring.
        self._ring: deque[Summary | tuple[Any, ...]] = deque(maxlen=max(size, 1))
        self.append = self._ring.append
        """Add `(parent, adapter, method, route, status, duration, calls, ended)` when the size
        is above 0 (the caller checks): the C-level `deque.append`, no call of ours."""

    def _summaries(self) -> list[Summary]:
        """The summaries, newest first (each made once, so its trace id stays the same)."""
        ring = self._ring
        for index in range(len(ring)):
            entry = ring[index]
            if isinstance(entry, tuple):
                ring[index] = Summary(*entry)
        return [summary for summary in reversed(ring) if isinstance(summary, Summary)]

    def listing(self) -> list[dict[str, Any]]:
        """The summaries, newest first."""
        return [summary.as_json() for summary in self._summaries()]

    def find(self, trace_id: str) -> list[dict[str, Any]]:
        """Every summary with this trace id (one trace may span several requests)."""
        return [s.as_json() for s in self._summaries() if s.trace_id == trace_id]


def _trace_id(parent: bytes | None) -> str:
    """The trace id of a W3C `traceparent` value, else a new random one."""
    if parent is not None:
        parts = parent.split(b"-")
        trace = parts[1].lower() if len(parts) >= 4 else b""
        if len(trace) == 32 and trace.strip(b"0123456789abcdef") == b"" and trace.strip(b"0"):
            return trace.decode("ascii")
    return os.urandom(16).hex()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
