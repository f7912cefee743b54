"""Calls: find the consumed operation a `call` names, and bind the unit's `with` values to it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..canonical import (
    Api,
    Argument,
    Auth,
    Call,
    ConsumedOperation,
    ConsumedParameter,
    Input,
    InputLocation,
)
from ..load import NodePath
from ..placeholders import Part, normalise_name
from ._values import REFERENCE, match_api, match_name, match_param
from .auth import auth_supplies_key, auth_supplies_parameter
from .binds import parse_template
from .bodies import FORM_MEDIA_TYPE, Body, parse_body
from .scope import Scope
from .wire import check_field_value
from .with_keys import did_you_mean, expand, expand_tree, report_extras

__all__ = ["bind_call", "find_operation"]


def find_operation(scope: Scope, call: str, path: NodePath) -> ConsumedOperation | None:
    """The operation a `call` names; None (reported) when the unit cannot be generated."""
    namespace, _, name = call.partition(".")
    api = scope.apis.get(namespace) or match_api(namespace, scope.apis)
    if api is None and namespace in scope.skipped_apis:
        scope.warn(
            path,
            "NAF397",
            f"call {call!r} names the `{scope.skipped_apis[namespace]}` consumes entry "
            f"{namespace!r}, which is not generated; this unit is left out",
            "call an operation of an HTTP consumes entry instead",
        )
        return None
    if api is None:
        known = ", ".join(sorted(scope.apis)) or "none"
        # Lenient reader (docs/dialect-policy.md): only this unit is left out; NAF302 still
        # refuses the file when no unit is left.
        scope.warn(
            path,
            "NAF330",
            f"call {call!r} names consumes namespace {namespace!r}, which is not declared; "
            "this unit is left out",
            f"declared consumes namespaces: {known}",
        )
        return None
    exact = [op for op in api.operations if op.name == name]
    found = exact[0] if exact else _loose_operation(scope, api, call, name, path)
    if found is not None and found.unsupported:
        scope.warn(
            path,
            "NAF398",
            f"call {call!r}: {found.unsupported}; this unit is left out",
            "expose the other operations, or run this one with the Naftiko engine",
        )
        return None
    return found


def _loose_operation(
    scope: Scope, api: Api, call: str, name: str, path: NodePath
) -> ConsumedOperation | None:
    """An operation named like `name` once `-`/`_` and case are ignored (catalog dialect)."""
    loose = [op for op in api.operations if normalise_name(op.name) == normalise_name(name)]
    if len({op.name for op in loose}) > 1:
        scope.warn(
            path,
            "NAF331",
            f"call {call!r} matches several operations once `-`/`_` and case are ignored: "
            + ", ".join(sorted({op.name for op in loose}))
            + "; this unit is left out",
            "spell the operation name exactly",
        )
        return None
    if loose:
        return loose[0]
    names = ", ".join(op.name for op in api.operations[:8]) or "none"
    scope.warn(
        path,
        "NAF332",
        f"call {call!r}: API {api.namespace!r} has no operation {name!r}; this unit is left out",
        f"operations of {api.namespace!r}: {names}",
    )
    return None


def bind_call(
    scope: Scope,
    operation: ConsumedOperation,
    with_block: Mapping[str, Any],
    roots: frozenset[str],
    declared: list[Input],
    path_inputs: list[Input],
    unit_path: NodePath,
    *,
    infer_default: Literal["path-only", "all"],
    input_location: Literal["rest", "mcp"],
) -> tuple[Call, tuple[Input, ...]]:
    """Bind a unit's `with` to its consumed operation; infer the inputs it implies.

    `infer_default="all"` makes every parameter an input when `with` is empty (a unit that
    forwards its operation as is); otherwise only path parameters are inferred.
    """
    inputs = _UnitInputs([*path_inputs, *declared], input_location)
    auth = scope.apis[operation.namespace].auth
    arguments = _with_arguments(scope, operation, with_block, roots, inputs, unit_path, auth)
    # `with` keys that name no parameter only feed the operation's `{{key}}` templates (§3.3).
    known = {p.name for p in operation.parameters}
    extras = {name: a for name, a in arguments.items() if name not in known}
    # Parameters the `with` block leaves out: their own value, else an input of the same name.
    infer_all = infer_default == "all" and not with_block
    at = (*unit_path, "with") if with_block else unit_path
    for param in operation.parameters:
        if param.name in arguments:
            continue
        argument = _default_argument(
            scope, param, roots, inputs, unit_path, auth, infer_all, extras
        )
        if argument is None and _required_unset(scope, operation, param, auth, at):
            argument = Argument(param, (Part("input", inputs.for_parameter(param.name, param)),))
        if argument is not None:
            arguments[param.name] = argument
    # A body template's `{{key}}` reads a `with`-only key as well (the engine renders the body
    # against the merged parameter map).
    only = {k: a for k, a in extras.items() if k not in inputs.by_name}
    visible = {**inputs.by_name, **dict.fromkeys(only, _EXTRA)}
    body = (
        parse_body(scope, operation.body, unit_path, visible, roots, inputs.for_body)
        if operation.body is not None
        else None
    )
    in_body: set[str] = set()
    if body is not None and only:
        body = (expand_tree(body[0], only, in_body), body[1], body[2])
    if body is not None:
        # A key the unit also takes as an input: the body reads that input, the same value.
        expand_tree(body[0], {k: a for k, a in extras.items() if k not in only}, in_body)
    report_extras(scope, operation, extras, arguments, unit_path, in_body)
    call = _call(scope, operation, arguments, body, unit_path)
    inputs.describe_from(arguments.values())
    return call, tuple(inputs.by_name.values())


class _UnitInputs:
    """The inputs of the unit being bound, growing as `with` values and templates name new ones."""

    def __init__(self, inputs: Iterable[Input], location: Literal["rest", "mcp"]) -> None:
        self.by_name: dict[str, Input] = {i.name: i for i in inputs}
        self.location = location

    def for_body(self, name: str) -> str:
        """A body template names an input nobody declared: accept it, optional."""
        existing = match_name(name, self.by_name)
        if existing is not None:
            return existing
        self.by_name[name] = Input(
            name=name,
            location="argument" if self.location == "mcp" else "body",
            type="string",
            description=f"body field {name}",
            required=False,
            declared=False,
        )
        return name

    def for_parameter(self, name: str, param: ConsumedParameter) -> str:
        """Find or infer the unit input a reference names; return its public name."""
        existing = match_name(name, self.by_name)
        if existing is not None:
            return existing
        location: InputLocation
        if self.location == "mcp":
            location = "argument"
        elif param.location in ("query", "header", "cookie", "body"):
            location = param.location
        else:
            # An upstream path (or environment) parameter: the unit's own path has no such
            # placeholder, so callers pass it in the query.
            location = "query"
        # A cookie is one text value: a list or object type could never be parsed from one.
        kind = (
            "string" if location == "cookie" and param.type in ("array", "object") else param.type
        )
        self.by_name[name] = Input(
            name=name,
            location=location,
            type=kind,
            description=param.description or f"{param.location} parameter {param.name}",
            required=param.required,
            declared=False,
        )
        return name

    def describe_from(self, arguments: Iterable[Argument]) -> None:
        """Placeholder-implied inputs take the type and description of the parameter they feed."""
        for argument in arguments:
            fed = argument.parameter
            for part in argument.value:
                current = self.by_name.get(part.value) if part.kind == "input" else None
                if current is not None and not current.declared and fed.description:
                    self.by_name[part.value] = Input(
                        current.name,
                        current.location,
                        fed.type,
                        fed.description,
                        current.required or fed.required,
                        False,
                    )


def _with_arguments(
    scope: Scope,
    operation: ConsumedOperation,
    with_block: Mapping[str, Any],
    roots: frozenset[str],
    inputs: _UnitInputs,
    unit_path: NodePath,
    auth: Auth | None,
) -> dict[str, Argument]:
    """The arguments the `with` block sets, by parameter name."""
    params_by_name = {p.name: p for p in operation.parameters}
    arguments: dict[str, Argument] = {}
    for key, raw_value in with_block.items():
        w_path: NodePath = (*unit_path, "with", key)
        if auth is not None and auth_supplies_key(auth, key):
            # The consumed API's own credential wins: callers cannot replace it.
            scope.warn(
                w_path,
                "NAF337",
                f"`with` sets {key!r}, which the authentication of "
                f"{operation.namespace!r} supplies; the authentication is sent instead",
                "drop this `with` entry (or the consumed API's `authentication`)",
            )
            continue
        param = params_by_name.get(key) or match_param(key, operation.parameters, None)
        if param is None:
            # The engine feeds unknown `with` keys to templates only; keep them addressable.
            # Reported by `_report_extras`, once it is known whether a template reads it.
            param = ConsumedParameter(key, "query", "string", "", False, None, False)
        arguments[param.name] = _with_argument(scope, param, raw_value, roots, inputs, w_path)
    return arguments


def _with_argument(
    scope: Scope,
    param: ConsumedParameter,
    value: Any,
    roots: frozenset[str],
    inputs: _UnitInputs,
    path: NodePath,
) -> Argument:
    """One `with` value: a reference to an input, a template, or a literal."""
    kind, content = _classify_with(scope, value, roots)
    if kind == "ref":
        # Only a declared input or a path placeholder is a likely target of a typo.
        targets = {i.name for i in inputs.by_name.values() if i.declared or i.location == "path"}
        before = set(inputs.by_name)
        name = inputs.for_parameter(str(content), param)
        if name not in before:
            did_you_mean(scope, name, targets, path)
        return Argument(param, (Part("input", name),))
    if kind == "template":
        template = parse_template(scope, str(content), path, inputs.by_name, roots)
        written = "".join(part.value for part in template if part.kind == "text")
        check_field_value(scope, param.location, param.name, written, path)
        return Argument(param, template)
    check_field_value(scope, param.location, param.name, content, path)
    return Argument(
        param,
        (Part("text", str(content)),) if isinstance(content, str) else (),
        literal=content,
        is_literal=True,
    )


def _classify_with(scope: Scope, value: Any, roots: frozenset[str]) -> tuple[str, Any]:
    """Read one `with` value: ("ref", name) | ("literal", value) | ("template", text)."""
    if isinstance(value, bool | int | float) or value is None:
        return "literal", value
    text = str(value)
    match = REFERENCE.match(text)
    if match and match.group(1) in scope.earlier_steps:
        return "template", "{{" + text + "}}"  # An earlier step's output, read as a template.
    if match and match.group(1) in roots:
        return "ref", match.group(2)
    whole = re.fullmatch(r"\{\{\s*([^{}]+?)\s*\}\}", text)
    if whole and "." not in whole.group(1) and whole.group(1) not in scope.binds:
        return "ref", whole.group(1)
    if "{{" in text:
        return "template", text
    return "literal", text


def _default_argument(
    scope: Scope,
    param: ConsumedParameter,
    roots: frozenset[str],
    inputs: _UnitInputs,
    unit_path: NodePath,
    auth: Auth | None,
    infer_all: bool,
    extras: Mapping[str, Argument],
) -> Argument | None:
    """A parameter `with` leaves out: its own value, an input of its name, or nothing."""
    if param.value_tree is not None or param.value is not None:
        return _own_value(scope, param, roots, inputs, unit_path, extras)
    if auth is not None and auth_supplies_parameter(auth, param):
        return None  # The api key is supplied by authentication (digest §4.2 #15).
    if param.location == "environment":
        return None
    existing = match_name(param.name, inputs.by_name)
    if existing is not None:
        return Argument(param, (Part("input", existing),))
    if param.location == "path" or infer_all:
        return Argument(param, (Part("input", inputs.for_parameter(param.name, param)),))
    return None


def _required_unset(
    scope: Scope,
    operation: ConsumedOperation,
    param: ConsumedParameter,
    auth: Auth | None,
    at: NodePath,
) -> bool:
    """Whether `param` is required yet nothing sets it: the unit then asks its callers for it.

    Calling without it would fail on every call (a missing keyword argument), so the unit gains
    a required input of the parameter's name, as it does for a path parameter (NAF314).
    """
    if not param.required or param.location not in ("query", "header", "cookie", "body"):
        return False
    if auth is not None and auth_supplies_parameter(auth, param):
        return False
    scope.warn(
        at,
        "NAF314",
        f"required {param.location} parameter {param.name!r} of {operation.namespace}."
        f"{operation.name} is set by no `with` entry and has no `value`; callers pass it as "
        f"the required input {param.name!r}",
        "set it in `with`, give it a `value`, or mark it `required: false`",
    )
    return True


def _own_value(
    scope: Scope,
    param: ConsumedParameter,
    roots: frozenset[str],
    inputs: _UnitInputs,
    unit_path: NodePath,
    extras: Mapping[str, Argument],
) -> Argument:
    """The `value` a consumed parameter declares, bound against the calling unit's inputs and
    the `with` keys that name no parameter (`extras`, which a `{{key}}` reads, as in §3.3)."""
    if param.value_tree is not None:
        walked = parse_body(
            scope,
            {"type": "json", "data": param.value_tree},
            unit_path,
            inputs.by_name,
            roots,
            inputs.for_body,
        )
        return Argument(param, (), tree=walked[0] if walked is not None else None)
    value = param.value or ()
    if param.value_text is not None and any(p.kind == "unbound" for p in value):
        # Read silently when the API was collected; the unit's inputs are known now.
        known = {**inputs.by_name, **dict.fromkeys(extras, _EXTRA)}
        value = parse_template(scope, param.value_text, unit_path, known, roots)
        value = expand(value, {k: a for k, a in extras.items() if k not in inputs.by_name})
    return Argument(param, value)


# Stands in for a `with`-only key while a parameter value is bound (then replaced by its value).
_EXTRA = Input("", "query", "string", "", False, False)


def _call(
    scope: Scope,
    operation: ConsumedOperation,
    arguments: Mapping[str, Argument],
    body: Body | None,
    unit_path: NodePath,
) -> Call:
    """The call: its arguments in the operation's order (unknown `with` keys last), its body."""
    body_params = [p for p in operation.parameters if p.location == "body"]
    body_mode: Literal["none", "whole", "properties", "template"] = "none"
    if body is not None:
        body_mode = "template"
    elif len(body_params) == 1 and (
        body_params[0].name == "body" or body_params[0].type in ("object", "array")
    ):
        body_mode = "whole"
    elif body_params:
        body_mode = "properties"
    if body_mode != "none" and operation.method in ("GET", "HEAD"):
        scope.warn(
            unit_path,
            "NAF334",
            f"{operation.method} {operation.namespace}.{operation.name} declares a request "
            "body; it is sent anyway",
            "most servers ignore a body on GET; move it to query parameters",
        )
    known = {p.name for p in operation.parameters}
    ordered = tuple(arguments[p.name] for p in operation.parameters if p.name in arguments)
    extra = tuple(a for name, a in arguments.items() if name not in known)
    if body is not None:
        return Call(operation, ordered + extra, body_mode, body[0], body[1], body[2])
    if any(p.form for p in body_params):
        return Call(operation, ordered + extra, "properties", None, "form", FORM_MEDIA_TYPE)
    return Call(operation, ordered + extra, body_mode)
