"""Run-time settings of the Hostile "Strings" — '''x''' \\ {{ raw }} # </script> *b* _i_ `c` |p| [l](u) ✓ adapter, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .environment import ApiSettings, EnvironmentReader, SettingsError, UpstreamLimits
from .jwt_keys import JwtSettings, read_jwt_settings

__all__ = ["ApiSettings", "Secrets", "Settings", "SettingsError", "UpstreamLimits", "load_settings"]


@dataclass(frozen=True, slots=True)
class Secrets:
    """Values of the capability's binds; kept out of `repr` so they never reach a log."""

    hostile_token: str = field(repr=False)
    """HOSTILE_TOKEN: used for authentication of hostile."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the adapter reads from its environment."""

    hostile: ApiSettings
    """The consumed API hostile."""
    secrets: Secrets
    jwt: JwtSettings
    """How JWT bearer tokens are validated (oauth2): the issuer's keys, set at deploy time."""
    upstream: UpstreamLimits = field(default_factory=UpstreamLimits)
    """Bounds on every upstream call (`NAFTIKO_UPSTREAM_*`; see the README)."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise `SettingsError` naming every missing or malformed value."""
    env = EnvironmentReader(os.environ if environ is None else environ)
    settings = Settings(
        hostile=ApiSettings(
            base_url=env.base_url("HOSTILE_BASE_URL", "https://hostile.example.com/api_v1/*star*"),
            timeout=env.timeout("HOSTILE_TIMEOUT"),
        ),
        secrets=Secrets(
            hostile_token=env.secret("HOSTILE_TOKEN", "HOSTILE_TOKEN"),
        ),
        upstream=env.upstream_limits(),
        jwt=read_jwt_settings(env, "inbound authentication of REST adapter 'hostile-api'"),
    )
    env.check()
    return settings
