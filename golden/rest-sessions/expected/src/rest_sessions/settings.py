"""Run-time settings of the Jupyter Notebook REST API — Sessions adapter, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .environment import ApiSettings, EnvironmentReader, SettingsError, UpstreamLimits

__all__ = ["ApiSettings", "Secrets", "Settings", "SettingsError", "UpstreamLimits", "load_settings"]


@dataclass(frozen=True, slots=True)
class Secrets:
    """Values of the capability's binds; kept out of `repr` so they never reach a log."""

    jupyter_notebook_api_key: str = field(repr=False)
    """JUPYTER_NOTEBOOK_API_KEY: used for authentication of rest-sessions."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the adapter reads from its environment."""

    rest_sessions: ApiSettings
    """The consumed API rest-sessions."""
    secrets: Secrets
    upstream: UpstreamLimits = field(default_factory=UpstreamLimits)
    """Bounds on every upstream call (`NAFTIKO_UPSTREAM_*`; see the README)."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise `SettingsError` naming every missing or malformed value."""
    env = EnvironmentReader(os.environ if environ is None else environ)
    settings = Settings(
        rest_sessions=ApiSettings(
            base_url=env.base_url("REST_SESSIONS_BASE_URL", "http://localhost:8888/api"),
            timeout=env.timeout("REST_SESSIONS_TIMEOUT"),
        ),
        secrets=Secrets(
            jupyter_notebook_api_key=env.secret(
                "JUPYTER_NOTEBOOK_API_KEY", "JUPYTER_NOTEBOOK_API_KEY"
            ),
        ),
        upstream=env.upstream_limits(),
    )
    env.check()
    return settings
