"""The control port: liveness, readiness and status of this capability's adapters (see `control.py`)."""

from __future__ import annotations

from typing import Final

from starlette.applications import Starlette

from . import __version__
from .control import AdapterState, AdapterStates, health_routes, status_route
from .inbound_auth import RequireCredentials
from .upstream import UpstreamClient, basic_credentials, text

__all__ = ["AdapterState", "create_control_app"]

CAPABILITY: Final = "Dockyard Gateway"
SPEC_VERSION: Final = "1.0.0-alpha2"
GENERATOR_VERSION: Final = "0.1.0"


def create_control_app(client: UpstreamClient, adapters: AdapterStates) -> Starlette:
    """Build the control app; `adapters` reports the current state of each adapter."""
    routes = [
        *health_routes(adapters),
        status_route(
            adapters,
            capability=CAPABILITY,
            spec_version=SPEC_VERSION,
            version=__version__,
            generator=GENERATOR_VERSION,
        ),
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
