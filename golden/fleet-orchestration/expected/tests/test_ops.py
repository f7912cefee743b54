"""The operations endpoints: liveness, readiness (adapters and upstreams), metrics and traces."""

from __future__ import annotations

import json
from collections.abc import Iterator

import aiohttp
import pytest

from fleet_orchestration import metrics
from fleet_orchestration.control import AdapterState
from fleet_orchestration.ops import UpstreamProbe, ops_app, ops_routes
from fleet_orchestration.upstream import UpstreamClient

from .loopback import StubUpstream, free_port, serve_app

pytestmark = pytest.mark.anyio

STARTED = [AdapterState("rest", "adapter", 8080, "STARTED")]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def observed() -> Iterator[None]:
    """Metrics and a trace buffer on for one test."""
    metrics.enable(metrics=True, trace_buffer=10)
    yield
    metrics.disable()


async def _get(probe: UpstreamProbe | None, path: str) -> tuple[int, str]:
    app = ops_app(ops_routes(lambda: STARTED, probe), probe)
    async with (
        serve_app(app) as url,
        aiohttp.ClientSession() as session,
        session.get(url + path) as response,
    ):
        return response.status, await response.text()


def _probe(client: UpstreamClient, url: str | None = None) -> UpstreamProbe:
    return UpstreamProbe(
        {name: url or api.base_url for name, api in client.apis.items()}, timeout=2.0
    )


async def test_live() -> None:
    assert await _get(None, "/health/live") == (200, '{"status":"UP"}')


async def test_ready_when_the_upstream_answers(
    client: UpstreamClient, upstream: StubUpstream
) -> None:
    status, text = await _get(_probe(client), "/health/ready")
    body = json.loads(text)
    assert (status, body["status"]) == (200, "UP")
    assert {u["state"] for u in body["upstreams"]} == {"UP"}


async def test_degraded_while_the_upstream_is_unreachable(client: UpstreamClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    status, text = await _get(_probe(client, closed), "/health/ready")
    assert (status, json.loads(text)["status"]) == (503, "DEGRADED")


async def test_metrics_and_traces_count_a_rest_request(
    client: UpstreamClient, observed: None
) -> None:
    from fleet_orchestration.rest_app import create_app

    app = metrics.instrument(create_app(client), "rest")
    headers = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    async with (
        serve_app(app) as url,
        aiohttp.ClientSession() as session,
        session.get(url + "/openapi.json", headers=headers) as response,
    ):
        assert response.status == 200
    status, text = await _get(None, "/metrics")
    assert status == 200
    assert (
        'naftiko_http_requests_total{adapter="rest",method="GET",route="/openapi.json",'
        'status_class="2xx"} 1.0'
    ) in text
    status, text = await _get(None, f"/traces/{TRACE_ID}")
    assert status == 200
    assert json.loads(text)["requests"][0]["route"] == "/openapi.json"


async def test_metrics_count_an_mcp_request(client: UpstreamClient, observed: None) -> None:
    from fleet_orchestration.mcp_server import create_http_app

    app = metrics.instrument(create_http_app(client, host="127.0.0.1"), "mcp", default_route="/mcp")
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json", "MCP-Protocol-Version": "2025-06-18"}
    async with (
        serve_app(app) as url,
        aiohttp.ClientSession() as session,
        session.post(url + "/mcp", json=message, headers=headers) as response,
    ):
        status_class = f"{response.status // 100}xx"  # 401 when the adapter wants credentials
    status, text = await _get(None, "/metrics")
    assert status == 200
    assert f'adapter="mcp",method="POST",route="/mcp",status_class="{status_class}"}} 1.0' in text


async def test_unknown_trace_is_404(observed: None) -> None:
    status, _ = await _get(None, "/traces/" + "0" * 31 + "1")
    assert status == 404


async def test_the_ops_factory_for_other_asgi_servers(environment: dict[str, str]) -> None:
    from fleet_orchestration.asgi import create_ops_app

    async with (
        serve_app(create_ops_app()) as url,
        aiohttp.ClientSession() as session,
        session.get(url + "/health/live") as response,
    ):
        assert response.status == 200


@pytest.mark.parametrize(("host", "refused"), [("127.0.0.1", False), ("evil.example", True)])
async def test_the_adapter_factory_keeps_the_host_check(
    environment: dict[str, str], host: str, refused: bool
) -> None:
    from fleet_orchestration.asgi import create_rest_app as create

    path = "/openapi.json"
    async with (
        serve_app(create()) as url,
        aiohttp.ClientSession() as session,
        session.get(url + path, headers={"Host": host}) as response,
    ):
        assert (response.status == 421) is refused
