"""The scripting settings of a package with script steps: spec defaults, environment, control port.

`Scripting` is the spec's `management.scripting` block (digest §2.7), as the generator read it.
What a script step obeys is `effective(spec)`: the spec's values, then the environment (each
variable also a `serve` option, see `scripting_options`), then what `PUT /scripting` on the
control port patched in this process (`ScriptingControl`):

| field | spec default | variable / option |
|---|---|---|
| `enabled` | true | `NAFTIKO_SCRIPTING` / `--scripting` (false wins over everything) |
| `timeout` (ms) | 60000 | `NAFTIKO_SCRIPT_TIMEOUT` / `--script-timeout` (seconds) |
| `statementLimit` | 100000 | `NAFTIKO_SCRIPT_STATEMENT_LIMIT` / `--script-statement-limit` |
| `allowedLanguages` | every language | (spec and `PUT /scripting` only) |

`defaultLanguage` and `defaultLocation` are read at build time (a step's folder is shipped in the
package), so `PUT /scripting` refuses to change them. `NAFTIKO_SCRIPTING=false` is the
deployment's switch: `PUT` cannot turn scripting back on over it. A patch applies to the script
runs of this process only: under `--workers N` the scripts run in the worker processes, so the
control port refuses `PUT` (409) rather than pretend.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from .environment import bounded, env_option

__all__ = [
    "LANGUAGES",
    "MAX_PATCH_BYTES",
    "Scripting",
    "ScriptingControl",
    "ScriptingRefused",
    "effective",
    "scripting_options",
]

LANGUAGES: Final = ("javascript", "python", "groovy")
"""The languages the spec knows (only python runs in a generated package)."""
MAX_PATCH_BYTES: Final = 4096
"""The largest `PUT /scripting` body read."""
_MAX_TIMEOUT_MS: Final = 3_600_000
_MAX_STATEMENTS: Final = 1_000_000_000
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_TIMEOUT_SECONDS = bounded(float, 0.001, _MAX_TIMEOUT_MS / 1000)
_STATEMENTS = bounded(int, 1, _MAX_STATEMENTS)
_FIXED: Final = ("defaultLanguage", "defaultLocation")
_PATCHABLE: Final = ("enabled", "timeout", "statementLimit", "allowedLanguages")


@dataclass(frozen=True, slots=True)
class Scripting:
    """`management.scripting`: the spec's values, or the effective ones (`effective`)."""

    enabled: bool = True
    timeout_ms: int = 60_000
    """Wall-clock limit of one script run, in milliseconds (the spec's unit)."""
    statement_limit: int = 100_000
    """Lines a script run may execute (its code, its dependencies and what they call)."""
    allowed_languages: tuple[str, ...] = ()
    """The languages a step may be written in; empty: every language."""
    default_language: str = ""
    default_location: str = ""

    def as_json(self) -> dict[str, Any]:
        """The spec's field names and units (`GET /scripting`)."""
        return {
            "enabled": self.enabled,
            "timeout": self.timeout_ms,
            "statementLimit": self.statement_limit,
            "allowedLanguages": list(self.allowed_languages or LANGUAGES),
            "defaultLanguage": self.default_language or None,
            "defaultLocation": self.default_location or None,
        }


