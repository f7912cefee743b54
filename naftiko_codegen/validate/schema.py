"""Our JSON Schema and its validator, with the `x-naftiko-official` keyword for dialect rules."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.protocols import Validator

from ..package_data import schema_file

__all__ = ["OFFICIAL", "errors_of", "json_type_name", "schema", "validator"]

OFFICIAL = "x-naftiko-official"
"""The keyword holding the stricter official rules of a node the dialect loosens."""


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


def json_type_name(instance: Any) -> str:
    """The JSON Schema type name of a loaded YAML value."""
    return _JSON_TYPE_NAMES.get(type(instance), "number")


def _breaks_rule(rule: Mapping[str, Any], instance: Any) -> bool:
    if "types" in rule and json_type_name(instance) not in rule["types"]:
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
def schema() -> dict[str, Any]:
    with schema_file().open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


@functools.cache
def validator() -> Validator:
    document = schema()
    extend: Any = validators.extend  # untyped in types-jsonschema
    cls: type[Validator] = extend(Draft202012Validator, {OFFICIAL: _official_keyword})
    return cls(document)


_LAST: list[tuple[Any, list[ValidationError]]] = []


def errors_of(data: Any, *, fresh: bool = False) -> list[ValidationError]:
    """Every schema error of `data`. The lenient reader and then the validate stage look at the
    same document in turn: the last result is kept (by identity) for one more look only, so a
    document changed in place later is validated afresh. `fresh` recomputes now."""
    if not fresh and _LAST and _LAST[0][0] is data:
        return _LAST.pop()[1]
    errors = list(validator().iter_errors(data))
    _LAST[:] = [(data, errors)]
    return errors
