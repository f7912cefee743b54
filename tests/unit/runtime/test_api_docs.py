"""`runtime/api_docs.py`: `/docs` and `/redoc` with their files from the package, never a CDN."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
from fastapi import FastAPI

from naftiko_codegen.runtime.api_docs import (
    ASSETS_PATH,
    add_docs,
    content_security_policy,
)
from naftiko_codegen.runtime.http_client import HttpClient, UpstreamApi
from naftiko_codegen.runtime.rest_support import build_app
from naftiko_codegen.runtime.tests.loopback import serve_app

Exchange = tuple[int, dict[str, str], bytes]


def _docs_app() -> FastAPI:
    app = FastAPI(title="Sessions", docs_url=None, redoc_url=None)
    add_docs(app)
    return app


async def _fetch(app: FastAPI, *requests: tuple[str, str]) -> list[Exchange]:
    answers = []
    async with serve_app(app) as url, aiohttp.ClientSession() as session:
        for method, path in requests:
            async with session.request(method, url + path) as response:
                headers = {name.lower(): value for name, value in response.headers.items()}
                answers.append((response.status, headers, await response.read()))
    return answers


def _links(html: str) -> list[str]:
    """Every URL the page loads by itself: scripts, style sheets, icons, the spec."""
    return re.findall(r'(?:src|href|spec-url)="([^"]*)"', html) + re.findall(
        r"url: '([^']*)'", html
    )


def _assert_offline_page(answer: Exchange, *expected_links: str) -> None:
    """A 200 HTML page that loads exactly `expected_links`, its scripts admitted by a nonce."""
    status, headers, body = answer
    html = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html"), answer
    assert sorted(_links(html)) == sorted(expected_links)
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    nonces = set(re.findall(r'<script nonce="([^"]+)"', html))
    assert len(nonces) == 1 and html.count("<script") == html.count("<script nonce=")
    assert headers["content-security-policy"] == content_security_policy(nonces.pop())
    assert headers["x-content-type-options"] == "nosniff"


def test_docs_and_redoc_load_only_the_package_s_files() -> None:
    answers = asyncio.run(
        _fetch(
            _docs_app(),
            ("GET", "/docs"),
            ("GET", "/redoc"),
            ("GET", "/docs/oauth2-redirect"),
            ("GET", f"{ASSETS_PATH}/swagger-ui-bundle.js"),
            ("GET", f"{ASSETS_PATH}/swagger-ui.css"),
            ("GET", f"{ASSETS_PATH}/redoc.standalone.js"),
            ("GET", f"{ASSETS_PATH}/favicon.png"),
            ("GET", f"{ASSETS_PATH}/missing.js"),
            ("POST", "/docs"),
            ("GET", "/openapi.json"),
        )
    )
    docs, redoc, redirect, swagger_js, swagger_css, redoc_js, icon, *rest = answers
    missing, posted, openapi = rest
    assets = f"{ASSETS_PATH}/"
    _assert_offline_page(
        docs,
        assets + "swagger-ui.css",
        assets + "favicon.png",
        assets + "swagger-ui-bundle.js",
        "/openapi.json",
    )
    assert b'"validatorUrl": null' in docs[2]  # Swagger UI's online validator would call out
    _assert_offline_page(
        redoc, assets + "favicon.png", "/openapi.json", assets + "redoc.standalone.js"
    )
    assert b"fonts.googleapis" not in redoc[2]
    _assert_offline_page(redirect)
    for answer, kind in (
        (swagger_js, "javascript"),
        (swagger_css, "text/css"),
        (redoc_js, "javascript"),
        (icon, "image/png"),
    ):
        assert answer[0] == 200 and kind in answer[1]["content-type"], answer[:2]
    assert len(swagger_js[2]) > 500_000 and b"SwaggerUIBundle" in swagger_js[2]
    assert len(redoc_js[2]) > 500_000 and b"Redoc" in redoc_js[2]
    assert missing[0] == 404
    assert posted[0] == 405
    # The pages are not operations of the API.
    assert openapi[0] == 200 and b"/docs" not in openapi[2] and b"/redoc" not in openapi[2]


async def _get_with_root_path(app: FastAPI, path: str, root_path: str) -> bytes:
    """GET `root_path + path` as an ASGI server started with `--root-path` passes it."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"example.test")],
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent[0]
    return b"".join(message.get("body", b"") for message in sent[1:])


def test_links_follow_the_root_path_an_ingress_serves_under() -> None:
    app = _docs_app()
    docs = asyncio.run(_get_with_root_path(app, "/docs", "/sessions/")).decode()
    redoc = asyncio.run(_get_with_root_path(app, "/redoc", "/sessions")).decode()
    assert f'src="/sessions{ASSETS_PATH}/swagger-ui-bundle.js"' in docs
    assert "url: '/sessions/openapi.json'" in docs
    assert "oauth2RedirectUrl: window.location.origin + '/sessions/docs/oauth2-redirect'" in docs
    assert f'src="/sessions{ASSETS_PATH}/redoc.standalone.js"' in redoc
    assert 'spec-url="/sessions/openapi.json"' in redoc


def test_the_policy_admits_this_origin_and_the_nonce_only() -> None:
    policy = dict(part.split(" ", 1) for part in content_security_policy("abc").split("; "))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self' 'nonce-abc'"
    assert policy["connect-src"] == "'self'"


def test_build_app_serves_the_offline_pages() -> None:
    app = build_app(
        HttpClient({"a": UpstreamApi("a", "http://127.0.0.1:9", 1.0)}),
        [],
        title="T",
        description="D",
        version="1",
        close_client=True,
        otel=False,
    )
    assert app.docs_url is None and app.redoc_url is None  # FastAPI's CDN pages are off
    docs, js = asyncio.run(
        _fetch(app, ("GET", "/docs"), ("GET", f"{ASSETS_PATH}/swagger-ui-bundle.js"))
    )
    assert docs[0] == 200 and f"{ASSETS_PATH}/swagger-ui-bundle.js".encode() in docs[2]
    assert js[0] == 200
