"""oauth2 client credentials on a consumed API: token fetched, shared, refreshed, retried on 401.

A generated package is driven in-process against a loopback token endpoint and a loopback
upstream (real aiohttp servers). Several concurrent calls share one token fetch; a token the
upstream revokes is replaced once after its 401; a token about to expire is replaced before use.
The client secret and the tokens never appear in what the caller gets, nor in the logs when
the token endpoint fails or echoes the secret. `client_secret_post` sends the client in the form
body (`LEDGER_TOKEN_AUTH_METHOD`); a token URL that is neither https nor loopback stops the
start with a message naming the variable.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

CLIENT_ID, CLIENT_SECRET = "ledger-app", "cl13nt-s3cret-value"
SPEC = Path(__file__).with_name("oauth2_client.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("oauth2-client")
    (folder / "oauth2.yaml").write_text(SPEC, encoding="utf-8")
    generated = generate(folder / "oauth2.yaml")
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


class Servers:
    """The token endpoint and the upstream, sharing which tokens are valid."""

    def __init__(self) -> None:
        self.grants: list[dict[str, str]] = []
        self.valid: set[str] = set()
        self.upstream_saw: list[str] = []
        self.lifetime = 3600
        self.method = "client_secret_basic"
        self.refuse_with: dict[str, str] | None = None

    async def token(self, request: web.Request) -> web.Response:
        form: dict[str, str] = dict(await request.post())  # type: ignore[arg-type]
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        header = request.headers.get("Authorization")
        if self.method == "client_secret_post":
            client = (form.pop("client_id", None), form.pop("client_secret", None))
            accepted = header is None and client == (CLIENT_ID, CLIENT_SECRET)
        else:
            accepted = header == f"Basic {basic}" and "client_secret" not in form
        if self.refuse_with is not None:
            return web.json_response(self.refuse_with, status=400)
        if not accepted:
            return web.json_response({"error": "invalid_client"}, status=401)
        self.grants.append(form)
        await asyncio.sleep(0.05)  # concurrent callers arrive while this fetch is under way
        token = f"tok-{len(self.grants)}"
        self.valid.add(token)
        return web.json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}
        )

    async def entry(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        self.upstream_saw.append(header)
        token = header.removeprefix("Bearer ")
        if token not in self.valid:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response({"id": request.match_info["id"], "echo": token})


async def _start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def _drive(package: str, servers: Servers) -> dict[str, Any]:
    app = web.Application()
    app.router.add_post("/oauth/token", servers.token)
    app.router.add_get("/entries/{id}", servers.entry)
    runner, url = await _start(app)
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    environment = {
        "LEDGER_BASE_URL": url,
        "LEDGER_TOKEN_URL": url + "/oauth/token",
        "LEDGER_CLIENT_ID": CLIENT_ID,
        "LEDGER_CLIENT_SECRET": CLIENT_SECRET,
    }
    client = upstream.UpstreamClient(settings.load_settings(environment))
    got: dict[str, Any] = {}
    try:
        async with serve_app(rest_app.create_app(client)) as rest, aiohttp.ClientSession() as http:

            async def get(item: str) -> tuple[int, Any]:
                async with http.get(f"{rest}/entries/{item}") as reply:
                    return reply.status, await reply.json()

            got["concurrent"] = await asyncio.gather(*(get(f"e{n}") for n in range(5)))
            got["grants_after_concurrent"] = len(servers.grants)
            servers.valid.discard("tok-1")  # the upstream revokes the token
            servers.lifetime = 31  # the next token expires 1 s after the 30 s refresh margin
            got["after_revoke"] = await get("r1")
            got["grants_after_revoke"] = len(servers.grants)
            await asyncio.sleep(1.1)
            saw_before = len(servers.upstream_saw)
            got["after_expiry"] = await get("x1")
            got["upstream_after_expiry"] = servers.upstream_saw[saw_before:]
    finally:
        await client.close()
        await runner.cleanup()
    return got


def test_tokens_are_fetched_once_refreshed_and_retried(package: str) -> None:
    servers = Servers()
    got = asyncio.run(_drive(package, servers))
    assert [status for status, _ in got["concurrent"]] == [200] * 5
    assert got["grants_after_concurrent"] == 1  # single flight
    assert servers.grants[0] == {
        "grant_type": "client_credentials",
        "scope": "ledger.read ledger.write",
        "audience": "https://ledger.example.com",
    }
    # The revoked token's 401 is retried once, with a new token.
    assert got["after_revoke"][0] == 200 and got["grants_after_revoke"] == 2
    assert servers.upstream_saw[5:7] == ["Bearer tok-1", "Bearer tok-2"]
    # A token about to expire is replaced before the request: no 401 on the way.
    assert got["after_expiry"][0] == 200
    assert got["upstream_after_expiry"] == ["Bearer tok-3"]
    # Tokens echoed by the upstream are masked in what the caller gets.
    answers = [body for _, body in [*got["concurrent"], got["after_revoke"], got["after_expiry"]]]
    assert all("tok-" not in str(body) for body in answers), answers


def test_the_client_secret_is_masked(package: str) -> None:
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    client = upstream.UpstreamClient(
        settings.load_settings(
            {
                "LEDGER_BASE_URL": "http://127.0.0.1:9",
                "LEDGER_CLIENT_ID": CLIENT_ID,
                "LEDGER_CLIENT_SECRET": CLIENT_SECRET,
            }
        )
    )
    assert CLIENT_SECRET not in client.masker.mask_text(f"echo {CLIENT_SECRET} echo")


async def _post_and_refusals(package: str, servers: Servers) -> dict[str, Any]:
    """`client_secret_post`, then a token endpoint that refuses, echoing the secret back."""
    app = web.Application()
    app.router.add_post("/oauth/token", servers.token)
    app.router.add_get("/entries/{id}", servers.entry)
    runner, url = await _start(app)
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    environment = {
        "LEDGER_BASE_URL": url,
        "LEDGER_TOKEN_URL": url + "/oauth/token",
        "LEDGER_TOKEN_AUTH_METHOD": "client_secret_post",
        "LEDGER_CLIENT_ID": CLIENT_ID,
        "LEDGER_CLIENT_SECRET": CLIENT_SECRET,
    }
    got: dict[str, Any] = {}
    for case, method, refusal in (
        ("post", "client_secret_post", None),
        ("echoed", "client_secret_post", {"error": f"bad {CLIENT_SECRET}"}),
        (
            "described",
            "client_secret_post",
            {"error": "invalid_client", "error_description": CLIENT_SECRET},
        ),
        ("basic_to_post_server", "client_secret_basic", None),
    ):
        servers.method, servers.refuse_with = "client_secret_post", refusal
        env = {**environment, "LEDGER_TOKEN_AUTH_METHOD": method}
        client = upstream.UpstreamClient(settings.load_settings(env))
        try:
            async with (
                serve_app(rest_app.create_app(client)) as rest,
                aiohttp.ClientSession() as http,
                http.get(f"{rest}/entries/p1") as reply,
            ):
                got[case] = (reply.status, await reply.text())
        finally:
            await client.close()
    await runner.cleanup()
    return got


def test_client_secret_post_and_no_secret_in_errors_or_logs(
    package: str, caplog: pytest.LogCaptureFixture
) -> None:
    servers = Servers()
    with caplog.at_level(logging.DEBUG):
        got = asyncio.run(_post_and_refusals(package, servers))
    status, body = got["post"]
    assert status == 200 and servers.grants[-1]["grant_type"] == "client_credentials"
    assert "client_id" not in servers.grants[-1]  # the server popped both: they were in the form
    for case in ("echoed", "described", "basic_to_post_server"):
        status, body = got[case]
        assert status == 502 and "token endpoint" in body, (case, body)
    assert "(invalid_client)" in got["described"][1]  # a plain error code is quoted
    assert "(bad" not in got["echoed"][1]  # an error holding the secret is not
    everything = caplog.text + "".join(body for _, body in got.values())
    assert CLIENT_SECRET not in everything
    assert base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode() not in everything


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "LEDGER_TOKEN_URL",
            "http://auth.example.com/token",
            "client secret would travel in clear",
        ),
        ("LEDGER_TOKEN_URL", "ftp://127.0.0.1/token", "is not an http(s) URL"),
        ("LEDGER_TOKEN_AUTH_METHOD", "private_key_jwt", "client_secret_basic, client_secret_post"),
    ],
)
def test_a_token_setting_that_is_unsafe_stops_the_start(
    package: str,
    variable: str,
    value: str,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli = importlib.import_module(f"{package}.cli")
    for name, setting in {
        "LEDGER_CLIENT_ID": CLIENT_ID,
        "LEDGER_CLIENT_SECRET": CLIENT_SECRET,
        variable: value,
    }.items():
        monkeypatch.setenv(name, setting)
    assert cli.main(["serve"]) == 2
    error = capsys.readouterr().err
    assert f"{variable}" in error and said in error and "cannot start" in error, error
    assert CLIENT_SECRET not in error
