"""Stage 4, model: the canonical capability → the frozen, render-ready template context.

Everything a template needs is decided here: Python identifiers, environment variable names,
type annotations, JSON Schemas, code expressions and sample values for the generated tests.
Templates only loop and branch over this model.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote

from . import __version__
from .canonical import (
    Action,
    Api,
    Argument,
    Auth,
    BodyLeaf,
    Call,
    CallStep,
    CanonicalCapability,
    ConsumedParameter,
    Folder,
    Input,
    McpPrompt,
    McpResource,
    McpTool,
    MockOutput,
    Orchestration,
    Output,
    RestForward,
    RestOperation,
)
from .context import (
    CONTEXT_VERSION,
    ApiModel,
    CallModel,
    CapabilityModel,
    ControlModel,
    ForwardModel,
    InboundAuthModel,
    InputModel,
    McpModel,
    OperationModel,
    ParameterModel,
    PromptModel,
    ResourceModel,
    RestModel,
    RouteModel,
    SecretModel,
    StepModel,
    ToolModel,
    WorkflowCallModel,
    WorkflowModel,
)
from .names import (
    PythonCode,
    PythonIdentifier,
    UniqueNames,
    env_var_name,
    identifier,
    py_literal,
    slugify,
)
from .templating import Template, split_placeholders, template_text

__all__ = ["build_model"]

_PY_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "array": "list[Any]",
    "object": "dict[str, Any]",
}
CONVERTED_FORMATS = frozenset({"xml", "csv", "tsv", "psv", "yaml"})
"""`outputRawFormat`s the generated `formats.py` converts before output mapping."""
_FORWARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_JSON_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "array": "array"}
# MCP `ToolAnnotations` field names, as `tools/list` sends them.
_WIRE_HINTS = {
    "read_only": "readOnlyHint",
    "destructive": "destructiveHint",
    "idempotent": "idempotentHint",
    "open_world": "openWorldHint",
}
_SAMPLES: dict[str, Any] = {
    "string": "sample",
    "integer": 7,
    "number": 2.5,
    "boolean": True,
    "array": ["sample"],
    "object": {"sample": "value"},
}


# ----------------------------------------------------------------------------- expressions


def _text_expression(template: Template, names: Mapping[str, PythonCode]) -> PythonCode:
    """Code for a template rendered as text: literals quoted, inputs and secrets interpolated."""
    pieces: list[str] = []
    for part in template:
        if part.kind == "text":
            pieces.append(repr(part.value))
        elif part.kind == "unbound":
            continue
        else:
            pieces.append(f"text({names[part.kind + ':' + part.value]})")
    if not pieces:
        return PythonCode("''")
    return PythonCode(" + ".join(pieces))


def _value_expression(template: Template, names: Mapping[str, PythonCode]) -> PythonCode:
    """Code for a value: a lone input or secret keeps its type; anything else becomes text."""
    meaningful = [p for p in template if p.kind != "unbound"]
    if len(meaningful) == 1 and meaningful[0].kind in ("input", "secret", "step"):
        part = meaningful[0]
        return names[part.kind + ":" + part.value]
    return _text_expression(template, names)


def _is_static(template: Template | None) -> bool:
    # An unbound placeholder may name the inputs of the unit that calls (resolved per unit).
    return template is not None and all(p.kind in ("text", "secret") for p in template)


# ----------------------------------------------------------------------------- builder


class _ModelBuilder:
    def __init__(self, canonical: CanonicalCapability, spec_file: str, spec_text: str, slug: str):
        self.canonical = canonical
        self.spec_file = spec_file
        self.spec_text = spec_text
        self.slug = slug
        self.secret_names: dict[str, PythonIdentifier] = {}
        self.secret_uses: dict[str, list[str]] = {}
        self.apis: dict[str, ApiModel] = {}
        self.operations: dict[tuple[str, str], OperationModel] = {}
        self.operation_names = UniqueNames({"text", "query_items", "header_items"})
        self.uses_mapping = False
        self.workflows: list[tuple[Orchestration, tuple[Input, ...], WorkflowModel]] = []
        # Module-level names of `orchestration.py` that a unit's coroutine must not shadow.
        self.workflow_names = UniqueNames(
            {
                *("answer", "lookup", "select", "step_output", "json_path", "operations"),
                *("json", "text", "basic_credentials", "UpstreamClient", "UpstreamResponse"),
            }
        )
        binds = canonical.binds
        secret_attrs = UniqueNames()
        for bind in binds:
            self.secret_names[bind.variable] = secret_attrs.claim(bind.variable)

    # -- secrets and APIs

    def secret_code(self, variable: str, used_for: str, owner: str) -> PythonCode:
        self.secret_uses.setdefault(variable, [])
        if used_for not in self.secret_uses[variable]:
            self.secret_uses[variable].append(used_for)
        return PythonCode(f"{owner}.{self.secret_names[variable]}")

    def template_names(
        self, template: Template, used_for: str, owner: str = "client.secrets"
    ) -> dict[str, PythonCode]:
        """Code names for the secrets (`owner` is the `Secrets` expression) and the step outputs
        (in an orchestration's coroutine) a template uses."""
        names = {
            f"secret:{p.value}": self.secret_code(p.value, used_for, owner)
            for p in template
            if p.kind == "secret"
        }
        for part in template:
            if part.kind == "step":
                path = py_literal(tuple(part.value.split(".")))
                names[f"step:{part.value}"] = PythonCode(f"select(outputs, {path})")
        return names

    def api_model(self, api: Api, attributes: UniqueNames) -> ApiModel:
        env_prefix = env_var_name(api.namespace)
        used_for = f"authentication of {api.namespace}"
        headers: list[tuple[str, PythonCode]] = []
        query: list[tuple[str, PythonCode]] = []
        auth: Auth | None = api.auth
        summary = "none"
        if auth is not None:
            if auth.kind == "apikey" and auth.headers:
                for name, value in auth.headers:
                    headers.append(
                        (
                            name,
                            _text_expression(
                                value, self.template_names(value, used_for, "secrets")
                            ),
                        )
                    )
                summary = "API keys in headers " + ", ".join(f"`{n}`" for n, _ in auth.headers)
            elif auth.kind == "apikey":
                code = _text_expression(
                    auth.value, self.template_names(auth.value, used_for, "secrets")
                )
                (query if auth.placement == "query" else headers).append((auth.key, code))
                summary = f"API key in {auth.placement} `{auth.key}`"
            elif auth.kind == "bearer":
                token = _text_expression(
                    auth.value, self.template_names(auth.value, used_for, "secrets")
                )
                headers.append(("Authorization", PythonCode(f"'Bearer ' + {token}")))
                summary = "bearer token"
            else:
                user = _text_expression(
                    auth.username, self.template_names(auth.username, used_for, "secrets")
                )
                password = _text_expression(
                    auth.password, self.template_names(auth.password, used_for, "secrets")
                )
                headers.append(
                    ("Authorization", PythonCode(f"basic_credentials({user}, {password})"))
                )
                summary = "HTTP basic"
        return ApiModel(
            namespace=api.namespace,
            attribute=attributes.claim(api.namespace),
            base_url=api.base_uri,
            base_url_env=f"{env_prefix}_BASE_URL",
            timeout_env=f"{env_prefix}_TIMEOUT",
            strip_base_path=api.strip_base_path,
            description=api.description,
            auth_kind=auth.kind if auth else "none",
            auth_headers=tuple(headers),
            auth_query=tuple(query),
            auth_summary=summary,
        )

    # -- consumed operations

    def operation_model(self, call: Call) -> OperationModel:
        op = call.operation
        key = (op.namespace, op.name)
        if key in self.operations:
            return self.operations[key]
        api = self.apis[op.namespace]
        arg_names = UniqueNames({"client", "secrets", "text", "query_items", "header_items"})
        params: list[ParameterModel] = []
        names: dict[str, PythonCode] = {}
        static: dict[str, PythonCode] = {}
        used_for = f"{op.namespace}.{op.name}"
        for param in op.parameters:
            if param.location == "environment":
                continue
            if _is_static(param.value):
                assert param.value is not None
                static[param.name] = _value_expression(
                    param.value, self.template_names(param.value, used_for)
                )
                continue
            argument = arg_names.claim(param.name, fallback="param")
            required = param.location == "path" or param.required
            # A JSON-template value may build a list or an object whatever the declared type.
            py_type = "Any" if param.value_tree is not None else _PY_TYPES.get(param.type, "Any")
            if param.location != "body" and param.type == "object":
                py_type = "Any"  # JSON text from a REST query, or an object from an MCP call
            params.append(
                ParameterModel(
                    name=param.name,
                    location=param.location,
                    argument=argument,
                    annotation=PythonCode(py_type if required else f"{py_type} | None"),
                    required=required,
                    description=param.description,
                )
            )
            names[param.name] = PythonCode(argument)

        def value_of(param: ConsumedParameter) -> PythonCode:
            return static.get(param.name) or names[param.name]

        path_pieces: list[str] = []
        for part in op.path:
            if part.kind == "text":
                path_pieces.append(repr(part.value))
            else:
                param = next(p for p in op.parameters if p.name == part.value)
                path_pieces.append(f"path_segment({value_of(param)})")
        by_location: dict[str, list[tuple[str, PythonCode]]] = {}
        for param in op.parameters:
            if param.name in names or param.name in static:
                by_location.setdefault(param.location, []).append((param.name, value_of(param)))
        body_params = by_location.get("body", [])
        body: PythonCode | None = None
        body_kind = "none"
        content_type: str | None = None
        if call.body_mode == "template":
            # The body is built by each caller from its own inputs (see `call_model`).
            params.append(
                ParameterModel(
                    name="body",
                    location="body",
                    argument=arg_names.claim("body"),
                    annotation=PythonCode("Any"),
                    required=False,
                    description="the request body, built from the spec's body template",
                )
            )
            body = PythonCode(params[-1].argument)
            body_kind = {"json": "json", "form": "form", "text": "text"}[call.body_format]
            content_type = call.content_type
            if body_kind == "form":
                body = PythonCode(f"form_fields({body})")
        elif len(body_params) == 1 and (
            body_params[0][0] == "body"
            or next(p for p in op.parameters if p.name == body_params[0][0]).type
            in ("object", "array")
        ):
            body, body_kind = body_params[0][1], "json"
        elif body_params and call.body_format == "form":
            body = PythonCode(
                "form_fields({" + ", ".join(f"{n!r}: {c}" for n, c in body_params) + "})"
            )
            body_kind, content_type = "form", call.content_type
        elif body_params:
            body = PythonCode(
                "without_none({" + ", ".join(f"{n!r}: {c}" for n, c in body_params) + "})"
            )
            body_kind = "json"
        model = OperationModel(
            api=api,
            name=op.name,
            function=self.operation_names.claim(f"{op.name or op.method}", fallback="operation"),
            method=op.method,
            path_text=op.path_text,
            summary=op.description or op.label or f"{op.method} {op.path_text}",
            parameters=tuple(params),
            path_expression=PythonCode(" + ".join(path_pieces) or "''"),
            query=tuple(by_location.get("query", [])),
            headers=tuple(by_location.get("header", [])),
            cookies=tuple(by_location.get("cookie", [])),
            body=body,
            body_kind=body_kind,
            content_type=content_type,
            raw_format=op.output_format if op.output_format in CONVERTED_FORMATS else "json",
        )
        self.operations[key] = model
        return model

    def body_code(self, node: Any, inputs: Mapping[str, PythonCode], used_for: str) -> PythonCode:
        """Code building a request body from its template tree and the caller's inputs."""
        if isinstance(node, dict):
            items = ", ".join(
                f"{k!r}: {self.body_code(v, inputs, used_for)}" for k, v in node.items()
            )
            return PythonCode("{" + items + "}")
        if isinstance(node, list):
            return PythonCode(
                "[" + ", ".join(self.body_code(v, inputs, used_for) for v in node) + "]"
            )
        if isinstance(node, BodyLeaf):
            names = {**self.template_names(node.value, used_for), **inputs}
            if node.typed:
                return _value_expression(node.value, names)
            return _text_expression(node.value, names)
        return py_literal(node)

    # -- units

    def call_model(
        self, call: Call, inputs: Mapping[str, PythonCode], output: Output, used_for: str
    ) -> CallModel:
        operation = self.operation_model(call)
        by_param = {a.parameter.name: a for a in call.arguments}
        arguments: list[tuple[PythonIdentifier, PythonCode]] = []
        input_names = {f"input:{name}": code for name, code in inputs.items()}
        for param in operation.parameters:
            if call.body_mode == "template" and param.name == "body" and param.location == "body":
                arguments.append(
                    (param.argument, self.body_code(call.body_tree, input_names, used_for))
                )
                continue
            argument: Argument | None = by_param.get(param.name)
            if argument is None:
                continue
            if argument.is_literal and not isinstance(argument.literal, str):
                arguments.append((param.argument, py_literal(argument.literal)))
                continue
            if argument.tree is not None:
                arguments.append(
                    (param.argument, self.body_code(argument.tree, input_names, used_for))
                )
                continue
            names: dict[str, PythonCode] = dict(self.template_names(argument.value, used_for))
            for part in argument.value:
                if part.kind == "input":
                    names[f"input:{part.value}"] = inputs[part.value]
            arguments.append((param.argument, _value_expression(argument.value, names)))
        shape: PythonCode | None = None
        if not output.passthrough and output.shape is not None:
            shape = py_literal(_plain(output.shape))
            self.uses_mapping = True
        return CallModel(operation, tuple(arguments), shape)

    def workflow_call(
        self,
        orchestration: Orchestration,
        inputs: tuple[Input, ...],
        caller: Mapping[str, PythonCode],
        name: str,
        summary: str,
    ) -> WorkflowCallModel:
        """The coroutine running an orchestration (one per distinct orchestration), and the
        arguments a unit passes it (`caller` maps input names to the unit's expressions)."""
        signature = tuple((i.name, i.type, i.required) for i in inputs)
        workflow = next(
            (
                model
                for known, known_inputs, model in self.workflows
                if known == orchestration
                and tuple((i.name, i.type, i.required) for i in known_inputs) == signature
            ),
            None,
        )
        if workflow is None:
            workflow = self.workflow_model(orchestration, inputs, name, summary)
            self.workflows.append((orchestration, inputs, workflow))
        by_name = {p.name: p.argument for p in workflow.parameters}
        return WorkflowCallModel(
            workflow, tuple((by_name[i.name], caller[i.name]) for i in inputs if i.name in caller)
        )

    def workflow_expectations(
        self, unit: WorkflowCallModel, orchestration: Orchestration, samples: Mapping[str, Any]
    ) -> WorkflowCallModel:
        """Add what the generated tests expect: each call step's request, the answer's keys."""
        requests: list[tuple[str, str | None]] = []
        for step in orchestration.steps:
            if not isinstance(step, CallStep):
                continue
            reads_steps = any(p.kind == "step" for a in step.call.arguments for p in a.value)
            path = None if reads_steps else self.expected_upstream(step.call, samples)[0]
            requests.append((step.call.operation.method, path))
        keys = tuple(dict.fromkeys(m.target[0] for m in orchestration.mappings))
        return dataclasses.replace(unit, expected_requests=tuple(requests), answer_keys=keys)

    def workflow_model(
        self, orchestration: Orchestration, inputs: tuple[Input, ...], name: str, summary: str
    ) -> WorkflowModel:
        self.uses_mapping = True  # `orchestration.py` shapes step outputs with `json_path`.
        scope = UniqueNames({"client", "outputs", "reply"})
        parameters: list[ParameterModel] = []
        names: dict[str, PythonCode] = {}
        for item in inputs:
            argument = scope.claim(item.name, fallback="param")
            py_type = _PY_TYPES.get(item.type, "Any")
            parameters.append(
                ParameterModel(
                    name=item.name,
                    location=item.location,
                    argument=argument,
                    annotation=PythonCode(py_type if item.required else f"{py_type} | None"),
                    required=item.required,
                    description=item.description,
                )
            )
            names[item.name] = PythonCode(argument)
        used_for = f"steps of {name}"
        steps: list[StepModel] = []
        for step in orchestration.steps:
            if isinstance(step, CallStep):
                operation = step.call.operation
                projections = (
                    py_literal(dict(operation.projections)) if operation.projections else None
                )
                steps.append(
                    StepModel(
                        name=step.name,
                        kind="call",
                        summary=f"call {operation.namespace}.{operation.name}",
                        call=self.call_model(step.call, names, Output(True), used_for),
                        projections=projections,
                        index="",
                        match="",
                        value=None,
                        fields=PythonCode("()"),
                    )
                )
                continue
            if step.source is not None:
                value = PythonCode(f"select(outputs, {py_literal(step.source)})")
            else:
                template_names = dict(self.template_names(step.value, used_for))
                template_names.update({f"input:{key}": code for key, code in names.items()})
                value = _value_expression(step.value, template_names)
            steps.append(
                StepModel(
                    name=step.name,
                    kind="lookup",
                    summary=f"look up {step.match} in the output of {step.index}",
                    call=None,
                    projections=None,
                    index=step.index,
                    match=step.match,
                    value=value,
                    fields=py_literal(step.fields),
                )
            )
        return WorkflowModel(
            function=self.workflow_names.claim(name, fallback="workflow"),
            summary=summary,
            parameters=tuple(parameters),
            steps=tuple(steps),
            mappings=py_literal(tuple((m.target, m.source) for m in orchestration.mappings)),
        )

    def input_models(
        self, inputs: Iterable[Input], scope: UniqueNames, *, feeds_path: set[str]
    ) -> list[InputModel]:
        models: list[InputModel] = []
        kinds = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}
        for item in inputs:
            argument = scope.claim(item.name, fallback="param")
            required = item.required or item.location == "path" or item.name in feeds_path
            py_type = _PY_TYPES.get(item.type, "Any")
            if item.location in ("query", "header", "cookie", "path"):
                # FastAPI reads scalars and lists of them there; an object arrives as JSON text.
                py_type = {"object": "str", "array": "list[str]"}.get(item.type, py_type)
            models.append(
                InputModel(
                    name=item.name,
                    location=item.location,
                    argument=argument,
                    annotation=PythonCode(py_type if required else f"{py_type} | None"),
                    fastapi_kind=PythonIdentifier(kinds.get(item.location, "Body")),
                    required=required,
                    description=item.description,
                    alias_needed=item.name != argument,
                    sample=(
                        "application/json"  # A body must stay parseable for the test requests.
                        if item.location == "header" and item.name.lower() == "content-type"
                        else _SAMPLES.get(item.type, "sample")
                    ),
                )
            )
        return models

    def action_models(
        self,
        action: Action,
        inputs: tuple[Input, ...],
        names: Mapping[str, PythonCode],
        output: Output,
        used_for: str,
        workflow_name: str,
        workflow_description: str,
    ) -> tuple[CallModel | None, WorkflowCallModel | None, PythonCode | None]:
        """A unit's action as the model's (call, workflow, mock): exactly one is set."""
        if isinstance(action, Call):
            return self.call_model(action, names, output, used_for), None, None
        if isinstance(action, Orchestration):
            workflow = self.workflow_call(
                action, inputs, names, workflow_name, workflow_description
            )
            return None, workflow, None
        self.uses_mapping = True
        return None, None, self.mock_code(action.outputs, names, used_for)

    def route_model(self, op: RestOperation, functions: UniqueNames, ids: set[str]) -> RouteModel:
        scope = UniqueNames({"request", "client"})
        # An input that alone feeds a required upstream parameter is required too.
        op_call = op.action if isinstance(op.action, Call) else None
        feeds_path = {
            arg.value[0].value
            for arg in (op_call.arguments if op_call else ())
            if (arg.parameter.location == "path" or arg.parameter.required)
            and len(arg.value) == 1
            and arg.value[0].kind == "input"
        }
        inputs = self.input_models(op.inputs, scope, feeds_path=feeds_path)
        by_name = {i.name: i for i in inputs}
        names = {i.name: PythonCode(i.argument) for i in inputs}
        used_for = f"REST {op.method} {op.path}"
        call, workflow, mock = self.action_models(
            op.action,
            op.inputs,
            names,
            op.output,
            used_for,
            op.name or used_for,
            op.description or op.label or f"Orchestrated {op.method} {op.path}",
        )
        route_pieces: list[str] = []
        sample_pieces: list[str] = []
        for is_placeholder, content in split_placeholders(op.path, path=True):
            if not is_placeholder:
                route_pieces.append(content)
                sample_pieces.append(content)
                continue
            model = by_name[content]
            route_pieces.append("{" + model.argument + "}")
            sample_pieces.append(quote(str(model.sample), safe=""))
        base_id = op.name or f"{op.method.lower()}-{op.path}"
        operation_id = base_id
        counter = 2
        while operation_id in ids:
            operation_id = f"{base_id}-{counter}"
            counter += 1
        ids.add(operation_id)
        body_inputs = [i for i in inputs if i.fastapi_kind == "Body"]
        samples = {i.name: i.sample for i in inputs}
        sample_body: Any = None
        if len(body_inputs) == 1 and not self._embed(body_inputs):
            sample_body = body_inputs[0].sample
        elif body_inputs:
            sample_body = {i.name: i.sample for i in body_inputs}
        upstream_path, upstream_query, expected_body = self.expected_request(op_call, samples)
        if workflow is not None and isinstance(op.action, Orchestration):
            workflow = self.workflow_expectations(workflow, op.action, samples)
        function = functions.claim(op.name or f"{op.method}_{op.path}", fallback="route")
        direct_arguments = _direct_arguments(inputs)
        return RouteModel(
            function=function,
            operation_id=operation_id,
            method=op.method,
            decorator=PythonIdentifier(op.method.lower()),
            spec_path=_openapi_path(op.path),
            route_path="".join(route_pieces),
            summary=op.label or _first_line(op.description) or f"{op.method} {op.path}",
            description=op.description,
            tag=op.resource or op.path,
            inputs=tuple(inputs),
            body_embed=self._embed(body_inputs),
            call=call,
            mock=mock,
            sample_path="".join(sample_pieces),
            sample_query=tuple(
                pair
                for i in inputs
                if i.location == "query"
                for pair in _query_pairs(i.name, i.sample)
            ),
            sample_headers=tuple(
                (i.name, _query_text(i.sample)) for i in inputs if i.location == "header"
            ),
            sample_body=sample_body,
            expected_upstream_path=upstream_path,
            expected_upstream_query=upstream_query,
            expected_upstream_body=expected_body,
            workflow=workflow,
            # Claimed names never start with `_`, so this one cannot collide with a handler.
            direct_function=(
                PythonIdentifier(f"_{function}_direct") if direct_arguments is not None else None
            ),
            direct_arguments=direct_arguments or (),
        )

    def forward_model(
        self, forward: RestForward, functions: UniqueNames, ids: set[str]
    ) -> ForwardModel:
        tail = PythonIdentifier(identifier(forward.tail, fallback="path")) if forward.tail else None
        route = ""
        sample = ""
        for is_placeholder, content in split_placeholders(forward.path, path=True):
            if is_placeholder:
                route += "{" + str(tail) + ":path}"
                sample += "one/two"
            else:
                route += content
                sample += content
        base_id = "forward-" + slugify(forward.resource or forward.path)
        operation_id, counter = base_id, 2
        while operation_id in ids:
            operation_id, counter = f"{base_id}-{counter}", counter + 1
        ids.add(operation_id)
        return ForwardModel(
            function=functions.claim(f"forward_{forward.resource or forward.path}"),
            operation_id=operation_id,
            route_path=route,
            spec_path=_openapi_path(forward.path),
            tail=tail,
            api=self.apis[forward.api],
            methods=tuple(m for m in _FORWARD_METHODS if m not in forward.excluded_methods),
            trusted_headers=tuple(sorted({h.lower() for h in forward.trusted_headers})),
            summary=forward.label or _first_line(forward.description) or f"Forward {forward.path}",
            description=forward.description,
            tag=forward.resource or forward.path,
            sample_path=sample,
            # The rest of the path goes to the API's base URL (a stub at "/" in the tests).
            expected_upstream_path="/one/two" if tail else "/",
        )

    @staticmethod
    def _embed(body_inputs: list[InputModel]) -> bool:
        # One body input named `body` (or typed object/array) is the whole JSON body.
        if len(body_inputs) != 1:
            return bool(body_inputs)
        only = body_inputs[0]
        return not (only.name == "body" or only.annotation.startswith(("dict", "list")))

    def tool_model(self, tool: McpTool, functions: UniqueNames) -> ToolModel:
        inputs = self.input_models(tool.inputs, UniqueNames(), feeds_path=set())
        expressions = {
            i.name: PythonCode(
                f"arguments[{i.name!r}]" if i.required else f"arguments.get({i.name!r})"
            )
            for i in inputs
        }
        used_for = f"MCP tool {tool.name}"
        call, workflow, mock = self.action_models(
            tool.action,
            tool.inputs,
            expressions,
            tool.output,
            used_for,
            tool.name,
            tool.description or tool.label or f"Orchestrated tool {tool.name}",
        )
        schema = _input_schema(tool.inputs)
        hints = tuple(
            (key, value)
            for key, value in (
                ("read_only", tool.hints.get("readOnly")),
                ("destructive", tool.hints.get("destructive")),
                ("idempotent", tool.hints.get("idempotent")),
                ("open_world", tool.hints.get("openWorld")),
            )
            if value is not None
        )
        annotations = tuple((PythonIdentifier(f"{key}_hint"), value) for key, value in hints)
        samples = {i.name: i.sample for i in inputs if i.required}
        tool_call = tool.action if isinstance(tool.action, Call) else None
        upstream_path, upstream_query, expected_body = self.expected_request(tool_call, samples)
        if workflow is not None and isinstance(tool.action, Orchestration):
            workflow = self.workflow_expectations(workflow, tool.action, samples)
        return ToolModel(
            name=tool.name,
            function=functions.claim(tool.name, fallback="tool"),
            title=tool.label,
            description=tool.description,
            input_schema=py_literal(schema),
            argument_types=tuple(
                (i.name, _JSON_TYPES.get(i.type, i.type), i.required) for i in tool.inputs
            ),
            annotations=annotations,
            hints=tuple((_WIRE_HINTS[key], value) for key, value in hints),
            inputs=tuple(inputs),
            call=call,
            mock=mock,
            sample_arguments=py_literal(samples),
            expected_upstream_path=upstream_path,
            expected_upstream_query=upstream_query,
            expected_upstream_body=expected_body,
            workflow=workflow,
        )

    def resource_model(self, resource: McpResource, functions: UniqueNames) -> ResourceModel:
        inputs = {name: PythonCode(f"arguments[{name!r}]") for name in resource.parameters}
        used_for = f"MCP resource {resource.name}"
        action = resource.action
        call = (
            self.call_model(action, inputs, resource.output, used_for)
            if isinstance(action, Call)
            else None
        )
        workflow = None
        if isinstance(action, Orchestration):
            workflow = self.workflow_call(
                action,
                tuple(Input(p, "argument", "string", "", True, True) for p in resource.parameters),
                inputs,
                resource.name,
                resource.description or f"MCP resource {resource.name}",
            )
        pattern = None
        if resource.parameters:
            pieces = re.split(r"\{([A-Za-z0-9_]+)\}", resource.uri)
            pattern = "".join(
                "([^/]+)" if index % 2 else re.escape(piece) for index, piece in enumerate(pieces)
            )
        return ResourceModel(
            name=resource.name,
            function=functions.claim(f"read_{resource.name}", fallback="resource"),
            title=resource.label,
            description=resource.description,
            uri=resource.uri,
            mime_type=resource.mime_type,
            uri_pattern=pattern,
            parameters=resource.parameters,
            call=call,
            workflow=workflow,
            folder=action.path if isinstance(action, Folder) else None,
            sample_uri=re.sub(r"\{[A-Za-z0-9_]+\}", "sample", resource.uri),
        )

    @staticmethod
    def prompt_model(prompt: McpPrompt) -> PromptModel:
        return PromptModel(
            name=prompt.name,
            title=prompt.label,
            description=prompt.description,
            arguments=py_literal(
                [
                    {"name": a.name, "description": a.description, "required": a.required}
                    for a in prompt.arguments
                ]
            ),
            messages=py_literal(tuple(prompt.messages)),
            file=prompt.file,
            sample_arguments=py_literal({a.name: f"sample-{a.name}" for a in prompt.arguments}),
        )

    def expected_request(
        self, call: Call | None, samples: Mapping[str, Any]
    ) -> tuple[str | None, tuple[tuple[str, str], ...], PythonCode]:
        """What the stub upstream should see for the sample inputs; no path for a mock."""
        if call is None:
            return None, (), py_literal(("none", None))
        path, query = self.expected_upstream(call, samples)
        return path, query, self.expected_body(call, samples)

    def mock_code(
        self, outputs: tuple[MockOutput, ...], inputs: Mapping[str, PythonCode], used_for: str
    ) -> PythonCode:
        """Code building a mock unit's answer: named outputs as an object, one unnamed as is."""
        names = {f"input:{name}": code for name, code in inputs.items()}

        def node(output: MockOutput) -> str:
            if output.properties:
                return "{" + ", ".join(f"{k!r}: {node(v)}" for k, v in output.properties) + "}"
            if output.type == "array":
                return "[" + (node(output.items) if output.items else "") + "]"
            if output.value is None:
                return "None"
            template_names = {**self.template_names(output.value, used_for), **names}
            if all(p.kind == "text" for p in output.value):
                return py_literal(_coerce_static(template_text(output.value), output.type))
            expression = _text_expression(output.value, template_names)
            if output.type in ("number", "integer"):
                return f"as_number({expression})"
            if output.type == "boolean":
                return f"as_boolean({expression})"
            return expression

        if len(outputs) == 1 and outputs[0].name is None:
            return PythonCode(node(outputs[0]))
        return PythonCode(
            "{" + ", ".join(f"{(o.name or 'value')!r}: {node(o)}" for o in outputs) + "}"
        )

    def expected_upstream(
        self, call: Call, samples: Mapping[str, Any]
    ) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The upstream path and query a call sends for the sample inputs (for generated tests)."""
        values: dict[str, Any] = {}
        for argument in call.arguments:
            value = _sample_value(argument, samples, self.secret_test_values())
            if value is not None:
                values[argument.parameter.name] = value
        for param in call.operation.parameters:
            if param.name not in values and param.value is not None:
                value = _sample_value(
                    Argument(param, param.value), samples, self.secret_test_values()
                )
                if value is not None:
                    values[param.name] = value
        path = ""
        for part in call.operation.path:
            if part.kind == "text":
                path += part.value
            else:
                path += _segment(values.get(part.value, ""))
        # The generated tests point each API at a stub served at "/", so nothing is stripped.
        api = self.apis[call.operation.namespace]
        query: list[tuple[str, str]] = []
        # A fragment never leaves the client; a query written into the path is kept.
        path = path.split("#", 1)[0] or "/"
        if "?" in path:
            path, _, written = path.partition("?")
            query.extend(parse_qsl(written, keep_blank_values=True))
        for param in call.operation.parameters:
            if param.location == "query" and param.name in values:
                query.extend(_query_pairs(param.name, values[param.name]))
        auth = next(a for a in self.canonical.apis if a.namespace == api.namespace).auth
        for key, _ in api.auth_query:
            assert auth is not None
            query.append(
                (
                    key,
                    _sample_value(Argument(_AUTH_PARAM, auth.value), {}, self.secret_test_values())
                    or "",
                )
            )
        return path, tuple(query)

    def expected_body(self, call: Call, samples: Mapping[str, Any]) -> PythonCode:
        """What the upstream receives as body for the sample inputs: `(format, value)`."""
        secrets = self.secret_test_values()

        def evaluate(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: evaluate(v) for k, v in node.items()}
            if isinstance(node, list):
                return [evaluate(v) for v in node]
            if isinstance(node, BodyLeaf):
                argument = Argument(_AUTH_PARAM, node.value)
                if node.typed:
                    return _sample_value(argument, samples, secrets)
                return _render_sample(node.value, samples, secrets)
            return node

        by_param = {a.parameter.name: a for a in call.arguments}
        if call.body_mode == "template":
            value = evaluate(call.body_tree)
            if value is None:  # A lone optional input left out: no body is sent.
                return py_literal(("none", None))
            if call.body_format == "form":
                value = (
                    {k: _query_text(v) for k, v in value.items() if v not in (None, "")}
                    if isinstance(value, dict)
                    else {}
                )
            return py_literal((call.body_format, value))
        body_params = [p for p in call.operation.parameters if p.location == "body"]
        if call.body_mode == "whole":
            argument = by_param.get(body_params[0].name)
            value = _sample_value(argument, samples, secrets) if argument else None
            return py_literal(("json", value) if value is not None else ("none", None))
        if call.body_mode == "properties":
            value = {}
            for param in body_params:
                argument = by_param.get(param.name)
                if argument is not None and argument.tree is not None:
                    sample = evaluate(argument.tree)
                else:
                    sample = _sample_value(argument, samples, secrets) if argument else None
                if sample is not None:
                    value[param.name] = sample
            if call.body_format == "form":
                form = {k: _query_text(v) for k, v in value.items() if v not in (None, "")}
                return py_literal(("form", form))
            return py_literal(("json", value))
        return py_literal(("none", None))

    def inbound_auth(self, auth: Auth | None, adapter: str) -> InboundAuthModel | None:
        """The check an adapter applies to callers, with its value for the generated tests."""
        if auth is None:
            return None
        used_for = f"inbound authentication of {adapter}"
        secrets = self.secret_test_values()

        def code(template: Template) -> PythonCode:
            return _text_expression(template, self.template_names(template, used_for, "secrets"))

        if auth.kind == "bearer":
            return InboundAuthModel(
                "bearer",
                "Authorization",
                None,
                PythonCode(f"'Bearer ' + {code(auth.value)}"),
                "Bearer " + _render_sample(auth.value, {}, secrets),
            )
        if auth.kind == "apikey":
            header = auth.key if auth.placement == "header" else None
            return InboundAuthModel(
                "apikey",
                header,
                None if header else auth.key,
                code(auth.value),
                _render_sample(auth.value, {}, secrets),
            )
        user, password = (
            _render_sample(auth.username, {}, secrets),
            _render_sample(auth.password, {}, secrets),
        )
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return InboundAuthModel(
            "basic",
            "Authorization",
            None,
            PythonCode(f"basic_credentials({code(auth.username)}, {code(auth.password)})"),
            f"Basic {token}",
        )

    def operation_imports(self) -> tuple[PythonIdentifier, ...]:
        code = " ".join(
            " ".join(
                [
                    op.path_expression,
                    *(c for _, c in (*op.query, *op.headers, *op.cookies)),
                    op.body or "",
                    *(p.annotation for p in op.parameters),
                ]
            )
            for op in self.operations.values()
        )
        helpers = ["form_fields", "path_segment", "text", "without_none"]
        used = [name for name in helpers if f"{name}(" in code]
        if any(op.query for op in self.operations.values()):
            used.append("query_items")
        if any(op.headers or op.cookies for op in self.operations.values()):
            used.append("header_items")
        if any(op.cookies for op in self.operations.values()):
            used.append("text")
        return tuple(PythonIdentifier(name) for name in sorted(set(used)))

    def secret_test_values(self) -> dict[str, str]:
        return {
            variable: f"test-{variable.lower().replace('_', '-')}" for variable in self.secret_names
        }

    # -- whole capability

    def build(self) -> CapabilityModel:
        canonical = self.canonical
        api_attrs = UniqueNames()
        for api in canonical.apis:
            self.apis[api.namespace] = self.api_model(api, api_attrs)
        rest: RestModel | None = None
        if canonical.rest_adapters:
            adapter = canonical.rest_adapters[0]
            functions = UniqueNames(
                {"create_app", "router", "relay", "text", "build_app", "serve_directly"}
            )
            ids: set[str] = set()
            routes = tuple(self.route_model(op, functions, ids) for op in adapter.operations)
            forwards = tuple(self.forward_model(f, functions, ids) for f in adapter.forwards)
            rest = RestModel(
                auth=self.inbound_auth(adapter.auth, adapter.namespace),
                direct_routes=tuple(r for r in routes if r.direct_function),
                namespace=adapter.namespace,
                port=adapter.port,
                host=adapter.address or "0.0.0.0",
                title=canonical.label or self.slug,
                description=adapter.description or canonical.description,
                routes=routes,
                forwards=forwards,
                operation_ids=tuple(
                    sorted(
                        [
                            *(r.operation_id for r in routes),
                            *(f"{f.operation_id}-{m.lower()}" for f in forwards for m in f.methods),
                        ]
                    )
                ),
                spec_paths=tuple(
                    sorted({*(r.spec_path for r in routes), *(f.spec_path for f in forwards)})
                ),
                renamed_paths=tuple(
                    sorted(
                        {
                            (route_path, spec_path)
                            for route_path, spec_path in [
                                *((r.route_path, r.spec_path) for r in routes),
                                *(
                                    (f.route_path.replace(":path}", "}"), f.spec_path)
                                    for f in forwards
                                ),
                            ]
                            if route_path != spec_path
                        }
                    )
                ),
                renamed_parameters=tuple(
                    sorted(
                        {
                            (r.spec_path, i.argument, i.name)
                            for r in routes
                            for i in r.inputs
                            if i.location == "path" and i.alias_needed
                        }
                    )
                ),
            )
        mcp: McpModel | None = None
        if canonical.mcp_adapters:
            mcp_adapter = canonical.mcp_adapters[0]
            functions = UniqueNames({"create_server", "text"})
            tools = tuple(self.tool_model(tool, functions) for tool in mcp_adapter.tools)
            resources = tuple(self.resource_model(r, functions) for r in mcp_adapter.resources)
            mcp = McpModel(
                namespace=mcp_adapter.namespace,
                transport=mcp_adapter.transport,
                port=mcp_adapter.port or 9090,
                host=mcp_adapter.address or "127.0.0.1",
                description=mcp_adapter.description or canonical.description,
                tools=tools,
                tool_names=tuple(sorted(t.name for t in tools)),
                auth=self.inbound_auth(mcp_adapter.auth, mcp_adapter.namespace),
                resources=resources,
                prompts=tuple(self.prompt_model(p) for p in mcp_adapter.prompts),
                content_helpers=_helpers_called(
                    code for resource in resources for code in _arguments(resource.call)
                ),
            )
        control: ControlModel | None = None
        if canonical.control is not None:
            control = ControlModel(
                port=canonical.control.port,
                host=canonical.control.address or "127.0.0.1",
                health=canonical.control.health,
                info=canonical.control.info,
                auth=self.inbound_auth(canonical.control.auth, "the control port"),
            )
        test_values = self.secret_test_values()
        secrets = tuple(
            SecretModel(
                variable=bind.variable,
                attribute=self.secret_names[bind.variable],
                env_var=bind.provider_key,
                file=_file_path(bind.location),
                used_for=", ".join(self.secret_uses[bind.variable]),
                test_value=test_values[bind.variable],
            )
            for bind in canonical.binds
            if bind.variable in self.secret_uses
        )
        package = identifier(self.slug, fallback="capability")
        uses_file = any(s.file for s in secrets)
        dependencies = [
            "aiohttp>=3.10,<4",
            "fastapi>=0.115,<1",
            "mcp>=2.3,<3",
            "uvicorn[standard]>=0.30,<1",
        ]
        uses_yaml_output = any(op.raw_format == "yaml" for op in self.operations.values())
        if uses_file or uses_yaml_output:
            dependencies.append("pyyaml>=6.0,<7")
        # `--import-mode=importlib` lets the generated tests import their `tests/` helpers
        # relatively from pytest 8.3.4 on, however pytest is started.
        test_dependencies = ["pytest>=8.3.4"]
        if mcp is not None and mcp.auth is not None:
            # The generated tests give the MCP client credentials through its HTTP client.
            test_dependencies.append("httpx2>=2.10,<3")
        return CapabilityModel(
            context_version=CONTEXT_VERSION,
            generator_version=__version__,
            distribution=self.slug,
            package=package,
            script=self.slug,
            title=canonical.label or self.slug,
            description=canonical.description,
            tags=canonical.tags,
            spec_file=self.spec_file,
            spec_sha256=hashlib.sha256(self.spec_text.encode()).hexdigest(),
            apis=tuple(self.apis.values()),
            secrets=secrets,
            operations=tuple(self.operations.values()),
            rest=rest,
            mcp=mcp,
            uses_output_mapping=self.uses_mapping,
            uses_file_secrets=uses_file,
            uses_inbound_auth=bool(
                (rest and rest.auth) or (mcp and mcp.auth) or (control and control.auth)
            ),
            auth_uses_secrets=any(
                "secrets." in code
                for api in self.apis.values()
                for code in [
                    *(c for _, c in api.auth_headers),
                    *(c for _, c in api.auth_query),
                ]
            ),
            operation_exports=tuple(sorted(op.function for op in self.operations.values())),
            operation_imports=self.operation_imports(),
            rest_imports=_rest_imports(rest),
            rest_typing=_rest_typing(rest, self.uses_mapping),
            rest_helpers=tuple(
                sorted(
                    (
                        *_unit_helpers(rest.routes if rest else (), rest.auth if rest else None),
                        *([PythonIdentifier("forward_path")] if rest and rest.forwards else []),
                    )
                )
            ),
            mcp_helpers=_unit_helpers(mcp.tools if mcp else (), mcp.auth if mcp else None),
            mcp_has_mocks=mcp is not None and any(t.mock for t in mcp.tools),
            rest_calls_upstream=rest is not None and any(r.call for r in rest.routes),
            mcp_calls_upstream=mcp is not None and any(t.call for t in mcp.tools),
            operations_use_any=any(
                "Any" in p.annotation for op in self.operations.values() for p in op.parameters
            ),
            dependencies=tuple(sorted(dependencies)),
            test_dependencies=tuple(sorted(test_dependencies)),
            uses_raw_formats=any(op.raw_format != "json" for op in self.operations.values()),
            uses_yaml_output=uses_yaml_output,
            control=control,
            control_helpers=_unit_helpers((), control.auth if control else None),
            spec_version=canonical.spec_version,
            workflows=tuple(model for _, _, model in self.workflows),
            workflow_helpers=_helpers_called(
                code
                for _, _, workflow in self.workflows
                for step in workflow.steps
                for code in [step.value or "", *_arguments(step.call)]
            ),
        )


def _helpers_called(codes: Iterable[str]) -> tuple[PythonIdentifier, ...]:
    """The `upstream.py` helpers that some of these expressions call."""
    code = " ".join(codes)
    return tuple(
        PythonIdentifier(name) for name in ("basic_credentials", "text") if f"{name}(" in code
    )


def _arguments(call: CallModel | None) -> list[str]:
    return [code for _, code in call.arguments] if call else []


def _unit_helpers(
    units: Iterable[RouteModel | ToolModel], auth: InboundAuthModel | None
) -> tuple[PythonIdentifier, ...]:
    """The `upstream.py` helpers that the units' (and the auth check's) expressions call."""
    return _helpers_called(
        [
            *(code for unit in units for code in [unit.mock or "", *_arguments(unit.call)]),
            auth.expected if auth else "",
        ]
    )


def _direct_arguments(
    inputs: Iterable[InputModel],
) -> tuple[tuple[PythonIdentifier, PythonCode], ...] | None:
    """How a plain endpoint reads each input, or None when some input needs FastAPI.

    A path segment and an optional text query value reach a `str` handler argument unchanged
    (FastAPI has nothing to convert and nothing that can fail), so they are read from the
    request directly. Anything typed, required in the query, a header, a cookie or a body is
    left to FastAPI's validation and its 422 answers.
    """
    arguments: list[tuple[PythonIdentifier, PythonCode]] = []
    for item in inputs:
        if item.location == "path" and item.annotation == "str":
            code = f"request.path_params[{item.argument!r}]"
        elif item.location == "query" and item.annotation == "str | None":
            code = f"request.query_params.get({item.name!r})"
        else:
            return None
        arguments.append((item.argument, PythonCode(code)))
    return tuple(arguments)


def _rest_typing(rest: RestModel | None, uses_mapping: bool) -> tuple[PythonIdentifier, ...]:
    """Names `rest_app.py` imports from `typing` (`Any` for `relay_mapped` and input types)."""
    names = {"Final"}
    inputs = [i for r in rest.routes for i in r.inputs] if rest is not None else []
    if inputs:
        names.add("Annotated")
    if uses_mapping or any("Any" in i.annotation for i in inputs):
        names.add("Any")
    return tuple(PythonIdentifier(name) for name in sorted(names))


def _rest_imports(rest: RestModel | None) -> tuple[PythonIdentifier, ...]:
    names = {"APIRouter", "FastAPI", "Request", "Response"}
    if rest is not None:
        names.update(i.fastapi_kind for r in rest.routes for i in r.inputs)
    return tuple(PythonIdentifier(name) for name in sorted(names))


_AUTH_PARAM = ConsumedParameter("auth", "query", "string", "", True, None, False)


# ----------------------------------------------------------------------------- helpers


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:120]


def _file_path(location: str | None) -> str | None:
    if not location:
        return None
    path = location.removeprefix("file://")
    return path[1:] if path.startswith("/./") else path


def _input_schema(inputs: Iterable[Input]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for item in inputs:
        prop: dict[str, Any] = {"type": _JSON_TYPES.get(item.type, item.type)}
        if item.type == "object":
            prop["additionalProperties"] = True
        if item.description:
            prop["description"] = item.description
        properties[item.name] = prop
        if item.required:
            required.append(item.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _segment(value: Any) -> str:
    text = _query_text(value)
    encoded = quote(text, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _query_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list):
        return [(name, _query_text(v)) for v in value]
    return [(name, _query_text(value))]


def _openapi_path(path: str) -> str:
    """The path as the spec writes it, placeholders in OpenAPI's single braces."""
    return "".join(
        "{" + content + "}" if is_placeholder else content
        for is_placeholder, content in split_placeholders(path, path=True)
    )


