"""`runtime/jwt_keys.py`: deploy-time JWT settings (refused when unusable) and the JWKS key store."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from naftiko_codegen.runtime.environment import EnvironmentReader, SettingsError
from naftiko_codegen.runtime.jwt_keys import (
    DEFAULT_ALGORITHMS,
    JwtSettings,
    KeyStore,
    KeysUnavailable,
    jwt_options,
    public_keys,
    read_jwt_settings,
)

EC_JWK = {
    **jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()), as_dict=True),
    "kid": "a",
}
"""A private EC key as JWK: the store must keep only its public members."""
OKP_JWK = {
    **jwt.algorithms.OKPAlgorithm.to_jwk(
        ed25519.Ed25519PrivateKey.generate().public_key(), as_dict=True
    ),
    "kid": "b",
}


def settings(environ: dict[str, str]) -> tuple[JwtSettings, list[str]]:
    reader = EnvironmentReader(environ)
    return read_jwt_settings(reader, "inbound authentication of REST adapter 'x'"), reader.problems


def test_public_keys_drop_private_symmetric_and_encryption_keys() -> None:
    keys = public_keys(
        {
            "keys": [
                EC_JWK,
                OKP_JWK,
                {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
                {**OKP_JWK, "use": "enc", "kid": "enc"},
                "junk",
            ]
        }
    )
    assert [key["kid"] for key in keys] == ["a", "b"]
    assert "d" not in keys[0] and {"x", "y", "crv"} <= set(keys[0])


@pytest.mark.parametrize(
    "document", [[], {"keys": "x"}, {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}]
)
def test_documents_without_public_keys_are_refused(document: Any) -> None:
    with pytest.raises(ValueError):
        public_keys(document)


def test_no_keys_at_all_is_a_start_up_problem() -> None:
    _, problems = settings({})
    assert problems == [
        "neither NAFTIKO_JWKS_FILE nor NAFTIKO_JWKS_URL is set: inbound authentication of REST "
        "adapter 'x' validates JWT bearer tokens (oauth2) against the issuer's public keys; set "
        "one of them"
    ]
    reader = EnvironmentReader({})
    read_jwt_settings(reader, "y")
    with pytest.raises(SettingsError, match="cannot start: neither NAFTIKO_JWKS_FILE"):
        reader.check()


def test_a_jwks_file_is_read_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [EC_JWK]}))
    read, problems = settings({"NAFTIKO_JWKS_FILE": str(path)})
    assert problems == [] and [key["kid"] for key in read.file_keys] == ["a"]
    assert read.algorithms == DEFAULT_ALGORITHMS and read.leeway == 30.0
    assert "file_keys" not in repr(read)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file or directory"),
        ("{not json", "Expecting property name"),
        ('{"keys": []}', "no public signing key"),
    ],
)
def test_an_unusable_jwks_file_is_named(tmp_path: Path, content: str | None, reason: str) -> None:
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_text(content)
    _, [problem] = settings({"NAFTIKO_JWKS_FILE": str(path)})
    assert problem.startswith(f"NAFTIKO_JWKS_FILE={str(path)!r} cannot be used: ")
    assert reason in problem


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        (
            {"NAFTIKO_JWKS_URL": "http://idp.example.com/jwks"},
            "must be an https URL (http only on loopback)",
        ),
        (
            {"NAFTIKO_JWKS_URL": "https://idp/jwks", "NAFTIKO_JWKS_FILE": "j.json"},
            "set only one of NAFTIKO_JWKS_FILE and NAFTIKO_JWKS_URL",
        ),
        (
            {"NAFTIKO_JWKS_URL": "https://idp/jwks", "NAFTIKO_JWT_ALGORITHMS": "RS256,HS256,none"},
            "NAFTIKO_JWT_ALGORITHMS names 'HS256', 'none': only the asymmetric",
        ),
        (
            {"NAFTIKO_JWKS_URL": "https://idp/jwks", "NAFTIKO_JWT_LEEWAY": "-1"},
            "NAFTIKO_JWT_LEEWAY='-1' is not a non-negative number",
        ),
        (
            {"NAFTIKO_JWKS_URL": "https://idp/jwks", "NAFTIKO_JWKS_TIMEOUT": "soon"},
            "NAFTIKO_JWKS_TIMEOUT='soon' is not a non-negative number",
        ),
    ],
)
def test_unsafe_or_malformed_settings_are_refused(environ: dict[str, str], problem: str) -> None:
    read, problems = settings(environ)
    assert len(problems) == 1 and problem in problems[0]
    assert read.algorithms == DEFAULT_ALGORITHMS


def test_url_settings_and_overrides() -> None:
    read, problems = settings(
        {
            "NAFTIKO_JWKS_URL": "http://127.0.0.1:1/jwks",
            "NAFTIKO_JWT_ISSUER": "https://idp",
            "NAFTIKO_JWT_AUDIENCE": "a, b,",
            "NAFTIKO_JWT_ALGORITHMS": "ES256",
            "NAFTIKO_JWKS_MAX_BYTES": "1000",
            "NAFTIKO_JWKS_REFRESH_SECONDS": "0",
        }
    )
    assert problems == []
    assert (read.issuer, read.audience, read.algorithms) == ("https://idp", ("a", "b"), ("ES256",))
    assert (read.max_bytes, read.refresh_seconds, read.cache_seconds) == (1000, 0.0, 300.0)
    assert settings({"NAFTIKO_JWKS_URL": "http://localhost/j"})[1] == []
    assert settings({"NAFTIKO_JWKS_URL": "http://[::1]/j"})[1] == []


@asynccontextmanager
async def jwks_server(handler: Callable[[web.Request], Any]) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/jwks", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/jwks"
    finally:
        await runner.cleanup()


def test_url_keys_are_fetched_cached_and_refreshed_for_an_unknown_kid() -> None:
    served = [{"keys": [EC_JWK]}]
    hits: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(1)
        return web.json_response(served[-1])

    async def scenario() -> None:
        async with jwks_server(handler) as url:
            store = KeyStore(JwtSettings(jwks_url=url, refresh_seconds=0.2))
            assert [k["kid"] for k in await store.keys("a")] == ["a"]
            assert [k["kid"] for k in await store.keys(None)] == ["a"]
            assert len(hits) == 1  # cached
            served.append({"keys": [EC_JWK, OKP_JWK]})
            assert await store.keys("b") == ()  # too soon after the last fetch: not fetched
            await asyncio.sleep(0.25)
            assert [k["kid"] for k in await store.keys("b")] == ["b"]
            assert len(hits) == 2

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "answer",
    [
        web.Response(status=500),
        web.Response(body=b"x" * 2048, content_type="application/json"),  # over the cap
        web.Response(body=b"not json", content_type="application/json"),
        web.Response(status=302, headers={"Location": "http://127.0.0.1:1/jwks"}),
    ],
    ids=["500", "too large", "not json", "redirect"],
)
def test_a_failed_fetch_keeps_nothing_and_says_so(
    answer: web.Response, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return answer

    async def scenario() -> None:
        async with jwks_server(handler) as url:
            store = KeyStore(JwtSettings(jwks_url=url, max_bytes=1024))
            with pytest.raises(KeysUnavailable):
                await store.keys("a")

    asyncio.run(scenario())
    assert "cannot fetch the JWKS from 127.0.0.1/jwks (" in caplog.text


def test_a_chunked_body_over_the_cap_is_cut_off() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(8):
            await response.write(b" " * 256)
        await response.write_eof()
        return response

    async def scenario() -> None:
        async with jwks_server(handler) as url:
            store = KeyStore(JwtSettings(jwks_url=url, max_bytes=1024))
            with pytest.raises(KeysUnavailable):
                await store.keys(None)

    asyncio.run(scenario())


def test_cached_keys_survive_a_failed_refresh() -> None:
    answers: list[web.Response] = [
        web.json_response({"keys": [EC_JWK]}),
        web.Response(status=503),
    ]

    async def handler(request: web.Request) -> web.Response:
        return answers.pop(0)

    async def scenario() -> None:
        async with jwks_server(handler) as url:
            store = KeyStore(JwtSettings(jwks_url=url, cache_seconds=0, refresh_seconds=0))
            assert len(await store.keys(None)) == 1
            assert len(await store.keys(None)) == 1  # refetch failed: the cached key stays

    asyncio.run(scenario())


def test_file_keys_need_no_fetch() -> None:
    store = KeyStore(JwtSettings(file_keys=(EC_JWK,)))
    assert asyncio.run(store.keys("a")) == (EC_JWK,)
    assert asyncio.run(store.keys("z")) == ()


def test_concurrent_requests_fetch_once() -> None:
    hits: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(1)
        await asyncio.sleep(0.05)
        return web.json_response({"keys": [EC_JWK]})

    async def scenario() -> None:
        async with jwks_server(handler) as url:
            store = KeyStore(JwtSettings(jwks_url=url))
            found = await asyncio.gather(*(store.keys("a") for _ in range(5)))
            assert all(len(keys) == 1 for keys in found)

    asyncio.run(scenario())
    assert len(hits) == 1


def test_credentials_in_the_jwks_url_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    url = "http://user:pa55@127.0.0.1:1/jwks?token=t0k"
    store = KeyStore(JwtSettings(jwks_url=url, fetch_timeout=2))
    with pytest.raises(KeysUnavailable):
        asyncio.run(store.keys(None))
    assert "127.0.0.1/jwks (ClientConnectorError)" in caplog.text
    assert "pa55" not in caplog.text and "t0k" not in caplog.text


def test_serve_options_set_the_variables_the_settings_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NAFTIKO_JWT_LEEWAY", "10")
    monkeypatch.delenv("NAFTIKO_JWKS_FILE", raising=False)
    parser = argparse.ArgumentParser()
    jwt_options(parser)
    assert "--jwks-refresh-seconds SECONDS" in parser.format_help()
    assert "NAFTIKO_JWKS_URL)" in parser.format_help()
    path = str(tmp_path / "jwks.json")
    options = parser.parse_args(["--jwks-file", path, "--jwt-leeway", "5"])
    assert vars(options) == {"jwks_file": path, "jwt_leeway": "5"}
    assert (os.environ["NAFTIKO_JWKS_FILE"], os.environ["NAFTIKO_JWT_LEEWAY"]) == (path, "5")
    assert vars(parser.parse_args([])) == {}  # unset flags leave the environment alone
