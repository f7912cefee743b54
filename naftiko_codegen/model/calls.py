"""Model stage, calls: how a unit (or an orchestration step) calls a consumed operation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..canonical import Argument, Call, Output
from ..names import PythonCode, PythonIdentifier, py_literal
from .code import (
    Expression,
    Needs,
    Secrets,
    all_needs,
    body_expression,
    dict_expression,
    literal,
    plain,
    reference_names,
    value_expression,
)
from .operations import OperationModel, Operations

__all__ = ["CallModel", "call_model"]


@dataclass(frozen=True)
class CallModel:
    """How a REST route or MCP tool calls its consumed operation."""

    operation: OperationModel
    arguments: tuple[tuple[PythonIdentifier, PythonCode], ...]
    output_shape: PythonCode | None
    """A literal output shape for `map_output`, or None to pass the upstream body through."""
    output_params: PythonCode | None = None
    """When an output `value` is a Mustache template: a dict of the unit's parameters (its
    inputs, then its `with` values) for `map_output(params=…)`; else None."""


def _templated(shape: Any) -> bool:
    """Whether some output `value` of the shape is a Mustache template."""
    if isinstance(shape, Mapping):
        value = shape.get("value")
        if isinstance(value, str) and "{{" in value:
            return True
        return any(_templated(v) for k, v in shape.items() if k != "value")
    if isinstance(shape, list | tuple):
        return any(_templated(v) for v in shape)
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _argument(
    argument: Argument,
    inputs: Mapping[str, Expression],
    secrets: Secrets,
    used_for: str,
    owner: str,
) -> Expression:
    if argument.is_literal and not isinstance(argument.literal, str):
        return literal(argument.literal)
    if argument.tree is not None:
        return body_expression(argument.tree, inputs, secrets, used_for, owner)
    names = {**reference_names(argument.value, secrets, used_for, owner), **inputs}
    return value_expression(argument.value, names)


def call_model(
    call: Call,
    inputs: Mapping[str, PythonCode],
    output: Output,
    operations: Operations,
    secrets: Secrets,
    used_for: str,
    owner: str = "client.secrets",
) -> tuple[CallModel, Needs]:
    """The call of `call`'s operation with the caller's `inputs` (input name → code); the
    secrets its arguments read come from `owner` (a REST route has no `client` variable).

    Its needs are the arguments' and the secret reads of the operation's function (which lives
    in `operations.py`, so its imports are that module's).
    """
    operation, operation_needs = operations[(call.operation.namespace, call.operation.name)]
    by_param = {a.parameter.name: a for a in call.arguments}
    names = {f"input:{name}": plain(code) for name, code in inputs.items()}
    arguments: list[tuple[PythonIdentifier, Expression]] = []
    for param in operation.parameters:
        if call.body_mode == "template" and param.name == "body" and param.location == "body":
            body = body_expression(call.body_tree, names, secrets, used_for, owner)
            arguments.append((param.argument, body))
            continue
        argument = by_param.get(param.name)
        if argument is not None:
            value = _argument(argument, names, secrets, used_for, owner)
            arguments.append((param.argument, value))
    shape = params = None
    params_needs: list[Needs] = []
    if not output.passthrough and output.shape is not None:
        shape = py_literal(_plain(output.shape))
        if _templated(output.shape):
            # The engine renders an output `value` against the unit's parameter map.
            values: dict[str, Expression] = {name: plain(code) for name, code in inputs.items()}
            for argument in call.arguments:
                values[argument.parameter.name] = _argument(
                    argument, names, secrets, used_for, owner
                )
            params = dict_expression(values.items())
            params_needs.append(params.needs)
    model = CallModel(
        operation,
        tuple((name, value.code) for name, value in arguments),
        shape,
        params.code if params is not None else None,
    )
    needs = operation_needs.secret_reads() | all_needs(value.needs for _, value in arguments)
    return model, needs | all_needs(params_needs)
