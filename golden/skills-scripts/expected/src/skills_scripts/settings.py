"""Run-time settings of the Ticket Triage adapter, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from .environment import ApiSettings, EnvironmentReader, SettingsError, UpstreamLimits
from .scripting import Scripting

__all__ = [
    "SCRIPTING",
    "ApiSettings",
    "Secrets",
    "Settings",
    "SettingsError",
    "UpstreamLimits",
    "load_settings",
]

SCRIPTING: Final = Scripting(
    enabled=True,
    timeout_ms=60000,
    statement_limit=100000,
    allowed_languages=(),
    default_language="",
    default_location="",
)
"""The spec's `management.scripting` (defaults filled in); what applies is
`scripting.effective(SCRIPTING)`: the environment and `PUT /scripting` come on top."""


@dataclass(frozen=True, slots=True)
class Secrets:
    """Values of the capability's binds; kept out of `repr` so they never reach a log."""

    pass


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the adapter reads from its environment."""

    helpdesk: ApiSettings
    """The consumed API helpdesk."""
    secrets: Secrets
    upstream: UpstreamLimits = field(default_factory=UpstreamLimits)
    """Bounds on every upstream call (`NAFTIKO_UPSTREAM_*`; see the README)."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise `SettingsError` naming every missing or malformed value."""
    env = EnvironmentReader(os.environ if environ is None else environ)
    settings = Settings(
        helpdesk=ApiSettings(
            base_url=env.base_url("HELPDESK_BASE_URL", "https://helpdesk.example.com/api"),
            timeout=env.timeout("HELPDESK_TIMEOUT"),
        ),
        secrets=Secrets(),
        upstream=env.upstream_limits(),
    )
    env.check()
    return settings
