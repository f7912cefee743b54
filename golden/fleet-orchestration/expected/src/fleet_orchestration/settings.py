"""Run-time settings of the Fleet Orchestration adapter, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .environment import ApiSettings, EnvironmentReader, SettingsError, UpstreamLimits

__all__ = ["ApiSettings", "Secrets", "Settings", "SettingsError", "UpstreamLimits", "load_settings"]


@dataclass(frozen=True, slots=True)
class Secrets:
    """Values of the capability's binds; kept out of `repr` so they never reach a log."""

    registry_token: str = field(repr=False)
    """REGISTRY_TOKEN: used for authentication of registry."""
    fleet_user: str = field(repr=False)
    """FLEET_USER: used for inbound authentication of fleet-api."""
    fleet_password: str = field(repr=False)
    """FLEET_PASSWORD: used for inbound authentication of fleet-api."""
    archive_client_id: str = field(repr=False)
    """ARCHIVE_CLIENT_ID: used for authentication of archive."""
    archive_client_secret: str = field(repr=False)
    """ARCHIVE_CLIENT_SECRET: used for authentication of archive."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the adapter reads from its environment."""

    registry: ApiSettings
    """The consumed API registry."""
    crew_export: ApiSettings
    """The consumed API crew-export."""
    port_feed: ApiSettings
    """The consumed API port-feed."""
    port_notices: ApiSettings
    """The consumed API port-notices."""
    archive: ApiSettings
    """The consumed API archive."""
    secrets: Secrets
    upstream: UpstreamLimits = field(default_factory=UpstreamLimits)
    """Bounds on every upstream call (`NAFTIKO_UPSTREAM_*`; see the README)."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise `SettingsError` naming every missing or malformed value."""
    env = EnvironmentReader(os.environ if environ is None else environ)
    settings = Settings(
        registry=ApiSettings(
            base_url=env.base_url("REGISTRY_BASE_URL", "https://registry.example.com/v1"),
            timeout=env.timeout("REGISTRY_TIMEOUT"),
        ),
        crew_export=ApiSettings(
            base_url=env.base_url("CREW_EXPORT_BASE_URL", "https://hr.example.com"),
            timeout=env.timeout("CREW_EXPORT_TIMEOUT"),
        ),
        port_feed=ApiSettings(
            base_url=env.base_url("PORT_FEED_BASE_URL", "https://ports.example.com"),
            timeout=env.timeout("PORT_FEED_TIMEOUT"),
        ),
        port_notices=ApiSettings(
            base_url=env.base_url("PORT_NOTICES_BASE_URL", "https://notices.example.com"),
            timeout=env.timeout("PORT_NOTICES_TIMEOUT"),
        ),
        archive=ApiSettings(
            base_url=env.base_url("ARCHIVE_BASE_URL", "https://archive.example.com"),
            timeout=env.timeout("ARCHIVE_TIMEOUT"),
            token_url=env.token_url("ARCHIVE_TOKEN_URL", "https://auth.example.com/oauth/token"),
            token_auth_method=env.token_auth_method("ARCHIVE_TOKEN_AUTH_METHOD"),
        ),
        secrets=Secrets(
            registry_token=env.secret("REGISTRY_TOKEN", "REGISTRY_TOKEN"),
            fleet_user=env.secret("FLEET_USER", "FLEET_USER"),
            fleet_password=env.secret("FLEET_PASSWORD", "FLEET_PASSWORD"),
            archive_client_id=env.secret("ARCHIVE_CLIENT_ID", "ARCHIVE_CLIENT_ID"),
            archive_client_secret=env.secret("ARCHIVE_CLIENT_SECRET", "ARCHIVE_CLIENT_SECRET"),
        ),
        upstream=env.upstream_limits(),
    )
    env.check()
    return settings
