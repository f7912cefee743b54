"""Stage 6, format: `{path: text}` → the same map with every `.py` file formatted by black.

Black is the slowest stage by far, and most of what the templates emit is the same from one
package to the next (runtime helpers, test fixtures). So a module is cut at its top-level
definitions, each piece is formatted on its own and memoised by content, and the pieces are
joined with the two blank lines black puts around top-level definitions. The result is what
black makes of the whole file (a test compares both on every golden case and a corpus sample).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity

__all__ = ["BLACK_MODE", "format_files", "format_module"]

BLACK_MODE = Mode(line_length=100, target_versions={TargetVersion.PY311})
"""The style of generated code (black is pinned, so output is byte-stable)."""

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@functools.lru_cache(maxsize=4096)
def _black(text: str) -> str:
    return black.format_str(text, mode=BLACK_MODE)


def _pieces(text: str) -> list[tuple[bool, str]] | None:
    """Cut a module into (is_definition, source) pieces; None when it does not parse."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines(keepends=True)
    starts: list[tuple[int, bool]] = []
    previous_was_definition = True
    for node in tree.body:
        is_definition = isinstance(node, _DEFINITIONS)
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        # Consecutive simple statements (imports, constants) stay together as one piece.
        if is_definition or previous_was_definition or not starts:
            starts.append((first - 1, is_definition))
        previous_was_definition = is_definition
    pieces: list[tuple[bool, str]] = []
    for index, (start, is_definition) in enumerate(starts):
        if index == 0:
            start = 0
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        # Comment lines just above the next piece belong to it (black keeps them attached).
        while end > start and lines[end - 1].lstrip().startswith("#"):
            end -= 1
        if index + 1 < len(starts):
            starts[index + 1] = (end, starts[index + 1][1])
        pieces.append((is_definition, "".join(lines[start:end])))
    return pieces


def format_module(text: str) -> str:
    """Format one Python module as black does, reusing pieces formatted before."""
    pieces = _pieces(text)
    if pieces is None or len(pieces) < 2:
        return _black(text)
    formatted = [_black(source) for _, source in pieces if source.strip()]
    return "\n\n".join(formatted)


def format_files(files: Mapping[str, str]) -> dict[str, str]:
    """Format the Python files in memory; a syntax error there is a generator bug, reported."""
    formatted: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path, text in files.items():
        if not path.endswith(".py"):
            formatted[path] = text
            continue
        try:
            formatted[path] = format_module(text)
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
