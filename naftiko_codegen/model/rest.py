"""Model stage, REST adapter: operations → FastAPI routes, forwards → catch-all routes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from ..canonical import Api, Call, Input, RestAdapter, RestForward, RestOperation
from ..names import PythonCode, PythonIdentifier, identifier, slugify
from ..placeholders import split_placeholders
from .apis import ApiModel
from .auth import InboundAuthModel, inbound_auth
from .calls import CallModel
from .code import (
    NOTHING,
    Expression,
    Needs,
    all_needs,
    claim_each,
    is_static,
    reference_names,
    unique_ids,
    uses,
    value_expression,
)
from .units import InputModel, Scope, Unit, action_models, input_models
from .workflows import WorkflowCallModel

__all__ = [
    "ForwardModel",
    "RestModel",
    "RouteModel",
    "openapi_path",
    "rest_model",
    "route_unit",
    "unshadowed",
]

_FORWARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class RouteModel:
    """One REST operation, generated as one FastAPI handler."""

    function: PythonIdentifier
    operation_id: str
    method: str
    decorator: PythonIdentifier
    spec_path: str
    route_path: str
    summary: str
    description: str
    tag: str
    inputs: tuple[InputModel, ...]
    body_embed: bool
    call: CallModel | None
    mock: PythonCode | None
    """For a unit without `call`: code building its static answer from the inputs."""
    workflow: WorkflowCallModel | None = None
    """For an orchestrated route: the steps it runs (then `call` and `mock` are None)."""
    action_template: str = ""
    """The fragment rendering its action: `_actions/call.jinja`, `steps.jinja` or `mock.jinja`."""
    direct_function: PythonIdentifier | None = None
    """The plain Starlette endpoint serving this route when no input needs validation, or None."""
    direct_arguments: tuple[tuple[PythonIdentifier, PythonCode], ...] = ()
    """(handler argument, code reading it from `request`) for `direct_function`."""
    constants: tuple[tuple[str, str], ...] = ()
    """(input name, constant) for inputs whose `value` is a constant: the request is not read."""
    engine_notes: tuple[str, ...] = ()
    """Where this route departs from the reference engine, for the handler's docstring."""
    body_paths: tuple[tuple[str, str], ...] = ()
    """(input name, JSONPath) for body inputs read out of the whole JSON body (`$.user.id`);
    when set, the handler takes the body as one argument (the last of `inputs`)."""


@dataclass(frozen=True)
class ForwardModel:
    """A pass-through resource, generated as one catch-all FastAPI route."""

    function: PythonIdentifier
    operation_id: str
    route_path: str
    spec_path: str
    tail: PythonIdentifier | None
    """The handler argument holding the rest of the path, if the path has a placeholder."""
    api: ApiModel
    methods: tuple[str, ...]
    trusted_headers: tuple[str, ...]
    """Lower-case names of the caller headers passed on."""
    summary: str
    description: str
    tag: str
    headers: tuple[tuple[str, PythonCode], ...] = ()
    """(name, value code) of the consumed API's own header parameters, sent on every forwarded
    request (a caller's header of the same name is not passed on)."""
    query: tuple[tuple[str, PythonCode], ...] = ()
    """(name, value code) of the consumed API's own query parameters."""
    own_headers: tuple[str, ...] = ()
    """Lower-case names of `headers`."""
    expected_headers: tuple[tuple[str, str], ...] = ()
    """(name, text) of the API headers whose value is plain text, for the generated tests."""


@dataclass(frozen=True)
class RestModel:
    """The REST adapter."""

    namespace: str
    port: int
    host: str
    title: str
    description: str
    routes: tuple[RouteModel, ...]
    forwards: tuple[ForwardModel, ...]
    operation_ids: tuple[str, ...]
    spec_paths: tuple[str, ...]
    renamed_paths: tuple[tuple[str, str], ...]
    """(route path FastAPI registers, path as the spec writes it) where they differ."""
    renamed_parameters: tuple[tuple[str, str, str], ...]
    """(spec path, identifier, spec name) for path parameters renamed in the OpenAPI document."""
    auth: InboundAuthModel | None
    direct_routes: tuple[RouteModel, ...] = ()
    uses_client: bool = False
    """Some handler sends upstream (a call, steps or a forward): `_client` is generated."""
    """Routes served by a plain Starlette endpoint: every input is text that FastAPI would
    pass through unchanged (a path segment, an optional query value)."""


