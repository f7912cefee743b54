"""JWT signing keys for inbound oauth2: deploy-time settings, a JWKS file or URL, and its cache.

`read_jwt_settings` reads the `NAFTIKO_JWKS_*` / `NAFTIKO_JWT_*` environment variables into a
`JwtSettings` and records every problem on the settings reader, so an adapter whose spec
declares oauth2 refuses to start (exit 2, one message) rather than serve without keys. Keys are
public keys only (RSA, EC, OKP; private members are dropped, symmetric `oct` keys never used),
and the algorithms allow-list can never hold `none` or an HMAC algorithm. `KeyStore` serves keys
by `kid`; keys from a URL are fetched with a timeout and a size cap, cached, and fetched again
when a token names an unknown `kid`, at most once per refresh interval.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .environment import EnvironmentReader

__all__ = [
    "DEFAULT_ALGORITHMS",
    "JwtSettings",
    "KeyStore",
    "KeysUnavailable",
    "jwt_options",
    "public_keys",
    "read_jwt_settings",
]

logger = logging.getLogger(__name__)

DEFAULT_ALGORITHMS = (
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "PS256",
    "PS384",
    "PS512",
    "RS256",
    "RS384",
    "RS512",
)
"""Asymmetric algorithms only: the keys are public, so an HMAC secret could be forged from them."""

_PUBLIC_TYPES = frozenset({"RSA", "EC", "OKP"})
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class KeysUnavailable(Exception):
    """No signing key could be read (the JWKS URL failed and nothing is cached)."""


@dataclass(frozen=True, slots=True)
class JwtSettings:
    """How the adapters validate JWT bearer tokens; set at deploy time (`NAFTIKO_JWKS_*`)."""

    jwks_file: str | None = None
    """NAFTIKO_JWKS_FILE: a JWKS (JSON) file with the issuer's public keys."""
    jwks_url: str | None = None
    """NAFTIKO_JWKS_URL: where to fetch the JWKS (https, or http on loopback)."""
    issuer: str | None = None
    """NAFTIKO_JWT_ISSUER: overrides the `iss` the spec implies (its authorizationServerUri)."""
    audience: tuple[str, ...] = ()
    """NAFTIKO_JWT_AUDIENCE (comma-separated): overrides the spec's `audience` / `resource`."""
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    """NAFTIKO_JWT_ALGORITHMS (comma-separated): the `alg` values accepted."""
    leeway: float = 30.0
    """NAFTIKO_JWT_LEEWAY: seconds of clock skew allowed on exp/nbf/iat."""
    fetch_timeout: float = 5.0
    """NAFTIKO_JWKS_TIMEOUT: seconds one JWKS fetch may take."""
    max_bytes: int = 256 * 1024
    """NAFTIKO_JWKS_MAX_BYTES: the largest JWKS document read (decompressed)."""
    cache_seconds: float = 300.0
    """NAFTIKO_JWKS_CACHE_SECONDS: how long fetched keys are used before fetching again."""
    refresh_seconds: float = 30.0
    """NAFTIKO_JWKS_REFRESH_SECONDS: the least time between fetches for an unknown `kid`."""
    file_keys: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    """The public keys read from `jwks_file` at start-up."""


