"""What HTTP can carry: header and cookie names are tokens, their written values hold no control
character, and an exposed path parameter is one segment of text.

Each check reports a located error (NAF313, NAF316, NAF317) instead of letting the spec build
into a package whose HTTP client (or FastAPI) refuses the value at import or on every call.
Values read at run time (inputs, binds) are the runtime's to check; only text written in the
spec is checked here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..diagnostics import truncate
from ..load import NodePath
from ..placeholders import Template
from .scope import Scope

__all__ = ["check_exposed_inputs", "check_field", "check_field_value", "check_path_text"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""RFC 9110 §5.6.2 `token`: what a field name (and a cookie name, RFC 6265) may be."""
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
"""Control characters HTTP forbids in a field value (RFC 9110 §5.5; HTAB is allowed)."""
_HTTP_FIELDS = ("header", "cookie")


def _token_problem(name: str) -> str:
    """Why `name` is not a token, or ""."""
    if _TOKEN.fullmatch(name):
        return ""
    if not name:
        return "it is empty"
    bad = next(ch for ch in name if not _TOKEN.fullmatch(ch))
    return f"{_char(bad)} is not allowed"


def _quoted(text: str) -> str:
    """A value as a message quotes it: cut to 60 characters, control characters escaped."""
    return repr(text if len(text) <= 60 else text[:59] + "…")


def _char(ch: str) -> str:
    """A character as a message shows it: printable ones quoted, others as U+XXXX."""
    return repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"


def check_field(
    scope: Scope, location: str, name: str, value: Template | None, path: NodePath
) -> None:
    """A consumed header or cookie parameter: its name, and the text its `value` writes."""
    if location not in _HTTP_FIELDS:
        return
    problem = _token_problem(name)
    if problem:
        scope.error(
            (*path, "name"),
            "NAF316",
            f"{location} name {truncate(name)} is not an HTTP token: {problem}",
            "use letters, digits and ``!#$%&'*+-.^_`|~`` only (e.g. `X-Request-Id`)",
        )
    if value is not None:
        written = "".join(part.value for part in value if part.kind == "text")
        check_field_value(scope, location, name, written, (*path, "value"))


def check_field_value(scope: Scope, location: str, name: str, text: Any, path: NodePath) -> None:
    """Text the spec writes into a header or cookie value: no control character."""
    if location not in _HTTP_FIELDS or not isinstance(text, str):
        return
    found = _CONTROL.search(text)
    if found is not None:
        scope.error(
            path,
            "NAF317",
            f"{location} {truncate(name)} value {_quoted(text)} carries control character "
            f"{_char(found.group())}",
            "remove the control character (a line break cannot be part of one header value)",
        )


def check_exposed_inputs(
    scope: Scope, raw: Iterable[Any], path: NodePath, placeholders: Iterable[str]
) -> None:
    """A REST unit's declared inputs: path and cookie ones are scalars, header and cookie names
    are tokens.

    `raw` is an `inputParameters` list at `path`; an input named like a placeholder of the
    resource path is a path parameter whatever its `in`.
    """
    in_path = set(placeholders)
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        i_path: NodePath = (*path, index)
        name = str(item.get("name", ""))
        kind = item.get("type")
        where = "path" if name in in_path else str(item.get("in") or "")
        if where in ("path", "cookie") and kind in ("array", "object"):
            scope.error(
                (*i_path, "type"),
                "NAF313",
                f"REST {where} parameter {truncate(name)} is declared `type: {kind}`; a "
                f"{'path segment' if where == 'path' else 'cookie'} carries one value",
                "declare it `type: string` (or integer, number, boolean), or take the list in "
                "the query",
            )
        location = str(item.get("in") or "")
        _check_value_and_pattern(scope, item, i_path, name, where)
        problem = _token_problem(name) if location in _HTTP_FIELDS else ""
        if problem:
            scope.error(
                (*i_path, "name"),
                "NAF316",
                f"{location} name {truncate(name)} is not an HTTP token: {problem}",
                "use letters, digits and ``!#$%&'*+-.^_`|~`` only (e.g. `X-Request-Id`)",
            )


def _check_value_and_pattern(
    scope: Scope, item: Mapping[str, Any], path: NodePath, name: str, where: str
) -> None:
    """A `pattern` must compile (it is enforced); a JSONPath `value` reads only the body."""
    pattern = item.get("pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as problem:
            scope.error(
                (*path, "pattern"),
                "NAF375",
                f"pattern {truncate(pattern)} of input {truncate(name)} is not a regular "
                f"expression: {problem}",
                "write a valid regular expression, e.g. `^[a-z0-9-]+$`",
            )
    value = item.get("value")
    if isinstance(value, str) and value.startswith("$") and where not in ("body", ""):
        scope.warn(
            (*path, "value"),
            "NAF376",
            f"input {truncate(name)} (in: {where}) has the JSONPath value {truncate(value)}; "
            "only body inputs read the body, so it is sent as the constant text",
            "move the input to `in: body`, or drop the `$` to make it a constant",
        )


def check_path_text(scope: Scope, text: str, path: NodePath) -> None:
    """A consumed resource path: no control character in its text (NAF339)."""
    found = re.search(r"[\x00-\x1f\x7f]", text)
    if found is not None:
        scope.error(
            path,
            "NAF339",
            f"resource path {_quoted(text)} carries control character {_char(found.group())}",
            "remove the control character from the resource path",
        )