def route_unit(op: RestOperation) -> Unit:
    """What the route shares with every kind of unit."""
    used_for = f"REST {op.method} {op.path}"
    summary = op.description or op.label or f"Orchestrated {op.method} {op.path}"
    return Unit(op.action, op.inputs, op.output, used_for, op.name or used_for, summary)


def openapi_path(path: str) -> str:
    """The path as the spec writes it, placeholders in OpenAPI's single braces."""
    return "".join(
        "{" + content + "}" if is_placeholder else content
        for is_placeholder, content in split_placeholders(path, path=True)
    )


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:120]


def _embed(body_inputs: list[InputModel]) -> bool:
    # One body input named `body` (or typed object/array) is the whole JSON body.
    if len(body_inputs) != 1:
        return bool(body_inputs)
    only = body_inputs[0]
    return not (only.name == "body" or only.annotation.startswith(("dict", "list", "Any")))


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
        if item.pattern is not None:
            return None  # FastAPI checks the pattern (and answers 422).
        if item.location == "path" and item.annotation == "str":
            code = f"request.path_params[{item.argument!r}]"
        elif item.location == "query" and item.annotation == "str | None":
            code = f"request.query_params.get({item.name!r})"
        else:
            return None
        arguments.append((item.argument, PythonCode(code)))
    return tuple(arguments)


def _route_model(
    op: RestOperation,
    function: PythonIdentifier,
    operation_id: str,
    scope: Scope,
    *,
    spans: bool = False,
) -> tuple[RouteModel, Needs]:
    """One route; `spans`: its resource also forwards, so its placeholder takes the rest of the
    path, slashes included, as the forward's does (spec §3.5: the engine's `path` variable
    spans slashes). Otherwise a deeper path would match only the forward's other methods and
    answer 405 instead of reaching the operation that declares the method."""
    # An input that alone feeds a required upstream parameter is required too.
    feeds_path = {
        arg.value[0].value
        for arg in (op.action.arguments if isinstance(op.action, Call) else ())
        if (arg.parameter.location == "path" or arg.parameter.required)
        and len(arg.value) == 1
        and arg.value[0].kind == "input"
    }
    constants, body_paths, read = _read_inputs(op.inputs)
    inputs = input_models(read, {"request", "client"}, feeds_path=feeds_path)
    by_name = {i.name: i for i in inputs}
    names = {i.name: PythonCode(i.argument) for i in inputs}
    # A constant `value`: the request is not read for it (spec §3.5).
    names.update((name, PythonCode(repr(value))) for name, value in constants)
    body_needs = NOTHING
    if body_paths:
        whole = inputs[-1].argument
        for name, json_path in body_paths:
            names[name] = PythonCode(f"json_path({whole}, {json_path!r})")
        body_needs = uses("mapping", "json_path")
    # A route handler has no `client` variable: secrets are read from the app's client.
    action = action_models(route_unit(op), names, scope, "_client(request).secrets")
    route_path = "".join(
        (
            "{" + by_name[content].argument + (":path" if spans else "") + "}"
            if is_placeholder
            else content
        )
        for is_placeholder, content in split_placeholders(op.path, path=True)
    )
    direct_arguments = _direct_arguments(inputs)
    model = RouteModel(
        function=function,
        operation_id=operation_id,
        method=op.method,
        decorator=PythonIdentifier(op.method.lower()),
        spec_path=openapi_path(op.path),
        route_path=route_path,
        summary=op.label or _first_line(op.description) or f"{op.method} {op.path}",
        description=op.description,
        tag=op.resource or op.path,
        inputs=inputs,
        body_embed=_embed([i for i in inputs if i.fastapi_kind == "Body"]),
        call=action.call,
        mock=action.mock,
        workflow=action.workflow,
        action_template=action.template,
        # Claimed names never start with `_`, so this one cannot collide with a handler.
        direct_function=(
            PythonIdentifier(f"_{function}_direct") if direct_arguments is not None else None
        ),
        direct_arguments=direct_arguments or (),
        constants=constants,
        body_paths=body_paths,
        engine_notes=_engine_notes(op, inputs),
    )
    return model, action.needs | body_needs


