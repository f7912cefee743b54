"""Model stage, units: what REST operations, MCP tools and resources share (inputs, action, scope).

A unit's action becomes exactly one of a call, a run of an orchestration, or a mock answer.
Operations and orchestrations are built once, before the units, into a `Scope`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..canonical import (
    Action,
    Api,
    Call,
    CallStep,
    Folder,
    Input,
    Mock,
    MockOutput,
    Orchestration,
    Output,
)
from ..names import PythonCode, PythonIdentifier, UniqueNames
from ..placeholders import template_text
from .apis import ApiModel
from .calls import CallModel, call_model
from .code import (
    NOTHING,
    Expression,
    Needs,
    Secrets,
    dict_expression,
    helper_call,
    literal,
    plain,
    py_type,
    reference_names,
    text_expression,
)
from .operations import Operations, operation_models
from .workflows import (
    KnownWorkflow,
    WorkflowCallModel,
    WorkflowSource,
    workflow_call,
    workflow_models,
)

__all__ = [
    "ActionModels",
    "InputModel",
    "Scope",
    "Unit",
    "action_models",
    "input_models",
    "unit_scope",
]

_FASTAPI_KINDS = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}


@dataclass(frozen=True)
class InputModel:
    """One input of a REST route (a handler argument) or an MCP tool (a schema property)."""

    name: str
    location: str
    argument: PythonIdentifier
    annotation: PythonCode
    fastapi_kind: PythonIdentifier
    """`Path`, `Query`, `Header`, `Cookie` or `Body`."""
    required: bool
    description: str
    alias_needed: bool
    pattern: str | None = None
    """A regular expression the value must match (FastAPI answers 422 otherwise), or None."""


@dataclass(frozen=True)
class Unit:
    """A REST operation, MCP tool or MCP resource, as far as every kind of unit is alike."""

    action: Action | Folder
    inputs: tuple[Input, ...]
    output: Output
    used_for: str
    """What the unit is, for the secrets table, e.g. `REST GET /items`."""
    workflow_name: str
    """The name of its coroutine, when it is orchestrated (and the first to use those steps)."""
    workflow_summary: str


@dataclass(frozen=True)
class Scope:
    """What every unit builder may look up: built before the units, never changed."""

    secrets: Secrets
    apis: Mapping[str, ApiModel]
    operations: Operations
    workflows: tuple[KnownWorkflow, ...]
    api_specs: Mapping[str, Api] = field(default_factory=dict)
    """The consumed APIs as resolved, by namespace (a forward sends their own parameters)."""


@dataclass(frozen=True)
class ActionModels:
    """A unit's action as the model shows it: exactly one of `call`, `workflow`, `mock` is set
    (none for a folder resource)."""

    call: CallModel | None
    workflow: WorkflowCallModel | None
    mock: PythonCode | None
    needs: Needs
    """What the unit's own code needs (secret reads only for code in other modules)."""

    @property
    def template(self) -> str:
        """The fragment that renders the action (each exports the same macros), or `""`."""
        if self.call is not None:
            return "_actions/call.jinja"
        if self.workflow is not None:
            return "_actions/steps.jinja"
        return "_actions/mock.jinja" if self.mock is not None else ""


def _calls(action: Action | Folder) -> list[Call]:
    if isinstance(action, Call):
        return [action]
    if isinstance(action, Orchestration):
        return [step.call for step in action.steps if isinstance(step, CallStep)]
    return []


def unit_scope(
    units: Iterable[Unit],
    apis: Mapping[str, ApiModel],
    secrets: Secrets,
    api_specs: Mapping[str, Api] | None = None,
) -> Scope:
    """Build every operation and orchestration the units use, in the order they first use them."""
    units = tuple(units)
    operations = operation_models(
        (call for unit in units for call in _calls(unit.action)), apis, secrets
    )
    sources = [
        WorkflowSource(unit.action, unit.inputs, unit.workflow_name, unit.workflow_summary)
        for unit in units
        if isinstance(unit.action, Orchestration)
    ]
    workflows = workflow_models(sources, operations, secrets)
    return Scope(secrets, apis, operations, workflows, dict(api_specs or {}))


