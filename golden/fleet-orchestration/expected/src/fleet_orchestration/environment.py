"""Settings read from the environment: typed values, and every problem named before failing.

The generated `settings.py` declares the capability's settings and reads each one through an
`EnvironmentReader`, which collects what is missing or malformed so that one `SettingsError`
names all of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_TIMEOUT", "ApiSettings", "EnvironmentReader", "SettingsError"]

DEFAULT_TIMEOUT = 30.0
"""Seconds an upstream request may take before the adapter answers 504."""


class SettingsError(Exception):
    """The environment lacks a value the adapter needs; the message names every one of them."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Where one consumed API lives and how long to wait for it."""

    base_url: str
    timeout: float = DEFAULT_TIMEOUT


class EnvironmentReader:
    """Reads settings from an environment, collecting every problem until `check`."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def base_url(self, name: str, default: str | None) -> str:
        """An http(s) base URL, without its trailing slash; `default` when the variable is unset."""
        value = self.environ.get(name, "").strip() or (default or "")
        if not value:
            self.problems.append(
                f"{name} is not set: the spec gives no fixed base URL for this API"
            )
        elif not value.startswith(("http://", "https://")):
            self.problems.append(f"{name}={value!r} is not an http(s) URL")
        return value.rstrip("/")

    def timeout(self, name: str) -> float:
        """A positive number of seconds; `DEFAULT_TIMEOUT` when the variable is unset."""
        raw = self.environ.get(name, "").strip()
        if not raw:
            return DEFAULT_TIMEOUT
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value <= 0:
            self.problems.append(f"{name}={raw!r} is not a positive number of seconds")
            return DEFAULT_TIMEOUT
        return value

    def secret(self, name: str, variable: str) -> str:
        """The value of a bind (`variable` in the spec), which must be set and not empty."""
        value = self.environ.get(name)
        if value is None or value == "":
            self.problems.append(
                f"environment variable {name} is not set (bind variable {variable})"
            )
            return ""
        return value

    def check(self) -> None:
        """Raise `SettingsError` naming every problem found so far."""
        if self.problems:
            raise SettingsError("cannot start: " + "; ".join(self.problems))
