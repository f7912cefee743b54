"""The control port's endpoints: liveness, readiness and status of a capability's adapters.

`GET /health/live` answers as soon as the process runs. `GET /health/ready` lists the adapters
and answers 503 (`DEGRADED`) until every one of them has started and, when given the upstream
checks (`ops.UpstreamProbe`), while a consumed upstream does not answer. `GET /status` describes the
capability, its package and the adapters. The generated `control_app.py` picks the endpoints
the spec enables.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = [
    "AdapterState",
    "AdapterStates",
    "UpstreamStates",
    "adapter_states",
    "health_routes",
    "status_route",
]


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

UpstreamStates = Callable[[], Awaitable[Sequence[Mapping[str, Any]]]]
"""Reports whether each consumed upstream answers (`{"namespace", "state": "UP"|"DOWN", …}`)."""


def adapter_states(
    adapters: Sequence[tuple[str, str, int | None, Callable[[], bool]]],
) -> AdapterStates:
    """The states of `(type, namespace, port, is it running?)` rows, asked anew at each call."""

    def states() -> list[AdapterState]:
        return [
            AdapterState(kind, namespace, port, "STARTED" if running() else "STOPPED")
            for kind, namespace, port, running in adapters
        ]

    return states


def health_routes(
    adapters: AdapterStates, upstreams: UpstreamStates | None = None, *, detail: bool = True
) -> list[Route]:
    """`GET /health/live` and `GET /health/ready` (reflecting `upstreams` when given).

    `detail` False: readiness answers the status only (`{"status": "UP"}` or 503 `DEGRADED`),
    for a port that answers anonymous probes beside a control port that requires credentials.
    """

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    async def ready(request: Request) -> JSONResponse:
        states = adapters()
        up = all(adapter.state == "STARTED" for adapter in states)
        body: dict[str, Any] = {"status": "", "adapters": [asdict(a) for a in states]}
        if upstreams is not None:
            checked = list(await upstreams())
            up = up and all(upstream["state"] == "UP" for upstream in checked)
            body["upstreams"] = checked
        body["status"] = "UP" if up else "DEGRADED"
        return JSONResponse(
            body if detail else {"status": body["status"]}, status_code=200 if up else 503
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
