"""Refused requests are counted: `metrics.record_refused` at each guard, one bounded reason each.

The exposure guard (Host, Origin, deployment key, body size), the connection protocol (cap,
deadlines, header size) and inbound authentication (`inbound_auth.refuse`) each count what they
refuse in `naftiko_http_refused_requests_total{adapter, reason}`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.types import Receive, Scope, Send

from naftiko_codegen.runtime import metrics
from naftiko_codegen.runtime.exposure import ExposureGuard, HostPolicy
from naftiko_codegen.runtime.front_door import FrontDoor
from naftiko_codegen.runtime.inbound_auth import RequireCredentials, refuse

from . import test_connections as connections
from ._support import call_asgi


@pytest.fixture(autouse=True)
def _metrics() -> Iterator[metrics.Metrics]:
    metrics.disable()
    enabled = metrics.enable()
    assert enabled is not None
    yield enabled
    metrics.disable()


def _refused() -> dict[tuple[str, str], float]:
    """(adapter, reason) → count, as the exposition shows them."""
    active = metrics.active()
    assert active is not None
    return {
        (sample.labels["adapter"], sample.labels["reason"]): sample.value
        for family in active.collect()
        if family.name == "naftiko_http_refused_requests"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    while (await receive()).get("more_body", False):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_the_exposure_guard_and_inbound_auth_count_each_refusal() -> None:
    authenticated = RequireCredentials(_ok, expected="Bearer t", header="Authorization")
    checks = ExposureGuard(
        policy=HostPolicy.for_bind("127.0.0.1", [], []),
        max_body_bytes=4,
        api_key="key",
        adapter="rest",
    )
    guard = FrontDoor(authenticated, adapter="rest", guard=checks)
    key = ("X-API-Key", "key")
    local = ("Host", "127.0.0.1")
    requests = [
        ([("Host", "evil.example"), key], {}, 421),
        ([local, ("Origin", "https://evil.example"), key], {}, 403),
        ([local], {}, 401),
        ([local, key, ("Content-Length", "9")], {"body": b"123456789"}, 413),
        (
            [local, key, ("Transfer-Encoding", "chunked"), ("Authorization", "Bearer t")],
            {"chunks": [b"123", b"456"]},
            413,
        ),
        ([local, key, ("Authorization", "Bearer wrong")], {}, 401),
        ([local, key, ("Authorization", "Bearer t")], {}, 200),
    ]

    async def exercise() -> list[int]:
        statuses = []
        for headers, options, _ in requests:
            answer = await call_asgi(guard, path="/x", headers=headers, **options)  # type: ignore[arg-type]
            assert answer is not None
            statuses.append(answer.status)
        # A 503 of an authentication that cannot check (keys unreachable) blames no caller.
        await refuse(_discard, 503, "", "keys unavailable", scope={})
        return statuses

    assert asyncio.run(exercise()) == [status for _, _, status in requests]
    assert _refused() == {
        ("rest", "host"): 1,
        ("rest", "origin"): 1,
        ("rest", "api_key"): 1,
        ("rest", "body_size"): 2,
        ("rest", "auth"): 1,
    }
    text = metrics.exposition().decode()
    assert 'naftiko_http_refused_requests_total{adapter="rest",reason="host"} 1.0' in text


async def _discard(message: object) -> None:
    pass


def test_the_connection_protocol_counts_its_refusals() -> None:
    """Beyond the connection cap, headers too large, headers too slow (under adapter `http`)."""

    async def test(port: int) -> None:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await connections.read_all(reader)  # refused at once: 503
        writer.close()
        for _, held_writer in held:
            held_writer.close()
        await asyncio.sleep(0.05)
        for sent in (b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\n", b"GET / HTTP/1.1\r\nHost: x"):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(sent)
            await connections.read_all(reader)
            writer.close()

    connections.run(test)
    assert _refused() == {
        ("http", "connections"): 1,
        ("http", "header_size"): 1,
        ("http", "timeout"): 1,
    }
