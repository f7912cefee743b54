"""Catalogue NAF375-NAF379 and NAF384-NAF386: inputs whose meaning would be lost silently.

Exposed input `value` and `pattern`, simple-mode outputs, `in: environment` parameters and
`with` references that look like typos. Each entry: code, severity, title, hint, what it means,
an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "NAF375",
        _ERROR,
        "input pattern is not a regular expression",
        "write a valid regular expression, e.g. `^[a-z0-9-]+$`",
        "An exposed input's `pattern` is enforced by the generated server (a value that does "
        "not match is refused with 422), so it must compile as a regular expression.",
        "pattern '[a-' of input 'who' is not a regular expression: unterminated character set",
    ),
    CatalogueEntry(
        "NAF376",
        _WARNING,
        "input value that is a JSONPath outside the body",
        "move the input to `in: body`, or drop the `$` to make it a constant",
        "A `value` starting with `$` is a JSONPath into the JSON request body; only `in: body` "
        "inputs read the body, so on another location it is taken as a constant text.",
        "input 'userId' (in: query) has the JSONPath value '$.user.id'; only body inputs read "
        "the body, so it is sent as the constant text",
    ),
    CatalogueEntry(
        "NAF377",
        _WARNING,
        "`with` reference that looks like a typo",
        "correct the reference, or declare the input it names",
        "A `with` value (or placeholder) names an input nobody declared, so a new input is "
        "inferred for it; its name is close to a declared input or a path placeholder of the "
        "unit, which then no longer feeds the call.",
        "`with` reference 'sesion_id' names no declared input, so a new input 'sesion_id' is "
        "inferred; did you mean 'session_id'?",
    ),
    CatalogueEntry(
        "NAF378",
        _WARNING,
        "unnamed outputs beside others",
        "name every output to answer them as one object",
        "A simple-mode unit declares several `outputParameters`. When all are named, the "
        "answer is an object keyed by name; when some are unnamed, the first one that maps to "
        "a value is the answer (as in the Naftiko engine) and the others are not sent.",
        "2 outputs, not all named: the first that maps to a value is the answer",
    ),
)
"""The codes of this module, in code order."""