class ScriptingRefused(Exception):
    """A `PUT /scripting` body that cannot apply: `status` (413, 415, 409 or 422) and why."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


_patched: dict[str, Any] = {}
"""What `PUT /scripting` set in this process, by field name (applied over the environment)."""


def _switch(environ: Mapping[str, str]) -> bool | None:
    """`NAFTIKO_SCRIPTING` as a boolean; None when unset. ValueError when malformed."""
    raw = environ.get("NAFTIKO_SCRIPTING", "").strip().lower()
    if not raw:
        return None
    if raw not in _TRUE | _FALSE:
        raise ValueError(f"NAFTIKO_SCRIPTING={raw[:20]!r} is not true or false")
    return raw in _TRUE


def _parse_switch(text: str) -> bool:
    value = _switch({"NAFTIKO_SCRIPTING": text})
    if value is None:
        raise ValueError("'' is not true or false")
    return value


def effective(spec: Scripting, environ: Mapping[str, str] | None = None) -> Scripting:
    """The settings a script run obeys now; ValueError naming a malformed variable."""
    environ = os.environ if environ is None else environ
    settings = spec
    timeout = environ.get("NAFTIKO_SCRIPT_TIMEOUT", "").strip()
    if timeout:
        seconds = _named(_TIMEOUT_SECONDS, "NAFTIKO_SCRIPT_TIMEOUT", timeout)
        settings = replace(settings, timeout_ms=max(1, round(seconds * 1000)))
    statements = environ.get("NAFTIKO_SCRIPT_STATEMENT_LIMIT", "").strip()
    if statements:
        limit = _named(_STATEMENTS, "NAFTIKO_SCRIPT_STATEMENT_LIMIT", statements)
        settings = replace(settings, statement_limit=limit)
    settings = replace(settings, **_patched)
    if _switch(environ) is False:
        settings = replace(settings, enabled=False)
    return settings


def _named(parse: Any, variable: str, raw: str) -> Any:
    try:
        return parse(raw)
    except ValueError as error:
        raise ValueError(f"{variable}: {error}") from None


def _languages(value: Any) -> bool:
    """A non-empty list of distinct known languages."""
    known = isinstance(value, list) and all(isinstance(v, str) and v in LANGUAGES for v in value)
    return known and bool(value) and len(set(value)) == len(value)


def _checked(field: str, value: Any) -> tuple[str, Any]:
    """The `Scripting` attribute and value of one patched field; ScriptingRefused if out of bounds."""
    if field == "enabled" and isinstance(value, bool):
        return "enabled", value
    if field == "timeout" and type(value) is int and 1 <= value <= _MAX_TIMEOUT_MS:
        return "timeout_ms", value
    if field == "statementLimit" and type(value) is int and 1 <= value <= _MAX_STATEMENTS:
        return "statement_limit", value
    if field == "allowedLanguages" and _languages(value):
        return "allowed_languages", tuple(value)
    expected = {
        "enabled": "true or false",
        "timeout": f"whole milliseconds from 1 to {_MAX_TIMEOUT_MS}",
        "statementLimit": f"a whole number from 1 to {_MAX_STATEMENTS}",
        "allowedLanguages": f"a non-empty list of distinct values among {', '.join(LANGUAGES)}",
    }[field]
    shown = json.dumps(value)[:60]
    raise ScriptingRefused(
        422, "Invalid scripting settings", f"{field} is {shown}; expected {expected}"
    )


class ScriptingControl:
    """`GET /scripting` and `PUT /scripting` over one package's spec settings."""

    def __init__(self, spec: Scripting, *, writable: bool = True) -> None:
        self.spec = spec
        self.writable = writable
        """False under `--workers`: the scripts run in other processes, a patch would not reach them."""

    def read(self) -> dict[str, Any]:
        """The effective settings, in the spec's names and units."""
        return effective(self.spec).as_json()

    def put(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        """`PUT /scripting`: 200 and the effective settings, or a status and a problem."""
        try:
            return 200, self.patch(body, content_type)
        except ScriptingRefused as refused:
            problem = {"type": "about:blank", "title": refused.title, "status": refused.status}
            return refused.status, problem | {"detail": refused.detail}

    def patch(self, body: bytes, content_type: str) -> dict[str, Any]:
        """Apply a JSON object of documented fields (all or nothing); the effective settings."""
        if not self.writable:
            raise ScriptingRefused(
                409,
                "Scripting settings are per process",
                "with --workers the scripts run in the worker processes, which this port does "
                "not reach; set NAFTIKO_SCRIPT_* (or the serve options) and restart instead",
            )
        if len(body) > MAX_PATCH_BYTES:
            raise ScriptingRefused(
                413, "Body too large", f"a scripting patch is at most {MAX_PATCH_BYTES} bytes"
            )
        if content_type.split(";")[0].strip().lower() not in (
            "application/json",
            "application/merge-patch+json",
        ):
            raise ScriptingRefused(415, "Unsupported media type", "send application/json")
        try:
            fields = json.loads(body)
        except ValueError:
            fields = None
        if not isinstance(fields, dict) or not fields:
            raise ScriptingRefused(
                422, "Invalid scripting settings", "send a JSON object of the fields to change"
            )
        return self._apply(fields)

    def _apply(self, fields: dict[str, Any]) -> dict[str, Any]:
        fixed = [f for f in _FIXED if f in fields]
        if fixed:
            raise ScriptingRefused(
                422,
                "Invalid scripting settings",
                f"{fixed[0]} was read when the package was built (the step folders ship in it); "
                "rebuild the package to change it",
            )
        unknown = sorted(f for f in fields if f not in _PATCHABLE)
        if unknown:
            raise ScriptingRefused(
                422,
                "Invalid scripting settings",
                f"unknown field {unknown[0][:40]!r}; the fields are {', '.join(_PATCHABLE)}",
            )
        changes = dict(_checked(field, value) for field, value in fields.items())
        if changes.get("enabled") is True and _switch(os.environ) is False:
            raise ScriptingRefused(
                409,
                "Scripting turned off by the deployment",
                "NAFTIKO_SCRIPTING=false turns scripts off for this process; unset it and restart",
            )
        _patched.update(changes)
        return self.read()


def scripting_options(serve_parser: argparse.ArgumentParser, spec: Scripting) -> None:
    """The `serve` options of script steps; each sets its `NAFTIKO_*` variable."""
    group = serve_parser.add_argument_group(
        "script steps", "limits of each script run (management.scripting)"
    )
    env_option(
        group,
        "--scripting",
        "NAFTIKO_SCRIPTING",
        _parse_switch,
        spec.enabled,
        metavar="true|false",
        text="false refuses every script step (503)",
    )
    env_option(
        group,
        "--script-timeout",
        "NAFTIKO_SCRIPT_TIMEOUT",
        _TIMEOUT_SECONDS,
        spec.timeout_ms / 1000,
        metavar="SECONDS",
        text=f"wall-clock limit of one script run, up to {_MAX_TIMEOUT_MS // 1000} "
        f"(default: the spec's timeout, {spec.timeout_ms / 1000:g})",
    )
    env_option(
        group,
        "--script-statement-limit",
        "NAFTIKO_SCRIPT_STATEMENT_LIMIT",
        _STATEMENTS,
        spec.statement_limit,
        metavar="N",
        text=f"lines one script run may execute (default: the spec's, {spec.statement_limit})",
    )
    env_option(
        group,
        "--script-memory-bytes",
        "NAFTIKO_SCRIPT_MEMORY_BYTES",
        bounded(int, 16 * 1024 * 1024, 64 * 1024**3),
        512 * 1024 * 1024,
        metavar="BYTES",
        text="address space of a script's process (default 512 MiB)",
    )
    env_option(
        group,
        "--script-max-output-bytes",
        "NAFTIKO_SCRIPT_MAX_OUTPUT_BYTES",
        bounded(int, 1024, 1024**3),
        4 * 1024 * 1024,
        metavar="BYTES",
        text="largest result a script may answer (default 4 MiB)",
    )
