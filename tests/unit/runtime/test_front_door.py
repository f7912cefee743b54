"""`runtime/front_door.py`: one layer for the request id, the exposure checks and the measures."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from naftiko_codegen.runtime import metrics
from naftiko_codegen.runtime.exposure import ExposureGuard, HostPolicy
from naftiko_codegen.runtime.front_door import FrontDoor

from ._support import call_asgi

LOCAL = ("host", "127.0.0.1:8080")


@pytest.fixture(autouse=True)
def _metrics_on() -> Iterator[None]:
    metrics.disable()
    metrics.enable(trace_buffer=10)
    yield
    metrics.disable()


async def _item(request: Request) -> PlainTextResponse:
    await request.body()
    return PlainTextResponse("ok")


def _door(max_body_bytes: int = 1024) -> FrontDoor:
    app = metrics.instrument(
        Starlette(routes=[Route("/items/{item}", _item, methods=["GET", "POST"])]), "rest"
    )
    policy = HostPolicy.for_bind("127.0.0.1")
    guard = ExposureGuard(policy=policy, max_body_bytes=max_body_bytes, adapter="rest")
    return FrontDoor(app, adapter="rest", guard=guard)


def _count(name: str, **labels: str) -> float:
    text = metrics.exposition().decode()
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
            if labels.items() <= found.items():
                total += float(match[3])
    return total


def test_an_instrumented_app_is_measured_by_the_door_itself() -> None:
    door = _door()
    assert door.measured is not None and door.app is door.measured.app  # no layer of its own
    answer = asyncio.run(call_asgi(door, method="GET", path="/items/7", headers=[LOCAL]))
    assert answer is not None and answer.status == 200
    assert re.fullmatch(rb"[0-9a-f]{32}", answer.headers[b"x-request-id"])
    assert _count("naftiko_http_requests_total", route="/items/{item}", status_class="2xx") == 1
    assert _count("naftiko_http_requests_total") == 1  # counted once
    assert _count("naftiko_http_requests_in_flight", adapter="rest") == 0


def test_a_refused_request_is_counted_as_refused_only_and_carries_its_id() -> None:
    door = _door()
    headers = [("host", "evil.example"), ("x-request-id", "caller-1")]
    answer = asyncio.run(call_asgi(door, method="GET", path="/items/7", headers=headers))
    assert answer is not None and answer.status == 421
    assert answer.headers[b"x-request-id"] == b"caller-1"
    assert _count("naftiko_http_refused_requests_total", reason="host") == 1
    assert _count("naftiko_http_requests_total") == 0
    assert metrics.traces().listing() == []


def test_a_chunked_body_past_the_limit_is_measured_as_the_413_it_got() -> None:
    door = _door(max_body_bytes=4)
    headers = [LOCAL, ("transfer-encoding", "chunked")]
    answer = asyncio.run(
        call_asgi(door, path="/items/7", headers=headers, chunks=[b"123", b"456", b"789"])
    )
    assert answer is not None and answer.status == 413
    assert b"x-request-id" in answer.headers
    assert _count("naftiko_http_refused_requests_total", reason="body_size") == 1
    assert _count("naftiko_http_requests_total", status_class="4xx") == 1
    assert _count("naftiko_http_requests_total", status_class="5xx") == 0
    (summary,) = metrics.traces().listing()
    assert summary["status"] == 413


def test_a_summary_is_made_when_traces_are_read_and_then_kept() -> None:
    door = _door()
    for item in ("1", "2"):
        asyncio.run(call_asgi(door, method="GET", path=f"/items/{item}", headers=[LOCAL]))
    first = metrics.traces().listing()
    assert [summary["route"] for summary in first] == ["/items/{item}"] * 2
    assert metrics.traces().listing() == first  # the random trace ids were drawn once
    assert metrics.traces().find(first[1]["traceId"]) == [first[1]]


def test_without_a_guard_every_request_reaches_the_app() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    door = FrontDoor(app, adapter="control")
    answer = asyncio.run(call_asgi(door, headers=[("host", "evil.example")]))
    assert answer is not None and answer.status == 204 and b"x-request-id" in answer.headers
    assert door.measured is None and seen == ["http"]