def _engine_notes(op: RestOperation, inputs: Iterable[InputModel]) -> tuple[str, ...]:
    notes: list[str] = []
    patterned = [i.name for i in inputs if i.pattern is not None]
    if patterned:
        notes.append(
            "The `pattern` of "
            + ", ".join(f"`{name}`" for name in patterned)
            + " is enforced (422), as the spec declares; the Naftiko engine ignores it."
        )
    if op.output.named_fields:
        notes.append(
            "Its named outputs answer one object keyed by name, as the spec declares them; "
            "the Naftiko engine answers only the first that maps to a value."
        )
    return tuple(textwrap.fill(note, 92) for note in notes)


_WHOLE_BODY = "body"


def _read_inputs(
    inputs: tuple[Input, ...],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], tuple[Input, ...]]:
    """(constants, body JSONPaths, the inputs read from the request as handler arguments).

    A `value` not starting with `$` is a constant (spec §3.5: the request is ignored for it).
    A body input whose `value` is a JSONPath reads that path of the JSON body: the handler then
    takes the whole body as its last argument, and every body input of the route is read out
    of it (a plain one by its top-level field), since FastAPI cannot read a body both whole and
    by fields.
    """
    constants = tuple(
        (i.name, i.value)
        for i in inputs
        if i.value is not None and i.location != "path" and not _is_json_path(i)
    )
    constant_names = {name for name, _ in constants}
    read = [i for i in inputs if i.name not in constant_names]
    if not any(_is_json_path(i) for i in read):
        return constants, (), tuple(read)
    body_paths = tuple(
        (i.name, i.value if _is_json_path(i) and i.value else f"$[{i.name!r}]")
        for i in read
        if i.location == "body"
    )
    kept = [i for i in read if i.location != "body"]
    taken = {i.name for i in kept}
    name = next(n for n in (_WHOLE_BODY, "request_body", "json_body") if n not in taken)
    whole = Input(name, "body", "", "the JSON request body", False, False)
    return constants, body_paths, (*kept, whole)


def _is_json_path(item: Input) -> bool:
    return item.location == "body" and item.value is not None and item.value.startswith("$")


def _forward_parameters(
    api: Api, scope: Scope
) -> tuple[dict[str, list[tuple[str, Expression]]], Needs]:
    """The API-level parameters a forward sends (spec §3.8: consumes-level parameters are
    applied to a forwarded request), by location; those needing a caller's input are left out."""
    by_location: dict[str, list[tuple[str, Expression]]] = {}
    for param in api.parameters:
        if param.location not in ("header", "query") or not is_static(param.value):
            continue
        assert param.value is not None
        if any(p.kind == "secret" and p.value not in scope.secrets for p in param.value):
            continue
        used_for = f"REST forward to {api.namespace}"
        names = reference_names(param.value, scope.secrets, used_for, "_client(request).secrets")
        value = value_expression(param.value, names)
        by_location.setdefault(param.location, []).append((param.name, value))
    needs = all_needs(v.needs for pairs in by_location.values() for _, v in pairs)
    return by_location, needs


def _forward_model(
    forward: RestForward, function: PythonIdentifier, operation_id: str, scope: Scope
) -> ForwardModel:
    params, _ = _forward_parameters(scope.api_specs[forward.api], scope)
    headers = tuple((name, value.code) for name, value in params.get("header", []))
    tail = PythonIdentifier(identifier(forward.tail, fallback="path")) if forward.tail else None
    route = "".join(
        "{" + str(tail) + ":path}" if is_placeholder else content
        for is_placeholder, content in split_placeholders(forward.path, path=True)
    )
    return ForwardModel(
        function=function,
        operation_id=operation_id,
        route_path=route,
        spec_path=openapi_path(forward.path),
        tail=tail,
        api=scope.apis[forward.api],
        methods=tuple(m for m in _FORWARD_METHODS if m not in forward.excluded_methods),
        trusted_headers=tuple(sorted({h.lower() for h in forward.trusted_headers})),
        summary=forward.label or _first_line(forward.description) or f"Forward {forward.path}",
        description=forward.description,
        tag=forward.resource or forward.path,
        headers=headers,
        query=tuple((name, value.code) for name, value in params.get("query", [])),
        own_headers=tuple(sorted({name.lower() for name, _ in headers})),
        expected_headers=tuple(
            (p.name, "".join(part.value for part in p.value or ()))
            for p in scope.api_specs[forward.api].parameters
            if p.location == "header" and p.value and all(part.kind == "text" for part in p.value)
        ),
    )


