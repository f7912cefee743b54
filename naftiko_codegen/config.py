"""Project settings: `[tool.naftiko-gen]` in the nearest `pyproject.toml`, read for the CLI.

Supported keys: `templates` (a folder, or a list of folders, relative to that pyproject.toml) and
`derive` (a boolean: whether a capability that exposes nothing gets derived adapters; default
true).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity

__all__ = ["ProjectConfig", "find_config"]


@dataclass(frozen=True)
class ProjectConfig:
    """What `[tool.naftiko-gen]` sets; empty when there is no such table."""

    source: Path | None = None
    """The pyproject.toml the settings came from."""
    templates: tuple[Path, ...] = ()
    """Template folders, resolved against the pyproject.toml's folder."""
    derive: bool = True
    """Derive adapters for a capability that exposes nothing (`derive = false` turns it off)."""


def _problem(path: Path, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError(
        [Diagnostic(Location(str(path)), "NAF105", Severity.ERROR, message, hint)]
    )


def find_config(start: Path) -> ProjectConfig:
    """Read `[tool.naftiko-gen]` from the nearest pyproject.toml at or above `start`."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise _problem(path, f"cannot read pyproject.toml: {error}", "fix the TOML") from None
        table = data.get("tool", {}).get("naftiko-gen")
        if table is None:
            return ProjectConfig(path)
        derive = table.get("derive", True)
        if not isinstance(derive, bool):
            raise _problem(
                path, "[tool.naftiko-gen] derive must be true or false", "write derive = false"
            )
        raw = table.get("templates", [])
        entries = [raw] if isinstance(raw, str) else raw
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise _problem(
                path,
                "[tool.naftiko-gen] templates must be a folder name or a list of them",
                'write e.g. templates = "naftiko-templates"',
            )
        folders = tuple(candidate / entry for entry in entries)
        for resolved in folders:
            if not resolved.is_dir():
                raise _problem(
                    path,
                    f"[tool.naftiko-gen] templates folder {str(resolved)!r} does not exist",
                    "create it, or fix the path (relative to this pyproject.toml)",
                )
        return ProjectConfig(path, folders, derive)
    return ProjectConfig()
