"""Mustache-style `{{…}}` and `{x}` placeholders in spec strings, parsed into typed parts.

Shared by `resolve` (which binds each part) and `model` (which turns parts into code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Part",
    "Template",
    "normalise_name",
    "path_placeholders",
    "split_placeholders",
    "template_text",
]

PartKind = Literal["text", "input", "secret", "step", "unbound"]


@dataclass(frozen=True)
class Part:
    """One piece of a template: text, an adapter input, a bind variable, a step output, or nothing."""

    kind: PartKind
    value: str
    """The text itself, the input's public name, the bind variable's name, or `step.field…`."""


Template = tuple[Part, ...]
"""A string value as an ordered sequence of parts; `()` is the empty string."""

# In paths `{{ name }}` and a single-brace `{name}` mean the same placeholder; elsewhere
# (headers, bodies, auth values) only the Mustache form is one, so JSON text stays intact.
_PATH_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}|\{([^{}/]+)\}")
_MUSTACHE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def split_placeholders(text: str, *, path: bool = False) -> list[tuple[bool, str]]:
    """Split `text` into (is_placeholder, content) pieces, keeping literal text as is."""
    pieces: list[tuple[bool, str]] = []
    cursor = 0
    pattern = _PATH_PLACEHOLDER if path else _MUSTACHE
    for match in pattern.finditer(text):
        if match.start() > cursor:
            pieces.append((False, text[cursor : match.start()]))
        name = match.group(1) if match.group(1) is not None else match.group(2)
        pieces.append((True, name.strip()))
        cursor = match.end()
    if cursor < len(text):
        pieces.append((False, text[cursor:]))
    return pieces


def path_placeholders(path: str) -> list[str]:
    """Return the placeholder names of a URL path (`{x}` or `{{x}}`), in order."""
    return [name for is_placeholder, name in split_placeholders(path, path=True) if is_placeholder]


def normalise_name(name: str) -> str:
    """Fold a parameter name for loose matching: case-insensitive, `-` equals `_`."""
    return name.strip().lower().replace("-", "_")


def template_text(template: Template) -> str:
    """Render a template back to readable text (for docs and messages)."""
    out: list[str] = []
    for part in template:
        if part.kind == "text":
            out.append(part.value)
        else:
            out.append("{" + part.value + "}")
    return "".join(out)
