"""Per-upstream resilience: a bulkhead, a circuit breaker and the retry back-off.

`HttpClient` keeps one `Bulkhead` and one `CircuitBreaker` per consumed API, so a hanging or dead
upstream costs the callers of that API a bounded wait (the pool wait) or milliseconds (an open
breaker), and never the callers of another API. The breaker counts consecutive transport
failures (connect errors, timeouts); after `failures` of them it opens for `reset` seconds, then
lets one probe through (half-open): a success closes it, a failure opens it again. Every state
change is logged at WARNING. `retry_delay` is the capped exponential back-off with full jitter
that honours a bounded `Retry-After`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import Final

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "Bulkhead",
    "BulkheadFull",
    "CircuitBreaker",
    "CircuitOpen",
    "retry_after_seconds",
    "retry_delay",
]

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods whose repetition has the effect of one call (RFC 9110 §9.2.2): the only ones retried."""
RETRY_STATUSES: Final = frozenset({502, 503, 504})
"""Upstream answers that say "not now" rather than "no": retried for idempotent methods."""
_BACKOFF_BASE: Final = 0.1


class CircuitOpen(Exception):
    """The breaker refuses the call; `retry_in` seconds until it lets a probe through."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"circuit open for {retry_in:.1f} s more")
        self.retry_in = retry_in


class BulkheadFull(Exception):
    """No slot freed within the pool wait."""


class CircuitBreaker:
    """Closed, open or half-open, from the consecutive transport failures of one upstream.

    `failures` 0 turns the breaker off. `clock` is injectable for tests.
    """

    def __init__(
        self,
        name: str,
        *,
        failures: int,
        reset: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._threshold = failures
        self._reset = reset
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        """`closed`, `open` or `half-open`."""
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self._reset:
            return "half-open"
        return "open"

    def before_call(self) -> bool:
        """Let a call through, or raise `CircuitOpen`; True when the call is the half-open probe."""
        if self._opened_at is None:
            return False
        waited = self._clock() - self._opened_at
        if waited < self._reset:
            raise CircuitOpen(self._reset - waited)
        if self._probing:  # One probe at a time; the others are refused until it ends.
            raise CircuitOpen(0.0)
        self._probing = True
        logger.warning("upstream %s: circuit half-open, sending one probe", self.name)
        return True

    def success(self) -> None:
        """The upstream answered: close the breaker."""
        self._failures = 0
        self._probing = False
        if self._opened_at is not None:
            self._opened_at = None
            logger.warning("upstream %s: circuit closed, the upstream answers again", self.name)

    def failure(self) -> None:
        """A transport failure (connect error, timeout): count it, open at the threshold."""
        if self._threshold <= 0:
            return
        self._failures += 1
        if self._probing or (self._opened_at is None and self._failures >= self._threshold):
            self._probing = False
            self._opened_at = self._clock()
            logger.warning(
                "upstream %s: circuit open for %g s after %d consecutive failure(s)",
                self.name,
                self._reset,
                self._failures,
            )

    def abandon(self) -> None:
        """The probe ended without a verdict (cancelled): let the next caller probe."""
        self._probing = False


class Bulkhead:
    """At most `limit` concurrent calls to one upstream; a caller waits at most `wait` seconds."""

    def __init__(self, limit: int, wait: float) -> None:
        self.limit = limit
        self.wait = wait
        self._semaphore = asyncio.Semaphore(limit)

    async def acquire(self) -> None:
        """Take one slot; raise `BulkheadFull` when none frees within the wait."""
        if not self._semaphore.locked():
            await self._semaphore.acquire()  # The common case: returns at once, no timer.
            return
        try:
            async with asyncio.timeout(self.wait):
                await self._semaphore.acquire()
        except TimeoutError:
            raise BulkheadFull from None

    def release(self) -> None:
        """Give back a slot taken by `acquire`."""
        self._semaphore.release()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of a block (`acquire`, then `release`)."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """The delay a `Retry-After` header asks for (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_delay(attempt: int, max_delay: float, retry_after: str | None = None) -> float | None:
    """Seconds to wait before retry number `attempt` (0-based), or None not to retry.

    Capped exponential back-off with full jitter; a `Retry-After` longer than `max_delay`
    means "not now": the answer is relayed rather than waited for.
    """
    asked = retry_after_seconds(retry_after)
    if asked is not None:
        return asked if asked <= max_delay else None
    return random.uniform(0, min(max_delay, _BACKOFF_BASE * 2**attempt))  # jitter, not crypto
