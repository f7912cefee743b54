"""The step helpers of orchestrated units: a call step's output, lookups, and the final answer.

A `call` step's output (JSON, or read from the declared `outputRawFormat`) is stored under the
step's name, shaped by the operation's named `outputParameters` when it has any. A `lookup` step
joins: it finds the entries of an earlier call's output whose `match` field equals a value, and
keeps the requested fields. The answer is the object the `mappings` assemble from the step
outputs (or, when none resolves, the last call's reply). The generated `orchestration.py` runs
each unit's steps in order with these helpers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .http_client import UpstreamResponse
from .mapping import json_path

__all__ = ["answer", "lookup", "select", "step_output"]


def step_output(reply: UpstreamResponse, projections: Mapping[str, str] | None = None) -> Any:
    """A call step's output: its JSON body (None when not JSON), shaped by `projections`.

    With projections an object becomes `{name: value at path}`, and every object of a list gains
    those fields, computed per element (so a list can be joined on a derived key).
    """
    if not reply.has_data:
        return None
    try:
        data = reply.data()
    except ValueError:
        return None
    if not projections:
        return data
    if isinstance(data, list):
        return [
            (
                {**item, **{name: json_path(item, path) for name, path in projections.items()}}
                if isinstance(item, dict)
                else item
            )
            for item in data
        ]
    return {name: json_path(data, path) for name, path in projections.items()}


def select(outputs: Mapping[str, Any], path: Iterable[str]) -> Any:
    """Walk `step.field.field…` into the step outputs by name; None where anything is missing."""
    node: Any = outputs
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _as_text(value: Any) -> str | None:
    # Fields compare as text, so the number 7 matches the string "7".
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lookup(index: Any, match: str, value: Any, fields: tuple[str, ...]) -> Any:
    """Find the first entry of `index` whose `match` field equals `value`; keep `fields`.

    A list of values is looked up one by one and the matches are collected in order. No match
    gives None (or, for a list, no entry).
    """
    entries = [index] if isinstance(index, dict) else index if isinstance(index, list) else []
    table: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if isinstance(entry, dict):
            key = _as_text(entry.get(match))
            if key is not None:
                table.setdefault(key, entry)  # The first match wins.

    def find(wanted: Any) -> dict[str, Any] | None:
        key = _as_text(wanted)
        entry = table.get(key) if key is not None else None
        return None if entry is None else {name: entry.get(name) for name in fields}

    if isinstance(value, list):
        return [found for found in map(find, value) if found is not None]
    return find(value)


def answer(
    outputs: Mapping[str, Any],
    mappings: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...],
    last: UpstreamResponse,
) -> UpstreamResponse:
    """Assemble the reply: each (dotted) target gets the step output its source names.

    Only resolved values are included; when none resolves, the last call step's reply is the
    answer, as a unit with a single `call` would give it.
    """
    result: dict[str, Any] = {}
    for target, source in mappings:
        value = select(outputs, source)
        if value is None:
            continue
        node = result
        for key in target[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[target[-1]] = value
    if not result:
        return last
    return UpstreamResponse(200, json.dumps(result).encode(), "application/json")