def input_models(
    inputs: Iterable[Input], reserved: Iterable[str], *, feeds_path: Iterable[str] = ()
) -> tuple[InputModel, ...]:
    """Handler arguments for the inputs (names unique beside `reserved`)."""
    scope = UniqueNames(reserved)
    feeds_path = set(feeds_path)
    models: list[InputModel] = []
    for item in inputs:
        argument = scope.claim(item.name, fallback="param")
        required = item.required or item.location == "path" or item.name in feeds_path
        annotation: str = py_type(item.type).code
        if item.location in _FASTAPI_KINDS:
            # FastAPI reads scalars and lists of them there; an object arrives as JSON text.
            annotation = {"object": "str", "array": "list[str]"}.get(item.type, annotation)
        models.append(
            InputModel(
                name=item.name,
                location=item.location,
                argument=argument,
                annotation=PythonCode(annotation if required else f"{annotation} | None"),
                fastapi_kind=PythonIdentifier(_FASTAPI_KINDS.get(item.location, "Body")),
                required=required,
                description=item.description,
                # FastAPI reads header `x_id` as `x-id` unless the alias names it.
                alias_needed=item.name != argument
                or (item.location == "header" and "_" in item.name),
                # A pattern constrains text: FastAPI (pydantic) cannot apply it to a number.
                pattern=item.pattern if annotation.startswith("str") else None,
            )
        )
    return tuple(models)


def action_models(
    unit: Unit, names: Mapping[str, PythonCode], scope: Scope, owner: str = "client.secrets"
) -> ActionModels:
    """The unit's action, its inputs read through `names` (input name → code), the secrets it
    reads through `owner`."""
    action = unit.action
    if isinstance(action, Call):
        call, needs = call_model(
            action, names, unit.output, scope.operations, scope.secrets, unit.used_for, owner
        )
        return ActionModels(call, None, None, needs)
    if isinstance(action, Orchestration):
        workflow, needs = workflow_call(scope.workflows, action, unit.inputs, names)
        return ActionModels(None, workflow, None, needs)
    if isinstance(action, Mock):
        mock = _mock(action.outputs, names, scope.secrets, unit.used_for, owner)
        return ActionModels(None, None, mock.code, mock.needs)
    return ActionModels(None, None, None, NOTHING)


# ----------------------------------------------------------------------------- mocks


def _coerce_static(text: str, kind: str) -> object:
    """A static mock value typed as its output declares (the engine would send text)."""
    try:
        if kind in ("number", "integer"):
            number = float(text)
            return int(number) if number.is_integer() else number
    except ValueError:
        return text
    if kind == "boolean" and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    return text


def _mock_value(
    output: MockOutput,
    inputs: Mapping[str, Expression],
    secrets: Secrets,
    used_for: str,
    owner: str,
) -> Expression:
    if output.properties:
        return dict_expression(
            (key, _mock_value(value, inputs, secrets, used_for, owner))
            for key, value in output.properties
        )
    if output.type == "array":
        item = (
            _mock_value(output.items, inputs, secrets, used_for, owner)
            if output.items
            else plain("")
        )
        return Expression(PythonCode(f"[{item.code}]"), item.needs)
    if output.value is None:
        return plain("None")
    if all(p.kind == "text" for p in output.value):
        return literal(_coerce_static(template_text(output.value), output.type))
    names = {**reference_names(output.value, secrets, used_for, owner), **inputs}
    expression = text_expression(output.value, names)
    if output.type in ("number", "integer"):
        return helper_call("mapping", "as_number", expression)
    if output.type == "boolean":
        return helper_call("mapping", "as_boolean", expression)
    return expression


def _mock(
    outputs: tuple[MockOutput, ...],
    inputs: Mapping[str, PythonCode],
    secrets: Secrets,
    used_for: str,
    owner: str,
) -> Expression:
    """A mock unit's answer: named outputs as an object, one unnamed output as is."""
    names = {f"input:{name}": plain(code) for name, code in inputs.items()}
    if len(outputs) == 1 and outputs[0].name is None:
        return _mock_value(outputs[0], names, secrets, used_for, owner)
    return dict_expression(
        (output.name or "value", _mock_value(output, names, secrets, used_for, owner))
        for output in outputs
    )
