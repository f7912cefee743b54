"""`script` steps (digest §3.11): a Python file of the step's `location` folder, run with limits.

The step's `language` and `location` default to the control port's `management.scripting`
(`defaultLanguage`, `defaultLocation`), as in the engine; so does the time limit (`timeout`,
milliseconds, 60 s by default). Only `python` can run in a generated package: `javascript` and
`groovy` are refused where they are written (NAF305), and so is a language that
`allowedLanguages` leaves out (NAF421). The folder was read at build time (`assets.py`); the
`file` and each of its `dependencies` must be files of it (NAF307). With
`management.scripting.enabled: false` the steps are generated but refused at run time (503)
until `PUT /scripting` turns scripting on (NAF309, a warning).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..canonical import ScriptingSettings, ScriptStep
from ..diagnostics import truncate
from ..load import NodePath
from ._values import as_dict, as_list
from .scope import Scope

__all__ = ["script_step", "scripting_settings"]

_DEFAULT_TIMEOUT_MS = 60_000


def _positive(value: Any, default: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return int(value) if ok else default


def scripting_settings(block: dict[str, Any]) -> ScriptingSettings:
    """`management.scripting` with the spec's defaults for what is missing or malformed."""
    # Every string is kept, known or not: a misspelt list must narrow, never widen to "all".
    allowed = [v for v in as_list(block.get("allowedLanguages")) if isinstance(v, str)]
    location = block.get("defaultLocation")
    return ScriptingSettings(
        enabled=block.get("enabled", True) is not False,
        timeout_ms=_positive(block.get("timeout"), _DEFAULT_TIMEOUT_MS),
        statement_limit=_positive(block.get("statementLimit"), 100_000),
        allowed_languages=tuple(dict.fromkeys(str(v) for v in allowed)),
        default_language=str(block.get("defaultLanguage") or ""),
        default_location=location if isinstance(location, str) else "",
    )


def _scripting(scope: Scope) -> tuple[dict[str, Any], NodePath]:
    """The control adapter's `management.scripting` block (empty when none), and its path."""
    capability = as_dict(scope.spec.data.get("capability"))
    for index, entry in enumerate(as_list(capability.get("exposes"))):
        if isinstance(entry, dict) and entry.get("type") == "control":
            path: NodePath = ("capability", "exposes", index, "management", "scripting")
            return as_dict(as_dict(entry.get("management")).get("scripting")), path
    return {}, ()


def script_step(
    scope: Scope, raw: Mapping[str, Any], path: NodePath, name: str
) -> ScriptStep | None:
    """The step, its folder bound; None when it cannot run here (reported)."""
    defaults, defaults_path = _scripting(scope)
    what = f"script step {name!r}"
    if defaults.get("enabled", True) is False:
        scope.warn(
            path,
            "NAF309",
            f"{what} is off: `management.scripting.enabled` is false, so it answers 503 until "
            '`PUT /scripting {"enabled": true}` on the control port turns scripting on',
            "set `management.scripting.enabled: true` on the control adapter, or remove the step",
        )
    language = str(raw.get("language") or defaults.get("defaultLanguage") or "")
    location = raw.get("location") or defaults.get("defaultLocation")
    file = str(raw.get("file") or "")
    missing = [
        k for k, v in (("file", file), ("location", location), ("language", language)) if not v
    ]
    if missing:
        scope.error(
            path,
            "NAF306",
            f"{what} has no `{missing[0]}`"
            + ("" if missing[0] == "file" else " and the control port sets no default for it"),
            "give the step `file`, `location` and `language`, or set `management.scripting` "
            "`defaultLocation` / `defaultLanguage` on the control adapter",
        )
        return None
    if language != "python":
        where = (*path, "language") if "language" in raw else (*defaults_path, "defaultLanguage")
        scope.error(
            where,
            "NAF305",
            f"{what} is written in {truncate(language)}, which the generated package cannot run "
            "(it runs Python scripts only, in a subprocess)",
            "rewrite the script in Python (`language: python`), or run the capability with the "
            "Naftiko engine",
        )
        return None
    allowed = scripting_settings(defaults).allowed_languages
    if allowed and language not in allowed:
        where = (*path, "language") if "language" in raw else (*defaults_path, "defaultLanguage")
        scope.error(
            where,
            "NAF421",
            f"{what} is written in {truncate(language)}, which "
            f"`management.scripting.allowedLanguages` ({', '.join(allowed)}) does not allow",
            f"add {truncate(language)} to `allowedLanguages`, or write the step in "
            + " or ".join(allowed),
        )
        return None
    folder = scope.assets.get(str(location))
    if folder is None:  # pragma: no cover - `assets.py` read every location or refused the build
        return None
    files = {relative for relative, _ in folder.files}
    dependencies = tuple(str(d).removeprefix("./") for d in as_list(raw.get("dependencies")))
    for key, wanted in (
        ("file", file.removeprefix("./")),
        *(("dependencies", d) for d in dependencies),
    ):
        if wanted not in files:
            scope.error(
                (*path, key),
                "NAF307",
                f"{what}: {key} {truncate(wanted)} is not a file of {location}",
                "name a file of the step's `location` folder (relative to it); its files: "
                + (", ".join(sorted(files)[:8]) or "none"),
            )
            return None
    milliseconds = scripting_settings(defaults).timeout_ms
    return ScriptStep(
        name=name,
        file=file.removeprefix("./"),
        dependencies=dependencies,
        folder=folder,
        values=tuple((str(k), v) for k, v in as_dict(raw.get("with")).items()),
        timeout=milliseconds / 1000,
        language=language,
    )