def _renamed_paths(
    routes: Iterable[RouteModel], forwards: Iterable[ForwardModel]
) -> tuple[tuple[str, str], ...]:
    pairs = [
        *((r.route_path.replace(":path}", "}"), r.spec_path) for r in routes),
        *((f.route_path.replace(":path}", "}"), f.spec_path) for f in forwards),
    ]
    return tuple(sorted({(route, spec) for route, spec in pairs if route != spec}))


_WHOLE_PLACEHOLDER = re.compile(r"\{\{?[^{}/]+\}?\}")


def _shadows(first: RestOperation, later: RestOperation) -> bool:
    """Whether `first`'s route matches every request `later`'s does (same method, a placeholder
    segment where `later` writes text): routes are matched in order, so `later` is unreachable."""
    if first.method != later.method:
        return False
    mine, theirs = first.path.split("/"), later.path.split("/")
    if len(mine) != len(theirs) or mine == theirs:
        return False
    return all(
        a == b or (_WHOLE_PLACEHOLDER.fullmatch(a) is not None and b != "")
        for a, b in zip(mine, theirs, strict=True)
    )


def unshadowed(operations: Iterable[RestOperation]) -> tuple[RestOperation, ...]:
    """The operations in spec order, but each one placed before a route that would shadow it
    (`GET /policy/by_name` before `GET /policy/{id}`): Starlette serves the first match."""
    ordered: list[RestOperation] = []
    for op in operations:
        at = next((i for i, earlier in enumerate(ordered) if _shadows(earlier, op)), None)
        ordered.insert(len(ordered) if at is None else at, op)
    return tuple(ordered)


def rest_model(
    adapter: RestAdapter, scope: Scope, *, title: str, description: str
) -> tuple[RestModel, Needs]:
    """The REST adapter, and what the code of `rest_app.py` needs."""
    ops, forwards = unshadowed(adapter.operations), adapter.forwards
    functions = claim_each(
        [
            *((op.name or f"{op.method}_{op.path}", "route") for op in ops),
            *((f"forward_{f.resource or f.path}", "value") for f in forwards),
        ],
        {"create_app", "router", "relay", "text", "build_app", "serve_directly"},
    )
    ids = unique_ids(
        [
            *(op.name or f"{op.method.lower()}-{op.path}" for op in ops),
            *("forward-" + slugify(f.resource or f.path) for f in forwards),
        ]
    )
    forwarded = {f.path for f in forwards}
    built = [
        _route_model(op, function, operation_id, scope, spans=op.path in forwarded)
        for op, function, operation_id in zip(
            ops, functions[: len(ops)], ids[: len(ops)], strict=True
        )
    ]
    routes = tuple(route for route, _ in built)
    forward_models = tuple(
        _forward_model(forward, function, operation_id, scope)
        for forward, function, operation_id in zip(
            forwards, functions[len(ops) :], ids[len(ops) :], strict=True
        )
    )
    forward_needs = all_needs(
        _forward_parameters(scope.api_specs[f.api], scope)[1] for f in forwards
    )
    auth, auth_needs = inbound_auth(adapter.auth, adapter.namespace, scope.secrets)
    model = RestModel(
        namespace=adapter.namespace,
        port=adapter.port,
        host=adapter.address or "127.0.0.1",
        title=title,
        description=description,
        routes=routes,
        forwards=forward_models,
        operation_ids=tuple(
            sorted(
                [
                    *(r.operation_id for r in routes),
                    *(f"{f.operation_id}-{m.lower()}" for f in forward_models for m in f.methods),
                ]
            )
        ),
        spec_paths=tuple(
            sorted({*(r.spec_path for r in routes), *(f.spec_path for f in forward_models)})
        ),
        renamed_paths=_renamed_paths(routes, forward_models),
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
        auth=auth,
        direct_routes=tuple(r for r in routes if r.direct_function),
        uses_client=bool(forward_models)
        or any(r.call or r.workflow or "_client(request)" in (r.mock or "") for r in routes),
    )
    return model, all_needs(needs for _, needs in built) | auth_needs | forward_needs
