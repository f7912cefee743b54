"""What the tests present to the adapters: the test environment and the inbound credentials."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from mcp import Client

__all__ = [
    "BASE_URL_VARIABLES",
    "MCP_HEADERS",
    "REST_HEADERS",
    "REST_QUERY",
    "TEST_ENVIRONMENT",
    "TIMEOUT_VARIABLES",
    "mcp_client",
]

BASE_URL_VARIABLES: tuple[str, ...] = ("HELPDESK_BASE_URL",)
TIMEOUT_VARIABLES: tuple[str, ...] = ("HELPDESK_TIMEOUT",)
TEST_ENVIRONMENT: dict[str, str] = {}
"""A value for every bind, made up for the tests."""
# Credentials the adapters demand from callers (inbound authentication), from the test secrets.
REST_HEADERS: dict[str, str] = {}
REST_QUERY: list[tuple[str, str]] = []
MCP_HEADERS: dict[str, str] = {}


@contextlib.asynccontextmanager
async def mcp_client(url: str, *, mode: str = "auto") -> AsyncIterator[Client]:
    """An MCP client for the adapter at `url`, presenting the test credentials it needs."""
    async with Client(url, mode=mode) as client:
        yield client
