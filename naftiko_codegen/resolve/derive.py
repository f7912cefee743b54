"""Derived adapters: what a capability that consumes APIs but exposes nothing is served as.

A capability with `consumes` and no `exposes` entry (common in the public catalog) gets, unless
derivation is turned off, an MCP server with one tool per consumed operation and a REST
pass-through with one route per consumed operation, as FastMCP's `from_openapi` derives tools
from an OpenAPI document. Each unit is the canonical `McpTool` / `RestOperation` a spec would
give for `call: <namespace>.<operation>` with no `with` block, so every parameter of the
operation (path, query, header, cookie, body, and the fields of a body template) becomes an
input of the unit, typed and described as the operation declares it; model and templates see no
difference. Names, labels and descriptions come from the operation; MCP hints from its method
(RFC 9110 safe and idempotent methods). The REST routes mirror the upstream paths, under
`/<namespace>` when several APIs are consumed. One located warning (NAF390) says what was
derived and how to turn it off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..canonical import (
    ConsumedOperation,
    Input,
    McpAdapter,
    McpTool,
    Output,
    RestAdapter,
    RestOperation,
)
from ..load import NodePath
from ._values import as_dict, as_list
from .calls import bind_call
from .duplicates import route_key
from .scope import Scope

__all__ = [
    "DERIVED_MCP_PORT",
    "DERIVED_REST_PORT",
    "derive_adapters",
    "derived_hints",
    "exposes_nothing",
]

DERIVED_REST_PORT = 8080
"""The derived REST pass-through's port (the spec's usual REST port), no path prefix."""
DERIVED_MCP_PORT = 9090
"""The derived MCP server's port (Streamable HTTP at `/mcp`), as for a spec's MCP adapter."""

_SAFE = ("GET", "HEAD", "OPTIONS")
_IDEMPOTENT = (*_SAFE, "PUT", "DELETE")


def exposes_nothing(capability: Mapping[str, Any]) -> bool:
    """Whether a capability declares no adapter at all (an empty or absent `exposes`)."""
    return not any(isinstance(entry, dict) for entry in as_list(capability.get("exposes")))


def derived_hints(method: str) -> dict[str, bool]:
    """MCP tool hints from an HTTP method: safe methods read only, DELETE destroys, PUT and
    DELETE are idempotent (RFC 9110 §9.2); POST and PATCH keep MCP's defaults."""
    if method in _SAFE:
        return {"readOnly": True, "destructive": False, "idempotent": True}
    hints: dict[str, bool] = {"readOnly": False}
    if method == "DELETE":
        hints["destructive"] = True
    elif method == "PUT":
        hints["destructive"] = False
    if method in _IDEMPOTENT:
        hints["idempotent"] = True
    return hints


def derive_adapters(scope: Scope, data: Mapping[str, Any]) -> tuple[RestAdapter, McpAdapter] | None:
    """The REST pass-through and MCP server derived from every consumed operation.

    None when no consumed operation can be served (nothing is reported then: the caller
    refuses the capability as before).
    """
    paths = _operation_paths(data)
    operations = [op for api in scope.apis.values() for op in api.operations if not op.unsupported]
    if not operations:
        return None
    several = len({op.namespace for op in operations}) > 1
    routes: list[RestOperation] = []
    tools: list[McpTool] = []
    route_keys: set[tuple[str, str]] = set()
    tool_names: set[str] = set()
    # The MCP pass binds the same calls again: its findings repeat the REST pass's.
    quiet = dataclasses.replace(scope, findings=[])
    for op in operations:
        at = paths.get((op.namespace, op.name), ("capability", "consumes"))
        route = _route(scope, op, at, several)
        key = (route.method, route_key(route.path)) if route is not None else None
        if route is not None and key is not None and key not in route_keys:
            route_keys.add(key)
            routes.append(route)
        tool = _tool(quiet, op, at, tool_names)
        if tool is not None:
            tool_names.add(tool.name)
            tools.append(tool)
    namespace = operations[0].namespace if not several else "derived"
    _report(scope, len(tools), len(routes), len(operations))
    rest = RestAdapter(namespace, DERIVED_REST_PORT, None, "", tuple(routes))
    mcp = McpAdapter(namespace, "http", DERIVED_MCP_PORT, None, "", tuple(tools))
    return rest, mcp


