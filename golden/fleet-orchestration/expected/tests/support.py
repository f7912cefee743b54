"""What the tests present to the adapters: the test environment and the inbound credentials."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from mcp import Client

__all__ = [
    "BASE_URL_VARIABLES",
    "MCP_HEADERS",
    "REST_HEADERS",
    "REST_QUERY",
    "TEST_ENVIRONMENT",
    "TIMEOUT_VARIABLES",
    "digest_middlewares",
    "mcp_client",
]

BASE_URL_VARIABLES: tuple[str, ...] = (
    "REGISTRY_BASE_URL",
    "CREW_EXPORT_BASE_URL",
    "PORT_FEED_BASE_URL",
    "PORT_NOTICES_BASE_URL",
    "ARCHIVE_BASE_URL",
)
TIMEOUT_VARIABLES: tuple[str, ...] = (
    "REGISTRY_TIMEOUT",
    "CREW_EXPORT_TIMEOUT",
    "PORT_FEED_TIMEOUT",
    "PORT_NOTICES_TIMEOUT",
    "ARCHIVE_TIMEOUT",
)
TEST_ENVIRONMENT: dict[str, str] = {
    "REGISTRY_TOKEN": "test-registry-token",
    "FLEET_USER": "test-fleet-user",
    "FLEET_PASSWORD": "test-fleet-password",
    "ARCHIVE_CLIENT_ID": "test-archive-client-id",
    "ARCHIVE_CLIENT_SECRET": "test-archive-client-secret",
}
"""A value for every bind, made up for the tests."""
# Credentials the adapters demand from callers (inbound authentication), from the test secrets.
REST_HEADERS: dict[str, str] = {}
REST_QUERY: list[tuple[str, str]] = []
MCP_HEADERS: dict[str, str] = {}
# Inbound digest authentication (RFC 7616): the tests answer each adapter's challenge.
_DIGEST: dict[str, tuple[str, str]] = {"rest": ("test-fleet-user", "test-fleet-password")}


def digest_middlewares(adapter: str) -> tuple[aiohttp.DigestAuthMiddleware, ...]:
    """Fresh digest answering for one client session of `adapter` (its origin and nonce)."""
    return (aiohttp.DigestAuthMiddleware(*_DIGEST[adapter]),) if adapter in _DIGEST else ()


@contextlib.asynccontextmanager
async def mcp_client(url: str, *, mode: str = "auto") -> AsyncIterator[Client]:
    """An MCP client for the adapter at `url`, presenting the test credentials it needs."""
    async with Client(url, mode=mode) as client:
        yield client
