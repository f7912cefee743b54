"""Output shaping: the spec's `outputParameters` applied to an upstream JSON body.

Supports the JSONPath subset capabilities use: `$`, `.name`, `['name']`, `[index]` and `[*]`.
A path that does not resolve yields `None`, as in the Naftiko engine.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .http_client import UpstreamResponse

__all__ = ["as_boolean", "as_number", "json_path", "map_output", "mock_response"]

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


def map_output(data: Any, shape: dict[str, Any], *, single_item_lists: bool = False) -> Any:
    """Apply one output parameter (with nested `properties`/`items`) to a JSON document.

    `single_item_lists`: the data came from XML, which has no arrays (a lone repeated element
    reads as an object); an array output then takes such an object as a one-item list.
    """
    kind = shape.get("type")
    if "value" in shape and "mapping" not in shape:
        return _coerce(shape["value"], kind)
    mapping = shape.get("mapping")
    if kind == "object" or "properties" in shape:
        properties = shape.get("properties")
        if not isinstance(properties, dict):
            return json_path(data, mapping) if isinstance(mapping, str) else data
        # Property paths are evaluated against the same root as their object (engine parity).
        return {
            name: map_output(data, sub, single_item_lists=single_item_lists)
            for name, sub in properties.items()
            if isinstance(sub, dict)
        }
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
            return [
                map_output(element, items, single_item_lists=single_item_lists)
                for element in selected
            ]
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
