"""`runtime/oauth_client.py`: the client credentials grant, its cache, discovery and failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.runtime.oauth_client import ClientCredentials, acceptable_token_url
from naftiko_codegen.runtime.upstream_request import UpstreamError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _with_server(routes: dict[str, Handler], body: Callable[[str], Awaitable[Any]]) -> Any:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        return await body(f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()


def _answer(payload: Any, status: int = 200) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if isinstance(payload, bytes):
            return web.Response(body=payload, status=status)
        return web.json_response(payload, status=status)

    return handler


def _client(url: str, **options: Any) -> ClientCredentials:
    return ClientCredentials(client_id="id", client_secret="s3cret", token_url=url, **options)


def test_acceptable_token_urls() -> None:
    assert acceptable_token_url("https://auth.example.com/token")
    assert acceptable_token_url("http://127.0.0.1:8080/token")
    assert acceptable_token_url("http://localhost/token")
    assert not acceptable_token_url("http://auth.example.com/token")
    with pytest.raises(ValueError, match="must be https"):
        _client("http://auth.example.com/token")


def test_a_token_without_lifetime_is_kept_and_reported() -> None:
    seen: list[str] = []

    async def body(url: str) -> tuple[str, str, int]:
        grant = _client(url + "/token")
        grant.on_token = seen.append
        first = await grant.token()
        return first, await grant.token(), grant.fetches

    token = _answer({"access_token": "abc", "token_type": "bearer"})
    assert asyncio.run(_with_server({"/token": token}, body)) == ("abc", "abc", 1)
    assert seen == ["abc"]


def test_the_token_endpoint_is_discovered_from_the_issuer() -> None:
    async def metadata(request: web.Request) -> web.StreamResponse:
        return web.json_response({"token_endpoint": f"http://{request.host}/oauth/token"})

    routes: dict[str, Handler] = {
        "/.well-known/oauth-authorization-server": metadata,
        "/oauth/token": _answer({"access_token": "t1", "expires_in": 60}),
    }

    async def run(url: str) -> tuple[str, str]:
        grant = ClientCredentials(issuer=url + "/", client_id="id", client_secret="s")
        return await grant.token(), grant.token_url

    token, endpoint = asyncio.run(_with_server(routes, run))
    assert token == "t1" and endpoint.endswith("/oauth/token")


def test_the_middleware_shares_one_fetch_and_retries_a_401_once() -> None:
    grants: list[dict[str, str]] = []
    statuses = [401, 200, 401, 401]

    async def token(request: web.Request) -> web.StreamResponse:
        grants.append(dict(await request.post()))  # type: ignore[arg-type]
        await asyncio.sleep(0.02)
        return web.json_response({"access_token": f"t{len(grants)}", "expires_in": 600})

    async def api(request: web.Request) -> web.StreamResponse:
        return web.json_response({"auth": request.headers["Authorization"]}, status=statuses.pop(0))

    async def run(url: str) -> list[Any]:
        grant = _client(url + "/token", scopes=("a", "b"), audience="api://x")
        waiting = await asyncio.gather(grant.token(), grant.token())
        async with aiohttp.ClientSession(middlewares=(grant,)) as http:
            answers = []
            for _ in range(2):
                async with http.get(url + "/api") as reply:
                    answers.append((reply.status, await reply.json()))
        return [waiting, answers]

    waiting, answers = asyncio.run(_with_server({"/token": token, "/api": api}, run))
    assert waiting == ["t1", "t1"]
    assert grants[0] == {"grant_type": "client_credentials", "scope": "a b", "audience": "api://x"}
    # A 401 is retried once with a new token; a second 401 is the answer.
    assert answers == [(200, {"auth": "Bearer t2"}), (401, {"auth": "Bearer t3"})]


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"/token": _answer({"error": "invalid_client"}, 401)}, "answered 401 (invalid_client)"),
        ({"/token": _answer(b"<html>", 500)}, "answered 500"),
        ({"/token": _answer({"token_type": "bearer"})}, "no bearer access_token"),
        ({"/token": _answer({"access_token": "a", "token_type": "mac"})}, "no bearer"),
        ({"/.well-known/oauth-authorization-server": _answer({})}, "without an https"),
    ],
    ids=["refused", "not json", "no token", "not bearer", "no metadata"],
)
def test_token_endpoint_failures_are_502_without_secrets(
    routes: dict[str, Handler], message: str
) -> None:
    async def body(url: str) -> None:
        if "/token" in routes:
            await _client(url + "/token").token()
        else:
            await ClientCredentials(issuer=url, client_id="id", client_secret="s3cret").token()

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(_with_server(routes, body))
    assert caught.value.status == 502 and message in caught.value.detail
    assert "s3cret" not in caught.value.detail


def test_an_unreachable_token_endpoint_is_a_502() -> None:
    with pytest.raises(UpstreamError, match="could not be reached"):
        asyncio.run(_client("http://127.0.0.1:9/token", timeout=2).token())


def test_a_rejected_token_is_replaced_and_a_fresh_one_kept() -> None:
    now = [0.0]

    async def body(url: str) -> list[str]:
        grant = _client(url + "/token", clock=lambda: now[0], refresh_margin=10)
        first = await grant.token()
        kept = await grant.token(rejected="other")
        replaced = await grant.token(rejected=first)
        now[0] = 55.0  # within the margin of the 60 s lifetime
        return [first, kept, replaced, await grant.token()]

    count = [0]

    async def token(request: web.Request) -> web.StreamResponse:
        count[0] += 1
        return web.json_response({"access_token": f"t{count[0]}", "expires_in": 60})

    assert asyncio.run(_with_server({"/token": token}, body)) == ["t1", "t1", "t2", "t3"]


def test_client_secret_post_sends_the_client_in_the_form() -> None:
    forms: list[tuple[dict[str, str], str | None]] = []

    async def token(request: web.Request) -> web.StreamResponse:
        form: dict[str, str] = dict(await request.post())  # type: ignore[arg-type]
        forms.append((form, request.headers.get("Authorization")))
        return web.json_response(
            {"error": "invalid_client" if len(forms) > 1 else "s3cret!"}, status=400
        )

    async def body(url: str) -> list[str]:
        details = []
        for _ in range(2):
            with pytest.raises(UpstreamError) as caught:
                await _client(url + "/token", auth_method="client_secret_post").token()
            details.append(caught.value.detail)
        return details

    first, second = asyncio.run(_with_server({"/token": token}, body))
    assert forms[0] == (
        {"grant_type": "client_credentials", "client_id": "id", "client_secret": "s3cret"},
        None,
    )
    assert "s3cret" not in first and "(invalid_client)" in second
    with pytest.raises(ValueError, match="auth_method"):
        _client("https://auth.example.com/token", auth_method="private_key_jwt")
