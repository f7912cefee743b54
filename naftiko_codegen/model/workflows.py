"""Model stage, orchestrations: each distinct `steps` + `mappings` → a coroutine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..canonical import CallStep, Input, LookupStep, Orchestration, Output, ScriptStep
from ..names import PythonCode, PythonIdentifier, UniqueNames, py_literal
from .calls import CallModel, call_model
from .code import (
    Needs,
    Secrets,
    all_needs,
    claim_each,
    optional,
    plain,
    py_type,
    reference_names,
    value_expression,
)
from .operations import Operations, ParameterModel

__all__ = [
    "KnownWorkflow",
    "ScriptModel",
    "StepModel",
    "WorkflowCallModel",
    "WorkflowModel",
    "WorkflowSource",
    "workflow_call",
    "workflow_models",
]


@dataclass(frozen=True)
class StepModel:
    """One step of an orchestrated unit: a few lines of its coroutine in `orchestration.py`."""

    name: str
    kind: str
    """`call` or `lookup`."""
    summary: str
    """What the step does, for a comment (e.g. `call registry.get-ship`)."""
    call: CallModel | None
    """For a call step: the consumed operation and its arguments."""
    projections: PythonCode | None
    """For a call step: the consumed operation's named outputs `{name: JSONPath}`, or None."""
    index: str
    """For a lookup step: the call step whose output is searched."""
    match: str
    value: PythonCode | None
    """For a lookup step: code for the value(s) looked up."""
    fields: PythonCode
    """For a lookup step: a tuple literal of the fields copied out of each match."""
    script: ScriptModel | None = None
    """For a script step: what runs, and with which extra `context` values."""


@dataclass(frozen=True)
class ScriptModel:
    """A script step: its folder (a key of `SCRIPTS` in `orchestration.py`) and what it runs."""

    folder: str
    file: str
    dependencies: PythonCode
    """A tuple literal of the scripts run before it."""
    values: PythonCode
    """A dict literal of the step's `with` (strings may hold `{{…}}`)."""
    timeout: float
    language: str = "python"
    """Checked against `allowedLanguages` at run time (`PUT /scripting` may narrow them)."""


@dataclass(frozen=True)
class WorkflowModel:
    """An orchestrated unit (`steps` + `mappings`), generated as one coroutine."""

    function: PythonIdentifier
    summary: str
    parameters: tuple[ParameterModel, ...]
    steps: tuple[StepModel, ...]
    mappings: PythonCode
    """A tuple literal of `(target path, source path)` pairs."""
    uses_scripts: bool = False
    """Some step runs a script: the coroutine gathers its inputs by spec name (`inputs`)."""
    calls_upstream: bool = True
    """Some step is a call; without one (scripts only) an unresolved answer is empty (204)."""


@dataclass(frozen=True)
class WorkflowCallModel:
    """How a REST route or MCP tool runs its orchestration."""

    workflow: WorkflowModel
    arguments: tuple[tuple[PythonIdentifier, PythonCode], ...]


@dataclass(frozen=True)
class WorkflowSource:
    """A unit's orchestration with what names its coroutine (the first such unit's)."""

    orchestration: Orchestration
    inputs: tuple[Input, ...]
    name: str
    summary: str


@dataclass(frozen=True)
class KnownWorkflow:
    """A built coroutine, shared by every unit whose steps and inputs are the same."""

    orchestration: Orchestration
    signature: tuple[tuple[str, str, bool], ...]
    model: WorkflowModel
    needs: Needs
    """What the coroutine's code needs (imports of `orchestration.py`, secrets it reads)."""


# Module-level names of `orchestration.py` that a unit's coroutine must not shadow.
_MODULE_NAMES = (
    *("answer", "lookup", "select", "step_output", "json_path", "operations"),
    *("json", "text", "basic_credentials", "UpstreamClient", "UpstreamResponse"),
    *("run_script", "render_with", "SCRIPTS", "SCRIPTING", "Final"),
)


def _signature(inputs: Iterable[Input]) -> tuple[tuple[str, str, bool], ...]:
    return tuple((i.name, i.type, i.required) for i in inputs)


def _parameters(inputs: Iterable[Input]) -> tuple[ParameterModel, ...]:
    scope = UniqueNames({"client", "outputs", "reply", "inputs"})
    return tuple(
        ParameterModel(
            name=item.name,
            location=item.location,
            argument=scope.claim(item.name, fallback="param"),
            annotation=optional(py_type(item.type), item.required).code,
            required=item.required,
            description=item.description,
        )
        for item in inputs
    )


_SCRIPT_NEEDS = Needs(
    imports=frozenset(
        {
            ("scripts", "run_script"),
            ("scripts", "render_with"),
            ("settings", "SCRIPTING"),
            ("typing", "Final"),
        }
    )
)


_CALL_NEEDS = Needs(imports=frozenset({("", "operations")}))


