"""Part of stage 6, format: lay out statements exactly as black would, without black.

Black is the generator's slowest stage, and data tables, the largest statements, follow a few
rules black applies to them, so they are laid out here (about half of a build's time saved).

The largest statements are data tables: the MCP tool list with its JSON schemas, the argument
table, the tests' route and tool tables. For data, black's rules are few:

- a line that fits in 100 columns stays on one line, unless it holds a magic trailing comma;
- otherwise it is split at its last bracket: what comes before and the bracket stay on the
  first line, the contents go one level deeper, the closing bracket gets its own line;
- a list, tuple, set or dict literal with more than one element (or a magic trailing comma)
  then gets one element per line, each with a trailing comma; a call's arguments stay on one
  line if they fit there, else they get the same treatment; a lone element is laid out alone;
- a line without brackets to split at stays as it is, even when too long.

`layout_assignment` applies those rules to `name[: annotation] = <data>` where the data is
made of literals, names and calls. It returns None for anything outside what it knows
(comments inside, strings or numbers black would rewrite, redundant parentheses, a first line
that cannot fit, …): the caller then asks black. Tests compare it with black on generated
packages and on random input.
"""

from __future__ import annotations

import ast
import re

from black.strings import str_width

__all__ = ["LINE_LENGTH", "layout_assignment"]

LINE_LENGTH = 100
"""`format.BLACK_MODE`'s line length (a test keeps them equal)."""
_INDENT = "    "

_ESCAPE = r"\\[\\abfnrtv0-7]|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8}"
_STRING = re.compile(
    rf"""
    "[^"\\\r\n]*(?:(?:{_ESCAPE})[^"\\\r\n]*)*"
  | '(?=[^']*")[^'\\\r\n]*(?:(?:{_ESCAPE})[^'\\\r\n]*)*'
""",
    re.VERBOSE,
)
"""A string black leaves as written: no prefix, no escaped quote, no uppercase hex, and double
quotes unless it holds a double quote (black never adds escapes to change quotes)."""
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?")
"""A number black leaves as written (no `1.`, `.5`, `1E5`, `1e+5`, `0X1F` to normalise)."""
_COMMENT = re.compile(r"#(?: \S(?:.*\S)?)?")
"""A comment line black leaves as written."""
_STRIP = re.compile(r"\"[^\"\\\r\n]*(?:\\.[^\"\\\r\n]*)*\"|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'")
"""One-line string tokens, cut out before counting brackets and commas in the source.

These patterns are unrolled loops (`[^q\\]*(?:\\.[^q\\]*)*`), as in `pieces._TOKENS`: a
`(?:a|b)*` step per character kept backtracking state for every character of a long string."""


class _Unsure(Exception):
    """The statement leaves the language this module knows black's layout for."""


def layout_assignment(node: ast.stmt, piece: str, first_line: int) -> str | None:
    """Black's layout of `piece`: comment lines, then `node`, which starts on line `first_line`.

    None when black must decide. `piece` holds nothing after the statement but line breaks.
    """
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, annotation = node.targets[0], None
    elif isinstance(node, ast.AnnAssign) and node.simple:
        target, annotation = node.target, node.annotation
    else:
        return None
    if node.value is None or not isinstance(target, ast.Name):
        return None
    lines = piece.rstrip("\n").split("\n")
    comments, statement = lines[: node.lineno - first_line], lines[node.lineno - first_line :]
    if len(statement) != (node.end_lineno or node.lineno) - node.lineno + 1:
        return None  # something follows the statement
    if not all(_COMMENT.fullmatch(line) for line in comments):
        return None  # blank lines or comments black would touch up
    try:
        head = _head(target, annotation, statement)
        value = _Printer(statement, node.lineno, _strings_blanked(statement, head))
        body = value.lines(node.value, head)
    except _Unsure:
        return None
    return "".join(line + "\n" for line in [*comments, *body])


