"""`runtime/http_client.py` against hostile upstreams: sizes, redirects, retries, breaker, masking."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from naftiko_codegen.runtime.environment import UpstreamLimits
from naftiko_codegen.runtime.http_client import (
    HttpClient,
    InvalidArgument,
    UpstreamApi,
    UpstreamError,
    UpstreamResponse,
)
from naftiko_codegen.runtime.tests.loopback import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECRET = "s3cr/+&= t"


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[str, list[str]]]:
    """An upstream on loopback answering with `handler`; yields its URL and the paths it saw."""
    seen: list[str] = []

    async def recording(request: web.Request) -> web.StreamResponse:
        seen.append(request.method + " " + request.rel_url.raw_path_qs)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recording)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def client_for(url: str, *, timeout: float = 5.0, **limits: Any) -> HttpClient:
    api = UpstreamApi("demo", url, timeout, query=(("token", SECRET),), timeout_env="DEMO_TIMEOUT")
    defaults: dict[str, Any] = {"retry_max_delay": 0.05}
    return HttpClient({"demo": api}, secrets=[SECRET], limits=UpstreamLimits(**defaults | limits))


async def send(client: HttpClient, method: str = "GET", path: str = "/x") -> UpstreamResponse:
    try:
        return await client.send("demo", method, path)
    finally:
        await client.close()


def outcome(handler: Handler, method: str = "GET", **limits: Any) -> tuple[Any, list[str]]:
    """Run one call against `handler`: (the response or the UpstreamError, the paths seen)."""

    async def exercise() -> tuple[Any, list[str]]:
        async with serve(handler) as (url, seen):
            try:
                return await send(client_for(url, **limits), method), seen
            except UpstreamError as error:
                return error, seen

    return asyncio.run(exercise())


def test_an_answer_over_the_size_limit_is_a_502_naming_the_setting() -> None:
    async def big(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"x" * 5000)

    error, _ = outcome(big, max_response_bytes=4096)
    assert (error.status, error.title) == (502, "Upstream answer too large")
    assert "more than 4096 bytes" in error.detail
    assert "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES" in error.detail
    response, _ = outcome(big, max_response_bytes=5000)
    assert response.body == b"x" * 5000


def test_an_endless_stream_stops_at_the_limit() -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            while True:
                await response.write(b"y" * 1024)
        return response

    error, _ = outcome(endless, max_response_bytes=64 * 1024)
    assert error.title == "Upstream answer too large"


def test_a_gzip_bomb_is_counted_after_decompression() -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))

    async def compressed(request: web.Request) -> web.StreamResponse:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    assert len(bomb) < 100_000
    error, _ = outcome(compressed, max_response_bytes=1024 * 1024)
    assert error.title == "Upstream answer too large"


def test_a_redirect_is_not_followed_and_names_its_target_without_the_query() -> None:
    async def elsewhere(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"stolen")

    async def exercise() -> tuple[Any, list[str], list[str]]:
        async with serve(elsewhere) as (other, stolen):

            async def redirect(request: web.Request) -> web.StreamResponse:
                raise web.HTTPFound(other + "/steal?token=" + request.query["token"])

            async with serve(redirect) as (url, seen):
                with pytest.raises(UpstreamError) as caught:
                    await send(client_for(url))
                return caught.value, seen, stolen

    error, seen, stolen = asyncio.run(exercise())
    assert stolen == [] and len(seen) == 1
    assert (error.status, error.title) == (502, "Upstream redirect")
    assert "answered 302, a redirect to http://127.0.0.1:" in error.detail
    assert error.detail.endswith("set the API's base URL to the final location")
    assert "token" not in error.detail and "s3cr" not in error.detail


def test_idempotent_calls_are_retried_on_503_and_posts_are_not() -> None:
    async def unavailable(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, body=b"later")

    response, seen = outcome(unavailable, retries=2)
    assert response.status == 503 and len(seen) == 3
    response, seen = outcome(unavailable, "POST", retries=2)
    assert response.status == 503 and len(seen) == 1
    response, seen = outcome(unavailable, retries=0)
    assert len(seen) == 1


def test_a_long_retry_after_is_relayed_rather_than_waited_for() -> None:
    async def busy(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, headers={"Retry-After": "120"})

    response, seen = outcome(busy, retries=3)
    assert (response.status, response.retry_after, len(seen)) == (503, "120", 1)


def test_a_dead_upstream_opens_the_breaker_and_callers_get_503_at_once() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = client_for(url, breaker_failures=2, breaker_reset=60.0, retries=1)

    async def exercise() -> list[UpstreamError]:
        errors = []
        try:
            for _ in range(4):
                try:
                    await client.send("demo", "GET", "/x")
                except UpstreamError as error:
                    errors.append(error)
        finally:
            await client.close()
        return errors

    first, second, third, fourth = asyncio.run(exercise())
    assert (first.status, first.title) == (502, "Upstream unreachable")
    # Two calls (each with its retry, counted once) failed: the breaker is open.
    assert (second.status, second.title) == (502, "Upstream unreachable")
    assert client.breaker("demo").state == "open"
    assert (third.status, third.title) == (503, "Upstream circuit open")
    assert "NAFTIKO_UPSTREAM_BREAKER_RESET" in third.detail
    assert fourth.status == 503


def test_the_half_open_probe_closes_the_breaker_when_the_upstream_is_back() -> None:
    async def ok(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    async def exercise() -> tuple[str, int]:
        async with serve(ok) as (url, _):
            client = client_for(url, breaker_failures=1, breaker_reset=0.01)
            breaker = client.breaker("demo")
            breaker.failure()
            assert breaker.state == "open"
            await asyncio.sleep(0.02)
            response = await send(client)
            return breaker.state, response.status

    assert asyncio.run(exercise()) == ("closed", 200)


def test_a_slow_upstream_is_a_504_naming_its_timeout_variable() -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.0)
        return web.Response()

    async def exercise() -> UpstreamError:
        async with serve(slow) as (url, _):
            with pytest.raises(UpstreamError) as caught:
                await send(client_for(url, timeout=0.1))
            return caught.value

    error = asyncio.run(exercise())
    assert error.status == 504 and error.detail.endswith("0.1 s (DEMO_TIMEOUT raises it)")


def test_hanging_calls_fill_the_bulkhead_and_the_next_waits_only_the_pool_wait() -> None:
    release = asyncio.Event()

    async def hanging(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response()

    async def exercise() -> tuple[UpstreamError, float]:
        async with serve(hanging) as (url, _):
            client = client_for(url, concurrency=2, pool_wait=0.1)
            try:
                calls = [asyncio.create_task(client.send("demo", "GET", "/h")) for _ in range(2)]
                await asyncio.sleep(0.1)
                started = time.monotonic()
                with pytest.raises(UpstreamError) as caught:
                    await client.send("demo", "GET", "/other")
                waited = time.monotonic() - started
                release.set()
                await asyncio.gather(*calls)
            finally:
                await client.close()
            return caught.value, waited

    error, waited = asyncio.run(exercise())
    assert (error.status, error.title) == (503, "Upstream busy")
    assert "NAFTIKO_UPSTREAM_POOL_WAIT" in error.detail and waited < 1.0


def test_every_form_of_the_secret_is_masked_in_the_body_and_the_content_type() -> None:
    async def echo(request: web.Request) -> web.StreamResponse:
        token = request.query["token"]
        raw = request.rel_url.raw_query_string
        body = f'{{"raw": "{token}", "sent": "{raw}", "lower": "{raw.lower()}"}}'
        return web.Response(
            body=body.encode(), headers={"Content-Type": f"application/json; x={raw}"}
        )

    response, _ = outcome(echo)
    assert b"s3cr" not in response.body and "s3cr" not in response.content_type
    assert response.body.count(b"[redacted]") == 3
    assert response.content_type == "application/json; x=token=[redacted]"


def test_unsendable_values_are_refused_before_any_request() -> None:
    async def exercise() -> list[UpstreamError]:
        async with serve(lambda request: asyncio.sleep(0, web.Response())) as (url, seen):
            client = client_for(url)
            errors: list[UpstreamError] = []
            for call in (
                client.send("demo", "POST", "/x", json_body={"n": float("nan")}),
                client.send("demo", "GET", "/x", headers={"X-A": "\ud800"}),
                client.send("demo", "GET", "/x", query=[("q", "\udfff")]),
            ):
                with pytest.raises(InvalidArgument) as caught:
                    await call
                errors.append(caught.value)
            await client.close()
            assert seen == []
            return errors

    assert [error.status for error in asyncio.run(exercise())] == [422, 422, 422]


def test_the_credentials_an_api_sends_are_masked_even_when_not_given_as_secrets() -> None:
    api = UpstreamApi("demo", "http://h.example", 5.0, headers={"Authorization": "Bearer tok-1234"})
    masker = HttpClient({"demo": api}).masker
    assert masker.mask_text("got Bearer tok-1234 and tok-1234") == "got [redacted] and [redacted]"


def test_a_head_answer_may_declare_a_length_over_the_limit() -> None:
    async def head(request: web.Request) -> web.StreamResponse:
        return web.Response(headers={"Content-Length": str(10 * 1024 * 1024)})

    response, _ = outcome(head, "HEAD", max_response_bytes=1024)
    assert (response.status, response.body) == (200, b"")


def test_a_chunked_answer_within_the_limit_is_read_whole() -> None:
    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(4):
            await response.write(b"z" * 70_000)
            await asyncio.sleep(0.01)
        await response.write_eof()
        return response

    response, _ = outcome(chunked, max_response_bytes=280_000)
    assert response.body == b"z" * 280_000


def test_a_probe_that_finds_no_slot_leaves_the_probe_to_the_next_caller() -> None:
    release = asyncio.Event()

    async def hanging(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response()

    async def exercise() -> tuple[int, str]:
        async with serve(hanging) as (url, _):
            client = client_for(url, concurrency=1, pool_wait=0.05, breaker_reset=0.01)
            breaker = client.breaker("demo")
            try:
                busy = asyncio.create_task(client.send("demo", "GET", "/h"))
                await asyncio.sleep(0.05)
                breaker._threshold = 1
                breaker.failure()  # open; the reset passes at once
                await asyncio.sleep(0.02)
                with pytest.raises(UpstreamError) as caught:
                    await client.send("demo", "GET", "/x")  # the probe, but no slot
                state = breaker.state
                release.set()
                await busy
            finally:
                await client.close()
            return caught.value.status, state

    assert asyncio.run(exercise()) == (503, "half-open")
