"""Multipart request bodies (`multipartForm`): real `multipart/form-data`, file parts kept.

The spec's `multipartForm` is a list of `{name, value, filename?, contentType?}`. Each part is
sent under its name with its filename and content type (RFC 7578); values are rendered from
inputs as other bodies are (`text`: booleans as `true`/`false`, containers as JSON), bytes stay
bytes. A part whose value is absent (an optional input left out) is not sent.

`MultipartBody` is plain data: the HTTP client builds a fresh `aiohttp.FormData` from it for
each attempt (a form can be encoded once, and a retry or a digest challenge sends it again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from .upstream_request import text

__all__ = ["MultipartBody", "Part", "multipart_form"]


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a multipart body."""

    name: str
    value: str | bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class MultipartBody:
    """The parts of a `multipart/form-data` body, encoded anew by `form()` for each attempt."""

    parts: tuple[Part, ...]

    def form(self) -> aiohttp.FormData:
        """A `FormData` that aiohttp encodes as `multipart/form-data` (it sets the boundary)."""
        form = aiohttp.FormData(default_to_multipart=True)
        for part in self.parts:
            form.add_field(
                part.name, part.value, filename=part.filename, content_type=part.content_type
            )
        return form


def multipart_form(parts: Iterable[Mapping[str, Any]]) -> MultipartBody:
    """The body of `{name, value, filename, contentType}` parts; absent values left out."""
    kept: list[Part] = []
    for part in parts:
        value = part.get("value")
        if value is None:
            continue
        filename, content_type = part.get("filename"), part.get("contentType")
        kept.append(
            Part(
                str(part["name"]),
                value if isinstance(value, bytes) else text(value),
                text(filename) if filename not in (None, "") else None,
                text(content_type) if content_type not in (None, "") else None,
            )
        )
    return MultipartBody(tuple(kept))
