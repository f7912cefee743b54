"""Settings read from the environment: typed values, and every problem named before failing.

The generated `settings.py` declares the capability's settings and reads each one through an
`EnvironmentReader`, which collects what is missing or malformed so that one `SettingsError`
names all of it. A base URL is refused unless it is a plain `http(s)://host[:port][/path]`: a
query or fragment would silently change every request (a fragment drops the path and the
credential), and userinfo would put a credential where no masking expects it. The upstream
limits (`UpstreamLimits`) are read from `NAFTIKO_UPSTREAM_*` variables, each with a safe default.

`load_env_file` (called before the command line reads its defaults) adds the variables of a
`.env` file to the environment, parsed by pydantic-settings (python-dotenv's syntax); variables
already set win. A credential `X` may instead be given as `X_FILE`, the path of a file holding it
(a Kubernetes secret mount; its trailing newline is dropped); setting both is an error.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENV_FILE",
    "FILE_SUFFIX",
    "LIMIT_VARIABLES",
    "TOKEN_AUTH_METHODS",
    "ApiSettings",
    "EnvironmentReader",
    "SettingsError",
    "UpstreamLimits",
    "base_url_problem",
    "bounded",
    "env_file_option",
    "env_option",
    "load_env_file",
    "read_env_file",
]

TOKEN_AUTH_METHODS: Final = ("client_secret_basic", "client_secret_post")
"""How an oauth2 client may authenticate to its token endpoint; the first is the default."""

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

ENV_FILE: Final = ".env"
"""The settings file read from the working directory when present (unless another is named)."""
FILE_SUFFIX: Final = "_FILE"
"""`X_FILE` names a file holding the value of credential `X`."""
_SERVE_CREDENTIALS: Final = ("NAFTIKO_REQUIRE_API_KEY",)

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


def _plain(number: float) -> str:
    """A bound as people write it: 1000000000, not 1e+09; 0.001."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def bounded(kind: Callable[[str], float], lowest: float, highest: float) -> Callable[[str], Any]:
    """A parser of a number from `lowest` to `highest`; its `ValueError` says the bounds."""

    def parse(text: str) -> Any:
        try:
            value = kind(text.strip())
        except ValueError:
            value = math.nan
        if not lowest <= value <= highest:
            raise ValueError(f"{text!r} is not a number from {_plain(lowest)} to {_plain(highest)}")
        return value

    return parse


