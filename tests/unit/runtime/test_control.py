"""`runtime/control.py`: the control port's liveness, readiness and status endpoints."""

from __future__ import annotations

import asyncio
import platform
from typing import Any

import aiohttp
from starlette.applications import Starlette

from naftiko_codegen.runtime.control import AdapterState, health_routes, status_route
from naftiko_codegen.runtime.tests.loopback import serve_app

STARTED = AdapterState("rest", "demo-rest", 8080, "STARTED")
STOPPED = AdapterState("mcp", "demo-mcp", None, "STOPPED")


def _get(states: list[AdapterState], *paths: str) -> list[tuple[int, Any]]:
    app = Starlette(
        routes=[
            *health_routes(lambda: states),
            status_route(
                lambda: states, capability="Demo", spec_version="1.0", version="0.1", generator="9"
            ),
        ]
    )

    async def exercise() -> list[tuple[int, Any]]:
        answers = []
        async with serve_app(app) as url, aiohttp.ClientSession() as session:
            for path in paths:
                async with session.get(url + path) as response:
                    answers.append((response.status, await response.json()))
        return answers

    return asyncio.run(exercise())


def test_live_answers_as_soon_as_the_process_runs() -> None:
    assert _get([STOPPED], "/health/live") == [(200, {"status": "UP"})]


def test_ready_once_every_adapter_started() -> None:
    ((status, body),) = _get([STARTED], "/health/ready")
    assert (status, body) == (
        200,
        {
            "status": "UP",
            "adapters": [
                {"type": "rest", "namespace": "demo-rest", "port": 8080, "state": "STARTED"}
            ],
        },
    )
    ((status, body),) = _get([STARTED, STOPPED], "/health/ready")
    assert (status, body["status"], len(body["adapters"])) == (503, "DEGRADED", 2)


def test_status_describes_the_capability_package_and_adapters() -> None:
    ((status, body),) = _get([STOPPED], "/status")
    assert status == 200
    uptime = body.pop("uptimeSeconds")
    assert 0 <= uptime < 60
    assert body == {
        "capability": {"label": "Demo", "specVersion": "1.0"},
        "package": {"version": "0.1", "generator": "naftiko-gen 9"},
        "runtime": {"python": platform.python_version()},
        "adapters": [{"type": "mcp", "namespace": "demo-mcp", "port": None, "state": "STOPPED"}],
    }
