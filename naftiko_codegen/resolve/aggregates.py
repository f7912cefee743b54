"""Aggregates: index their functions, and merge a unit with the function its `ref` names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..diagnostics import truncate
from ..load import NodePath
from ._values import as_dict, as_list
from .scope import AggregateFunction, Scope

__all__ = ["UnitDefinition", "collect_functions", "unit_definition"]

UnitDefinition = tuple[dict[str, Any], NodePath, frozenset[str], dict[str, bool]]
"""A unit as it is generated: its raw fields, where findings about them point, the roots that
qualify its inputs, and its tool hints."""

_HINT_NAMES = {
    "readOnly": "readOnly",
    "readOnlyHint": "readOnly",
    "destructive": "destructive",
    "destructiveHint": "destructive",
    "idempotent": "idempotent",
    "idempotentHint": "idempotent",
    "openWorld": "openWorld",
    "openWorldHint": "openWorld",
}


def collect_functions(scope: Scope, data: Mapping[str, Any]) -> None:
    """Index aggregate functions by `namespace.name` for `ref`."""
    capability = as_dict(data.get("capability"))
    for a_index, aggregate in enumerate(as_list(capability.get("aggregates"))):
        if not isinstance(aggregate, dict):
            continue
        namespace = str(aggregate.get("namespace") or "")
        for f_index, function in enumerate(as_list(aggregate.get("functions"))):
            if not isinstance(function, dict):
                continue
            path: NodePath = ("capability", "aggregates", a_index, "functions", f_index)
            key = f"{namespace}.{function.get('name')}"
            if key in scope.functions:
                scope.error(
                    (*path, "name"),
                    "NAF341",
                    f"aggregate function {key!r} is declared twice",
                    "give each function of an aggregate its own name",
                )
                continue
            scope.functions[key] = AggregateFunction(namespace, function, path)


def unit_definition(
    scope: Scope, unit: Mapping[str, Any], path: NodePath, roots: frozenset[str]
) -> UnitDefinition | None:
    """The unit itself, or merged with the aggregate function its `ref` names."""
    hints = _hints(unit.get("hints"))
    ref = unit.get("ref")
    if ref is None or "call" in unit:
        return dict(unit), path, roots, hints
    found = scope.functions.get(str(ref))
    if found is None:
        known = ", ".join(sorted(scope.functions)) or "none"
        # Lenient reader (docs/dialect-policy.md): only this unit is left out, like a call to an
        # undeclared operation; NAF302 refuses the file when no unit is left.
        scope.warn(
            (*path, "ref"),
            "NAF340",
            f"ref {truncate(ref)} names no aggregate function; this unit is left out",
            f"declared functions: {known}",
        )
        return None
    function = found.raw
    merged = dict(unit)
    for key in ("name", "description", "inputParameters", "outputParameters"):
        if key not in merged and key in function:
            merged[key] = function[key]
    for key in ("call", "with", "steps", "mappings"):
        merged.pop(key, None)
        if key in function:
            merged[key] = function[key]
    # A function's `with` qualifies inputs by the aggregate namespace (digest §3.3).
    return merged, found.path, roots | {found.namespace}, {**_semantics(function), **hints}


def _semantics(function: Mapping[str, Any]) -> dict[str, bool]:
    """The tool hints a function's `semantics` imply; the unit's own hints win over them."""
    semantics = as_dict(function.get("semantics"))
    derived: dict[str, bool] = {}
    if isinstance(semantics.get("safe"), bool):
        derived["readOnly"] = semantics["safe"]
        if semantics["safe"]:
            derived["destructive"] = False
    if isinstance(semantics.get("idempotent"), bool):
        derived["idempotent"] = semantics["idempotent"]
    return derived


def _hints(raw: Any) -> dict[str, bool]:
    """Tool hints by their spec names; MCP's `…Hint` spellings are accepted too."""
    return {
        _HINT_NAMES[str(k)]: v
        for k, v in as_dict(raw).items()
        if str(k) in _HINT_NAMES and isinstance(v, bool)
    }