def _script_step(step: ScriptStep) -> tuple[StepModel, Needs]:
    script = ScriptModel(
        folder=step.folder.location,
        file=step.file,
        dependencies=py_literal(step.dependencies),
        values=py_literal(dict(step.values)),
        timeout=step.timeout,
        language=step.language,
    )
    model = StepModel(
        name=step.name,
        kind="script",
        summary=f"run the Python script {step.file}",
        call=None,
        projections=None,
        index="",
        match="",
        value=None,
        fields=PythonCode("()"),
        script=script,
    )
    return model, _SCRIPT_NEEDS


def _step(
    step: CallStep | LookupStep | ScriptStep,
    names: Mapping[str, PythonCode],
    operations: Operations,
    secrets: Secrets,
    used_for: str,
) -> tuple[StepModel, Needs]:
    if isinstance(step, ScriptStep):
        return _script_step(step)
    if isinstance(step, CallStep):
        operation = step.call.operation
        projections = py_literal(dict(operation.projections)) if operation.projections else None
        call, needs = call_model(step.call, names, Output(True), operations, secrets, used_for)
        needs = needs | _CALL_NEEDS  # `operations.<function>(…)`
        model = StepModel(
            name=step.name,
            kind="call",
            summary=f"call {operation.namespace}.{operation.name}",
            call=call,
            projections=projections,
            index="",
            match="",
            value=None,
            fields=PythonCode("()"),
        )
        return model, needs
    if step.source is not None:
        value = plain(f"select(outputs, {py_literal(step.source)})")
    else:
        inputs = {f"input:{key}": plain(code) for key, code in names.items()}
        value = value_expression(
            step.value, {**reference_names(step.value, secrets, used_for), **inputs}
        )
    model = StepModel(
        name=step.name,
        kind="lookup",
        summary=f"look up {step.match} in the output of {step.index}",
        call=None,
        projections=None,
        index=step.index,
        match=step.match,
        value=value.code,
        fields=py_literal(step.fields),
    )
    return model, value.needs


def _workflow(
    source: WorkflowSource, function: PythonIdentifier, operations: Operations, secrets: Secrets
) -> KnownWorkflow:
    parameters = _parameters(source.inputs)
    names = {p.name: PythonCode(p.argument) for p in parameters}
    used_for = f"steps of {source.name}"
    steps = [
        _step(step, names, operations, secrets, used_for) for step in source.orchestration.steps
    ]
    mappings = tuple((m.target, m.source) for m in source.orchestration.mappings)
    model = WorkflowModel(
        function=function,
        summary=source.summary,
        parameters=parameters,
        steps=tuple(step for step, _ in steps),
        mappings=py_literal(mappings),
        uses_scripts=any(isinstance(s, ScriptStep) for s in source.orchestration.steps),
        calls_upstream=any(isinstance(s, CallStep) for s in source.orchestration.steps),
    )
    return KnownWorkflow(
        source.orchestration,
        _signature(source.inputs),
        model,
        all_needs(needs for _, needs in steps),
    )


def _find(
    workflows: Iterable[KnownWorkflow], orchestration: Orchestration, inputs: Iterable[Input]
) -> KnownWorkflow | None:
    signature = _signature(inputs)
    return next(
        (
            known
            for known in workflows
            if known.orchestration == orchestration and known.signature == signature
        ),
        None,
    )


def workflow_models(
    sources: Iterable[WorkflowSource], operations: Operations, secrets: Secrets
) -> tuple[KnownWorkflow, ...]:
    """One coroutine per distinct orchestration (same steps, same inputs), in order of first use."""
    distinct: list[WorkflowSource] = []
    for source in sources:
        if not any(
            known.orchestration == source.orchestration
            and _signature(known.inputs) == _signature(source.inputs)
            for known in distinct
        ):
            distinct.append(source)
    functions = claim_each(((source.name, "workflow") for source in distinct), _MODULE_NAMES)
    return tuple(
        _workflow(source, function, operations, secrets)
        for source, function in zip(distinct, functions, strict=True)
    )


def workflow_call(
    workflows: Iterable[KnownWorkflow],
    orchestration: Orchestration,
    inputs: tuple[Input, ...],
    caller: Mapping[str, PythonCode],
) -> tuple[WorkflowCallModel, Needs]:
    """How a unit runs its orchestration (`caller` maps input names to the unit's expressions).

    Its needs are the secret reads of the coroutine, which lives in `orchestration.py`.
    """
    known = _find(workflows, orchestration, inputs)
    assert known is not None, "every orchestration is built before the units that run it"
    by_name = {p.name: p.argument for p in known.model.parameters}
    arguments = tuple((by_name[i.name], caller[i.name]) for i in inputs if i.name in caller)
    return WorkflowCallModel(known.model, arguments), known.needs.secret_reads()
