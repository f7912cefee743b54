"""`runtime/tests/loopback.py`: the generated tests' stub upstream and in-process server."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from naftiko_codegen.runtime.tests.loopback import (
    RecordedRequest,
    assert_body,
    free_port,
    serve_app,
    stub_upstream,
)


def test_free_ports_are_loopback_ports() -> None:
    assert 0 < free_port() < 65536


def test_the_stub_records_requests_and_answers_its_reply() -> None:
    async def exercise() -> list[tuple[int, bytes]]:
        answers = []
        async with stub_upstream() as stub, aiohttp.ClientSession() as session:
            async with session.post(stub.url + "/a%2Fb?x=1&x=2", data=b"body") as response:
                answers.append((response.status, await response.read()))
            stub.status, stub.reply = 404, ["missing"]
            async with session.get(stub.url + "/") as response:
                answers.append((response.status, await response.read()))
            stub.status = 204
            async with session.delete(stub.url + "/gone") as response:
                answers.append((response.status, await response.read()))
            seen = stub.requests
        assert [(r.method, r.path, r.query) for r in seen] == [
            ("POST", "/a%2Fb", [("x", "1"), ("x", "2")]),
            ("GET", "/", []),
            ("DELETE", "/gone", []),
        ]
        assert seen[0].body == b"body" and "Host" in seen[0].headers
        return answers

    assert asyncio.run(exercise()) == [(200, b'{"ok": true}'), (404, b'["missing"]'), (204, b"")]


def test_the_stub_can_be_slow() -> None:
    async def exercise() -> float:
        async with stub_upstream(delay=0.2) as stub, aiohttp.ClientSession() as session:
            started = time.monotonic()
            async with session.get(stub.url) as response:
                await response.read()
            return time.monotonic() - started

    assert asyncio.run(exercise()) >= 0.2


def test_serve_app_serves_until_the_block_ends() -> None:
    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hi")

    async def exercise() -> str:
        async with (
            serve_app(Starlette(routes=[Route("/", hello)])) as url,
            aiohttp.ClientSession() as session,
            session.get(url + "/") as response,
        ):
            return await response.text()

    assert asyncio.run(exercise()) == "hi"


def test_stopping_waits_for_a_request_in_flight() -> None:
    async def slow(request: Any) -> PlainTextResponse:
        await asyncio.sleep(0.2)
        return PlainTextResponse("late")

    async def exercise() -> tuple[str, float]:
        async with aiohttp.ClientSession() as session:
            async with serve_app(Starlette(routes=[Route("/", slow)])) as url:
                pending = asyncio.create_task(session.get(url + "/"))
                await asyncio.sleep(0.05)  # the request is in the app when the block ends
                stopping = time.perf_counter()
            stopped = time.perf_counter() - stopping
            response = await pending
            return await response.text(), stopped

    text, stopped = asyncio.run(exercise())
    assert text == "late"
    assert stopped >= 0.1  # shutdown waited for the response in flight


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", ("none", None)),
        (b'{"a": 1}', ("json", {"a": 1})),
        (b"a=1&b=", ("form", {"a": "1", "b": ""})),
        (b"plain", ("text", "plain")),
    ],
)
def test_assert_body_compares_by_format(body: bytes, expected: tuple[str, Any]) -> None:
    seen = RecordedRequest("POST", "/", [], {}, body)
    assert_body(seen, expected)
    with pytest.raises(AssertionError):
        assert_body(RecordedRequest("POST", "/", [], {}, b'"other"'), expected)


def test_recorded_requests_keep_json_bodies_as_bytes() -> None:
    seen = RecordedRequest("PUT", "/x", [], {}, json.dumps({"k": 1}).encode())
    assert_body(seen, ("json", {"k": 1}))