def _coerce_static(text: str, kind: str) -> Any:
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


def _render_sample(
    template: Template, samples: Mapping[str, Any], secrets: Mapping[str, str]
) -> str:
    out = ""
    for part in template:
        if part.kind == "text":
            out += part.value
        elif part.kind == "secret":
            out += secrets.get(part.value, "")
        elif part.kind == "input" and samples.get(part.value) is not None:
            out += _query_text(samples[part.value])
    return out


def _sample_value(
    argument: Argument, samples: Mapping[str, Any], secrets: Mapping[str, str]
) -> Any:
    if argument.is_literal:
        return argument.literal
    meaningful = [p for p in argument.value if p.kind != "unbound"]
    if len(meaningful) == 1 and meaningful[0].kind == "input":
        return samples.get(meaningful[0].value)
    out = ""
    for part in argument.value:
        if part.kind == "text":
            out += part.value
        elif part.kind == "secret":
            out += secrets.get(part.value, "")
        elif part.kind == "input":
            if part.value not in samples:
                return None
            out += _query_text(samples[part.value])
    return out


def build_model(
    canonical: CanonicalCapability, *, spec_file: str, spec_text: str, slug: str
) -> CapabilityModel:
    """Derive every name, type and expression the templates need from a resolved capability."""
    return _ModelBuilder(canonical, spec_file, spec_text, slugify(slug)).build()
