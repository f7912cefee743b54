"""Digest authentication to a consumed API: the RFC 7616 handshake, not basic in disguise.

A stub upstream (a real aiohttp server on loopback) answers 401 with a digest challenge
(SHA-256, then MD5) and checks the answer as the RFC says. The generated client must answer
the challenge, never send the password itself (nor a basic `Authorization`), and carry on
within the protection space.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

from .digest_server import DigestServer

USER, PASSWORD = "ada", "s3cret-digest-password"
SPEC = """\
naftiko: "1.0.0-alpha2"
info:
  label: "Digest"
  description: "A consumed API behind digest authentication"
binds:
  - namespace: "creds"
    keys:
      DIGEST_USER: "DIGEST_USER"
      DIGEST_PASSWORD: "DIGEST_PASSWORD"
capability:
  exposes:
    - type: "rest"
      port: 9095
      namespace: "digest"
      resources:
        - path: "/items/{id}"
          name: "item"
          operations:
            - method: "GET"
              call: "vault.get-item"
              with:
                id: "{{id}}"
              inputParameters:
                - {name: "id", in: "path", type: "string"}
  consumes:
    - type: "http"
      namespace: "vault"
      baseUri: "http://localhost:8080"
      authentication:
        type: "digest"
        username: "{{DIGEST_USER}}"
        password: "{{DIGEST_PASSWORD}}"
      resources:
        - path: "/items/{{id}}"
          name: "item"
          operations:
            - method: "GET"
              name: "get-item"
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("digest")
    (folder / "digest.yaml").write_text(SPEC, encoding="utf-8")
    generated = generate(folder / "digest.yaml")
    assert not [d for d in generated.diagnostics if d.code == "NAF327"]
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


async def _exchange(package: str, algorithm: str) -> tuple[list[Any], list[str | None]]:
    server = DigestServer(USER, PASSWORD, algorithm=algorithm)
    seen: list[str | None] = []

    async def item(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        seen.append(header)
        if not server.verify(request.method, request.path_qs, header):
            return web.json_response(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": server.challenge()},
            )
        return web.json_response({"id": request.match_info["id"], "secret": "ok"})

    app = web.Application()
    app.router.add_get("/items/{id}", item)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    environment = {
        "VAULT_BASE_URL": f"http://127.0.0.1:{port}",
        "DIGEST_USER": USER,
        "DIGEST_PASSWORD": PASSWORD,
    }
    client = upstream.UpstreamClient(settings.load_settings(environment))
    answers: list[Any] = []
    try:
        async with serve_app(rest_app.create_app(client)) as url, aiohttp.ClientSession() as http:
            for item_id in ("a1", "b2"):
                async with http.get(f"{url}/items/{item_id}") as reply:
                    answers.append((reply.status, await reply.json()))
    finally:
        await client.close()
        await runner.cleanup()
    return answers, seen


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_the_client_answers_the_digest_challenge(package: str, algorithm: str) -> None:
    answers, seen = asyncio.run(_exchange(package, algorithm))
    assert answers == [(200, {"id": "a1", "secret": "ok"}), (200, {"id": "b2", "secret": "ok"})]
    assert seen[0] is None  # nothing is sent before the upstream asks
    assert all(h is None or h.startswith("Digest ") for h in seen)
    assert all(PASSWORD not in (h or "") for h in seen)
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert all(basic not in (h or "") for h in seen)
    # Within the protection space the second request is answered pre-emptively.
    assert len(seen) == 3


def test_the_digest_password_is_masked_in_relayed_bodies(package: str, tmp_path: Path) -> None:
    upstream = importlib.import_module(f"{package}.upstream")
    settings = importlib.import_module(f"{package}.settings")
    client = upstream.UpstreamClient(
        settings.load_settings(
            {
                "VAULT_BASE_URL": "http://127.0.0.1:9",
                "DIGEST_USER": USER,
                "DIGEST_PASSWORD": PASSWORD,
            }
        )
    )
    assert PASSWORD not in client.masker.mask_text(f"echo {PASSWORD} echo")
