"""Stage 6, format: `{path: text}` → the same map with every rendered `.py` file black-formatted.

Runtime modules are copied verbatim (already black-clean in the repo); only rendered modules are
formatted, and the output is exactly what `black.format_str` makes of each whole module (tests
compare both on every golden case, a corpus sample and random input). Black is still over half of
a build's CPU time (55 to 65 % of a corpus file's), so it is asked as little as it allows; without
either of the first two, building every 4th corpus file takes about twice as long or more
(figures in README, "Performance"):

- `pieces.py` cuts a module into pieces black formats alike alone (its top-level definitions and
  runs of simple statements), and each piece goes to black once per process (a memo by content:
  the templates repeat much from one package to the next, half the pieces are hits);
- `layout.py` lays out data tables (the largest pieces) by black's own rules without black, and
  hands back to black what it is unsure of. (Import blocks go to black: memoised, they cost
  nothing measurable, so a layout of their own did not earn its lines.)
- `shapes.py`: a piece not seen before goes to black as its shape (names and plain strings
  replaced by placeholders of the same length), shared by the same piece of other packages whose
  names have the same lengths (the command line, the settings test, handlers): fewer black runs,
  and fewer of black's second passes (bench/results/2026-12-07-generator-cpu.md).
"""

from __future__ import annotations

import ast
import functools
import gc
from collections.abc import Collection, Mapping

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from ..diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .layout import layout_assignment
from .parameters import break_parameter_lines
from .pieces import ASSIGNMENTS, Piece, cut, double_quoted
from .shapes import shape, unshape

__all__ = ["BLACK_MODE", "format_files", "format_module"]

BLACK_MODE = Mode(line_length=100, target_versions={TargetVersion.PY311})
"""The style of generated code (black is pinned, so output is byte-stable)."""


@functools.lru_cache(maxsize=16384)
def _black(text: str) -> str:
    # Black builds a syntax tree full of parent-child cycles; the cyclic collector would scan
    # it over and over while it is alive (a fifth of black's time). Off during the call, it
    # frees the dead tree in one sweep afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return black.format_str(text, mode=BLACK_MODE)
    finally:
        if collecting:
            gc.enable()


@functools.lru_cache(maxsize=16384)
def _format_code(source: str) -> str:
    # Memoised by the piece as rendered, so a piece seen before costs a lookup. Otherwise black
    # formats the piece's shape (names and plain strings replaced by placeholders of their
    # length, `shapes.py`), which pieces of other packages share, and the originals go back in.
    text = break_parameter_lines(source)
    shaped = shape(text)
    if shaped is None or not shaped.placeholders:
        return _black(text)
    try:
        formatted = unshape(_black(shaped.text), shaped)
    except InvalidInput:
        formatted = None  # black reports the piece as written, with its own line and column
    return _black(text) if formatted is None else formatted


def _format_piece(piece: Piece) -> str:
    laid_out = None
    if piece.statement is not None and isinstance(piece.statement, ASSIGNMENTS):
        laid_out = layout_assignment(piece.statement, piece.source, piece.first_line)
    return _format_code(piece.source) if laid_out is None else laid_out


def format_module(text: str) -> str:
    """Format one Python module as black does, reusing pieces formatted before."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return _black(text)  # black reports it, with its own line and column
    if "'" in text and "fmt:" not in text:  # black leaves `# fmt: off/skip` code alone
        text = double_quoted(text)
    lines = text.splitlines(keepends=True)
    pieces = cut(lines, tree)
    if len(pieces) < 2:
        return _black("".join(lines))
    formatted = [_format_piece(pieces[0])]
    for piece in pieces[1:]:
        formatted += ["\n" * piece.gap, _format_piece(piece)]
    return "".join(formatted)


def format_files(
    files: Mapping[str, str], verbatim: Collection[str] = frozenset()
) -> dict[str, str]:
    """Format the Python files in memory; a syntax error there is a generator bug, reported.

    Paths in `verbatim` are runtime modules, already formatted in the repo: left as they are.
    """
    formatted: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path, text in files.items():
        if not path.endswith(".py") or path in verbatim:
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
