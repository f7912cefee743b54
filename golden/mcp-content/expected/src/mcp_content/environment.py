"""Settings read from the environment: typed values, and every problem named before failing.

The generated `settings.py` declares the capability's settings and reads each one through an
`EnvironmentReader`, which collects what is missing or malformed so that one `SettingsError`
names all of it. A base URL is refused unless it is a plain `http(s)://host[:port][/path]`: a
query or fragment would silently change every request (a fragment drops the path and the
credential), and userinfo would put a credential where no masking expects it. The upstream
limits (`UpstreamLimits`) are read from `NAFTIKO_UPSTREAM_*` variables, each with a safe default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_TIMEOUT",
    "LIMIT_VARIABLES",
    "ApiSettings",
    "EnvironmentReader",
    "SettingsError",
    "UpstreamLimits",
    "base_url_problem",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds an upstream request may take before the adapter answers 504."""


@dataclass(frozen=True, slots=True)
class UpstreamLimits:
    """Bounds on every consumed API: sizes, waits, concurrency, breaker and retries."""

    max_response_bytes: int = 8 * 1024 * 1024
    """Largest upstream answer read, counted after decompression; more answers 502."""
    pool_wait: float = 5.0
    """Seconds a call waits for a free connection slot before answering 503."""
    concurrency: int = 32
    """Concurrent requests to one consumed API (the bulkhead); the rest wait `pool_wait`."""
    connect_timeout: float = 10.0
    """Seconds to open a connection to the upstream."""
    breaker_failures: int = 5
    """Consecutive calls failed by connect errors or timeouts (retries included) that open the
    circuit breaker (0: no breaker)."""
    breaker_reset: float = 10.0
    """Seconds the breaker stays open (callers get 503 at once) before one probe."""
    retries: int = 1
    """Retries of an idempotent call after a connect error or a 502/503/504 answer (0: none)."""
    retry_max_delay: float = 2.0
    """Cap on the back-off before a retry; a longer `Retry-After` is relayed, not waited for."""


LIMIT_VARIABLES: Final[dict[str, str]] = {
    "max_response_bytes": "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES",
    "pool_wait": "NAFTIKO_UPSTREAM_POOL_WAIT",
    "concurrency": "NAFTIKO_UPSTREAM_CONCURRENCY",
    "connect_timeout": "NAFTIKO_UPSTREAM_CONNECT_TIMEOUT",
    "breaker_failures": "NAFTIKO_UPSTREAM_BREAKER_FAILURES",
    "breaker_reset": "NAFTIKO_UPSTREAM_BREAKER_RESET",
    "retries": "NAFTIKO_UPSTREAM_RETRIES",
    "retry_max_delay": "NAFTIKO_UPSTREAM_RETRY_MAX_DELAY",
}
"""The environment variable of each `UpstreamLimits` field."""

# Fields that may be 0 (turning the feature off); the others must be positive.
_MAY_BE_ZERO: Final = frozenset({"breaker_failures", "retries"})


def base_url_problem(value: str) -> str | None:
    """Why `value` cannot be a base URL (never echoing the part that may hold a secret), or None."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL with a host"
    if "@" in parts.netloc:
        return "carries user information (user:password@): give credentials through the binds"
    if parts.query or value.endswith("?"):
        return "has a query ('?…'): a base URL is scheme://host[:port][/path]"
    if parts.fragment or "#" in value:
        return "has a fragment ('#…'), which would drop the path and the credential"
    return None


class SettingsError(Exception):
    """The environment lacks a value the adapter needs; the message names every one of them."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Where one consumed API lives and how long to wait for it."""

    base_url: str
    timeout: float = DEFAULT_TIMEOUT
    token_url: str = ""
    """oauth2 client credentials: the token endpoint (`<API>_TOKEN_URL` overrides the spec's)."""


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
        else:
            problem = base_url_problem(value)
            if problem is not None:
                self.problems.append(f"{name} {problem}")
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

    def upstream_limits(self) -> UpstreamLimits:
        """The `NAFTIKO_UPSTREAM_*` limits; each unset variable keeps its default."""
        defaults = UpstreamLimits()
        values: dict[str, float | int] = {}
        for attribute, variable in LIMIT_VARIABLES.items():
            default = getattr(defaults, attribute)
            raw = self.environ.get(variable, "").strip()
            if not raw:
                continue
            kind = "whole number" if isinstance(default, int) else "number of seconds"
            try:
                value: float | int = int(raw) if isinstance(default, int) else float(raw)
            except ValueError:
                value = -1
            lowest = 0 if attribute in _MAY_BE_ZERO else 1e-9
            if not value >= lowest or value == float("inf"):
                sign = "non-negative" if attribute in _MAY_BE_ZERO else "positive"
                self.problems.append(f"{variable}={raw!r} is not a {sign} {kind}")
                continue
            values[attribute] = value
        return UpstreamLimits(**values)  # type: ignore[arg-type]

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
