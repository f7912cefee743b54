"""Fixtures: a stub upstream that records every request, and the adapters pointed at it.

The tests import their helpers relatively (`from .loopback import …`): the package's pytest
settings select `--import-mode=importlib`, under which pytest imports `tests/` as a package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from fleet_orchestration.settings import load_settings
from fleet_orchestration.upstream import UpstreamClient

from .loopback import TOKEN_PATH, StubUpstream, serve_app, stub_upstream
from .support import BASE_URL_VARIABLES, TEST_ENVIRONMENT


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def upstream() -> AsyncIterator[StubUpstream]:
    """A stub upstream on a free loopback port."""
    async with stub_upstream() as stub:
        yield stub


@pytest.fixture
def environment(
    upstream: StubUpstream, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """Set the adapter's environment: test secrets and the stub's URL for every API."""
    values = dict(TEST_ENVIRONMENT)
    values.update(dict.fromkeys(BASE_URL_VARIABLES, upstream.url))
    values["ARCHIVE_TOKEN_URL"] = upstream.url + TOKEN_PATH  # the stub grants tokens
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield values


@pytest.fixture
async def client(environment: dict[str, str]) -> AsyncIterator[UpstreamClient]:
    """The shared upstream client, configured from the test environment."""
    upstream_client = UpstreamClient(load_settings())
    try:
        yield upstream_client
    finally:
        await upstream_client.close()


@pytest.fixture
async def rest_url(client: UpstreamClient) -> AsyncIterator[str]:
    """Serve the REST adapter on a free port; yield its base URL."""
    from fleet_orchestration.rest_app import create_app

    async with serve_app(create_app(client)) as url:
        yield url


@pytest.fixture
async def mcp_url(client: UpstreamClient) -> AsyncIterator[str]:
    """Serve the MCP adapter (Streamable HTTP) on a free port; yield its `/mcp` URL."""
    from fleet_orchestration.mcp_server import create_http_app

    async with serve_app(create_http_app(client, host="127.0.0.1")) as url:
        yield url + "/mcp"