def _operation_paths(data: Mapping[str, Any]) -> dict[tuple[str, str], NodePath]:
    """Where each declared consumed operation is, by (namespace, name), for located findings."""
    found: dict[tuple[str, str], NodePath] = {}
    capability = as_dict(data.get("capability"))
    for c_index, entry in enumerate(as_list(capability.get("consumes"))):
        if not isinstance(entry, dict):
            continue
        namespace = str(entry.get("namespace") or entry.get("as") or entry.get("import") or "")
        for r_index, resource in enumerate(as_list(entry.get("resources"))):
            for o_index, op in enumerate(as_list(as_dict(resource).get("operations"))):
                name = str(as_dict(op).get("name") or as_dict(op).get("id") or "")
                found.setdefault(
                    (namespace, name),
                    (
                        "capability",
                        "consumes",
                        c_index,
                        "resources",
                        r_index,
                        "operations",
                        o_index,
                    ),
                )
    return found


def _exposed_path(op: ConsumedOperation, several: bool) -> str | None:
    """The route mirroring the upstream path (`{name}` per path parameter); None if unservable."""
    text = "".join(
        part.value if part.kind == "text" else "{" + part.value + "}" for part in op.path
    )
    text = text.partition("#")[0] or "/"
    if "?" in text:
        return None
    if not text.startswith("/"):
        text = "/" + text
    return f"/{op.namespace}{text.rstrip('/') or ''}" if several else text


def _route(
    scope: Scope, op: ConsumedOperation, at: NodePath, several: bool
) -> RestOperation | None:
    """The pass-through route of one operation; None when its path cannot be a route."""
    path = _exposed_path(op, several)
    if path is None:
        return None
    placeholders = [part.value for part in op.path if part.kind == "input"]
    path_inputs = [
        Input(name, "path", "string", f"path parameter {name}", True, False)
        for name in dict.fromkeys(placeholders)
    ]
    call, inputs = bind_call(
        scope, op, {}, frozenset(), [], path_inputs, at, infer_default="all", input_location="rest"
    )
    return RestOperation(
        resource=op.resource,
        resource_description="",
        path=path,
        method=op.method,
        name=op.name,
        label=op.label,
        description=_description(op),
        inputs=inputs,
        action=call,
        output=Output(True),
        location=op.location,
    )


def _tool(scope: Scope, op: ConsumedOperation, at: NodePath, taken: set[str]) -> McpTool | None:
    """The MCP tool of one operation, named after it (prefixed by its API on a clash)."""
    name = next((n for n in (op.name, f"{op.namespace}-{op.name}") if n and n not in taken), None)
    if name is None:
        return None
    call, inputs = bind_call(
        scope, op, {}, frozenset(), [], [], at, infer_default="all", input_location="mcp"
    )
    return McpTool(
        name=name,
        label=op.label,
        description=_description(op),
        inputs=tuple(
            Input(i.name, "argument", i.type, i.description, i.required, i.declared) for i in inputs
        ),
        hints=derived_hints(op.method),
        action=call,
        output=Output(True),
        location=op.location,
    )


def _description(op: ConsumedOperation) -> str:
    return op.description or op.label or f"{op.method} {op.path_text} ({op.namespace})"


def _report(scope: Scope, tools: int, routes: int, operations: int) -> None:
    left = operations - min(tools, routes)
    scope.warn(
        ("capability",),
        "NAF390",
        f"this capability exposes no adapter: derived an MCP server with {tools} tool(s) "
        f"(port {DERIVED_MCP_PORT}) and a REST pass-through with {routes} route(s) "
        f"(port {DERIVED_REST_PORT}), one per consumed operation"
        + (f" ({left} operation(s) not derivable on both)" if left else ""),
        "declare `exposes` to choose what is served, or build with --no-derive "
        "(`derive = false` under [tool.naftiko-gen]) to refuse the file instead",
    )
