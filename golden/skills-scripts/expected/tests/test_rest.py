"""Every REST route reaches the upstream with the right request, and errors keep their meaning."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from skills_scripts.rest_app import create_app
from skills_scripts.settings import load_settings
from skills_scripts.upstream import UpstreamClient

from .loopback import StubUpstream, assert_body, free_port, serve_app, stub_upstream
from .support import (
    BASE_URL_VARIABLES,
    REST_HEADERS,
    REST_QUERY,
    TEST_ENVIRONMENT,
    TIMEOUT_VARIABLES,
)

pytestmark = pytest.mark.anyio

# (method, path, query, headers, JSON body, upstream method, path, query, (format, body), and
# whether the spec shapes the answer with output mappings)
ROUTES: list[Any] = [
    pytest.param(
        "GET",
        "/tickets",
        [],
        [],
        None,
        "GET",
        "/tickets",
        [],
        ("none", None),
        False,
        id="list-tickets",
    ),
]
# Routes that call the upstream (mocks answer on their own).
PROXIED: list[Any] = [route for route in ROUTES if route.values[6] is not None]

# What /openapi.json must list: every operation id and path of the adapter.
OPERATION_IDS: set[str] = {"list-tickets"}
PATHS: set[str] = {"/tickets"}


def first_proxied() -> tuple[str, str, list[tuple[str, str]], dict[str, str], Any]:
    if not PROXIED:
        pytest.skip("every route of this capability is a mock")
    method, path, query, headers, body = PROXIED[0].values[:5]
    return method, path, query, {**dict(headers), **REST_HEADERS}, body


@pytest.mark.parametrize(
    (
        "method",
        "path",
        "query",
        "headers",
        "body",
        "up_method",
        "up_path",
        "up_query",
        "up_body",
        "mapped",
    ),
    ROUTES,
)
async def test_route_reaches_upstream(
    rest_url: str,
    upstream: StubUpstream,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: Any,
    up_method: str | None,
    up_path: str | None,
    up_query: list[tuple[str, str]],
    up_body: tuple[str, Any],
    mapped: bool,
) -> None:
    upstream.status, upstream.reply = 201, {"answer": 42}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            rest_url + path,
            params=[*query, *REST_QUERY],
            json=body,
            headers={"Accept": "application/json", **dict(headers), **REST_HEADERS},
        ) as response,
    ):
        payload = await response.read()
    if up_path is None:  # A mock: answered here, upstream untouched.
        assert response.status == 200
        assert upstream.requests == []
        return
    assert response.status == 201
    if method != "HEAD":
        answer = json.loads(payload)
        if not mapped:
            assert answer == {"answer": 42}
    seen = upstream.requests[-1]
    assert seen.method == up_method
    assert seen.path == up_path
    assert sorted(seen.query) == sorted(up_query)
    assert_body(seen, up_body)


@pytest.mark.parametrize("status", [204, 404, 500])
async def test_upstream_status_passes_through(
    rest_url: str, upstream: StubUpstream, status: int
) -> None:
    method, path, query, headers, body = first_proxied()
    upstream.status, upstream.reply = status, {"message": "from upstream"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, rest_url + path, params=[*query, *REST_QUERY], json=body, headers=headers
        ) as response,
    ):
        payload = await response.read()
    assert response.status == status
    if status == 204:
        assert payload == b""
    elif method != "HEAD":
        assert json.loads(payload) == {"message": "from upstream"}


async def test_unreachable_upstream_is_a_502_problem(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # Nobody listens there.
    for name in BASE_URL_VARIABLES:
        monkeypatch.setenv(name, closed)
    client = UpstreamClient(load_settings())
    method, path, query, headers, body = first_proxied()
    try:
        async with (
            serve_app(create_app(client)) as url,
            aiohttp.ClientSession() as session,
            session.request(
                method, url + path, params=[*query, *REST_QUERY], json=body, headers=headers
            ) as response,
        ):
            payload = await response.read()
    finally:
        await client.close()
    assert response.status == 502
    assert response.headers["Content-Type"].startswith("application/problem+json")
    if method != "HEAD":
        assert json.loads(payload)["status"] == 502
    for secret in TEST_ENVIRONMENT.values():
        assert secret.encode() not in payload


async def test_openapi_lists_every_operation(rest_url: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            rest_url + "/openapi.json", params=REST_QUERY, headers=REST_HEADERS
        ) as response,
    ):
        document = await response.json()
    operation_ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
    }
    assert operation_ids == OPERATION_IDS
    assert set(document["paths"]) == PATHS


async def test_slow_upstream_is_a_504_problem(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with stub_upstream(delay=2.0) as slow:
        for name in BASE_URL_VARIABLES:
            monkeypatch.setenv(name, slow.url)
        for name in TIMEOUT_VARIABLES:
            monkeypatch.setenv(name, "0.2")
        client = UpstreamClient(load_settings())
        method, path, query, headers, body = first_proxied()
        try:
            async with (
                serve_app(create_app(client)) as url,
                aiohttp.ClientSession() as session,
                session.request(
                    method, url + path, params=[*query, *REST_QUERY], json=body, headers=headers
                ) as response,
            ):
                payload = await response.read()
        finally:
            await client.close()
    assert response.status == 504
    assert response.headers["Content-Type"].startswith("application/problem+json")
    if method != "HEAD":
        assert json.loads(payload)["title"] == "Upstream timeout"


async def test_echoed_secrets_are_redacted(rest_url: str, upstream: StubUpstream) -> None:
    method, path, query, headers, body = first_proxied()
    upstream.status = 404
    upstream.reply = {"echo": " ".join(TEST_ENVIRONMENT.values())}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, rest_url + path, params=[*query, *REST_QUERY], json=body, headers=headers
        ) as response,
    ):
        payload = await response.read()
    for secret in TEST_ENVIRONMENT.values():
        assert secret.encode() not in payload
