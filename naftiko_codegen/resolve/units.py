"""Units (REST operations, MCP tools): their inputs, kind, action, mock outputs, and answer shape.

REST operations and MCP tools share this triage: a unit `call`s one operation, runs `steps`,
or answers static values (a mock); anything else is reported and left out.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..canonical import (
    Action,
    Folder,
    Input,
    InputLocation,
    Mock,
    MockOutput,
    Orchestration,
    Output,
)
from ..load import NodePath
from ..placeholders import Part, Template
from ._values import as_dict, as_list, json_type, opt_str
from .binds import parse_template
from .calls import bind_call, find_operation
from .orchestration import orchestration
from .scope import Scope

__all__ = ["UnitKind", "declared_inputs", "unit_action", "unit_kind", "unit_output"]

UnitKind = Literal["call", "steps", "mock"]


def declared_inputs(raw: Iterable[Any], *, default_location: InputLocation) -> list[Input]:
    """A unit's (or a resource's) `inputParameters`, as inputs its callers pass."""
    inputs: list[Input] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        location = str(item.get("in") or default_location)
        if location not in ("path", "query", "header", "cookie", "body", "argument"):
            location = default_location
        param_type = json_type(item.get("type"), "string")
        inputs.append(
            Input(
                name=str(item.get("name", "")),
                location=location,  # type: ignore[arg-type]
                type=param_type,
                description=str(item.get("description") or ""),
                required=bool(item.get("required", location in ("path", "argument"))),
                declared=True,
                value=_scalar_text(item.get("value")),
                pattern=_valid_pattern(item.get("pattern")),
            )
        )
    return inputs


def _scalar_text(value: Any) -> str | None:
    """A scalar `value` as text (YAML may read `value: 42` as a number), else None."""
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _valid_pattern(pattern: Any) -> str | None:
    """A `pattern` that compiles (one that does not is reported by `check_exposed_inputs`)."""
    if not isinstance(pattern, str) or not pattern:
        return None
    try:
        re.compile(pattern)
    except re.error:
        return None
    return pattern


def unit_kind(scope: Scope, unit: Mapping[str, Any], path: NodePath, what: str) -> UnitKind | None:
    """`call`, `steps`, `mock`, or None (reported and left out)."""
    if "call" in unit:
        return "call"
    if "steps" in unit:
        unsupported = [
            (index, step.get("type"))
            for index, step in enumerate(as_list(unit.get("steps")))
            if not isinstance(step, dict)
            or step.get("type", "call") not in ("call", "lookup", "script")
        ]
        if unsupported or not as_list(unit.get("steps")):
            index, kind = unsupported[0] if unsupported else (0, None)
            scope.warn(
                (*path, "steps", index) if unsupported else (*path, "steps"),
                "NAF391",
                (
                    f"{what} uses a `{kind}` step, which naftiko-gen does not generate (only "
                    "`call`, `lookup` and `script` steps); it is left out of the generated package"
                    if unsupported
                    else f"{what} has no steps; it is left out of the generated package"
                ),
                "express it with `call`, `lookup` and `script` steps, or as a single `call`",
            )
            return None
        return "steps"
    if _has_values(unit.get("outputParameters")):
        return "mock"
    scope.warn(
        path,
        "NAF392",
        f"{what} has neither `call` nor static output values; it is left out",
        "add `call: <namespace>.<operation>`, or outputs with `value` for a mock",
    )
    return None


def unit_action(
    scope: Scope,
    unit: Mapping[str, Any],
    unit_path: NodePath,
    unit_roots: frozenset[str],
    kind: UnitKind,
    declared: list[Input],
    implied: list[Input],
    input_location: Literal["rest", "mcp"],
) -> tuple[Action, tuple[Input, ...], str] | None:
    """What a REST operation or MCP tool does, its inputs and its description.

    None when the unit is left out (its call or steps did not resolve; already reported).
    """
    description = str(unit.get("description") or "")
    if kind == "mock":
        inputs = (*implied, *declared)
        visible = {i.name: i for i in inputs}
        # An MCP mock's templates also see its `with` values (spec §3.9; REST mocks do not).
        values = (
            _with_templates(scope, unit, unit_path, visible, unit_roots)
            if input_location == "mcp"
            else {}
        )
        keys = {k: Input(k, "argument", "string", "", False, False) for k in values}
        outputs = _mock_outputs(
            scope, unit.get("outputParameters"), unit_path, {**visible, **keys}, unit_roots
        )
        if values:
            outputs = tuple(_filled(output, values) for output in outputs)
        return Mock(outputs), inputs, description
    if kind == "steps":
        orchestrated = orchestration(
            scope, unit, unit_path, unit_roots, declared, implied, input_location=input_location
        )
        return None if orchestrated is None else (*orchestrated, description)
    operation = find_operation(scope, str(unit.get("call")), (*unit_path, "call"))
    if operation is None:
        return None
    call, inputs = bind_call(
        scope,
        operation,
        as_dict(unit.get("with")),
        unit_roots,
        declared,
        implied,
        unit_path,
        infer_default="all",
        input_location=input_location,
    )
    return call, inputs, description or operation.description or ""


def unit_output(
    unit: Mapping[str, Any],
    action: Action | Folder,
    scope: Scope | None = None,
    path: NodePath = (),
) -> Output:
    """How a unit shapes its answer; orchestrated units answer their `mappings` object.

    Several outputs, all named, answer one object keyed by name: the spec declares each as a
    field of the answer, although the reference engine returns only the first that maps to a
    value. When some are unnamed there is no key to give them, so the engine's rule holds
    (the first that maps to a value; NAF378).
    """
    if isinstance(action, Orchestration):
        return Output(True)
    outputs = [o for o in as_list(unit.get("outputParameters")) if isinstance(o, dict)]
    if not outputs or isinstance(action, Mock):
        return _first_output(outputs)
    if len(outputs) > 1 and all(isinstance(o.get("name"), str) for o in outputs):
        properties = {str(o["name"]): {k: v for k, v in o.items() if k != "name"} for o in outputs}
        return Output(False, {"type": "object", "properties": properties}, named_fields=True)
    if len(outputs) > 1:
        if scope is not None:
            scope.warn(
                (*path, "outputParameters"),
                "NAF378",
                f"{len(outputs)} outputs, not all named: the first that maps to a value is "
                "the answer",
                "name every output to answer them as one object",
            )
        return Output(False, {"first_of": outputs})
    return _first_output(outputs)


def _first_output(outputs: list[dict[str, Any]]) -> Output:
    if not outputs:
        return Output(True)
    first = outputs[0]
    mapping = first.get("mapping")
    if (
        first.get("type") in ("object", "array", None)
        and "properties" not in first
        and "items" not in first
        and "value" not in first
        and mapping in (None, "$", "$.")
    ):
        return Output(True)
    return Output(False, first)


def _has_values(outputs: Any) -> bool:
    """Whether some output (at any depth) carries a static `value`."""
    for item in as_list(outputs):
        if not isinstance(item, dict):
            continue
        if "value" in item and "mapping" not in item:
            return True
        nested = [*as_dict(item.get("properties")).values()]
        items = item.get("items")
        nested.extend(items if isinstance(items, list) else [items] if items else [])
        if _has_values(nested):
            return True
    return False


def _with_templates(
    scope: Scope,
    unit: Mapping[str, Any],
    path: NodePath,
    inputs: Mapping[str, Input],
    roots: frozenset[str],
) -> dict[str, Template]:
    """A mock tool's `with` entries as templates over its arguments (spec §3.3): `<ns>.<arg>`
    copies the argument, a string is rendered as Mustache, a number is its text."""
    values: dict[str, Template] = {}
    for key, raw in as_dict(unit.get("with")).items():
        at = (*path, "with", key)
        if isinstance(raw, str):
            root, _, name = raw.partition(".")
            text = "{{" + name + "}}" if root in roots and name in inputs else raw
            values[str(key)] = parse_template(scope, text, at, inputs, roots)
        elif isinstance(raw, int | float):  # The schema admits only strings and numbers.
            values[str(key)] = (Part("text", str(raw)),)
    return values


def _filled(output: MockOutput, values: Mapping[str, Template]) -> MockOutput:
    """`output` with each `{{key}}` of a `with` key replaced by the `with` value's parts."""
    value = output.value
    if value is not None:
        value = tuple(
            piece
            for part in value
            for piece in (values.get(part.value, (part,)) if part.kind == "input" else (part,))
        )
    return dataclasses.replace(
        output,
        value=value,
        properties=tuple((key, _filled(sub, values)) for key, sub in output.properties),
        items=_filled(output.items, values) if output.items is not None else None,
    )


