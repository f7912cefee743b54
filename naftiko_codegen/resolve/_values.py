"""Readers of raw spec values shared by the resolve modules: lists, maps, types, loose names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..canonical import Api, ConsumedParameter
from ..placeholders import normalise_name

__all__ = [
    "HTTP_METHODS",
    "REFERENCE",
    "as_dict",
    "as_list",
    "json_type",
    "match_api",
    "match_name",
    "match_param",
    "opt_str",
]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
"""The methods a consumed or exposed operation may use; anything else is read as GET."""

REFERENCE = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_\-.\[\]*]+)$")
"""`root.name`: an input qualified by its unit's namespace, or an earlier step's output."""

_SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})


def as_list(value: Any) -> list[Any]:
    """The value when it is a list, else an empty list (validation reported the rest)."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """The value when it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def opt_str(value: Any) -> str | None:
    """The value as text, keeping `None` as `None`."""
    return None if value is None else str(value)


def json_type(raw: Any, default: str) -> str:
    """A parameter type; an OpenAPI 3.1 list such as `[string, 'null']` gives its first type."""
    if isinstance(raw, list):
        raw = next((t for t in raw if t != "null"), None)
    text = str(raw) if raw else default
    return text if text in _SCALAR_TYPES else "string"


def match_name(name: str, candidates: Mapping[str, Any]) -> str | None:
    """Match exactly, then ignoring case and `-`/`_`; `None` when absent or ambiguous."""
    if name in candidates:
        return name
    folded = [c for c in candidates if normalise_name(c) == normalise_name(name)]
    return folded[0] if len(folded) == 1 else None


def match_api(name: str, candidates: Mapping[str, Api]) -> Api | None:
    """The consumed API a namespace names, matched as `match_name` does."""
    matched = match_name(name, candidates)
    return candidates[matched] if matched is not None else None


def match_param(
    name: str, params: Iterable[ConsumedParameter], location: str | None
) -> ConsumedParameter | None:
    """The one parameter named like `name` once case and `-`/`_` are ignored, at `location`."""
    folded = [
        p
        for p in params
        if normalise_name(p.name) == normalise_name(name)
        and (location is None or p.location == location)
    ]
    return folded[0] if len(folded) == 1 else None
