"""`runtime/resilience.py`: the circuit breaker's states, the bulkhead and the retry back-off."""

from __future__ import annotations

import asyncio
import logging
from email.utils import formatdate

import pytest

from naftiko_codegen.runtime.resilience import (
    Bulkhead,
    BulkheadFull,
    CircuitBreaker,
    CircuitOpen,
    retry_after_seconds,
    retry_delay,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_consecutive_failures_then_probes_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    breaker = CircuitBreaker("jupyter", failures=2, reset=10.0, clock=clock)
    caplog.set_level(logging.WARNING)
    assert breaker.before_call() is False and breaker.state == "closed"
    breaker.failure()
    breaker.success()  # an answer resets the count
    breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_in == pytest.approx(10.0)
    clock.now += 10.0
    assert breaker.state == "half-open"
    assert breaker.before_call() is True  # the probe
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # only one probe at a time
    breaker.failure()  # the probe failed: open again
    assert breaker.state == "open"
    clock.now += 10.0
    assert breaker.before_call() is True
    breaker.abandon()  # cancelled probe: the next caller probes
    assert breaker.before_call() is True
    breaker.success()
    assert breaker.state == "closed"
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "upstream jupyter: circuit open for 10 s after 2 consecutive failure(s)",
        "upstream jupyter: circuit half-open, sending one probe",
        "upstream jupyter: circuit open for 10 s after 3 consecutive failure(s)",
        "upstream jupyter: circuit half-open, sending one probe",
        "upstream jupyter: circuit half-open, sending one probe",
        "upstream jupyter: circuit closed, the upstream answers again",
    ]


def test_a_breaker_with_no_threshold_never_opens() -> None:
    breaker = CircuitBreaker("x", failures=0, reset=1.0)
    for _ in range(10):
        breaker.failure()
    assert breaker.state == "closed" and breaker.before_call() is False


def test_the_bulkhead_bounds_concurrency_and_the_wait() -> None:
    async def exercise() -> list[str]:
        bulkhead = Bulkhead(1, 0.05)
        seen: list[str] = []
        async with bulkhead.slot():
            with pytest.raises(BulkheadFull):
                async with bulkhead.slot():
                    seen.append("never")
            seen.append("first")
        async with bulkhead.slot():
            seen.append("freed")
        return seen

    assert asyncio.run(exercise()) == ["first", "freed"]


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(" 3 ") == 3.0
    assert retry_after_seconds("soon") is None
    date = formatdate(1_000_010.0, usegmt=True)
    assert retry_after_seconds(date, now=1_000_000.0) == pytest.approx(10.0)
    assert retry_after_seconds(date, now=2_000_000.0) == 0.0


def test_retry_delay_is_capped_jittered_and_honours_a_short_retry_after() -> None:
    for attempt in range(8):
        delay = retry_delay(attempt, 0.5)
        assert delay is not None and 0.0 <= delay <= min(0.5, 0.1 * 2**attempt)
    assert retry_delay(0, 2.0, "1") == 1.0
    assert retry_delay(0, 2.0, "30") is None  # longer than the cap: relay instead of waiting
