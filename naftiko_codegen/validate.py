"""Stage 2, validate: a loaded spec → located diagnostics from our JSON Schema (no semantics).

The schema (`schema/naftiko-capability.schema.json`) accepts official Naftiko 1.0.0-alpha2
plus the catalog dialect. Wherever the dialect is looser than the official schema, the schema
node carries an `x-naftiko-official` list of the stricter rules; a custom keyword checks them
and each deviation becomes a NAF26x warning. Everything else the schema rejects is an error,
except unknown keys, which are warnings (ignored) unless they look like a typo of an allowed key.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

# jsonschema imports its optional format checkers eagerly, and one of them (rfc3987_syntax)
# builds a parser grammar at import: ~0.7 s of every run. The schema here checks no formats, so
# that module is marked absent unless something already loaded it (jsonschema skips it then).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from jsonschema import Draft202012Validator, ValidationError, validators  # noqa: E402
from jsonschema.protocols import Validator  # noqa: E402

from .diagnostics import Diagnostic, Location, Severity, truncate  # noqa: E402
from .load import LoadedSpec, NodePath  # noqa: E402

__all__ = ["DIALECT_CODES", "SCHEMA_FILE", "SUPPORTED_VERSION", "validate_spec"]

SCHEMA_FILE = "naftiko-capability.schema.json"
"""File name of our schema, under `naftiko_codegen/schema/` (wheel) or `<repo>/schema/`."""

SUPPORTED_VERSION = "1.0.0-alpha2"
"""The `naftiko` version accepted silently."""

_SHADOWED = frozenset({"enum", "const", "pattern", "minimum", "maximum", "minLength", "maxLength"})
_OLDER_VERSIONS = frozenset({"0.5", "1.0.0-alpha1"})
_OFFICIAL = "x-naftiko-official"
_HINT = "x-hint"

# One code per kind of schema failure (NAF203-NAF249).
_CODE_REQUIRED = "NAF203"
_CODE_ENUM = "NAF204"
_CODE_TYPE = "NAF205"
_CODE_PATTERN = "NAF206"
_CODE_RANGE = "NAF207"
_CODE_EMPTY = "NAF208"
_CODE_LENGTH = "NAF209"
_CODE_CONFLICT = "NAF210"
_CODE_OTHER = "NAF249"
_CODE_UNKNOWN = "NAF201"
_CODE_TYPO = "NAF202"
_CODE_VERSION = "NAF250"

DIALECT_CODES: Mapping[str, tuple[str, str]] = {
    "NAF260": (
        "consumed parameter carries {keys}, which official 1.0.0-alpha2 does not allow; "
        "accepted (catalog dialect)",
        "official consumed parameters have only `name`, `in` and `value`",
    ),
    "NAF261": (
        "`{field}` is {value}: official 1.0.0-alpha2 allows only letters, digits and `-` here; "
        "accepted (catalog dialect)",
        "use `-` instead of `_` or `.` for files meant for the reference engine",
    ),
    "NAF262": (
        "parameter name {value} is outside official 1.0.0-alpha2 names "
        "(letters, digits, `-`, `_`, `*`); accepted (catalog dialect)",
        "the name is sent upstream exactly as written",
    ),
    "NAF263": (
        "REST adapter carries `description`, which official 1.0.0-alpha2 allows only on "
        "mcp and skill adapters; accepted (catalog dialect)",
        "it becomes the generated FastAPI app description",
    ),
    "NAF264": (
        "`type: {type}` output has `mapping`/`value` but no `{missing}`, which official "
        "1.0.0-alpha2 requires; accepted as a pass-through (catalog dialect)",
        "the node selected by `mapping` is returned unchanged",
    ),
    "NAF265": (
        "`info` uses `title` where official 1.0.0-alpha2 expects `label`; "
        "accepted (catalog dialect)",
        "rename `title` to `label`",
    ),
    "NAF266": (
        "`{field}` is {value}: official 1.0.0-alpha2 allows only `<namespace>.<name>` "
        "with letters, digits and `-`; accepted (catalog dialect)",
        "the name is matched exactly, then with `-` and `_` treated alike",
    ),
    "NAF267": (
        "`method` is {value}, which official 1.0.0-alpha2 does not allow "
        "(GET, POST, PUT, PATCH, DELETE); accepted (catalog dialect)",
        "the reference engine cannot serve or send this method",
    ),
    "NAF268": (
        "operation carries `path`, which official 1.0.0-alpha2 allows only on the resource; "
        "accepted (catalog dialect)",
        "move the path to its own resource for files meant for the reference engine",
    ),
    "NAF269": (
        "`baseUri` is {value}, which official 1.0.0-alpha2 does not allow "
        "(expected `http(s)://host/path` without `{{`); accepted (catalog dialect)",
        "set the real base URL at run time with the `<NAMESPACE>_BASE_URL` environment variable",
    ),
    "NAF270": (
        "exposed parameter carries `required`, which official 1.0.0-alpha2 does not allow; "
        "accepted (catalog dialect)",
        "official exposed parameters have no `required` flag",
    ),
    "NAF271": (
        "exposed parameter has no `description`, which official 1.0.0-alpha2 requires; "
        "accepted (catalog dialect)",
        "add a `description:` line",
    ),
    "NAF272": (
        "operation is named with `id`, where official 1.0.0-alpha2 expects `name`; "
        "accepted (catalog dialect)",
        "rename `id` to `name`",
    ),
    "NAF273": (
        "request `body` has no `data`, which official 1.0.0-alpha2 requires; "
        "accepted: the caller's body is sent (catalog dialect)",
        "add `data:` with the body template, or drop `body` and use an `in: body` parameter",
    ),
    "NAF274": (
        "tool hints use the MCP spelling {keys}; official 1.0.0-alpha2 writes `readOnly`, "
        "`destructive`, `idempotent`, `openWorld`; accepted (catalog dialect)",
        "drop the `Hint` suffix",
    ),
    "NAF275": (
        "body `type` is {keyvalue}, which official 1.0.0-alpha2 does not allow; "
        "read as `formUrlEncoded` (catalog dialect)",
        "write `type: formUrlEncoded`",
    ),
    "NAF276": (
        "parameter `in` is {value} (Swagger 2), which official 1.0.0-alpha2 does not allow; "
        "sent as a form body field (catalog dialect)",
        "write the field in an `in: body` parameter or a `body: {{type: formUrlEncoded}}` block",
    ),
    "NAF277": (
        "parameter `value` is a JSON {jsontype}, where official 1.0.0-alpha2 expects a string; "
        "accepted as a body template (catalog dialect)",
        "write it as `body: {{type: json, data: ...}}` on the operation",
    ),
    "NAF278": (
        "`{field}` is null, where official 1.0.0-alpha2 expects a name; accepted "
        "(the name is not used to serve the API)",
        "give the resource a name, e.g. derived from its path",
    ),
    "NAF279": (
        "`outputRawFormat` is {value}, which official 1.0.0-alpha2 does not allow; the upstream "
        "body is passed through unchanged (catalog dialect)",
        "drop `outputRawFormat` for bodies that are not parsed",
    ),
    "NAF280": (
        "output parameter `type` is {value}, which official 1.0.0-alpha2 does not allow; "
        "accepted (consumed outputs only shape orchestration steps)",
        "use `string` for opaque content",
    ),
    "NAF281": (
        "tool has no `description`, which official 1.0.0-alpha2 requires; the description of "
        "the operation it calls is used (catalog dialect)",
        "describe what the tool does: MCP clients show it to the model",
    ),
}
"""Catalog-dialect deviations: code → (message template, hint). All are warnings."""

# Singular nouns for the list an item sits in, for messages such as "operation is missing …".
_NOUNS = {
    "consumes": "consumes entry",
    "exposes": "adapter",
    "binds": "binding",
    "resources": "resource",
    "operations": "operation",
    "tools": "tool",
    "prompts": "prompt",
    "skills": "skill",
    "aggregates": "aggregate",
    "functions": "function",
    "steps": "step",
    "mappings": "mapping",
    "inputParameters": "input parameter",
    "outputParameters": "output parameter",
    "arguments": "argument",
    "template": "message",
    "stakeholders": "stakeholder",
    "items": "item",
    "data": "part",
}

_JSON_TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _schema_path() -> Path:
    """Find our schema: inside the installed package first, else in the source checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "schema" / SCHEMA_FILE
    return installed if installed.is_file() else package.parent / "schema" / SCHEMA_FILE


