"""Orchestrations: a unit's `steps` (calls, lookups, scripts) and the `mappings` of its answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..canonical import CallStep, Input, LookupStep, Orchestration, Step, StepMapping
from ..diagnostics import truncate
from ..load import NodePath
from ..placeholders import Template
from ._values import REFERENCE, as_dict, as_list
from .binds import parse_template
from .calls import bind_call, find_operation
from .scope import Scope
from .scripts import script_step

__all__ = ["orchestration"]


def orchestration(
    scope: Scope,
    unit: Mapping[str, Any],
    unit_path: NodePath,
    roots: frozenset[str],
    declared: list[Input],
    path_inputs: list[Input],
    *,
    input_location: Literal["rest", "mcp"],
) -> tuple[Orchestration, tuple[Input, ...]] | None:
    """Bind `steps` and `mappings` (digest §3.11); None when a step cannot work."""
    bound = _steps(scope, unit, unit_path, roots, declared, path_inputs, input_location)
    if bound is None:
        return None
    steps, kinds, inputs = bound
    mappings = _mappings(scope, unit, unit_path, kinds)
    if not mappings:
        scope.warn(
            (*unit_path, "mappings") if "mappings" in unit else unit_path,
            "NAF382",
            "this orchestrated unit has no usable `mappings`; it answers with the last call "
            "step's reply",
            "add `mappings: [{targetName: …, value: $.<step>.<field>}]`",
        )
    return Orchestration(tuple(steps), tuple(mappings)), inputs


def _steps(
    scope: Scope,
    unit: Mapping[str, Any],
    unit_path: NodePath,
    roots: frozenset[str],
    declared: list[Input],
    path_inputs: list[Input],
    input_location: Literal["rest", "mcp"],
) -> tuple[list[Step], dict[str, str], tuple[Input, ...]] | None:
    """The steps in order, each step's type by name, and the unit's inputs once all are bound."""
    steps: list[Step] = []
    kinds: dict[str, str] = {}
    inputs: list[Input] = [*declared]
    implied = list(path_inputs)
    for index, raw in enumerate(as_list(unit.get("steps"))):
        s_path: NodePath = (*unit_path, "steps", index)
        name = str(raw.get("name") or raw.get("id") or f"step-{index + 1}")
        if name in kinds:
            scope.error(
                (*s_path, "name"),
                "NAF380",
                f"step name {name!r} is used twice in this unit",
                "give every step of a unit its own name",
            )
            return None
        # A step's templates and `with` values may read the outputs of the call steps before it.
        in_step = scope.after_steps(
            frozenset(n for n, k in kinds.items() if k in ("call", "script"))
        )
        step: Step | None
        if raw.get("type", "call") == "call":
            operation = find_operation(in_step, str(raw.get("call")), (*s_path, "call"))
            if operation is None:
                return None
            call, bound = bind_call(
                in_step,
                operation,
                as_dict(raw.get("with")),
                roots,
                inputs,
                implied,
                s_path,
                infer_default="path-only",
                input_location=input_location,
            )
            # The first call step took in the path inputs; later ones see them as declared.
            inputs, implied = list(bound), []
            step = CallStep(name, call)
        elif raw.get("type") == "script":
            step = script_step(in_step, raw, s_path, name)
            if step is None:
                return None
        else:
            step = _lookup_step(in_step, raw, s_path, name, kinds, roots, inputs)
            if step is None:
                return None
        steps.append(step)
        kinds[name] = str(raw.get("type", "call"))
    return steps, kinds, (*implied, *inputs)


def _lookup_step(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    name: str,
    kinds: Mapping[str, str],
    roots: frozenset[str],
    inputs: list[Input],
) -> LookupStep | None:
    """A join over an earlier call step's output; None (reported) when `index` names none."""
    index = str(raw.get("index") or "")
    if kinds.get(index) != "call":
        earlier = ", ".join(n for n, k in kinds.items() if k == "call") or "none"
        scope.error(
            (*path, "index"),
            "NAF383",
            f"lookup step {name!r}: index {index!r} is not an earlier call step of this unit",
            f"earlier call steps: {earlier}",
        )
        return None
    fields = tuple(str(f) for f in as_list(raw.get("outputParameters")) if f is not None)
    text = str(raw.get("lookupValue") or "")
    source = _step_path(text) if text.startswith("$") else None
    value: Template = ()
    if source is not None and source[0] not in kinds:
        scope.warn(
            (*path, "lookupValue"),
            "NAF381",
            f"lookupValue {truncate(text)} names no earlier step; nothing is found",
            "steps before this one: " + (", ".join(kinds) or "none"),
        )
    elif source is None:
        reference = REFERENCE.match(text)
        if reference and reference.group(1) in roots and "{{" not in text:
            text = "{{" + reference.group(2) + "}}"  # `ns.input`, as the spec's docs write it
        value = parse_template(scope, text, (*path, "lookupValue"), {i.name: i for i in inputs})
    return LookupStep(
        name=name,
        index=index,
        match=str(raw.get("match") or ""),
        source=source,
        value=value,
        fields=fields,
    )


def _mappings(
    scope: Scope, unit: Mapping[str, Any], unit_path: NodePath, kinds: Mapping[str, str]
) -> list[StepMapping]:
    """The fields of the unit's answer, each read from a step's output."""
    mappings: list[StepMapping] = []
    for index, raw in enumerate(as_list(unit.get("mappings"))):
        m_path: NodePath = (*unit_path, "mappings", index)
        if not isinstance(raw, dict) or not raw.get("targetName"):
            continue
        target = tuple(str(raw["targetName"]).split("."))
        source = _step_path(str(raw.get("value") or ""))
        if source is None or source[0] not in kinds:
            scope.warn(
                (*m_path, "value"),
                "NAF381",
                f"mapping value {truncate(raw.get('value'))} is not `$.<step>.<field>…` "
                f"naming a step of this unit; {'.'.join(target)!r} is always null",
                "steps here: " + (", ".join(kinds) or "none"),
            )
            continue
        mappings.append(StepMapping(target, source))
    return mappings


def _step_path(text: str) -> tuple[str, ...] | None:
    """`$.step.a.b` (or `{{$.step.a}}`) as ("step", "a", "b"); None for anything else."""
    text = text.strip()
    if text.startswith("{{") and text.endswith("}}"):
        text = text[2:-2].strip()
    if not text.startswith("$.") or len(text) < 3:
        return None
    parts = tuple(text[2:].split("."))
    return parts if all(parts) else None
