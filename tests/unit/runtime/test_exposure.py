"""`runtime/exposure.py` (behind `front_door.FrontDoor`): allowed hosts and origins, the inbound API key, the body limit, 503s."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from naftiko_codegen.runtime.exposure import (
    GUARDED,
    ExposureGuard,
    HostPolicy,
    is_loopback,
    problem,
)
from naftiko_codegen.runtime.front_door import FrontDoor

from ._support import call_asgi


class _Sent(list[Message]):
    """Messages an app sent, with an async `append` to pass as `send`."""

    async def append_async(self, message: Message) -> None:
        self.append(message)


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the whole body, answer 200 with it; note that the guard let the request through."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    assert scope[GUARDED] == "http"  # the adapter's name
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def guard(app: Any = echo, bind: str = "127.0.0.1", **options: Any) -> FrontDoor:
    """`app` behind the exposure checks, as `serving.http_server` serves it."""
    hosts, origins = options.pop("hosts", ()), options.pop("origins", ())
    checks = ExposureGuard(policy=HostPolicy.for_bind(bind, hosts, origins), **options)
    return FrontDoor(app, adapter="http", guard=checks)


def checks(door: FrontDoor) -> ExposureGuard:
    assert door.guard is not None
    return door.guard


def call(app: FrontDoor, headers: list[tuple[str, str]], **options: Any) -> Any:
    answer = asyncio.run(call_asgi(app, path="/x", headers=headers, **options))
    assert answer is not None
    return answer


@pytest.mark.parametrize(
    ("host", "expected"),
    [("localhost", True), ("127.0.0.1", True), ("::1", True), ("[::1]", True), ("127.0.0.9", True),
     ("10.0.0.1", False), ("example.org", False), ("0.0.0.0", False)],
)  # fmt: skip
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


@pytest.mark.parametrize(
    ("bind", "hosts", "host", "allowed"),
    [
        ("127.0.0.1", "", "127.0.0.1:8080", True),
        ("127.0.0.1", "", "LOCALHOST", True),
        ("127.0.0.1", "", "[::1]:9090", True),
        ("127.0.0.1", "", "evil.example:8080", False),
        ("127.0.0.1", "", "10.0.0.1:8080", False),
        ("127.0.0.1", "", "", False),
        ("127.0.0.1", "", "[::1", False),
        ("10.0.0.5", "", "10.0.0.5:8080", True),
        ("0.0.0.0", "", "10.9.8.7:8080", True),
        ("::", "", "[fe80::1]:8080", True),
        ("0.0.0.0", "", "evil.example", False),
        ("0.0.0.0", "api.example.com", "API.example.com:443", True),
        ("0.0.0.0", "api.example.com:8080", "api.example.com:8080", True),
        ("0.0.0.0", "api.example.com:8080", "api.example.com:9", False),
        ("0.0.0.0", "a.example, *.corp.example", "x.corp.example", True),
        ("0.0.0.0", "*.corp.example", "corp.example", False),
        ("127.0.0.1", "*", "anything.example", True),
    ],
)
def test_hosts(bind: str, hosts: str, host: str, allowed: bool) -> None:
    assert HostPolicy.for_bind(bind, [hosts]).host_allowed(host) is allowed


@pytest.mark.parametrize(
    ("origins", "origin", "host", "allowed"),
    [
        ("", "http://localhost:3000", "127.0.0.1:8080", True),
        ("", "https://[::1]:1", "127.0.0.1:8080", True),
        ("", "http://127.0.0.1:8080", "127.0.0.1:8080", True),
        ("", "http://10.0.0.5:8080", "10.0.0.5:8080", True),
        ("", "http://evil.example", "127.0.0.1:8080", False),
        ("", "null", "127.0.0.1:8080", False),
        ("", "file://", "127.0.0.1:8080", False),
        ("https://app.example/", "https://app.example", "127.0.0.1:8080", True),
        ("*", "http://evil.example", "127.0.0.1:8080", True),
    ],
)
def test_origins(origins: str, origin: str, host: str, allowed: bool) -> None:
    assert HostPolicy.for_bind("127.0.0.1", (), [origins]).origin_allowed(origin, host) is allowed


def test_verdicts_are_remembered_up_to_a_bound(caplog: pytest.LogCaptureFixture) -> None:
    policy = HostPolicy.for_bind("127.0.0.1")
    for _ in range(3):
        assert policy.verdict(b"evil.example", b"") == 421
    assert caplog.text.count("refused Host") == 1  # logged once, not per request
    for index in range(600):
        policy.verdict(f"h{index}.example".encode(), b"")
    assert len(policy._verdicts) == 512


def test_a_foreign_host_or_origin_is_refused_with_a_problem() -> None:
    refused = call(guard(), [("host", "evil.example")])
    assert refused.status == 421 and refused.headers[b"content-type"] == b"application/problem+json"
    assert refused.json()["detail"].endswith("--allowed-hosts (env NAFTIKO_ALLOWED_HOSTS)")
    refused = call(guard(), [("host", "127.0.0.1"), ("origin", "http://evil.example")])
    assert refused.status == 403 and refused.json()["title"] == "Invalid Origin header"
    assert call(guard(), [("host", "127.0.0.1:1")], body=b"hi").body == b"hi"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([], 401),
        ([("x-api-key", "wrong")], 401),
        ([("authorization", "Basic s3cret-key")], 401),
        ([("x-api-key", "s3cret-key")], 200),
        ([("authorization", "Bearer s3cret-key")], 200),
        ([("authorization", "bearer  s3cret-key ")], 200),
    ],
)
def test_an_inbound_api_key(headers: list[tuple[str, str]], status: int) -> None:
    keyed = guard(api_key="s3cret-key")
    answer = call(keyed, [("host", "localhost"), *headers])
    assert answer.status == status and b"s3cret" not in answer.body
    if status == 401:
        assert answer.headers[b"www-authenticate"] == b"Bearer"
    assert checks(keyed).requires_key and not checks(guard()).requires_key


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        guard(api_key="")


def test_a_declared_length_past_the_limit_is_refused_unread() -> None:
    answer = call(guard(max_body_bytes=10), [("host", "localhost"), ("content-length", "11")])
    assert answer.status == 413 and "--max-body-bytes" in answer.json()["detail"]
    answer = call(guard(max_body_bytes=10), [("host", "localhost"), ("content-length", "10")])
    assert answer.status == 200


def test_a_chunked_body_is_counted_and_cut_at_the_limit() -> None:
    chunked = [("host", "localhost"), ("transfer-encoding", "chunked")]
    small = call(guard(max_body_bytes=10), chunked, chunks=[b"12345", b"12345"])
    assert (small.status, small.body) == (200, b"1234512345")
    big = call(guard(max_body_bytes=10), chunked, chunks=[b"123456", b"123456", b"never read"])
    assert big.status == 413 and big.json()["status"] == 413


def test_an_app_that_answers_after_the_413_is_not_heard() -> None:
    async def stubborn(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await receive()
            await receive()
        except Exception:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"parse error"})

    headers = [("host", "localhost"), ("transfer-encoding", "chunked")]
    answer = call(guard(stubborn, max_body_bytes=3), headers, chunks=[b"12", b"34", b"5"])
    assert answer.status == 413 and b"parse error" not in answer.body


def test_other_scopes_pass_untouched() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Message:
        return {}

    async def ignore(message: Message) -> None:
        return None

    asyncio.run(guard(app)({"type": "lifespan"}, nothing, ignore))
    assert seen == ["lifespan"]


def test_calls_running_after_the_drain_get_503() -> None:
    forever = asyncio.Event()

    async def hangs(scope: Scope, receive: Receive, send: Send) -> None:
        await forever.wait()

    async def streams(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await forever.wait()

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    def start(app: FrontDoor, sent: _Sent) -> asyncio.Task[None]:
        scope = {"type": "http", "path": "/x", "headers": [(b"host", b"localhost")]}
        return asyncio.create_task(app(scope, receive, sent.append_async))

    async def exercise() -> tuple[_Sent, _Sent, int, int]:
        hanging, streaming, other = guard(hangs), guard(streams), guard(hangs)
        sent, streamed = _Sent(), _Sent()
        tasks = [start(hanging, sent), start(streaming, streamed), start(other, _Sent())]
        while not (checks(hanging).in_flight and streamed and checks(other).in_flight):
            await asyncio.sleep(0)
        aborted = await checks(hanging).abort_in_flight(0.5)
        untouched = await checks(streaming).abort_in_flight(0.5)
        for task in tasks:
            task.cancel()
        await tasks[0]  # ends quietly: the guard answered, then the server stopped it
        await tasks[1]  # its answer had started: ended quietly too
        with pytest.raises(asyncio.CancelledError):
            await tasks[2]  # a cancellation outside a shutdown goes on
        return sent, streamed, aborted, untouched

    sent, streamed, aborted, untouched = asyncio.run(exercise())
    assert (aborted, untouched) == (1, 1)
    assert sent[0]["status"] == 503 and b"0.5 s drain" in sent[1]["body"]
    assert [message["type"] for message in streamed] == ["http.response.start"]


def test_two_host_headers_are_not_trusted() -> None:
    answer = call(guard(), [("host", "localhost"), ("host", "evil.example")])
    assert answer.status == 421


def test_problem_documents() -> None:
    assert problem(404, "Not found", "none", "/x") == (
        b'{"type":"about:blank","title":"Not found","status":404,"detail":"none","instance":"/x"}'
    )