def _mock_outputs(
    scope: Scope, raw: Any, path: NodePath, inputs: Mapping[str, Input], roots: frozenset[str]
) -> tuple[MockOutput, ...]:
    """A mock's `outputParameters`: static values, which may name the unit's inputs."""
    return tuple(
        _mock_output(
            scope,
            item,
            (*path, "outputParameters", index),
            opt_str(item.get("name")),
            inputs,
            roots,
        )
        for index, item in enumerate(as_list(raw))
        if isinstance(item, dict)
    )


def _mock_output(
    scope: Scope,
    item: Mapping[str, Any],
    path: NodePath,
    name: str | None,
    inputs: Mapping[str, Input],
    roots: frozenset[str],
) -> MockOutput:
    value = item.get("value")
    template = (
        parse_template(scope, str(value), (*path, "value"), inputs, roots)
        if value is not None and not isinstance(value, dict | list)
        else None
    )
    properties = tuple(
        (str(key), _mock_output(scope, sub, (*path, "properties", key), str(key), inputs, roots))
        for key, sub in as_dict(item.get("properties")).items()
        if isinstance(sub, dict)
    )
    items_raw = item.get("items")
    if isinstance(items_raw, list):
        items_raw = items_raw[0] if items_raw else None
    items = (
        _mock_output(scope, items_raw, (*path, "items"), None, inputs, roots)
        if isinstance(items_raw, dict)
        else None
    )
    kind = str(item.get("type") or ("object" if properties else "string"))
    return MockOutput(name, kind, template, properties, items)