def public_keys(document: Any) -> tuple[dict[str, Any], ...]:
    """The usable public signing keys of a JWKS document (raise ValueError when it is not one)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError('not a JWKS document (expected {"keys": [...]})')
    keys = []
    for key in document["keys"]:
        if not isinstance(key, dict) or key.get("kty") not in _PUBLIC_TYPES:
            continue  # symmetric (`oct`) or malformed keys are never used
        if key.get("use", "sig") != "sig":
            continue
        keys.append({name: value for name, value in key.items() if name not in _PRIVATE_MEMBERS})
    if not keys:
        raise ValueError("the JWKS holds no public signing key (RSA, EC or OKP)")
    return tuple(keys)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _number(env: EnvironmentReader, name: str, default: float) -> float:
    raw = env.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        env.problems.append(f"{name}={raw!r} is not a non-negative number")
        return default
    return value


def _names(env: EnvironmentReader, name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env.environ.get(name, "").split(",") if part.strip())


def _algorithms(env: EnvironmentReader) -> tuple[str, ...]:
    chosen = _names(env, "NAFTIKO_JWT_ALGORITHMS")
    if not chosen:
        return DEFAULT_ALGORITHMS
    refused = [name for name in chosen if name not in DEFAULT_ALGORITHMS]
    if refused:
        env.problems.append(
            f"NAFTIKO_JWT_ALGORITHMS names {', '.join(map(repr, refused))}: only the asymmetric "
            f"algorithms {', '.join(DEFAULT_ALGORITHMS)} are accepted (never none or HS*)"
        )
        return DEFAULT_ALGORITHMS
    return chosen


def _file_keys(env: EnvironmentReader, path: str) -> tuple[dict[str, Any], ...]:
    try:
        return public_keys(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        env.problems.append(f"NAFTIKO_JWKS_FILE={path!r} cannot be used: {reason}")
        return ()


def read_jwt_settings(env: EnvironmentReader, used_by: str) -> JwtSettings:
    """The JWT settings from the environment; problems (no keys at all…) go to `env.problems`."""
    jwks_file = env.environ.get("NAFTIKO_JWKS_FILE", "").strip() or None
    jwks_url = env.environ.get("NAFTIKO_JWKS_URL", "").strip() or None
    file_keys: tuple[dict[str, Any], ...] = ()
    if jwks_file and jwks_url:
        env.problems.append("set only one of NAFTIKO_JWKS_FILE and NAFTIKO_JWKS_URL")
    elif jwks_file:
        file_keys = _file_keys(env, jwks_file)
    elif jwks_url:
        parts = urlsplit(jwks_url)
        if not (
            parts.scheme == "https"
            or (parts.scheme == "http" and _is_loopback(parts.hostname or ""))
        ):
            env.problems.append(
                f"NAFTIKO_JWKS_URL={jwks_url!r} must be an https URL (http only on loopback)"
            )
    else:
        env.problems.append(
            f"neither NAFTIKO_JWKS_FILE nor NAFTIKO_JWKS_URL is set: {used_by} validates JWT "
            "bearer tokens (oauth2) against the issuer's public keys; set one of them"
        )
    return JwtSettings(
        jwks_file=jwks_file,
        jwks_url=jwks_url,
        issuer=env.environ.get("NAFTIKO_JWT_ISSUER", "").strip() or None,
        audience=_names(env, "NAFTIKO_JWT_AUDIENCE"),
        algorithms=_algorithms(env),
        leeway=_number(env, "NAFTIKO_JWT_LEEWAY", 30.0),
        fetch_timeout=_number(env, "NAFTIKO_JWKS_TIMEOUT", 5.0) or 5.0,
        max_bytes=int(_number(env, "NAFTIKO_JWKS_MAX_BYTES", 256 * 1024)) or 256 * 1024,
        cache_seconds=_number(env, "NAFTIKO_JWKS_CACHE_SECONDS", 300.0),
        refresh_seconds=_number(env, "NAFTIKO_JWKS_REFRESH_SECONDS", 30.0),
        file_keys=file_keys,
    )


_OPTIONS = (
    ("--jwks-file", "NAFTIKO_JWKS_FILE", "PATH", "JWKS file with the issuer's public keys"),
    ("--jwks-url", "NAFTIKO_JWKS_URL", "URL", "where to fetch the JWKS (https; http on loopback)"),
    ("--jwt-issuer", "NAFTIKO_JWT_ISSUER", "ISS", "the iss tokens carry (default: the spec's)"),
    (
        "--jwt-audience",
        "NAFTIKO_JWT_AUDIENCE",
        "AUD[,AUD]",
        "the aud tokens carry (default: spec's)",
    ),
    ("--jwt-algorithms", "NAFTIKO_JWT_ALGORITHMS", "ALG[,ALG]", "accepted alg (asymmetric only)"),
    ("--jwt-leeway", "NAFTIKO_JWT_LEEWAY", "SECONDS", "clock skew allowed (default 30)"),
    ("--jwks-timeout", "NAFTIKO_JWKS_TIMEOUT", "SECONDS", "one JWKS fetch at most (default 5)"),
    ("--jwks-max-bytes", "NAFTIKO_JWKS_MAX_BYTES", "BYTES", "largest JWKS read (default 262144)"),
    ("--jwks-cache-seconds", "NAFTIKO_JWKS_CACHE_SECONDS", "SECONDS", "keys kept (default 300)"),
    (
        "--jwks-refresh-seconds",
        "NAFTIKO_JWKS_REFRESH_SECONDS",
        "SECONDS",
        "least time between " "fetches (default 30)",
    ),
)
_VARIABLES = {flag[2:].replace("-", "_"): variable for flag, variable, _, _ in _OPTIONS}


class _SetVariable(argparse.Action):
    """A flag that sets its environment variable: the settings are read from there, once."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        os.environ[_VARIABLES[self.dest]] = str(values)
        setattr(namespace, self.dest, values)


