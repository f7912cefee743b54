"""Stage 2, validate: a loaded spec → located diagnostics from our JSON Schema (no semantics).

The schema (`schema/naftiko-capability.schema.json`) accepts official Naftiko 1.0.0-alpha2
plus the catalog dialect. Wherever the dialect is looser than the official schema, the schema
node carries an `x-naftiko-official` list of the stricter rules; a custom keyword checks them
and each deviation becomes a NAF26x warning. Everything else the schema rejects is an error,
except unknown keys, which are warnings (ignored) unless they look like a typo of an allowed key.
"""

from __future__ import annotations

import sys
from typing import Any

# jsonschema imports its optional format checkers eagerly, and one of them (rfc3987_syntax)
# builds a parser grammar at import: ~0.7 s of every run. The schema here checks no formats, so
# that module is marked absent unless something already loaded it (jsonschema skips it then).
# It must happen here, before any submodule imports jsonschema.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from ..diagnostics import Diagnostic, Severity, truncate  # noqa: E402
from ..load import LoadedSpec  # noqa: E402
from ..package_data import SCHEMA_FILE  # noqa: E402
from .dialect import DIALECT_CODES  # noqa: E402
from .lenient import read_leniently  # noqa: E402
from .messages import convert  # noqa: E402
from .schema import OFFICIAL, errors_of  # noqa: E402

__all__ = [
    "DIALECT_CODES",
    "SCHEMA_FILE",
    "SUPPORTED_VERSION",
    "read_and_validate",
    "read_leniently",
    "validate_spec",
]

SUPPORTED_VERSION = "1.0.0-alpha2"
"""The `naftiko` version accepted silently; older and unknown ones are read as it (NAF250)."""
_SHADOWED = frozenset({"enum", "const", "pattern", "minimum", "maximum", "minLength", "maxLength"})
_OLDER_VERSIONS = frozenset({"0.5", "1.0.0-alpha1"})
_CODE_VERSION = "NAF250"
_CODE_MISSING, _CODE_NOTHING_LEFT = "NAF203", "NAF302"


def validate_spec(spec: LoadedSpec) -> list[Diagnostic]:
    """Check a loaded spec against our schema; return every finding, sorted by position."""
    found: dict[tuple[Any, ...], Diagnostic] = {}
    errors = errors_of(spec.data)
    # A value of the wrong type also fails its enum or pattern: report the type only.
    mistyped = {tuple(error.absolute_path) for error in errors if error.validator == "type"}
    # A scalar that is already an error needs no dialect warning as well.
    failed = {tuple(error.absolute_path) for error in errors if error.validator != OFFICIAL}
    for error in errors:
        if error.validator in _SHADOWED and tuple(error.absolute_path) in mistyped:
            continue
        if (
            error.validator == OFFICIAL
            and not isinstance(error.instance, dict)
            and tuple(error.absolute_path) in failed
        ):
            continue
        for diagnostic in convert(spec, error):
            found.setdefault(diagnostic.sort_key(), diagnostic)
    version = _check_version(spec)
    if version is not None:
        found.setdefault(version.sort_key(), version)
    return sorted(found.values(), key=Diagnostic.sort_key)


def read_and_validate(written: LoadedSpec) -> tuple[LoadedSpec, list[Diagnostic]]:
    """The spec as the lenient reader reads it, with the reader's findings and the schema's.

    When the reader left nothing to serve (its NAF302), the schema's finding at the same place
    ("a capability needs `exposes:` or `consumes:`", NAF203) only restates it without the
    cause, and is not reported.
    """
    spec, findings = read_leniently(written)
    nothing_left = {d.location for d in findings if d.code == _CODE_NOTHING_LEFT}
    checked = [
        d
        for d in validate_spec(spec)
        if not (d.code == _CODE_MISSING and d.location in nothing_left)
    ]
    return spec, [*findings, *checked]


def _check_version(spec: LoadedSpec) -> Diagnostic | None:
    value = spec.data.get("naftiko")
    if not isinstance(value, str) or value == SUPPORTED_VERSION:
        return None
    if value in _OLDER_VERSIONS:
        message = (
            f"`naftiko` is {truncate(value)}, an older version; reading it as {SUPPORTED_VERSION}"
        )
    else:
        message = (
            f"`naftiko` is {truncate(value)}, an unknown version; reading it as {SUPPORTED_VERSION}"
        )
    return Diagnostic(
        spec.locate(("naftiko",)),
        _CODE_VERSION,
        Severity.WARNING,
        message,
        f"write `naftiko: {SUPPORTED_VERSION}`",
    )
