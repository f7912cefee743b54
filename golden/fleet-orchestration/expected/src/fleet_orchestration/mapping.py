"""Output shaping: the spec's `outputParameters` applied to an upstream JSON body.

Supports the JSONPath subset capabilities use: `$`, `.name`, `['name']`, `[index]` and `[*]`.
A path that does not resolve yields `None`, as in the Naftiko engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .http_client import UpstreamResponse

__all__ = ["as_boolean", "as_number", "json_path", "map_output", "mock_response", "render"]

_TOKEN = re.compile(r"\.([^.\[\]]+)|\[\s*(\*|-?\d+|'[^']*'|\"[^\"]*\")\s*\]")
_WILDCARD = object()


def _steps(path: str) -> list[Any] | None:
    expression = path.strip()
    if expression.startswith("{{") and expression.endswith("}}"):
        expression = expression[2:-2].strip()
    if expression in ("$", "$."):
        return []
    if not expression.startswith("$"):
        return None
    steps: list[Any] = []
    cursor = 1
    while cursor < len(expression):
        match = _TOKEN.match(expression, cursor)
        if match is None:
            return None
        name, index = match.groups()
        if name is not None:
            steps.append(_WILDCARD if name == "*" else name)
        elif index == "*":
            steps.append(_WILDCARD)
        elif index[0] in "'\"":
            steps.append(index[1:-1])
        else:
            steps.append(int(index))
        cursor = match.end()
    return steps


def json_path(data: Any, path: str) -> Any:
    """Evaluate a simple JSONPath against `data`; `None` when any step is missing."""
    steps = _steps(path)
    if steps is None:
        return None
    current: list[Any] = [data]
    spread = False
    for step in steps:
        following: list[Any] = []
        for node in current:
            if step is _WILDCARD:
                spread = True
                if isinstance(node, list):
                    following.extend(node)
                elif isinstance(node, dict):
                    following.extend(node.values())
            elif isinstance(step, int):
                if isinstance(node, list) and -len(node) <= step < len(node):
                    following.append(node[step])
            elif isinstance(node, dict) and step in node:
                following.append(node[step])
        current = following
    if spread:
        return current
    return current[0] if current else None


def _coerce(value: Any, kind: str | None) -> Any:
    if value is None or kind is None:
        return value
    try:
        if kind == "string" and not isinstance(value, dict | list):
            return value if isinstance(value, str) else str(value)
        if kind == "number" and isinstance(value, str):
            number = float(value)
            return int(number) if number.is_integer() else number
        if kind == "boolean" and isinstance(value, str):
            return value.strip().lower() == "true"
    except ValueError:
        return value
    return value


_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render(template: str, params: Mapping[str, Any]) -> str:
    """A Mustache `value` (`"hello {{who}}"`) rendered with the unit's parameters.

    As in the Naftiko engine (JMustache, `defaultValue("")`), a name with no value renders
    empty; a dotted name walks into nested objects.
    """

    def value(match: re.Match[str]) -> str:
        node: Any = params
        for key in match.group(1).split("."):
            node = node.get(key) if isinstance(node, Mapping) else None
        return _text(node)

    return _PLACEHOLDER.sub(value, template)


def map_output(
    data: Any,
    shape: dict[str, Any],
    *,
    single_item_lists: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """Apply one output parameter (with nested `properties`/`items`) to a JSON document.

    `single_item_lists`: the data came from XML, which has no arrays (a lone repeated element
    reads as an object); an array output then takes such an object as a one-item list.
    `params`: the unit's parameters (its inputs, then its `with` values), which a Mustache
    `value` renders. A shape `{"first_of": [...]}` answers the first of several outputs that
    maps to a value (the engine's rule for several unnamed outputs).
    """

    def again(node: Any, sub: dict[str, Any]) -> Any:
        return map_output(node, sub, single_item_lists=single_item_lists, params=params)

    alternatives = shape.get("first_of")
    if isinstance(alternatives, list):
        found = (again(data, one) for one in alternatives if isinstance(one, dict))
        return next((mapped for mapped in found if mapped is not None), None)
    kind = shape.get("type")
    if "value" in shape and "mapping" not in shape:
        value = shape["value"]
        if isinstance(value, str) and "{{" in value:
            value = render(value, params or {})
        return _coerce(value, kind)
    mapping = shape.get("mapping")
    if kind == "object" or "properties" in shape:
        properties = shape.get("properties")
        if not isinstance(properties, dict):
            return json_path(data, mapping) if isinstance(mapping, str) else data
        # Property paths are evaluated against the same root as their object (engine parity).
        return {name: again(data, sub) for name, sub in properties.items() if isinstance(sub, dict)}
    if kind == "array":
        selected = json_path(data, mapping) if isinstance(mapping, str) else data
        if single_item_lists and isinstance(selected, dict | str):
            selected = [selected]
        if not isinstance(selected, list):
            return None
        items = shape.get("items")
        if not isinstance(items, dict):
            return selected
        if isinstance(items.get("properties"), dict) or "mapping" in items:
            return [again(element, items) for element in selected]
        return selected
    if isinstance(mapping, str):
        return _coerce(json_path(data, mapping), kind)
    return data


def as_number(value: str) -> int | float | str:
    """A templated mock value declared as a number: a number when it reads as one."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def as_boolean(value: str) -> bool | str:
    """A templated mock value declared as a boolean."""
    lowered = value.strip().lower()
    return lowered == "true" if lowered in ("true", "false") else value


def mock_response(payload: Any) -> UpstreamResponse:
    """A mock answer dressed as an upstream reply, so tools treat both alike."""
    return UpstreamResponse(200, json.dumps(payload).encode(), "application/json")
