"""Stage 6, format: `{path: text}` → the same map with every `.py` file formatted by black."""

from __future__ import annotations

from collections.abc import Mapping

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity

__all__ = ["BLACK_MODE", "format_files"]

BLACK_MODE = Mode(line_length=100, target_versions={TargetVersion.PY311})
"""The style of generated code (black is pinned, so output is byte-stable)."""


def format_files(files: Mapping[str, str]) -> dict[str, str]:
    """Format the Python files in memory; a syntax error there is a generator bug, reported."""
    formatted: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path, text in files.items():
        if not path.endswith(".py"):
            formatted[path] = text
            continue
        try:
            formatted[path] = black.format_str(text, mode=BLACK_MODE)
        except InvalidInput as error:
            line = _error_line(str(error))
            problems.append(
                Diagnostic(
                    Location(path, line, 1 if line else 0),
                    "NAF402",
                    Severity.ERROR,
                    f"generated code does not parse: {error}",
                    "this is a naftiko-gen or template bug; please report it with the spec",
                )
            )
    if problems:
        raise DiagnosticError(problems)
    return formatted


def _error_line(message: str) -> int:
    # black reports "Cannot parse for target version …: 12:4: …".
    for chunk in message.split(": "):
        head = chunk.split(":", 1)[0]
        if head.isdigit():
            return int(head)
    return 0