def _official_keyword(
    validator: Validator, rules: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Check the stricter official rules; each failure is a dialect deviation (a warning)."""
    for rule in rules:
        if _breaks_rule(rule, instance):
            yield ValidationError(rule["code"], validator_value=rule)


_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    type(None): "null",
}


def _json_type_name(instance: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(instance), "number")


def _breaks_rule(rule: Mapping[str, Any], instance: Any) -> bool:
    if "types" in rule and _json_type_name(instance) not in rule["types"]:
        return True
    if isinstance(instance, dict):
        if any(key in instance for key in rule.get("forbid", ())):
            return True
        enums: Mapping[str, Any] = rule.get("enums", {})
        if any(key in instance and instance[key] not in allowed for key, allowed in enums.items()):
            return True
        return any(key not in instance for key in rule.get("require", ()))
    if isinstance(instance, str):
        if "pattern" in rule and not re.search(rule["pattern"], instance):
            return True
        return "enum" in rule and instance not in rule["enum"]
    return False


@functools.cache
def _schema() -> dict[str, Any]:
    with _schema_path().open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@functools.cache
def _validator() -> Validator:
    schema = _schema()
    extend: Any = validators.extend  # untyped in types-jsonschema
    cls: type[Validator] = extend(Draft202012Validator, {_OFFICIAL: _official_keyword})
    return cls(schema)


def validate_spec(spec: LoadedSpec) -> list[Diagnostic]:
    """Check a loaded spec against our schema; return every finding, sorted by position."""
    found: dict[tuple[Any, ...], Diagnostic] = {}
    errors = list(_validator().iter_errors(spec.data))
    # A value of the wrong type also fails its enum or pattern: report the type only.
    mistyped = {tuple(error.absolute_path) for error in errors if error.validator == "type"}
    # A scalar that is already an error needs no dialect warning as well.
    failed = {tuple(error.absolute_path) for error in errors if error.validator != _OFFICIAL}
    for error in errors:
        if error.validator in _SHADOWED and tuple(error.absolute_path) in mistyped:
            continue
        if (
            error.validator == _OFFICIAL
            and not isinstance(error.instance, dict)
            and tuple(error.absolute_path) in failed
        ):
            continue
        for diagnostic in _convert(spec, error):
            found.setdefault(diagnostic.sort_key(), diagnostic)
    version = _check_version(spec)
    if version is not None:
        found.setdefault(version.sort_key(), version)
    return sorted(found.values(), key=Diagnostic.sort_key)


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


def _convert(spec: LoadedSpec, error: ValidationError) -> Iterator[Diagnostic]:
    """Turn one jsonschema error into located diagnostics."""
    path: NodePath = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance: Any = error.instance
    expected: Any = error.validator_value
    if kind == _OFFICIAL:
        yield _dialect(spec, path, expected, instance)
    elif kind == "additionalProperties":
        yield from _unknown_keys(spec, path, schema, instance)
    elif kind == "required":
        yield from _missing_keys(spec, path, schema, instance, expected)
    elif kind in ("enum", "const"):
        yield _bad_enum(spec, path, error)
    elif kind == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_JSON_TYPES.get(name, name) for name in names)
        yield _error(
            spec.locate(path),
            _CODE_TYPE,
            f"{_subject(path)} is {_show(instance)} ({_type_name(instance)}); expected {wanted}",
            _describe(schema) or f"write {wanted} here",
        )
    elif kind == "pattern":
        yield _bad_pattern(spec, path, error, schema)
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "maximum": "at most"}.get(kind, kind)
        yield _error(
            spec.locate(path),
            _CODE_RANGE,
            f"{_subject(path)} is {_show(instance)}; expected {bound} {error.validator_value}",
            _describe(schema),
        )
    elif kind == "minItems":
        yield _error(
            spec.locate(path),
            _CODE_EMPTY,
            f"{_subject(path)} has {len(instance)} item(s); expected at least {error.validator_value}",
            "add an entry or remove the key",
        )
    elif kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        yield _error(
            spec.locate(path),
            _CODE_LENGTH,
            f"{_subject(path)} is {len(instance)} characters long; expected {bound} "
            f"{error.validator_value}",
            _describe(schema),
        )
    elif kind == "not" and isinstance(expected, Mapping):
        yield from _conflicts(spec, path, schema, expected, instance)
    else:
        yield _error(
            spec.locate(path),
            _CODE_OTHER,
            f"{_subject(path)} is invalid: {truncate(error.message, 120)}",
            _describe(schema),
        )


def _error(location: Location, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(location, code, Severity.ERROR, message, hint)


def _dialect(spec: LoadedSpec, path: NodePath, rule: Any, instance: Any) -> Diagnostic:
    code: str = rule["code"]
    template, hint = DIALECT_CODES[code]
    mapping: Mapping[str, Any] = instance if isinstance(instance, dict) else {}
    present = [key for key in rule.get("forbid", ()) if key in mapping]
    missing = [key for key in rule.get("require", ()) if key not in mapping]
    off_enum = [
        key
        for key, allowed in rule.get("enums", {}).items()
        if mapping.get(key, allowed[0]) not in allowed
    ]
    if present:
        location = spec.locate((*path, present[0]), key=True)
    elif off_enum:
        location = spec.locate((*path, off_enum[0]))
    else:
        location = spec.locate(path)
    text = template.format(
        keyvalue=_show(mapping[off_enum[0]]) if off_enum else "",
        keys=", ".join(f"`{key}`" for key in present),
        missing=", ".join(missing),
        field=_field(path),
        value=_show(instance),
        jsontype=_json_type_name(instance),
        type=instance.get("type", "") if isinstance(instance, dict) else "",
    )
    return Diagnostic(location, code, Severity.WARNING, text, hint)


def _unknown_keys(
    spec: LoadedSpec, path: NodePath, schema: Mapping[str, Any], instance: Any
) -> Iterator[Diagnostic]:
    allowed = list(schema.get("properties", {}))
    for key in instance:
        if key in allowed:
            continue
        location = spec.locate((*path, key), key=True)
        match = _close_key(str(key), allowed)
        if match is None:
            yield Diagnostic(
                location,
                _CODE_UNKNOWN,
                Severity.WARNING,
                f"unknown key {truncate(key)} is ignored",
                f"{_noun(path)} keys are: {', '.join(allowed)}",
            )
        else:
            yield _error(
                location,
                _CODE_TYPO,
                f"unknown key {truncate(key)}; did you mean {match!r}?",
                f"rename it to `{match}`",
            )


def _close_key(key: str, allowed: Sequence[str]) -> str | None:
    """An allowed key this one is probably a typo of (same first letter, close spelling)."""
    for candidate in allowed:
        if candidate.lower() == key.lower():
            return candidate
    same_start = [candidate for candidate in allowed if candidate[:1].lower() == key[:1].lower()]
    matches = difflib.get_close_matches(key, same_start, n=1, cutoff=0.8)
    return matches[0] if matches else None


def _missing_keys(
    spec: LoadedSpec,
    path: NodePath,
    schema: Mapping[str, Any],
    instance: Any,
    required: Any,
) -> Iterator[Diagnostic]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for key in required:
        if key in instance:
            continue
        hint = schema.get(_HINT) or f"add `{key}:`"
        described = _describe(properties.get(key, {}))
        if described and _HINT not in schema:
            hint = f"{hint} — {described}"
        yield _error(
            spec.locate(path),
            _CODE_REQUIRED,
            f"{_noun(path)} is missing required key `{key}`",
            hint,
        )


def _bad_enum(spec: LoadedSpec, path: NodePath, error: ValidationError) -> Diagnostic:
    value: Any = error.instance
    allowed: Any = error.validator_value
    options = [allowed] if error.validator == "const" else list(allowed)
    listed = ", ".join(str(option) for option in options)
    text = [str(option) for option in options]
    hint = f"use one of {listed}"
    if isinstance(value, str):
        same = [option for option in text if option.lower() == value.lower()]
        prefix = [option for option in text if value and option.lower().startswith(value.lower())]
        close = same or difflib.get_close_matches(value, text, n=1, cutoff=0.6) or prefix
        if close:
            hint = f"did you mean `{close[0]}`?"
    expected = f"expected {listed}" if len(options) == 1 else f"expected one of {listed}"
    return _error(
        spec.locate(path), _CODE_ENUM, f"{_subject(path)} is {_show(value)}; {expected}", hint
    )


def _bad_pattern(
    spec: LoadedSpec, path: NodePath, error: ValidationError, schema: Mapping[str, Any]
) -> Diagnostic:
    if "propertyNames" in error.relative_schema_path or "propertyNames" in error.schema_path:
        # jsonschema reports a bad key at its mapping; point at the key itself.
        key: Any = error.instance
        return _error(
            spec.locate((*path, key), key=True),
            _CODE_PATTERN,
            f"variable name {truncate(key)} is not SCREAMING_SNAKE_CASE",
            "bind variables are written like `API_KEY` (capitals, digits and `_`)",
        )
    return _error(
        spec.locate(path),
        _CODE_PATTERN,
        f"{_subject(path)} is {_show(error.instance)}, which does not match "
        f"`{error.validator_value}`",
        _describe(schema),
    )


def _conflicts(
    spec: LoadedSpec,
    path: NodePath,
    schema: Mapping[str, Any],
    forbidden: Mapping[str, Any],
    instance: Any,
) -> Iterator[Diagnostic]:
    for key in forbidden.get("required", ()):
        if isinstance(instance, dict) and key in instance:
            yield _error(
                spec.locate((*path, key), key=True),
                _CODE_CONFLICT,
                f"`{key}` is not allowed in this {_noun(path)}",
                str(schema.get(_HINT, f"remove `{key}`")),
            )


def _describe(schema: Any) -> str:
    """The schema's own description, used as a hint on what the value should be."""
    if isinstance(schema, Mapping):
        description = schema.get("description")
        if isinstance(description, str):
            return description
        target = schema.get("$ref")
        if isinstance(target, str) and target.startswith("#/$defs/"):
            return _describe(_schema()["$defs"].get(target.removeprefix("#/$defs/")))
    return ""


def _noun(path: NodePath) -> str:
    """A readable name for the object at `path`, e.g. 'operation' or 'authentication'."""
    if not path:
        return "document"
    last = path[-1]
    if isinstance(last, int):
        parent = path[-2] if len(path) > 1 else ""
        return _NOUNS.get(str(parent), str(parent) or "item")
    return f"`{last}`"


def _field(path: NodePath) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "value"


def _subject(path: NodePath) -> str:
    """`'method'` for a mapping value, or 'tool' for a list item."""
    if path and isinstance(path[-1], str):
        return f"`{path[-1]}`"
    return _noun(path)


def _show(value: Any) -> str:
    return truncate(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
