"""Run-time settings of the Dockyard Gateway adapter, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .bind_files import BindFileReader
from .environment import ApiSettings, SettingsError, UpstreamLimits

__all__ = ["ApiSettings", "Secrets", "Settings", "SettingsError", "UpstreamLimits", "load_settings"]


@dataclass(frozen=True, slots=True)
class Secrets:
    """Values of the capability's binds; kept out of `repr` so they never reach a log."""

    dockyard_api_key: str = field(repr=False)
    """DOCKYARD_API_KEY: used for authentication of dockyard."""
    gateway_api_key: str = field(repr=False)
    """GATEWAY_API_KEY: used for inbound authentication of dockyard-api."""
    mcp_server_token: str = field(repr=False)
    """MCP_SERVER_TOKEN: used for inbound authentication of dockyard-tools."""
    control_user: str = field(repr=False)
    """CONTROL_USER: used for inbound authentication of the control port."""
    control_password: str = field(repr=False)
    """CONTROL_PASSWORD: used for inbound authentication of the control port."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the adapter reads from its environment."""

    dockyard: ApiSettings
    """The consumed API dockyard."""
    secrets: Secrets
    upstream: UpstreamLimits = field(default_factory=UpstreamLimits)
    """Bounds on every upstream call (`NAFTIKO_UPSTREAM_*`; see the README)."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise `SettingsError` naming every missing or malformed value."""
    env = BindFileReader(os.environ if environ is None else environ)
    settings = Settings(
        dockyard=ApiSettings(
            base_url=env.base_url("DOCKYARD_BASE_URL", "https://dockyard.example.com/api"),
            timeout=env.timeout("DOCKYARD_TIMEOUT"),
        ),
        secrets=Secrets(
            dockyard_api_key=env.secret("DOCKYARD_API_KEY", "DOCKYARD_API_KEY"),
            gateway_api_key=env.secret("GATEWAY_API_KEY", "GATEWAY_API_KEY"),
            mcp_server_token=env.secret("MCP_SERVER_TOKEN", "MCP_SERVER_TOKEN"),
            control_user=env.file_secret("control-user", "CONTROL_USER", "./secrets/control.yaml"),
            control_password=env.file_secret(
                "control-password", "CONTROL_PASSWORD", "./secrets/control.yaml"
            ),
        ),
        upstream=env.upstream_limits(),
    )
    env.check()
    return settings
