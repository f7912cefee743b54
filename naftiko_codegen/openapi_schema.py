"""OpenAPI schemas as a capability can say them: enums on inputs, response fields as outputs.

Helpers of `openapi_import`: an input keeps its `enum` as a description and, for strings, as a
`pattern` (the spec's exposed parameters have no `enum`); an object response schema becomes the
consumed operation's named outputs, `$.field` per property (they name the reply's fields for
orchestration steps and change nothing in a plain call).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["NAME", "imported_input", "schema_outputs"]

NAME = re.compile(r"^[a-zA-Z0-9_*-]+$")
"""A name Naftiko accepts for a parameter or an output."""
_TYPES = {"string", "number", "integer", "boolean", "array", "object"}
_OUTPUT_TYPES = {"string", "number", "boolean", "object", "array"}
"""The types a consumed output parameter may declare (`integer` is written `number`)."""


def imported_input(
    name: str, location: str, kind: str, description: str, required: bool, enum: Any
) -> dict[str, Any]:
    """One imported input; an enum is kept in the description and, for strings, a pattern."""
    found: dict[str, Any] = {
        "name": name,
        "in": location,
        "type": kind if kind in _TYPES else "string",
        "description": description,
        "required": required,
    }
    values = [v for v in (enum if isinstance(enum, list) else []) if _scalar(v)]
    if values:
        shown = ", ".join(str(v) for v in values)
        found["description"] = f"{description.rstrip('.')}. One of: {shown}."
        if found["type"] == "string" and all(isinstance(v, str) for v in values):
            found["pattern"] = "^(?:" + "|".join(re.escape(str(v)) for v in values) + ")$"
    return found


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def schema_outputs(
    schema: Mapping[str, Any], resolve: Callable[[Any], Any]
) -> list[dict[str, Any]]:
    """The properties of an object (or array-of-objects) response schema, as named outputs."""
    if schema.get("type") == "array":
        items = resolve(schema.get("items"))
        schema = items if isinstance(items, dict) else {}
    properties = schema.get("properties")
    outputs: list[dict[str, Any]] = []
    for key, raw in (properties if isinstance(properties, dict) else {}).items():
        prop = resolve(raw)
        kind = str(prop.get("type") or "string") if isinstance(prop, dict) else "string"
        kind = "number" if kind == "integer" else kind
        if NAME.match(str(key)):
            outputs.append(
                {
                    "name": str(key),
                    "type": kind if kind in _OUTPUT_TYPES else "string",
                    "value": f"$.{key}",
                }
            )
    return outputs
