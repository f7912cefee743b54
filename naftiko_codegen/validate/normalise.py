"""The lenient reader's rules: how a value outside an enum is read as one of its members.

Pure functions over strings, used by `validate.lenient` and listed in docs/dialect-policy.md.
`match_member(value, members, synonyms)` tries, in order: case-folding with punctuation
stripped, a MIME type reduced to its format name, the synonym table of the field, a plural
`s` dropped, and a spelling one edit away from exactly one member (values of 4+ characters).
`scalar_type` reads a type name (`int`, `Integer`, `date-time`, `str`…) as a JSON type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "MIME_FORMATS",
    "SCALAR_ALIASES",
    "fold",
    "match_member",
    "mime_format",
    "scalar_type",
    "within_one_edit",
]

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(value: str) -> str:
    """Case-folded, with every character that is not a letter or digit removed."""
    return _NOT_ALNUM.sub("", value.casefold())


MIME_FORMATS: Mapping[str, str] = {
    "json": "json",
    "problemjson": "json",
    "xml": "xml",
    "csv": "csv",
    "tabseparatedvalues": "tsv",
    "tsv": "tsv",
    "yaml": "yaml",
    "yml": "yaml",
    "html": "html",
    "xhtml": "html",
    "markdown": "markdown",
    "md": "markdown",
    "avro": "avro",
    "avrobinary": "avro",
    "protobuf": "protobuf",
    "proto": "protobuf",
    "octetstream": "binary",
    "pdf": "binary",
    "zip": "binary",
    "plain": "text",
    "formdata": "multipartForm",
    "wwwformurlencoded": "formUrlEncoded",
    "sparqlquery": "sparql",
}
"""A MIME subtype (folded, `x-` and `vnd.…+` removed) → the format name it means."""

_MEDIA_TOP = frozenset(
    {"application", "text", "image", "audio", "video", "multipart", "font", "model"}
)


def mime_format(value: str) -> str | None:
    """`application/json`, `application/vnd.api+json; charset=utf-8`, `text/csv` → a format.

    Media types of images, audio and video, and unknown subtypes of `application`, are
    `binary` (the body is passed through); None when `value` is not a media type.
    """
    top, slash, sub = value.strip().casefold().partition("/")
    if not slash or top not in _MEDIA_TOP:
        return None
    sub = sub.split(";", 1)[0].strip()
    sub = sub.rsplit("+", 1)[-1]
    sub = sub.removeprefix("x-").removeprefix("vnd.")
    found = MIME_FORMATS.get(fold(sub))
    if found is not None:
        return found
    if top in ("image", "audio", "video", "font", "application"):
        return "binary"
    return None


SCALAR_ALIASES: Mapping[str, str] = {
    **dict.fromkeys(
        [
            "int",
            "integer",
            "int8",
            "int16",
            "int32",
            "int64",
            "uint",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "long",
            "short",
            "bigint",
            "smallint",
            "tinyint",
            "whole",
        ],
        "integer",
    ),
    **dict.fromkeys(
        [
            "number",
            "num",
            "float",
            "float32",
            "float64",
            "double",
            "decimal",
            "numeric",
            "real",
            "money",
            "currency",
        ],
        "number",
    ),
    **dict.fromkeys(["bool", "boolean", "flag", "bit", "yesno"], "boolean"),
    **dict.fromkeys(
        [
            "str",
            "string",
            "text",
            "char",
            "varchar",
            "date",
            "datetime",
            "time",
            "timestamp",
            "duration",
            "uuid",
            "guid",
            "email",
            "uri",
            "url",
            "iri",
            "hostname",
            "ipv4",
            "ipv6",
            "password",
            "byte",
            "id",
            "enum",
            "regex",
            "phone",
            "markdown",
            "html",
        ],
        "string",
    ),
    **dict.fromkeys(
        [
            "object",
            "obj",
            "dict",
            "dictionary",
            "map",
            "hash",
            "hashmap",
            "json",
            "jsonobject",
            "record",
            "struct",
        ],
        "object",
    ),
    **dict.fromkeys(
        ["array", "list", "tuple", "set", "jsonarray", "collection", "sequence"], "array"
    ),
    **dict.fromkeys(
        ["file", "blob", "binary", "bytes", "upload", "attachment", "stream"], "binary"
    ),
    **dict.fromkeys(["null", "none", "nil"], "null"),
}
"""A type name as programming languages and OpenAPI `format`s write it → a JSON type."""

# When the field has no member for the alias: the nearest member that keeps the value usable.
_TYPE_FALLBACKS: Mapping[str, tuple[str, ...]] = {
    "integer": ("number", "string"),
    "binary": ("file", "string"),
    "null": ("string",),
}


def scalar_type(value: str, members: Iterable[str]) -> str | None:
    """The member of a JSON-type enum that a type name means; None when unknown."""
    allowed = list(members)
    key = fold(value)
    alias = SCALAR_ALIASES.get(key) or SCALAR_ALIASES.get(key.removesuffix("s"))
    if alias is None:
        return None
    if alias in allowed:
        return alias
    return next((m for m in _TYPE_FALLBACKS.get(alias, ()) if m in allowed), None)


def match_member(
    value: str, members: Iterable[str], synonyms: Mapping[str, str] | None = None
) -> str | None:
    """The one member `value` plainly means, by the rules of the module docstring; else None."""
    allowed = list(members)
    by_fold = {fold(m): m for m in allowed}
    key = fold(value)
    table = synonyms or {}
    for probe in (key, fold(mime_format(value) or "")):
        if probe in by_fold:
            return by_fold[probe]
        if probe in table and table[probe] in allowed:
            return table[probe]
    singular = key.removesuffix("s")
    if singular != key and (singular in by_fold or singular in table):
        return by_fold.get(singular) or table[singular]
    if len(key) >= 4:
        near = {m for f, m in by_fold.items() if within_one_edit(key, f)}
        near |= {m for f, m in table.items() if within_one_edit(key, f) and m in allowed}
        if len(near) == 1:
            return near.pop()
    return None


def within_one_edit(left: str, right: str) -> bool:
    """Whether one insertion, deletion, substitution or swap of neighbours turns one into the
    other (a swap counts as one edit: typing `PSOT` for `POST` is one slip)."""
    if left == right or abs(len(left) - len(right)) > 1:
        return left == right
    if len(left) == len(right):
        diff = [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and left[diff[0]] == right[diff[1]]
            and left[diff[1]] == right[diff[0]]
        )
    short, long_ = sorted((left, right), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
