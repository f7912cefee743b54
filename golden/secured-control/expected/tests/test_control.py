"""The control port reports liveness and readiness, and the status of the adapters."""

from __future__ import annotations

import json

import aiohttp
import pytest

from secured_control.control_app import AdapterState, create_control_app
from secured_control.upstream import UpstreamClient

from .loopback import serve_app
from .support import CONTROL_HEADERS, CONTROL_QUERY

pytestmark = pytest.mark.anyio

STATES: dict[str, AdapterState] = {
    "started": AdapterState("rest", "adapter", 8080, "STARTED"),
    "stopped": AdapterState("mcp", "adapter", 9090, "STOPPED"),
}


async def _get(
    client: UpstreamClient, states: list[AdapterState], path: str, *, credentials: bool = True
) -> tuple[int, object]:
    async with (
        serve_app(create_control_app(client, lambda: states)) as url,
        aiohttp.ClientSession() as session,
        session.get(
            url + path,
            headers=CONTROL_HEADERS if credentials else {},
            params=CONTROL_QUERY if credentials else [],
        ) as response,
    ):
        payload = await response.read()
    return response.status, json.loads(payload) if payload[:1] == b"{" else payload.decode()


async def test_live(client: UpstreamClient) -> None:
    assert await _get(client, [], "/health/live") == (200, {"status": "UP"})


async def test_ready_when_every_adapter_started(client: UpstreamClient) -> None:
    status, body = await _get(client, [STATES["started"]], "/health/ready")
    assert status == 200
    assert body == {
        "status": "UP",
        "adapters": [{"type": "rest", "namespace": "adapter", "port": 8080, "state": "STARTED"}],
    }


async def test_degraded_while_an_adapter_is_down(client: UpstreamClient) -> None:
    status, body = await _get(client, [STATES["started"], STATES["stopped"]], "/health/ready")
    assert status == 503
    assert isinstance(body, dict) and body["status"] == "DEGRADED"


async def test_status_describes_the_capability(client: UpstreamClient) -> None:
    status, body = await _get(client, [STATES["started"]], "/status")
    assert status == 200
    assert isinstance(body, dict)
    assert body["capability"] == {"label": "Dockyard Gateway", "specVersion": "1.0.0-alpha2"}
    assert body["adapters"][0]["state"] == "STARTED"
    assert body["uptimeSeconds"] >= 0


async def test_callers_without_credentials_get_401(client: UpstreamClient) -> None:
    status, _ = await _get(client, [], "/health/live", credentials=False)
    assert status == 401
