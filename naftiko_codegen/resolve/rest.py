"""The REST adapter: its resources, their operations, and pass-through (`forward`) resources."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..canonical import Input, RestAdapter, RestForward, RestOperation
from ..load import NodePath
from ..placeholders import split_placeholders
from ._values import HTTP_METHODS, as_dict, as_list, match_api, opt_str
from .aggregates import unit_definition
from .auth import inbound_auth
from .duplicates import unique_rest_routes
from .scope import Scope
from .units import declared_inputs, unit_action, unit_kind, unit_output
from .wire import check_exposed_inputs

__all__ = ["resolve_rest"]


def resolve_rest(scope: Scope, entry: Mapping[str, Any], path: NodePath) -> RestAdapter:
    """A `type: rest` adapter; resources and operations that cannot be served are left out."""
    namespace = str(entry.get("namespace", ""))
    roots = frozenset({namespace, "rest"})
    operations: list[RestOperation] = []
    forwards: list[RestForward] = []
    for r_index, resource in enumerate(as_list(entry.get("resources"))):
        r_path: NodePath = (*path, "resources", r_index)
        if not isinstance(resource, dict):
            continue
        resource_path = str(resource.get("path") or "/")
        if not resource_path.startswith("/"):
            resource_path = "/" + resource_path
        if "#" in resource_path or "?" in resource_path:
            scope.warn(
                (*r_path, "path"),
                "NAF396",
                f"exposed path {resource_path!r} contains `#` or `?`, which never reach a "
                "server as part of the path; the resource is left out of the REST adapter",
                "expose a plain path and pass the rest as parameters",
            )
            continue
        if isinstance(resource.get("forward"), dict):
            forward = _forward(scope, resource, resource_path, (*r_path, "forward"))
            if forward is not None:
                forwards.append(forward)
        operations.extend(_resource_operations(scope, resource, resource_path, r_path, roots))
    operations = unique_rest_routes(scope, operations)
    port = entry.get("port")
    return RestAdapter(
        namespace=namespace,
        port=int(port) if isinstance(port, int) else 8080,
        address=opt_str(entry.get("address")),
        description=str(entry.get("description") or ""),
        operations=tuple(operations),
        auth=inbound_auth(scope, entry.get("authentication"), (*path, "authentication")),
        forwards=tuple(forwards),
    )


def _resource_operations(
    scope: Scope,
    resource: Mapping[str, Any],
    resource_path: str,
    path: NodePath,
    roots: frozenset[str],
) -> list[RestOperation]:
    """The operations of one exposed resource that can be generated."""
    placeholders = [name for is_ph, name in split_placeholders(resource_path, path=True) if is_ph]
    path_inputs = [
        Input(name, "path", "string", f"path parameter {name}", True, False)
        for name in dict.fromkeys(placeholders)
    ]
    raw_inputs = as_list(resource.get("inputParameters"))
    check_exposed_inputs(scope, raw_inputs, (*path, "inputParameters"), placeholders)
    resource_inputs = declared_inputs(raw_inputs, default_location="query")
    operations: list[RestOperation] = []
    for o_index, op in enumerate(as_list(resource.get("operations"))):
        if not isinstance(op, dict):
            continue
        o_path: NodePath = (*path, "operations", o_index)
        unit = _operation(
            scope, resource, resource_path, op, o_path, roots, path_inputs, resource_inputs
        )
        if unit is not None:
            operations.append(unit)
    return operations


def _operation(
    scope: Scope,
    resource: Mapping[str, Any],
    resource_path: str,
    op: Mapping[str, Any],
    path: NodePath,
    roots: frozenset[str],
    path_inputs: list[Input],
    resource_inputs: list[Input],
) -> RestOperation | None:
    """One exposed operation; None when it is left out (already reported)."""
    method = str(op.get("method") or "GET").upper()
    what = f"REST operation {method} {resource_path}"
    definition = unit_definition(scope, op, path, roots)
    if definition is None:
        return None
    unit, unit_path, unit_roots, _ = definition
    kind = unit_kind(scope, unit, unit_path, what)
    if kind is None:
        return None
    check_exposed_inputs(
        scope,
        as_list(unit.get("inputParameters")),
        (*unit_path, "inputParameters"),
        (p.name for p in path_inputs),
    )
    declared = [
        # An input named like a path placeholder is that path parameter (inherited
        # function inputs carry no `in`).
        (
            dataclasses.replace(i, location="path", required=True, declared=True)
            if any(i.name == p.name for p in path_inputs)
            else i
        )
        for i in resource_inputs
        + declared_inputs(as_list(unit.get("inputParameters")), default_location="query")
    ]
    # Declared path inputs replace the placeholder-implied ones of the same name.
    declared_names = {i.name for i in declared}
    implied = [i for i in path_inputs if i.name not in declared_names]
    acting = unit_action(scope, unit, unit_path, unit_roots, kind, declared, implied, "rest")
    if acting is None:
        return None
    action, inputs, description = acting
    return RestOperation(
        resource=str(resource.get("name") or ""),
        resource_description=str(resource.get("description") or ""),
        path=resource_path,
        method=method if method in HTTP_METHODS else "GET",
        name=str(unit.get("name") or ""),
        label=str(unit.get("label") or ""),
        description=description,
        inputs=inputs,
        action=action,
        output=unit_output(unit, action, scope, unit_path),
        location=scope.locate(path),
    )


def _forward(
    scope: Scope, resource: Mapping[str, Any], resource_path: str, path: NodePath
) -> RestForward | None:
    """A pass-through resource: every method its operations do not handle goes upstream."""
    forward = as_dict(resource.get("forward"))
    target = str(forward.get("targetNamespace") or "")
    api = scope.apis.get(target) or match_api(target, scope.apis)
    if api is None:
        scope.warn(
            (*path, "targetNamespace"),
            "NAF346",
            f"forward target {target!r} is not a consumed API; this forward is left out",
            f"declared consumes namespaces: {', '.join(sorted(scope.apis)) or 'none'}",
        )
        return None
    placeholders = [n for is_ph, n in split_placeholders(resource_path, path=True) if is_ph]
    if len(placeholders) > 1:
        scope.warn(
            path,
            "NAF347",
            f"forwarded path {resource_path!r} has {len(placeholders)} placeholders; this "
            "forward is left out",
            "a forward takes at most one placeholder, the rest of the path: `/proxy/{path}`",
        )
        return None
    declared = {
        str(op.get("method") or "GET").upper()
        for op in as_list(resource.get("operations"))
        if isinstance(op, dict)
    }
    return RestForward(
        resource=str(resource.get("name") or ""),
        path=resource_path,
        tail=placeholders[0] if placeholders else None,
        api=api.namespace,
        trusted_headers=tuple(str(h) for h in as_list(forward.get("trustedHeaders"))),
        excluded_methods=tuple(m for m in HTTP_METHODS if m in declared),
        label=str(resource.get("label") or ""),
        description=str(resource.get("description") or ""),
    )
