"""Model stage, consumed operations: each one units call → a function of `operations.py`."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..canonical import Call, ConsumedOperation
from ..names import PythonCode, PythonIdentifier, UniqueNames
from ..runtime.formats import CONVERTED_FORMATS, SCHEMA_FORMATS
from .apis import ApiModel
from .code import (
    UPSTREAM,
    Expression,
    Needs,
    Secrets,
    all_needs,
    claim_each,
    dict_expression,
    helper_call,
    is_static,
    optional,
    plain,
    py_type,
    reference_names,
    uses,
    value_expression,
)
from .paths import sent_path

__all__ = [
    "OperationModel",
    "Operations",
    "ParameterModel",
    "operation_models",
    "operation_needs",
]


@dataclass(frozen=True)
class ParameterModel:
    """A keyword argument of a consumed-operation function."""

    name: str
    location: str
    argument: PythonIdentifier
    annotation: PythonCode
    required: bool
    description: str


@dataclass(frozen=True)
class OperationModel:
    """A consumed operation, generated as one `async def` in `operations.py`."""

    api: ApiModel
    name: str
    function: PythonIdentifier
    method: str
    path_text: str
    summary: str
    parameters: tuple[ParameterModel, ...]
    path_expression: PythonCode
    query: tuple[tuple[str, PythonCode], ...]
    headers: tuple[tuple[str, PythonCode], ...]
    cookies: tuple[tuple[str, PythonCode], ...]
    body: PythonCode | None
    body_kind: str
    """`json`, `form`, `text` or `none`."""
    content_type: str | None
    engine_notes: tuple[str, ...] = ()
    """Where this request departs from the reference engine, for the function's docstring."""
    raw_format: str = "json"
    """The body format (`outputRawFormat`) that output mappings convert from: `json`, `xml`,
    `csv`, `tsv`, `psv`, `yaml`, `html`, `markdown`, `avro` or `protobuf`; other formats are
    relayed as `json` would be."""
    output_schema: str | None = None
    """What `parse_body` is given with the body: the CSS selector (html), the heading prefix
    (markdown) or the shipped schema file's name (avro, protobuf); None for none."""
    schema_file: tuple[str, str] | None = None
    """`(file name, text)` of the schema file the package ships in `schemas/`, or None."""


Operations = Mapping[tuple[str, str], tuple[OperationModel, Needs]]
"""Each operation some unit calls, by `(namespace, name)`, with what its function needs."""

# Names `operations.py` defines or imports, which an argument must not shadow.
_MODULE_NAMES = ("client", "secrets", "text", "query_items", "header_items")


@dataclass(frozen=True)
class _Parameters:
    """An operation's function parameters and the value sent for each consumed parameter."""

    models: tuple[ParameterModel, ...]
    arguments: Mapping[str, Expression]
    """By consumed parameter name: the function argument carrying its value."""
    static: Mapping[str, Expression]
    """By consumed parameter name: a value from the spec that needs no caller."""
    needs: Needs
    """The annotations' needs, and the secrets the static values read (sent or not)."""

    def value(self, name: str) -> Expression:
        """What the request sends for a consumed parameter (a static value wins)."""
        return self.static.get(name) or self.arguments[name]


def _parameters(call: Call, secrets: Secrets) -> _Parameters:
    op = call.operation
    scope = UniqueNames(_MODULE_NAMES)
    models: list[ParameterModel] = []
    arguments: dict[str, Expression] = {}
    static: dict[str, Expression] = {}
    needs: list[Needs] = []
    used_for = f"{op.namespace}.{op.name}"
    for param in op.parameters:
        if param.location == "environment":
            continue
        if is_static(param.value):
            assert param.value is not None
            names = reference_names(param.value, secrets, used_for)
            static[param.name] = value_expression(param.value, names)
            needs.append(static[param.name].needs.secret_reads())
            continue
        argument = scope.claim(param.name, fallback="param")
        required = param.location == "path" or param.required
        # A JSON-template value may build a list or an object whatever the declared type.
        annotation = py_type(None if param.value_tree is not None else param.type)
        if param.location != "body" and param.type == "object":
            annotation = py_type(None)  # JSON text from a REST query, or an object from MCP
        elif param.location in ("path", "cookie") and param.type == "array":
            annotation = py_type(None)  # Text from a REST path or cookie, or a list from MCP
        annotation = optional(annotation, required)
        needs.append(annotation.needs)
        models.append(
            ParameterModel(
                name=param.name,
                location=param.location,
                argument=argument,
                annotation=annotation.code,
                required=required,
                description=param.description,
            )
        )
        arguments[param.name] = plain(argument)
    if call.body_mode == "template":
        # The body is built by each caller from its own inputs (see `call_model`).
        annotation = py_type(None)
        models.append(
            ParameterModel(
                name="body",
                location="body",
                argument=scope.claim("body"),
                annotation=annotation.code,
                required=False,
                description="the request body, built from the spec's body template",
            )
        )
        needs.append(annotation.needs)
    return _Parameters(tuple(models), arguments, static, all_needs(needs))


