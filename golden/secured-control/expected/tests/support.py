"""What the tests present to the adapters: the test environment and the inbound credentials."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

__all__ = [
    "BASE_URL_VARIABLES",
    "CONTROL_HEADERS",
    "CONTROL_QUERY",
    "MCP_HEADERS",
    "REST_HEADERS",
    "REST_QUERY",
    "TEST_ENVIRONMENT",
    "TIMEOUT_VARIABLES",
    "mcp_client",
]

BASE_URL_VARIABLES: tuple[str, ...] = ("DOCKYARD_BASE_URL",)
TIMEOUT_VARIABLES: tuple[str, ...] = ("DOCKYARD_TIMEOUT",)
TEST_ENVIRONMENT: dict[str, str] = {
    "DOCKYARD_API_KEY": "test-dockyard-api-key",
    "GATEWAY_API_KEY": "test-gateway-api-key",
    "MCP_SERVER_TOKEN": "test-mcp-server-token",
    "control-user": "test-control-user",
    "control-password": "test-control-password",
}
"""A value for every bind, made up for the tests."""
# Credentials the adapters demand from callers (inbound authentication), from the test secrets.
REST_HEADERS: dict[str, str] = {
    "X-Gateway-Key": "test-gateway-api-key",
}
REST_QUERY: list[tuple[str, str]] = []
MCP_HEADERS: dict[str, str] = {
    "Authorization": "Bearer test-mcp-server-token",
}
CONTROL_HEADERS: dict[str, str] = {
    "Authorization": "Basic dGVzdC1jb250cm9sLXVzZXI6dGVzdC1jb250cm9sLXBhc3N3b3Jk",
}
CONTROL_QUERY: list[tuple[str, str]] = []


@contextlib.asynccontextmanager
async def mcp_client(url: str, *, mode: str = "auto") -> AsyncIterator[Client]:
    """An MCP client for the adapter at `url`, presenting the test credentials it needs."""
    async with (
        httpx2.AsyncClient(headers=MCP_HEADERS, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client
