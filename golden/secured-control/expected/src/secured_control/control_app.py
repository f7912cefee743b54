"""The control port: liveness, readiness and status of this capability's adapters.

`GET /health/live` answers as soon as the process runs. `GET /health/ready` lists the adapters
and answers 503 (`DEGRADED`) until every one of them has started. `GET /status` describes the
capability, this package and the adapters.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import __version__
from .inbound_auth import RequireCredentials
from .upstream import UpstreamClient, basic_credentials, text

__all__ = ["AdapterState", "create_control_app"]

CAPABILITY: Final = "Dockyard Gateway"
SPEC_VERSION: Final = "1.0.0-alpha2"
GENERATOR_VERSION: Final = "0.1.0"


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


def create_control_app(client: UpstreamClient, adapters: AdapterStates) -> Starlette:
    """Build the control app; `adapters` reports the current state of each adapter."""
    started = time.monotonic()

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    async def ready(request: Request) -> JSONResponse:
        states = adapters()
        up = all(adapter.state == "STARTED" for adapter in states)
        return JSONResponse(
            {"status": "UP" if up else "DEGRADED", "adapters": [asdict(a) for a in states]},
            status_code=200 if up else 503,
        )

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "capability": {"label": CAPABILITY, "specVersion": SPEC_VERSION},
                "package": {
                    "version": __version__,
                    "generator": f"naftiko-gen {GENERATOR_VERSION}",
                },
                "runtime": {"python": platform.python_version()},
                "uptimeSeconds": round(time.monotonic() - started, 3),
                "adapters": [asdict(a) for a in adapters()],
            }
        )

    routes: list[Route] = [
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/status", status, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    secrets = client.secrets
    app.add_middleware(
        RequireCredentials,
        expected=basic_credentials(text(secrets.control_user), text(secrets.control_password)),
        header="Authorization",
        query=None,
        challenge="Basic",
    )
    return app
