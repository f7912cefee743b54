"""Part of stage 6, format: cut a module into pieces black formats alike alone or together.

A module is cut before each top-level definition and between simple statements where the
blank lines black puts between them are known (`Piece.gap`); comment lines go with the
statement below them. Black, given each piece alone, gives the same text as for the whole
module, pieces joined with their gaps (tests compare both on random mixes of statements).

`double_quoted` is black's own string normalisation for the plain `'…'` strings `repr` gives:
a piece already written that way is black-stable, so black needs one pass instead of two
(without it, formatting every 4th corpus file took 132 s of CPU instead of 51 to 63).
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

__all__ = ["ASSIGNMENTS", "Piece", "cut", "double_quoted"]

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
ASSIGNMENTS = (ast.Assign, ast.AnnAssign)
_ONE_LINE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, *_IMPORTS)
"""Statements after which a new piece may start (no body, so black's blank-line rule is simple)."""

_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<triple>'\'\'[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'\'\'|"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"\"\")
    | (?P<plain>'[^'"\\\r\n]*')
    | (?P<other>'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*")
    """,
    re.VERBOSE | re.DOTALL,
)
"""Comments and string tokens; `plain` is a string black rewrites to double quotes, and only that.

Written as unrolled loops (`[^q\\]*(?:\\.[^q\\]*)*`): one `(?:a|b)*` step per character kept
backtracking state for every character, about 90 bytes each (a 10 MB string: 900 MB)."""

_DEFINITION_GAP = 2
"""Blank lines black puts before and after a top-level definition."""


def _double_quote(match: re.Match[str]) -> str:
    token = match.group()
    before = match.string[match.start() - 1 : match.start()]
    if match.lastgroup != "plain" or before.isalnum() or before == "_":
        return token  # a comment, another kind of string, or a prefixed one (`r'…'`, `f'…'`)
    return '"' + token[1:-1] + '"'


def double_quoted(text: str) -> str:
    """Rewrite `'plain'` string tokens to `"plain"`, as black's string normalisation does.

    Only tokens without prefix, backslash, double quote or line break are touched. For those,
    black (unicode escapes, prefix, quotes, docstring handling alike) normalises `'…'` to `"…"`
    and leaves `"…"` as it is, so black's output is the same with or without this rewrite.
    Comments and every other string are matched too, only to be skipped whole: outside them a
    quote always opens a string, so the scan never starts inside a token.
    """
    return _TOKENS.sub(_double_quote, text)


def _is_module_docstring(node: ast.stmt, lines: list[str]) -> bool:
    """A plain `\"\"\"…\"\"\"` string as the first statement (black's module docstring)."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return False
    source = "".join(lines[node.lineno - 1 : node.end_lineno]).strip()
    return (
        node.col_offset == 0
        and source.startswith('"""')
        and source.endswith('"""')
        and source.count('"""') == 2
    )


def _simple_gap(
    previous: ast.stmt, node: ast.stmt, lines: list[str], *, previous_is_first: bool
) -> int | None:
    """Blank lines black puts between two top-level statements, when a cut there is safe.

    None when the statements must stay in one piece. A cut is made only after a one-line-kind
    statement (or the module docstring), before a statement that is no definition and no
    expression (a string there would read as a docstring), with only blank lines in between,
    then (except after the docstring) comment lines, which go with the second statement.
    """
    previous_is_docstring = previous_is_first and _is_module_docstring(previous, lines)
    if not (isinstance(previous, _ONE_LINE_STATEMENTS) or previous_is_docstring):
        return None
    if isinstance(node, (*_DEFINITIONS, ast.Expr)) or (
        isinstance(previous, _IMPORTS) and isinstance(node, _IMPORTS)
    ):
        return None
    if previous_is_docstring:
        # always one blank line after a module docstring (but comments there are special)
        return 1 if _only_blank_between(previous, node, lines) else None
    blanks = _blanks_before_comments(previous, node, lines)
    if blanks is None:
        return None
    if isinstance(previous, _IMPORTS):
        return 1  # always one blank line after top-level imports
    return min(blanks, 2)


def _only_blank_between(previous: ast.stmt, node: ast.stmt, lines: list[str]) -> bool:
    """Whether `node` starts on a later line than `previous` ends, with only blank lines between."""
    end = previous.end_lineno or previous.lineno
    return _blanks_before_comments(previous, node, lines) == node.lineno - 1 - end


def _blanks_before_comments(previous: ast.stmt, node: ast.stmt, lines: list[str]) -> int | None:
    """Blank lines after `previous` when only they, then comment lines right above `node`, sit
    between the two; None when anything else does."""
    end = previous.end_lineno or previous.lineno
    between = lines[end : node.lineno - 1]
    if node.lineno <= end or any("\f" in line for line in between):
        return None
    blanks = 0
    while blanks < len(between) and not between[blanks].strip():
        blanks += 1
    if not all(line.lstrip().startswith("#") for line in between[blanks:]):
        return None
    return blanks


class Piece(NamedTuple):
    gap: int
    """Blank lines black puts before the piece."""
    source: str
    first_line: int
    """Its 1-based line number in the module."""
    statement: ast.stmt | None
    """Its statement when it holds only one (comment lines above it apart)."""


def cut(lines: list[str], tree: ast.Module) -> list[Piece]:
    """Cut a module into pieces, blank pieces left out."""
    starts: list[tuple[int, int, int]] = []  # (first line index, blank lines before, statement)
    for index, node in enumerate(tree.body):
        if index == 0:
            starts.append((0, 0, 0))
            continue
        previous = tree.body[index - 1]
        if index == 1 and isinstance(previous, ast.Expr):
            # After a module docstring black's blank lines depend on what follows (decorator,
            # comment, definition), so anything but a simple statement stays in its piece.
            if (gap := _simple_gap(previous, node, lines, previous_is_first=True)) is not None:
                starts.append((node.lineno - 1, gap, index))
            continue
        # After a definition, black puts two blank lines unless a comment comes between; and
        # a piece opening with a string statement would make that a module docstring.
        if isinstance(node, _DEFINITIONS) or (
            isinstance(previous, _DEFINITIONS)
            and not isinstance(node, ast.Expr)
            and _only_blank_between(previous, node, lines)
        ):
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            starts.append((first - 1, _DEFINITION_GAP, index))
            continue
        if (gap := _simple_gap(previous, node, lines, previous_is_first=False)) is not None:
            starts.append((node.lineno - 1, gap, index))
    starts.append((len(lines), 0, len(tree.body)))
    pieces: list[Piece] = []
    for index in range(len(starts) - 1):
        (start, gap, statement), (end, next_gap, next_statement) = starts[index : index + 2]
        # Comment lines just above the next piece belong to it (black keeps them attached).
        while end < len(lines) and end > start and lines[end - 1].lstrip().startswith("#"):
            end -= 1
        starts[index + 1] = (end, next_gap, next_statement)
        # Trailing blank lines: black drops them at the end of a file, the join puts them back.
        source = "".join(lines[start:end]).rstrip("\n")
        if source.strip():
            only = tree.body[statement] if next_statement == statement + 1 else None
            pieces.append(Piece(gap, source + "\n", start + 1, only))
    return pieces
