"""Run-time settings of the Fleet Orchestration adapter, read from the environment once at start-up."""

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

    registry_token: str = field(repr=False)
    """REGISTRY_TOKEN: used for authentication of registry."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the adapter reads from its environment."""

    registry: ApiSettings
    """The consumed API registry."""
    crew_export: ApiSettings
    """The consumed API crew-export."""
    port_feed: ApiSettings
    """The consumed API port-feed."""
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
        registry=ApiSettings(
            base_url=_base_url(
                env, "REGISTRY_BASE_URL", "https://registry.example.com/v1", problems
            ),
            timeout=_timeout(env, "REGISTRY_TIMEOUT", problems),
        ),
        crew_export=ApiSettings(
            base_url=_base_url(env, "CREW_EXPORT_BASE_URL", "https://hr.example.com", problems),
            timeout=_timeout(env, "CREW_EXPORT_TIMEOUT", problems),
        ),
        port_feed=ApiSettings(
            base_url=_base_url(env, "PORT_FEED_BASE_URL", "https://ports.example.com", problems),
            timeout=_timeout(env, "PORT_FEED_TIMEOUT", problems),
        ),
        secrets=Secrets(
            registry_token=_secret(env, "REGISTRY_TOKEN", "REGISTRY_TOKEN", problems),
        ),
    )
    if problems:
        raise SettingsError("cannot start: " + "; ".join(problems))
    return settings