def _path(op: ConsumedOperation, parameters: _Parameters) -> Expression:
    pieces: list[Expression] = []
    for part in sent_path(op.path):
        if part.kind == "text":
            pieces.append(plain(repr(part.value)))
        else:
            pieces.append(helper_call(UPSTREAM, "path_segment", parameters.value(part.value)))
    code = " + ".join(piece.code for piece in pieces) or "''"
    return Expression(PythonCode(code), all_needs(piece.needs for piece in pieces))


def _body(
    call: Call, parameters: _Parameters, body_values: list[tuple[str, Expression]]
) -> tuple[Expression | None, str, str | None]:
    """(body expression, body kind, content type) of the request."""
    if call.body_mode == "template":
        body = plain(parameters.models[-1].argument)
        kind = call.body_format
        if kind == "multipart":
            return helper_call("multipart", "multipart_form", body), kind, None
        if kind == "form":
            return helper_call(UPSTREAM, "form_fields", body), kind, call.content_type
        return body, kind, call.content_type
    if len(body_values) == 1:
        name = body_values[0][0]
        declared = next(p for p in call.operation.parameters if p.name == name)
        if name == "body" or declared.type in ("object", "array"):
            return body_values[0][1], "json", None
    if body_values and call.body_format == "form":
        fields = dict_expression(body_values)
        return helper_call(UPSTREAM, "form_fields", fields), "form", call.content_type
    if body_values:
        return helper_call(UPSTREAM, "without_none", dict_expression(body_values)), "json", None
    return None, "none", None


def _operation_model(
    call: Call, api: ApiModel, function: PythonIdentifier, secrets: Secrets
) -> tuple[OperationModel, Needs]:
    op = call.operation
    parameters = _parameters(call, secrets)
    by_location: dict[str, list[tuple[str, Expression]]] = {}
    for param in op.parameters:
        if param.name in parameters.arguments or param.name in parameters.static:
            by_location.setdefault(param.location, []).append(
                (param.name, parameters.value(param.name))
            )
    path = _path(op, parameters)
    body, body_kind, content_type = _body(call, parameters, by_location.get("body", []))
    sent = [
        path,
        *(
            value
            for location in ("query", "header", "cookie")
            for _, value in by_location.get(location, [])
        ),
        *([body] if body else []),
    ]

    def codes(location: str) -> tuple[tuple[str, PythonCode], ...]:
        return tuple((name, value.code) for name, value in by_location.get(location, []))

    schema_file = _schema_file(op)
    model = OperationModel(
        api=api,
        name=op.name,
        function=function,
        method=op.method,
        path_text=op.path_text,
        summary=op.description or op.label or f"{op.method} {op.path_text}",
        parameters=parameters.models,
        path_expression=path.code,
        query=codes("query"),
        headers=codes("header"),
        cookies=codes("cookie"),
        body=body.code if body else None,
        body_kind=body_kind,
        content_type=content_type,
        raw_format=op.output_format if op.output_format in CONVERTED_FORMATS else "json",
        output_schema=schema_file[0] if schema_file else (op.output_schema or None),
        schema_file=schema_file,
        engine_notes=_engine_notes(op),
    )
    return model, parameters.needs | all_needs(expression.needs for expression in sent)


def _engine_notes(op: ConsumedOperation) -> tuple[str, ...]:
    resource_level = [p.name for p in op.parameters if p.resource_level]
    if not resource_level:
        return ()
    note = (
        "The resource-level parameters "
        + ", ".join(f"`{name}`" for name in resource_level)
        + " are sent, as the spec declares; the Naftiko engine parses them but never sends "
        "them (spec §2.3)."
    )
    return (textwrap.fill(note, 92),)


def operation_models(
    calls: Iterable[Call], apis: Mapping[str, ApiModel], secrets: Secrets
) -> Operations:
    """One model per operation, in the order units first call them (the first call shapes it)."""
    first: dict[tuple[str, str], Call] = {}
    for call in calls:
        first.setdefault((call.operation.namespace, call.operation.name), call)
    functions = claim_each(
        ((call.operation.name or call.operation.method, "operation") for call in first.values()),
        {"text", "query_items", "header_items"},
    )
    return {
        key: _operation_model(call, apis[key[0]], function, secrets)
        for (key, call), function in zip(first.items(), functions, strict=True)
    }


def operation_needs(operations: Operations) -> Needs:
    """What the code of `operations.py` needs, its template's own helpers included."""
    needs = all_needs(needs for _, needs in operations.values())
    models = [model for model, _ in operations.values()]
    if any(op.query for op in models):
        needs |= uses(UPSTREAM, "query_items")
    if any(op.headers or op.cookies for op in models):
        needs |= uses(UPSTREAM, "header_items")
    if any(op.cookies for op in models):
        needs |= uses(UPSTREAM, "text")  # The template sends cookies as text.
    return needs


def _schema_file(op: ConsumedOperation) -> tuple[str, str] | None:
    """The schema file an avro/protobuf operation ships, named by its content (stable, safe)."""
    if op.output_format not in SCHEMA_FORMATS or not op.schema_text:
        return None
    suffix = ".avsc" if op.output_format == "avro" else ".proto"
    digest = hashlib.sha256(op.schema_text.encode()).hexdigest()[:16]
    return f"{op.output_format}-{digest}{suffix}", op.schema_text
