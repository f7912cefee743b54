"""Catalogue NAF282-NAF288: the lenient reader's changes (docs/dialect-policy.md).

Each is a warning: the file is read as the policy says, and the message names what was read.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_WARNING = Severity.WARNING
_POLICY = "The lenient reader (docs/dialect-policy.md) "
_HINT = "write the value the message gives; `--strict` makes this an error"

ENTRIES = (
    CatalogueEntry(
        "NAF282",
        _WARNING,
        "value read as an allowed value",
        _HINT,
        _POLICY + "reads a value outside the field's allowed values as the one it plainly "
        "means: case and punctuation ignored, a media type read as its format, a synonym or a "
        "type alias (`int`, `bool`, `date-time`), a plural, or a one-letter slip.",
        "`type` is 'Integer'; read as `integer`",
    ),
    CatalogueEntry(
        "NAF283",
        _WARNING,
        "unknown value given its default meaning",
        _HINT,
        _POLICY + "gives a value it cannot match the meaning its policy table names, e.g. an "
        "unknown scalar type is read as `string`, an unknown raw format as `binary`.",
        "`type` is 'money-amount', which is not one of string, number, integer, boolean, "
        "array, object; read as `string`",
    ),
    CatalogueEntry(
        "NAF284",
        _WARNING,
        "missing key given its default",
        _HINT,
        _POLICY + "fills a key the schema requires with the default its policy table names, "
        "e.g. a parameter without `in` is a `path` parameter when its name is a placeholder of "
        "the path, else a `query` parameter.",
        "input parameter has no `in`; read as 'query'",
    ),
    CatalogueEntry(
        "NAF285",
        _WARNING,
        "empty list ignored",
        "remove the key, or add the entries it was meant to hold",
        _POLICY + "ignores an optional list that the schema wants non-empty.",
        "`resources` is an empty list; the key is ignored",
    ),
    CatalogueEntry(
        "NAF286",
        _WARNING,
        "unit left out",
        "fix the key the message names to serve this unit",
        _POLICY + "leaves out one unit (an operation, tool, resource, parameter, adapter…) "
        "that cannot be read with a sure meaning, instead of refusing the whole file. When "
        "nothing is left to serve, the build still refuses (NAF302).",
        "operation has no `path`; this operation is left out",
    ),
    CatalogueEntry(
        "NAF287",
        _WARNING,
        "value of the wrong type read as the right one",
        _HINT,
        _POLICY + "converts a value of the wrong JSON type when nothing is lost: a quoted "
        'number, `"true"`, a single item where a list is expected; a null is ignored.',
        "`port` is '8080'; read as 8080 (integer)",
    ),
    CatalogueEntry(
        "NAF288",
        _WARNING,
        "misspelt key read as the key it is close to",
        "spell the key as the message gives it",
        _POLICY + "renames an unknown key that differs from exactly one allowed, absent key "
        "only by case and punctuation or by one letter.",
        "key 'methd' is read as `method`",
    ),
)
"""The lenient reader's codes, in code order."""
