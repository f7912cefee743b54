"""The control port: health, status, metrics and traces of this capability's adapters (see `control.py`, `ops.py`)."""

from __future__ import annotations

from typing import Final

from starlette.applications import Starlette

from . import __version__
from .control import AdapterState, AdapterStates, status_route
from .inbound_auth import RequireCredentials
from .ops import UpstreamProbe, ops_app, ops_routes
from .upstream import UpstreamClient, basic_credentials, text

__all__ = ["AdapterState", "create_control_app"]

CAPABILITY: Final = "Dockyard Gateway"
SPEC_VERSION: Final = "1.0.0-alpha2"
GENERATOR_VERSION: Final = "0.1.0"


def create_control_app(
    client: UpstreamClient,
    adapters: AdapterStates,
    probe: UpstreamProbe | None = None,
    *,
    metrics: bool = True,
    traces: bool = True,
) -> Starlette:
    """Build the control app; `adapters` reports the current state of each adapter.

    `probe` checks the consumed upstreams for readiness; `metrics` and `traces` serve
    `/metrics` and `/traces` (the spec's `observability` switches are the defaults).
    """
    routes = [
        *ops_routes(
            adapters,
            probe,
            health=True,
            metrics_endpoint=metrics,
            traces_endpoint=traces,
        ),
        status_route(
            adapters,
            capability=CAPABILITY,
            spec_version=SPEC_VERSION,
            version=__version__,
            generator=GENERATOR_VERSION,
        ),
    ]
    app = ops_app(routes, probe)
    secrets = client.secrets
    app.add_middleware(
        RequireCredentials,
        expected=basic_credentials(text(secrets.control_user), text(secrets.control_password)),
        header="Authorization",
        query=None,
        challenge="Basic",
    )
    return app
