"""jsonschema errors → located diagnostics worded for people: what was found, what was expected."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from jsonschema import ValidationError

from ..diagnostics import Diagnostic, Location, Severity, truncate
from ..load import LoadedSpec, NodePath
from .dialect import DIALECT_CODES
from .schema import OFFICIAL, json_type_name
from .schema import schema as schema_document

__all__ = ["convert"]

_HINT = "x-hint"

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


def convert(spec: LoadedSpec, error: ValidationError) -> Iterator[Diagnostic]:
    """Turn one jsonschema error into located diagnostics."""
    path: NodePath = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance: Any = error.instance
    expected: Any = error.validator_value
    if kind == OFFICIAL:
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
        jsontype=json_type_name(instance),
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
            return _describe(schema_document()["$defs"].get(target.removeprefix("#/$defs/")))
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
