"""The control port's endpoints: liveness, readiness and status of a capability's adapters.

`GET /health/live` answers as soon as the process runs. `GET /health/ready` lists the adapters
and answers 503 (`DEGRADED`) until every one of them has started. `GET /status` describes the
capability, its package and the adapters. The generated `control_app.py` picks the endpoints
the spec enables.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["AdapterState", "AdapterStates", "health_routes", "status_route"]


@dataclass(frozen=True, slots=True)
class AdapterState:
    """One adapter as the control port reports it."""

    type: str
    """`rest` or `mcp`."""
    namespace: str
    port: int | None
    """None for MCP over stdio."""
    state: str
    """`STARTED` or `STOPPED`."""


AdapterStates = Callable[[], Sequence[AdapterState]]
"""Reports the current state of each adapter when called."""


def health_routes(adapters: AdapterStates) -> list[Route]:
    """`GET /health/live` and `GET /health/ready`."""

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    async def ready(request: Request) -> JSONResponse:
        states = adapters()
        up = all(adapter.state == "STARTED" for adapter in states)
        return JSONResponse(
            {"status": "UP" if up else "DEGRADED", "adapters": [asdict(a) for a in states]},
            status_code=200 if up else 503,
        )

    return [
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
    ]


def status_route(
    adapters: AdapterStates, *, capability: str, spec_version: str, version: str, generator: str
) -> Route:
    """`GET /status`: the capability's label and spec version, the package, the uptime.

    The uptime counts from this call, made when the control app is built.
    """
    started = time.monotonic()

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "capability": {"label": capability, "specVersion": spec_version},
                "package": {"version": version, "generator": f"naftiko-gen {generator}"},
                "runtime": {"python": platform.python_version()},
                "uptimeSeconds": round(time.monotonic() - started, 3),
                "adapters": [asdict(a) for a in adapters()],
            }
        )

    return Route("/status", status, methods=["GET"])