def env_option(
    group: argparse._ArgumentGroup,
    flag: str,
    variable: str,
    parse: Callable[[str], Any],
    default: Any,
    *,
    metavar: str,
    text: str,
) -> None:
    """A `serve` option whose default is `variable`, else `default`.

    `parse` checks the variable at start-up too (argparse converts a string default), so a bad
    value stops the server with the option's name instead of being ignored. Given on the command
    line, the option also sets `variable`: worker processes and the code that reads the variable
    at run time (script steps, digest nonces) see the same value.
    """

    class _SetVariable(argparse.Action):
        def __call__(
            self,
            parser: argparse.ArgumentParser,
            namespace: argparse.Namespace,
            values: Any,
            option_string: str | None = None,
        ) -> None:
            os.environ[variable] = str(values)
            setattr(namespace, self.dest, values)

    def checked(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{error} (env {variable})") from None

    group.add_argument(
        flag,
        type=checked,
        default=os.environ.get(variable, "").strip() or default,
        action=_SetVariable,
        metavar=metavar,
        help=f"{text} (env {variable})",
    )


def env_file_option(serve_parser: argparse.ArgumentParser) -> None:
    """`--env-file` (read by `load_env_file` before the options; declared here for `--help`)."""
    serve_parser.add_argument(
        "--env-file",
        default=os.environ.get("NAFTIKO_ENV_FILE") or None,
        metavar="FILE",
        help="read KEY=VALUE settings from FILE first; variables already set win (env "
        f"NAFTIKO_ENV_FILE; default: {ENV_FILE} in the working directory when present)",
    )


def _named_env_file(argv: Sequence[str]) -> str | None:
    """The FILE of the last `--env-file FILE` or `--env-file=FILE` in `argv`."""
    named = None
    for index, argument in enumerate(argv):
        if argument == "--env-file" and index + 1 < len(argv):
            named = argv[index + 1]
        elif argument.startswith("--env-file="):
            named = argument.partition("=")[2]
    return named


def read_env_file(path: Path) -> dict[str, str]:
    """The variables a `.env` file sets (python-dotenv's syntax: quotes, `export`, comments)."""
    # Imported only when a file is read: pydantic-settings costs start-up time otherwise unused.
    from pydantic_settings import BaseSettings, DotEnvSettingsSource

    with path.open(encoding="utf-8") as file:  # unreadable: OSError here, not a silent skip
        file.read(1)
    source = DotEnvSettingsSource(
        BaseSettings, env_file=path, env_file_encoding="utf-8", case_sensitive=True
    )
    return {name: value for name, value in source.env_vars.items() if value is not None}


def load_env_file(
    prog: str,
    argv: Sequence[str] | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> Path | None:
    """Add the variables of the settings file to `environ` (default: the process's); its path.

    The file is `--env-file FILE` in `argv`, else `NAFTIKO_ENV_FILE`, else `.env` when the working
    directory has one. Exits with status 2 when a named file cannot be read, or when a serve
    credential is given both as a value and as a file.
    """
    environ = os.environ if environ is None else environ
    named = _named_env_file(sys.argv[1:] if argv is None else argv)
    named = named or environ.get("NAFTIKO_ENV_FILE") or None
    path = Path(named or ENV_FILE)
    if named is None and not path.is_file():
        path_read = None
    else:
        try:
            values = read_env_file(path)
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else str(error)
            message = f"{prog}: error: cannot read settings file {str(path)!r}: {reason}"
            raise SystemExit(message) from None
        for name, value in values.items():
            environ.setdefault(name, value)
        path_read = path
    for name in _SERVE_CREDENTIALS:
        if environ.get(name) and environ.get(name + FILE_SUFFIX):
            raise SystemExit(f"{prog}: error: {_both_set(name)}")
    return path_read


def _both_set(name: str) -> str:
    return f"{name} and {name}{FILE_SUFFIX} are both set: set one (the value, or a file holding it)"


class SettingsError(Exception):
    """The environment lacks a value the adapter needs; the message names every one of them."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Where one consumed API lives and how long to wait for it."""

    base_url: str
    timeout: float = DEFAULT_TIMEOUT
    token_url: str = ""
    """oauth2 client credentials: the token endpoint (`<API>_TOKEN_URL` overrides the spec's)."""
    token_auth_method: str = "client_secret_basic"
    """oauth2 client credentials: `client_secret_basic` or `client_secret_post`
    (`<API>_TOKEN_AUTH_METHOD`)."""


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

    def token_url(self, name: str, default: str) -> str:
        """An oauth2 token endpoint: a base URL that is https, or http on loopback only."""
        known = len(self.problems)
        value = self.base_url(name, default)
        if len(self.problems) > known:
            return value  # not a URL at all: named already
        loopback = urlsplit(value).hostname in ("localhost", "127.0.0.1", "::1")
        if value.startswith("http://") and not loopback:
            self.problems.append(
                f"{name} is http on a host that is not loopback: the client secret would travel "
                "in clear; set it to an https:// URL (http:// only for localhost, 127.0.0.1, ::1)"
            )
        return value

    def token_auth_method(self, name: str) -> str:
        """How the client authenticates to its token endpoint (RFC 6749 §2.3.1), by `name`."""
        value = self.environ.get(name, "").strip() or TOKEN_AUTH_METHODS[0]
        if value not in TOKEN_AUTH_METHODS:
            self.problems.append(
                f"{name}={value[:40]!r} is not one of {', '.join(TOKEN_AUTH_METHODS)}"
            )
            return TOKEN_AUTH_METHODS[0]
        return value

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

    def value(self, name: str) -> str | None:
        """The value of credential `name`, or the content of the file `name_FILE` names."""
        value = self.environ.get(name)
        path = self.environ.get(name + FILE_SUFFIX, "").strip()
        if not path:
            return value
        if value:
            self.problems.append(_both_set(name))
            return None
        try:
            content = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            self.problems.append(f"cannot read {name}{FILE_SUFFIX}={path!r}: {reason}")
            return None
        return content.rstrip("\r\n")

    def secret(self, name: str, variable: str) -> str:
        """The value of a bind (`variable` in the spec), which must be set and not empty.

        `name_FILE` may name a file holding it instead.
        """
        known = len(self.problems)
        value = self.value(name)
        if len(self.problems) > known:
            return ""  # the problem with its file is named already
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