def jwt_options(serve_parser: argparse.ArgumentParser) -> None:
    """The `serve` options of JWT validation; each sets its `NAFTIKO_JWKS_*`/`JWT_*` variable."""
    group = serve_parser.add_argument_group(
        "JWT bearer tokens (oauth2)",
        "keys are required: --jwks-file or --jwks-url, or the server does not start",
    )
    for flag, variable, metavar, text in _OPTIONS:
        group.add_argument(
            flag,
            metavar=metavar,
            action=_SetVariable,
            default=argparse.SUPPRESS,
            help=f"{text} (env {variable})",
        )


class KeyStore:
    """The public keys tokens are checked against: from the file, or fetched and cached."""

    def __init__(self, settings: JwtSettings) -> None:
        self._settings = settings
        self._keys: tuple[dict[str, Any], ...] = settings.file_keys
        self._fetched_at = float("-inf")  # the last successful fetch
        self._tried_at = float("-inf")  # the last attempt, successful or not
        self._attempts = 0  # fetches finished, so that waiters on one fetch do not repeat it
        self._lock = asyncio.Lock()

    async def keys(self, kid: str | None) -> tuple[dict[str, Any], ...]:
        """The keys a token naming `kid` may be signed with (all of them when `kid` is None)."""
        if self._settings.jwks_url:
            now = time.monotonic()
            stale = now - self._fetched_at >= self._settings.cache_seconds
            unknown = kid is not None and not any(k.get("kid") == kid for k in self._keys)
            # Fetch when the cache is old or a token names a new key, but never more often
            # than every `refresh_seconds`: tokens with made-up `kid`s must not hammer the URL.
            due = now - self._tried_at >= self._settings.refresh_seconds
            if (stale or unknown) and (due or self._lock.locked()):
                await self._refresh(self._attempts)
            if not self._keys:
                raise KeysUnavailable("no signing keys could be fetched")
        if kid is None:
            return self._keys
        return tuple(key for key in self._keys if key.get("kid") == kid)

    async def _refresh(self, attempt: int) -> None:
        async with self._lock:
            if self._attempts != attempt:
                return  # another request fetched them while this one waited
            self._tried_at = time.monotonic()
            try:
                self._keys = public_keys(json.loads(await self._fetch()))
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                # Only the host and path are logged: a URL may carry credentials (user:password@,
                # a query token), and client errors may repeat the whole URL.
                parts = urlsplit(self._settings.jwks_url or "")
                logger.warning(
                    "cannot fetch the JWKS from %s%s (%s); keeping %d cached key(s)",
                    parts.hostname,
                    parts.path,
                    error if type(error) is ValueError else type(error).__name__,
                    len(self._keys),
                )
                return
            finally:
                self._attempts += 1
            self._fetched_at = time.monotonic()

    async def _fetch(self) -> bytes:
        url = self._settings.jwks_url
        assert url is not None
        limit = self._settings.max_bytes
        timeout = aiohttp.ClientTimeout(total=self._settings.fetch_timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise ValueError(f"HTTP status {response.status}")
            if (response.content_length or 0) > limit:
                raise ValueError(f"the JWKS is larger than {limit} bytes (NAFTIKO_JWKS_MAX_BYTES)")
            body = bytearray()
            async for chunk in response.content.iter_any():  # decompressed bytes count
                body += chunk
                if len(body) > limit:
                    raise ValueError(
                        f"the JWKS is larger than {limit} bytes (NAFTIKO_JWKS_MAX_BYTES)"
                    )
            return bytes(body)
