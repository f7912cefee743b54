"""`runtime/inbound_auth.py`: callers without the expected credential get 401, others pass."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from starlette.types import Message, Receive, Scope, Send

from naftiko_codegen.runtime.inbound_auth import RequireCredentials, redact_query

from ._support import Answer, call_asgi


async def inner(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"in"})


def request(
    guard: RequireCredentials, headers: list[tuple[str, str]] = [], query: bytes = b""  # noqa: B006
) -> Answer:
    answer = asyncio.run(call_asgi(guard, headers=headers, query=query))
    assert answer is not None
    return answer


BEARER = RequireCredentials(inner, expected="Bearer s3cret", header="Authorization")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([("authorization", "Bearer s3cret")], 200),
        ([("Authorization", "Bearer s3cret")], 200),  # header names are case-insensitive
        ([("authorization", "Bearer wrong")], 401),
        ([("authorization", "Bearer s3cret2")], 401),
        ([("x-other", "Bearer s3cret")], 401),
        ([], 401),
    ],
)
def test_header_credentials(headers: list[tuple[str, str]], status: int) -> None:
    assert request(BEARER, headers).status == status


def test_the_401_challenges_and_never_echoes_what_was_sent() -> None:
    answer = request(BEARER, [("authorization", "Bearer guess")])
    assert answer.headers[b"www-authenticate"] == b"Bearer"
    assert answer.headers[b"content-type"] == b"application/json"
    assert int(answer.headers[b"content-length"]) == len(answer.body)
    assert answer.json() == {"error": "unauthorized", "message": "missing or invalid credentials"}
    assert b"guess" not in answer.body
    basic = RequireCredentials(
        inner, expected="Basic eDp5", header="Authorization", challenge="Basic"
    )
    assert request(basic).headers[b"www-authenticate"] == b"Basic"


@pytest.mark.parametrize(
    ("query", "status"),
    [(b"api_key=k1", 200), (b"a=1&api_key=k%31", 200), (b"api_key=k2", 401), (b"key=k1", 401)],
)
def test_query_credentials(query: bytes, status: int) -> None:
    guard = RequireCredentials(inner, expected="k1", query="api_key")
    assert request(guard, query=query).status == status


def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        raise AssertionError(json.dumps(message))

    asyncio.run(
        RequireCredentials(lifespan, expected="x", header="a")({"type": "lifespan"}, receive, send)
    )
    assert seen == ["lifespan"]


def test_an_empty_credential_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty credential"):
        RequireCredentials(inner, expected="", header="Authorization")


@pytest.mark.parametrize(
    ("target", "redacted"),
    [
        ("/a?api_key=k1&b=2", "/a?api_key=***&b=2"),
        ("/a?b=2&api%5Fkey=k1&api_key", "/a?b=2&api%5Fkey=***&api_key=***"),
        ("/a?api_keys=x", "/a?api_keys=x"),
        ("/a", "/a"),
    ],
)
def test_query_keys_are_redacted(target: str, redacted: str) -> None:
    assert redact_query(target, "api_key") == redacted


def test_a_query_key_never_reaches_the_access_log() -> None:
    RequireCredentials(inner, expected="k1", query="api_key")
    RequireCredentials(inner, expected="k1", query="api_key")  # one filter, however many apps
    access = logging.getLogger("uvicorn.access")
    assert sum(type(f).__name__ == "_RedactAccessLog" for f in access.filters) == 1
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    access.addHandler(handler)
    # Other tests start uvicorn, which may have disabled or quietened this logger.
    level, disabled = access.level, access.disabled
    access.setLevel(logging.INFO)  # (setLevel, not `.level =`: it clears the logger's cache)
    access.disabled = False
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/a?api_key=k1", "1.1", 200)
        access.info("no arguments")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
        access.disabled = disabled
    assert seen == ['127.0.0.1:1 - "GET /a?api_key=*** HTTP/1.1" 200', "no arguments"]
