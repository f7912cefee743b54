"""Inbound digest authentication: a generated package demands an RFC 7616 answer of its callers.

The package is generated and driven in-process (no adapter process): aiohttp's
`DigestAuthMiddleware` is the caller on the REST and MCP HTTP adapters; answers with a wrong
password, for another request target, replayed or over an old nonce are refused with 401 and
fresh challenges (SHA-256 and MD5; `stale=true` for the old nonce).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

USER, PASSWORD = "ada", "in-digest-s3cret"
SPEC = (Path(__file__).with_name("digest_inbound.yaml")).read_text(encoding="utf-8")
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
PING = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("digest-inbound")
    (folder / "digest.yaml").write_text(SPEC, encoding="utf-8")
    generated = generate(folder / "digest.yaml")
    assert not [d for d in generated.diagnostics if d.severity.value == "error"]
    out = folder / "out"
    for relative, text in generated.files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")
    name = generated.model.package
    sys.path.insert(0, str(out / "src"))
    yield name
    sys.path.remove(str(out / "src"))
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def _params(challenge: str) -> dict[str, str]:
    return {m[0]: m[1] or m[2] for m in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', challenge)}


def _answer(challenge: str, uri: str, *, password: str = PASSWORD, nc: str = "00000001") -> str:
    """An `Authorization: Digest` value computed from the RFC, independent of the package."""
    p = _params(challenge)
    name = "sha256" if p["algorithm"] == "SHA-256" else "md5"

    def h(text: str) -> str:
        return hashlib.new(name, text.encode()).hexdigest()

    ha1, ha2 = h(f"{USER}:{p['realm']}:{password}"), h(f"GET:{uri}")
    response = h(f"{ha1}:{p['nonce']}:{nc}:c0ffee:auth:{ha2}")
    return (
        f'Digest username="{USER}", realm="{p["realm"]}", nonce="{p["nonce"]}", uri="{uri}", '
        f'algorithm={p["algorithm"]}, qop=auth, nc={nc}, cnonce="c0ffee", '
        f'response="{response}", opaque="{p["opaque"]}"'
    )


async def _drive(package: str) -> dict[str, Any]:
    seen: list[str] = []

    async def item(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"id": request.match_info["id"]})

    upstream_app = web.Application()
    upstream_app.router.add_get("/items/{id}", item)
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    mcp_server = importlib.import_module(f"{package}.mcp_server")
    digest_auth = importlib.import_module(f"{package}.digest_auth")
    got: dict[str, Any] = {}
    runner = web.AppRunner(upstream_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    upstream_url = f"http://127.0.0.1:{port}"
    try:
        environment = {"VAULT_BASE_URL": upstream_url, "IN_USER": USER, "IN_PASSWORD": PASSWORD}
        client = upstream.UpstreamClient(settings.load_settings(environment))
        rest = rest_app.create_app(client)
        mcp = mcp_server.create_http_app(client, host="127.0.0.1")
        try:
            async with serve_app(rest) as rest_url, serve_app(mcp) as mcp_url:
                got |= await _good_callers(rest_url, mcp_url)
                got |= await _bad_callers(rest_url, digest_auth)
        finally:
            await client.close()
    finally:
        await runner.cleanup()
    got["upstream_saw"] = seen
    return got


async def _good_callers(rest_url: str, mcp_url: str) -> dict[str, Any]:
    got: dict[str, Any] = {"rest": [], "mcp": []}
    answering = (aiohttp.DigestAuthMiddleware(USER, PASSWORD),)
    async with aiohttp.ClientSession(middlewares=answering) as http:
        for item_id in ("a1", "b2", "c3"):
            async with http.get(f"{rest_url}/items/{item_id}") as reply:
                got["rest"].append((reply.status, await reply.json()))
    async with (
        aiohttp.ClientSession(middlewares=(aiohttp.DigestAuthMiddleware(USER, PASSWORD),)) as http,
        http.post(f"{mcp_url}/mcp", data=PING, headers=MCP_HEADERS) as reply,
    ):
        got["mcp"] = (
            reply.status,
            [t["name"] for t in (await reply.json())["result"]["tools"]],
        )
    return got


async def _bad_callers(rest_url: str, digest_auth: Any) -> dict[str, Any]:
    got: dict[str, Any] = {}
    target = "/items/a1"
    async with aiohttp.ClientSession() as http:
        async with http.get(rest_url + target) as reply:
            got["bare"] = (reply.status, reply.headers.getall("WWW-Authenticate"))
        challenge = got["bare"][1][0]
        async with (
            aiohttp.ClientSession(
                middlewares=(aiohttp.DigestAuthMiddleware(USER, "wrong"),)
            ) as wrong,
            wrong.get(rest_url + target) as reply,
        ):
            got["wrong_password"] = reply.status
        for case, header, uri in (
            ("other_target", _answer(challenge, "/items/b2"), target),
            ("right", _answer(challenge, target), target),
            ("replayed", _answer(challenge, target), target),
        ):
            async with http.get(rest_url + uri, headers={"Authorization": header}) as reply:
                got[case] = reply.status
        # A nonce issued 10 minutes ago by a replica bound to the same credential.
        replica = digest_auth.RequireDigest(
            None,
            username=USER,
            password=PASSWORD,
            realm="vault-rest",
            clock=lambda: time.time() - 600,
        )
        old, _ = replica.challenges()
        async with http.get(
            rest_url + target, headers={"Authorization": _answer(old, target)}
        ) as reply:
            got["old_nonce"] = (reply.status, reply.headers.getall("WWW-Authenticate"))
    return got


def test_digest_callers_pass_and_wrong_or_old_answers_are_refused(package: str) -> None:
    got = asyncio.run(_drive(package))
    assert got["rest"] == [(200, {"id": "a1"}), (200, {"id": "b2"}), (200, {"id": "c3"})]
    assert got["mcp"] == (200, ["get-item"])
    # The adapter's credential never reaches the upstream (it sends no authentication).
    assert got["upstream_saw"] == ["", "", "", ""]  # three good calls and the hand-made answer
    status, challenges = got["bare"]
    assert status == 401
    assert [_params(c)["algorithm"] for c in challenges] == ["SHA-256", "MD5"]
    assert all('realm="vault-rest", qop="auth"' in c for c in challenges)
    assert got["wrong_password"] == 401
    assert (got["other_target"], got["right"], got["replayed"]) == (401, 200, 401)
    status, challenges = got["old_nonce"]
    assert status == 401 and all(c.endswith("stale=true") for c in challenges)


async def _nonce_ages(package: str) -> dict[str, int]:
    """Answers over nonces 2 s and 10 s old, with the nonce age set to 5 s."""
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    digest_auth = importlib.import_module(f"{package}.digest_auth")
    environment = {"VAULT_BASE_URL": "http://127.0.0.1:9", "IN_USER": USER, "IN_PASSWORD": PASSWORD}
    client = upstream.UpstreamClient(settings.load_settings(environment))
    got: dict[str, int] = {}
    try:
        async with (
            serve_app(rest_app.create_app(client)) as rest_url,
            aiohttp.ClientSession() as http,
        ):
            for age in (2, 10):
                replica = digest_auth.RequireDigest(
                    None,
                    username=USER,
                    password=PASSWORD,
                    realm="vault-rest",
                    clock=lambda age=age: time.time() - age,
                )
                header = _answer(replica.challenges()[0], "/health-of-nothing")
                async with http.get(
                    rest_url + "/health-of-nothing", headers={"Authorization": header}
                ) as reply:
                    stale = any(
                        "stale=true" in c for c in reply.headers.getall("WWW-Authenticate", [])
                    )
                    got[f"{age}s"] = reply.status if not stale else -reply.status
    finally:
        await client.close()
    return got


def test_the_nonce_age_is_a_bounded_serve_option(
    package: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = importlib.import_module(f"{package}.cli")
    variable = "NAFTIKO_DIGEST_NONCE_SECONDS"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--help"])
    assert "--digest-nonce-seconds" in capsys.readouterr().out
    for bad in ("0", "86401", "soon"):
        monkeypatch.setenv(variable, bad)
        with pytest.raises(SystemExit) as stopped:
            cli.build_parser().parse_args(["serve"])
        error = capsys.readouterr().err
        assert stopped.value.code == 2 and "--digest-nonce-seconds" in error and variable in error
        assert "from 1 to 86400" in error
    monkeypatch.setenv(variable, "300")
    assert cli.build_parser().parse_args(["serve", "--digest-nonce-seconds", "5"])
    assert sys.modules["os"].environ[variable] == "5"  # what the guard reads when it is built
    got = asyncio.run(_nonce_ages(package))
    # 2 s old: the answer passes (the route is unknown: 404); 10 s old: stale, a fresh challenge.
    assert got == {"2s": 404, "10s": -401}
