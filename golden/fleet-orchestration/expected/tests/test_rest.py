"""Every REST route reaches the upstream with the right request, and errors keep their meaning."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from fleet_orchestration.rest_app import create_app
from fleet_orchestration.settings import load_settings
from fleet_orchestration.upstream import UpstreamClient

from .loopback import StubUpstream, assert_body, free_port, serve_app, stub_upstream
from .support import (
    BASE_URL_VARIABLES,
    REST_HEADERS,
    REST_QUERY,
    TEST_ENVIRONMENT,
    TIMEOUT_VARIABLES,
    digest_middlewares,
)

pytestmark = pytest.mark.anyio

# (method, path, query, headers, JSON body, upstream method, path, query, (format, body), and
# whether the spec shapes the answer with output mappings)
ROUTES: list[Any] = [
    pytest.param(
        "POST",
        "/ships/sample/manifest",
        [],
        [],
        {"manifest": "sample"},
        "POST",
        "/ships/sample/manifests",
        [],
        (
            "multipart",
            [
                {"name": "kind", "value": "cargo"},
                {
                    "name": "file",
                    "value": "sample",
                    "filename": "manifest.csv",
                    "contentType": "text/csv",
                },
            ],
        ),
        False,
        id="file-manifest",
    ),
    pytest.param(
        "GET",
        "/ships/sample",
        [],
        [],
        None,
        "GET",
        "/ships/sample",
        [],
        ("none", None),
        True,
        id="get-ship",
    ),
    pytest.param(
        "GET",
        "/ports",
        [],
        [],
        None,
        "GET",
        "/ports.xml",
        [],
        ("none", None),
        True,
        id="list-ports",
    ),
    pytest.param(
        "GET",
        "/notices",
        [],
        [],
        None,
        "GET",
        "/notices.html",
        [],
        ("none", None),
        True,
        id="notice-table",
    ),
    pytest.param(
        "POST",
        "/notices",
        [],
        [],
        None,
        "GET",
        "/bulletin.md",
        [],
        ("none", None),
        True,
        id="bulletin",
    ),
    pytest.param(
        "PUT",
        "/notices",
        [],
        [],
        None,
        "GET",
        "/berths.avro",
        [],
        ("none", None),
        True,
        id="berth-feed",
    ),
    pytest.param(
        "PATCH",
        "/notices",
        [],
        [],
        None,
        "GET",
        "/tides.pb",
        [],
        ("none", None),
        True,
        id="tide-feed",
    ),
]
# Routes that call the upstream (mocks answer on their own).
PROXIED: list[Any] = [route for route in ROUTES if route.values[6] is not None]

# What /openapi.json must list: every operation id and path of the adapter.
OPERATION_IDS: set[str] = {
    "berth-feed",
    "bulletin",
    "file-manifest",
    "get-ship",
    "get-ship-with-crew",
    "list-ports",
    "notice-table",
    "tide-feed",
}
PATHS: set[str] = {
    "/notices",
    "/ports",
    "/ships/{imo}",
    "/ships/{imo}/crew",
    "/ships/{imo}/manifest",
}


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
        aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
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


# Orchestrated routes: (method, path, query, headers, JSON body, (method, path or None) of each
# call step in order, and the top-level keys of the assembled answer).
WORKFLOWS: list[Any] = [
    pytest.param(
        "GET",
        "/ships/sample/crew",
        [],
        [],
        None,
        [("GET", "/ships/sample"), ("GET", "/exports/crew.csv")],
        ["imo", "name", "crew"],
        id="get-ship-with-crew",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "body", "up_requests", "keys"), WORKFLOWS
)
async def test_orchestrated_route_runs_its_steps(
    rest_url: str,
    upstream: StubUpstream,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: Any,
    up_requests: list[tuple[str, str | None]],
    keys: list[str],
) -> None:
    upstream.status, upstream.reply = 201, {"answer": 42}
    async with (
        aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
        session.request(
            method,
            rest_url + path,
            params=[*query, *REST_QUERY],
            json=body,
            headers={"Accept": "application/json", **dict(headers), **REST_HEADERS},
        ) as response,
    ):
        payload = await response.read()
    answer = json.loads(payload)
    if answer == {"answer": 42}:  # No mapping resolved: the last call step's reply, as is.
        assert response.status == 201
    else:
        assert response.status == 200, payload
        assert set(answer) <= set(keys)
    assert [seen.method for seen in upstream.requests] == [m for m, _ in up_requests]
    for seen, (_, up_path) in zip(upstream.requests, up_requests, strict=True):
        if up_path is not None:  # None: the path depends on an earlier step's output.
            assert seen.path == up_path


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "body", "up_requests", "keys"), WORKFLOWS
)
async def test_orchestration_stops_at_the_first_upstream_error(
    rest_url: str,
    upstream: StubUpstream,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: Any,
    up_requests: list[tuple[str, str | None]],
    keys: list[str],
) -> None:
    upstream.status, upstream.reply = 404, {"message": "not here"}
    async with (
        aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
        session.request(
            method,
            rest_url + path,
            params=[*query, *REST_QUERY],
            json=body,
            headers={**dict(headers), **REST_HEADERS},
        ) as response,
    ):
        payload = await response.read()
    assert response.status == (404 if up_requests else 200)
    assert len(upstream.requests) == min(len(up_requests), 1)
    if up_requests:
        assert json.loads(payload) == {"message": "not here"}


@pytest.mark.parametrize("status", [204, 404, 500])
async def test_upstream_status_passes_through(
    rest_url: str, upstream: StubUpstream, status: int
) -> None:
    method, path, query, headers, body = first_proxied()
    upstream.status, upstream.reply = status, {"message": "from upstream"}
    async with (
        aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
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
            aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
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
        aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
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
                aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
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
        aiohttp.ClientSession(middlewares=digest_middlewares("rest")) as session,
        session.request(
            method, rest_url + path, params=[*query, *REST_QUERY], json=body, headers=headers
        ) as response,
    ):
        payload = await response.read()
    for secret in TEST_ENVIRONMENT.values():
        assert secret.encode() not in payload
