"""Part of stage 6, format: a piece's shape, so pieces that differ only in names and plain
strings share one black run.

Black decides where lines break and what it rewrites from the syntax tree, keywords, comments,
string quoting and the width of each token; never from what an ordinary name or a plain string
says. The generated modules repeat the same code from one package to the next with other names
(a route handler, the settings test, the command line), so `shape` writes a piece with:

- every ASCII name that is no keyword nor soft keyword replaced by a placeholder of the same
  length, one placeholder per distinct name (black compares function names: a name used twice
  must stay one name, two names two);
- every plain double-quoted string (printable ASCII, no quote or backslash) replaced by one of
  the same length with `x` for each character but spaces (black strips a docstring's spaces);

and `unshape` puts the originals back, in order, into black's output for the shape: black keeps
every name and string token in its order (it adds or removes only brackets, commas and
whitespace). Black is asked once per shape (`format.__init__` memoises it). When black's output
does not hold exactly the placeholders in order, or a piece has a `fmt:` comment, the caller
formats the piece itself (tests compare both on goldens, a corpus sample and random input).
"""

from __future__ import annotations

import functools
import keyword
import re
import string
from typing import NamedTuple

__all__ = ["Shape", "shape", "unshape"]

_RESERVED = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, "type", "match", "case", "_", "print", "exec"}
    | {"async", "await", "lazy", "__future__"}
)
"""Names black reads by value (keywords, soft keywords, Python 2 statements; `__future__` too,
though black reads future imports only without target versions, and ours are set): never
replaced, never a placeholder."""

_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<kept>(?:[rRbBuUfF]{1,2})?(?:'\'\'[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'\'\'|"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"\"\"))
    | (?P<kept2>[rRbBuUfF]{1,2}(?:'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"))
    | (?P<plain>"[ !\#-&(-\[\]-~]*")
    | (?P<other>'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*")
    | (?P<number>[0-9](?:[\w.]|(?<=[eE])[+-])*)
    | (?P<name>\w+)
    """,
    re.VERBOSE | re.DOTALL,
)
"""Comments, strings, numbers and names; `plain` strings and ASCII `name`s are replaced.

Strings are matched before names so a prefix (`f"…"`) stays with its string, and numbers
before names so `1e5` is no name `e5`."""

_FIRST = string.ascii_letters + "_"
_REST = _FIRST + string.digits
_PLAIN_BODY = str.maketrans(dict.fromkeys(map(chr, range(0x21, 0x7F)), "x"))
"""A plain string's body as its placeholder: `x` for every character but the spaces."""


class Shape(NamedTuple):
    text: str
    """The piece with placeholders."""
    placeholders: tuple[str, ...]
    """Every replaced token of `text`, in order."""
    originals: tuple[str, ...]
    """What each placeholder stands for."""


@functools.cache
def _placeholder(length: int, number: int) -> str:
    """The `number`th identifier of `length` characters (`_FIRST` then `_REST` characters).

    There are as many as there are ASCII identifiers of that length, so the distinct names of a
    piece (none of them reserved, like the placeholders) never run out of them.
    """
    rest = []
    for _ in range(length - 1):
        number, digit = divmod(number, len(_REST))
        rest.append(_REST[digit])
    return _FIRST[number % len(_FIRST)] + "".join(reversed(rest))


def _name_for(length: int, used: dict[int, int]) -> str:
    """The next free placeholder of `length` characters, skipping reserved words."""
    while True:
        number = used.get(length, 0)
        used[length] = number + 1
        candidate = _placeholder(length, number)
        if candidate not in _RESERVED:
            return candidate


def shape(text: str) -> Shape | None:
    """The piece's shape, or None when it must go to black as it is."""
    if "fmt:" in text:
        return None
    names: dict[str, str] = {}
    used: dict[int, int] = {}
    placeholders: list[str] = []
    originals: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group()
        kind = match.lastgroup
        if kind == "plain":
            stand_in = token.translate(_PLAIN_BODY)
            stand_in = f'"{stand_in[1:-1]}"'
        elif kind == "name" and token.isascii() and token not in _RESERVED:
            stand_in = names.get(token) or names.setdefault(token, _name_for(len(token), used))
        else:
            return token
        placeholders.append(stand_in)
        originals.append(token)
        return stand_in

    shaped = _TOKENS.sub(replace, text)
    return Shape(shaped, tuple(placeholders), tuple(originals))


def unshape(formatted: str, piece: Shape) -> str | None:
    """Black's output for the shape with the original tokens back; None if they do not match."""
    position = 0
    mismatch = False

    def restore(match: re.Match[str]) -> str:
        nonlocal position, mismatch
        token = match.group()
        kind = match.lastgroup
        if kind != "plain" and (kind != "name" or not token.isascii() or token in _RESERVED):
            return token
        if position >= len(piece.placeholders) or piece.placeholders[position] != token:
            mismatch = True
            return token
        position += 1
        return piece.originals[position - 1]

    restored = _TOKENS.sub(restore, formatted)
    if mismatch or position != len(piece.placeholders):
        return None
    return restored