def _head(target: ast.Name, annotation: ast.expr | None, statement: list[str]) -> str:
    """`name = ` or `name: annotation = `, as black writes it; _Unsure if the source differs."""
    if annotation is None:
        head = f"{target.id} = "
    elif all(isinstance(n, _ANNOTATION_NODES) for n in ast.walk(annotation)):
        head = f"{target.id}: {ast.unparse(annotation)} = "
    else:
        raise _Unsure
    if not statement[0].startswith(head):
        raise _Unsure
    return head


_ANNOTATION_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.Constant, ast.Load)


def _strings_blanked(statement: list[str], head: str) -> str:
    """The value's source with string tokens cut out; _Unsure if it holds a comment."""
    text = _STRIP.sub('""', "\n".join(statement)[len(head) :])
    if "#" in text or "\\" in text or ";" in text:
        raise _Unsure  # a comment, a line continuation, a semicolon
    return text


class _Printer:
    """Lines of one data value, laid out as black lays them out."""

    def __init__(self, statement: list[str], first_line: int, value_source: str) -> None:
        self._statement = statement
        self._first_line = first_line
        self._value_source = value_source
        self._encoded: dict[int, bytes] = {}
        self._flat: dict[int, str] = {}
        self._exploded: dict[int, bool] = {}
        """Per node: whether it holds a magic trailing comma, so never fits on one line."""
        self._magic: set[int] = set()
        """Nodes whose own brackets end with a magic trailing comma."""
        self._brackets = 0
        self._commas = 0

    def lines(self, value: ast.expr, head: str) -> list[str]:
        """The statement `head + value`, laid out."""
        flat = self.flat(value)
        # Every bracket and comma of the source must be one the syntax tree accounts for:
        # otherwise there are redundant parentheses, which black treats in its own ways.
        source = self._value_source
        if (
            source.count("(") + source.count("[") + source.count("{") != self._brackets
            or source.count(",") != self._commas
        ):
            raise _Unsure
        if not self._exploded[id(value)] and _fits(head + flat):
            return [head + flat]
        # Too long: black splits at the value's last bracket only if the first line then
        # fits; otherwise it wraps the value in parentheses (or leaves the line long).
        if not isinstance(value, _BRACKETED):
            return self._unsplittable(value, head, flat)
        opening = self.flat(value.func) + "(" if isinstance(value, ast.Call) else flat[0]
        if not _fits(head + opening):
            raise _Unsure
        out: list[str] = []
        self._lay_out(value, 0, head, trailer="", out=out)
        return out

    @staticmethod
    def _unsplittable(value: ast.expr, head: str, flat: str) -> list[str]:
        """A statement too long, with no bracket in its value to split at.

        Black then wraps the value in parentheses: always after an annotation, else only if
        that makes it fit; otherwise it leaves the line long.
        """
        if not isinstance(value, (ast.Name, ast.Constant)):
            raise _Unsure  # black might split at an operator or a dot
        annotated = ": " in head  # `name: annotation = `
        if annotated or _fits(_INDENT + flat):
            if not _fits(head + "("):
                raise _Unsure
            return [head + "(", _INDENT + flat, ")"]
        return [head + flat]

    # One-line rendering -------------------------------------------------------------------

    def flat(self, node: ast.expr) -> str:
        """`node` on one line; counts its brackets and commas, notes magic trailing commas."""
        key = id(node)
        text = self._flat.get(key)
        if text is None:
            text = self._flat[key] = self._render(node)
            self._exploded[key] = key in self._magic or any(
                self._exploded[id(child)] for child in _children(node)
            )
        return text

    def _render(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return f"{node.value.id}.{node.attr}"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            if isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
                return "-" + self._constant(node.operand)
            raise _Unsure
        if isinstance(node, ast.List):
            return "[" + self._items(node, node.elts) + "]"
        if isinstance(node, ast.Set):
            return "{" + self._items(node, node.elts) + "}"
        if isinstance(node, ast.Tuple):
            return self._render_tuple(node)
        if isinstance(node, ast.Dict):
            return self._render_dict(node)
        if isinstance(node, ast.Call):
            return self._render_call(node)
        raise _Unsure

    def _render_tuple(self, node: ast.Tuple) -> str:
        if self._character(node.lineno, node.col_offset) != b"(":
            raise _Unsure  # a tuple without parentheses
        if len(node.elts) == 1:  # its comma is no magic trailing comma
            self._brackets += 1
            self._commas += 1
            return f"({self.flat(node.elts[0])},)"
        return "(" + self._items(node, node.elts) + ")"

    def _render_dict(self, node: ast.Dict) -> str:
        if not all(isinstance(key, (ast.Constant, ast.Tuple)) for key in node.keys):
            raise _Unsure  # `**mapping`, or a key black might split in other ways
        keys = [self.flat(k) for k in node.keys]  # type: ignore[arg-type]
        if any(self._exploded[id(k)] for k in node.keys):
            raise _Unsure  # a key with a magic trailing comma
        pairs = [f"{k}: {self.flat(v)}" for k, v in zip(keys, node.values, strict=True)]
        return "{" + self._joined(node, pairs) + "}"

    def _render_call(self, node: ast.Call) -> str:
        if not isinstance(node.func, (ast.Name, ast.Attribute)):
            raise _Unsure
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise _Unsure  # `*args` and `**kwargs`
        arguments = [self.flat(a) for a in node.args]
        arguments += [f"{k.arg}={self.flat(k.value)}" for k in node.keywords]
        if len(arguments) == 1 and self._trailing_comma(node):
            raise _Unsure  # `f(x,)`: no magic comma, kept on one line as written
        return self.flat(node.func) + "(" + self._joined(node, arguments) + ")"

    def _items(self, node: ast.expr, elements: list[ast.expr]) -> str:
        return self._joined(node, [self.flat(element) for element in elements])

    def _joined(self, node: ast.expr, items: list[str]) -> str:
        self._brackets += 1
        self._commas += max(len(items) - 1, 0)
        if items and self._trailing_comma(node):
            self._commas += 1
            self._magic.add(id(node))
        return ", ".join(items)

    def _trailing_comma(self, node: ast.expr) -> bool:
        """Whether a comma comes right before the node's closing bracket."""
        assert node.end_lineno is not None and node.end_col_offset is not None
        lineno, column = node.end_lineno, node.end_col_offset - 1
        while not (before := self._line(lineno)[:column].rstrip()):
            lineno -= 1  # the closing bracket opens its line
            column = len(self._line(lineno))
        return before.endswith(b",")

    def _constant(self, node: ast.Constant) -> str:
        value = node.value
        if value is None or value is True or value is False:
            return repr(value)
        if value is Ellipsis:
            return "..."
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            raise _Unsure  # a string over several lines
        text = self._line(node.lineno)[node.col_offset : node.end_col_offset].decode("utf-8")
        if isinstance(value, str):
            pattern = _STRING
        elif type(value) in (int, float):
            pattern = _NUMBER
        else:
            raise _Unsure  # bytes, complex numbers
        if not pattern.fullmatch(text):
            raise _Unsure
        return text

    def _character(self, lineno: int, column: int) -> bytes:
        return self._line(lineno)[column : column + 1]

    def _line(self, lineno: int) -> bytes:
        # ast offsets count UTF-8 bytes.
        encoded = self._encoded.get(lineno)
        if encoded is None:
            text = self._statement[lineno - self._first_line]
            encoded = self._encoded[lineno] = text.encode("utf-8")
        return encoded

    # Layout ---------------------------------------------------------------------------------

    def _lay_out_item(
        self, key: ast.Tuple, value: ast.expr, depth: int, *, trailer: str, out: list[str]
    ) -> None:
        """A dict item whose key has brackets too, so black has two places to split at."""
        indent = _INDENT * depth
        key_text, value_text = self.flat(key), self.flat(value)
        line = indent + key_text + ": " + value_text + trailer
        exploded = self._exploded[id(value)]
        if not exploded and _fits(line):
            out.append(line)
            return
        if not key.elts:
            out.append(line)  # black does not split empty brackets: nowhere to split
            return
        if not isinstance(value, _BRACKETED) or _is_empty(value):
            self._explode_key(key, depth, out)  # the last non-empty brackets are the key's
            out.append(indent + "): " + value_text + trailer)
            return
        value_lines: list[str] = []
        self._lay_out(value, depth, key_text + ": ", trailer=trailer, out=value_lines)
        # Black tries the brackets from the right: when the first line is too long it splits
        # at the key instead, if all after the key then fits in a line.
        if (
            not exploded
            and not _fits(value_lines[0])
            and len(indent + "): " + value_text + trailer) <= LINE_LENGTH
        ):
            self._explode_key(key, depth, out)
            self._lay_out(value, depth, "): ", trailer=trailer, out=out)
            return
        if _fits(value_lines[0]):
            out.extend(value_lines)
            return
        # Split at the value's brackets, then the first line at the key's.
        self._explode_key(key, depth, out)
        out.append(indent + ")" + value_lines[0][len(indent + key_text) :])
        out.extend(value_lines[1:])

    def _explode_key(self, key: ast.Tuple, depth: int, out: list[str]) -> None:
        """A tuple key's opening bracket and elements; the caller writes its closing line."""
        out.append(_INDENT * depth + "(")
        for element in key.elts:
            self._lay_out(element, depth + 1, "", trailer=",", out=out)

    def _lay_out(
        self, node: ast.expr, depth: int, prefix: str, *, trailer: str, out: list[str]
    ) -> None:
        """Append the lines of `prefix + node + trailer` at `depth`."""
        indent = _INDENT * depth
        flat = self.flat(node)
        line = indent + prefix + flat + trailer
        if not self._exploded[id(node)] and _fits(line):
            out.append(line)
            return
        if isinstance(node, ast.Call):
            opening = self.flat(node.func) + "("
            elements = [("", a) for a in node.args] + [
                (f"{k.arg}=", k.value) for k in node.keywords
            ]
        elif isinstance(node, ast.Dict):
            opening = "{"
            elements = [
                (f"{self.flat(k)}: ", v) for k, v in zip(node.keys, node.values, strict=True) if k
            ]
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            opening = flat[0]
            elements = [("", element) for element in node.elts]
        else:
            out.append(line)  # nothing to split at: black leaves the line long
            return
        if not elements:
            # Black does not split empty brackets, and there are no others: the line stays
            # long (a statement black wraps in parentheses instead).
            if depth == 0:
                raise _Unsure
            out.append(line)
            return
        out.append(indent + prefix + opening)
        inner = _INDENT * (depth + 1)
        if isinstance(node, ast.Call) and not self._exploded[id(node)]:
            # Arguments stay together on one line when they fit there.
            one_line = ", ".join(p + self.flat(e) for p, e in elements)
            if _fits(inner + one_line):
                out.append(inner + one_line)
                out.append(indent + ")" + trailer)
                return
        one_per_line = len(elements) > 1 or isinstance(node, ast.Tuple) or id(node) in self._magic
        comma = "," if one_per_line else ""
        keys = node.keys if isinstance(node, ast.Dict) else [None] * len(elements)
        for key, (element_prefix, element) in zip(keys, elements, strict=True):
            if isinstance(key, ast.Tuple):
                self._lay_out_item(key, element, depth + 1, trailer=comma, out=out)
            else:
                self._lay_out(element, depth + 1, element_prefix, trailer=comma, out=out)
        out.append(indent + flat[-1] + trailer)


_BRACKETED = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Call)


def _is_empty(node: ast.expr) -> bool:
    return not _children(node)


def _children(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return node.elts
    if isinstance(node, ast.Dict):
        return [*node.keys, *node.values]  # type: ignore[list-item]
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    return []


def _fits(line: str) -> bool:
    width = len(line) if line.isascii() else str_width(line)
    return width <= LINE_LENGTH
