"""`script` steps (digest §3.11): a Python file of the step's `location` folder, run with limits.

The step's `language` and `location` default to the control port's `management.scripting`
(`defaultLanguage`, `defaultLocation`), as in the engine; so does the time limit (`timeout`,
milliseconds, 60 s by default). Only `python` can run in a generated package: `javascript` and
`groovy` are refused where they are written (NAF305). The folder was read at build time
(`assets.py`); the `file` and each of its `dependencies` must be files of it (NAF307).
`management.scripting.enabled: false` refuses every script step (NAF309).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..canonical import ScriptStep
from ..diagnostics import truncate
from ..load import NodePath
from ._values import as_dict, as_list
from .scope import Scope

__all__ = ["script_step"]

_DEFAULT_TIMEOUT_MS = 60_000


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
        scope.error(
            path,
            "NAF309",
            f"{what} cannot run: `management.scripting.enabled` is false",
            "set `management.scripting.enabled: true` on the control adapter, or remove the step",
        )
        return None
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
    timeout = defaults.get("timeout")
    milliseconds = timeout if isinstance(timeout, int) and timeout > 0 else _DEFAULT_TIMEOUT_MS
    return ScriptStep(
        name=name,
        file=file.removeprefix("./"),
        dependencies=dependencies,
        folder=folder,
        values=tuple((str(k), v) for k, v in as_dict(raw.get("with")).items()),
        timeout=milliseconds / 1000,
    )
