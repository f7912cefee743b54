"""Run-time settings of the Dockyard Gateway adapter, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ApiSettings", "Secrets", "Settings", "SettingsError", "load_settings"]

DEFAULT_TIMEOUT = 30.0
"""Seconds an upstream request may take before the adapter answers 504."""


class SettingsError(Exception):
    """The environment lacks a value the adapter needs; the message names every one of them."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Where one consumed API lives and how long to wait for it."""

    base_url: str
    timeout: float = DEFAULT_TIMEOUT


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


def _timeout(environ: Mapping[str, str], name: str, problems: list[str]) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        problems.append(f"{name}={raw!r} is not a positive number of seconds")
        return DEFAULT_TIMEOUT
    return value


def _base_url(
    environ: Mapping[str, str], name: str, default: str | None, problems: list[str]
) -> str:
    value = environ.get(name, "").strip() or (default or "")
    if not value:
        problems.append(f"{name} is not set: the spec gives no fixed base URL for this API")
    elif not value.startswith(("http://", "https://")):
        problems.append(f"{name}={value!r} is not an http(s) URL")
    return value.rstrip("/")


def _secret(environ: Mapping[str, str], name: str, variable: str, problems: list[str]) -> str:
    value = environ.get(name)
    if value is None or value == "":
        problems.append(f"environment variable {name} is not set (bind variable {variable})")
        return ""
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise `SettingsError` naming every missing or malformed value."""
    env = os.environ if environ is None else environ
    problems: list[str] = []
    settings = Settings(
        dockyard=ApiSettings(
            base_url=_base_url(
                env, "DOCKYARD_BASE_URL", "https://dockyard.example.com/api", problems
            ),
            timeout=_timeout(env, "DOCKYARD_TIMEOUT", problems),
        ),
        secrets=Secrets(
            dockyard_api_key=_secret(env, "DOCKYARD_API_KEY", "DOCKYARD_API_KEY", problems),
            gateway_api_key=_secret(env, "GATEWAY_API_KEY", "GATEWAY_API_KEY", problems),
            mcp_server_token=_secret(env, "MCP_SERVER_TOKEN", "MCP_SERVER_TOKEN", problems),
            control_user=_secret(env, "CONTROL_USER", "CONTROL_USER", problems),
            control_password=_secret(env, "CONTROL_PASSWORD", "CONTROL_PASSWORD", problems),
        ),
    )
    if problems:
        raise SettingsError("cannot start: " + "; ".join(problems))
    return settings
