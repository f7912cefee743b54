"""The MCP adapter: its tools, resources (read by `call`, `steps`, or from a folder) and prompts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from ..canonical import (
    Call,
    Folder,
    Input,
    McpAdapter,
    McpPrompt,
    McpResource,
    McpTool,
    Orchestration,
    PromptArgument,
)
from ..diagnostics import truncate
from ..load import NodePath
from ._values import as_dict, as_list, opt_str
from .aggregates import unit_definition
from .auth import inbound_auth
from .calls import bind_call, find_operation
from .duplicates import unique_mcp_units
from .mcp_files import prompt_file, resource_folder
from .orchestration import orchestration
from .scope import Scope
from .units import declared_inputs, unit_action, unit_kind, unit_output

__all__ = ["resolve_mcp"]


def resolve_mcp(scope: Scope, entry: Mapping[str, Any], path: NodePath) -> McpAdapter:
    """A `type: mcp` adapter; tools and resources that cannot be served are left out."""
    namespace = str(entry.get("namespace", ""))
    roots = frozenset({namespace, "tools", "mcp"})
    tools = [
        tool
        for t_index, raw in enumerate(as_list(entry.get("tools")))
        if isinstance(raw, dict) and (tool := _tool(scope, raw, (*path, "tools", t_index), roots))
    ]
    resources = [
        resource
        for r_index, raw in enumerate(as_list(entry.get("resources")))
        if isinstance(raw, dict)
        and (resource := _resource(scope, raw, (*path, "resources", r_index), roots))
    ]
    tools, resources, raw_prompts = unique_mcp_units(scope, tools, resources, entry, path)
    prompts = [_prompt(scope, raw, (*path, "prompts", p_index)) for p_index, raw in raw_prompts]
    transport: Literal["http", "stdio"] = "stdio" if entry.get("transport") == "stdio" else "http"
    port = entry.get("port")
    return McpAdapter(
        namespace=namespace,
        transport=transport,
        port=int(port) if isinstance(port, int) else (None if transport == "stdio" else 9090),
        address=opt_str(entry.get("address")),
        description=str(entry.get("description") or ""),
        tools=tuple(tools),
        auth=inbound_auth(scope, entry.get("authentication"), (*path, "authentication")),
        resources=tuple(resources),
        prompts=tuple(prompts),
    )


def _tool(
    scope: Scope, raw: Mapping[str, Any], path: NodePath, roots: frozenset[str]
) -> McpTool | None:
    """One tool; None when it is left out (already reported)."""
    definition = unit_definition(scope, raw, path, roots)
    if definition is None:
        return None
    unit, unit_path, unit_roots, hints = definition
    name = str(unit.get("name") or "")
    kind = unit_kind(scope, unit, unit_path, f"MCP tool {name!r}")
    if kind is None:
        return None
    raw_inputs = as_list(unit.get("inputParameters"))
    _check_patterns(scope, raw_inputs, (*unit_path, "inputParameters"))
    declared = declared_inputs(raw_inputs, default_location="argument")
    acting = unit_action(scope, unit, unit_path, unit_roots, kind, declared, [], "mcp")
    if acting is None:
        return None
    action, inputs, description = acting
    return McpTool(
        name=name,
        label=str(unit.get("label") or ""),
        description=description,
        inputs=tuple(
            Input(
                i.name, "argument", i.type, i.description, i.required, i.declared, pattern=i.pattern
            )
            for i in inputs
        ),
        hints=hints,
        action=action,
        output=unit_output(unit, action, scope, unit_path),
        location=scope.locate(path),
    )


def _check_patterns(scope: Scope, raw: list[Any], path: NodePath) -> None:
    """A tool argument's `pattern` must compile: it is enforced on calls (NAF375, as on REST)."""
    for index, item in enumerate(raw):
        pattern = item.get("pattern") if isinstance(item, dict) else None
        if not isinstance(pattern, str):
            continue
        try:
            re.compile(pattern)
        except re.error as problem:
            scope.error(
                (*path, index, "pattern"),
                "NAF375",
                f"pattern {truncate(pattern)} of input {truncate(str(item.get('name', '')))} "
                f"is not a regular expression: {problem}",
                "write a valid regular expression, e.g. `^[a-z0-9-]+$`",
            )


def _resource(
    scope: Scope, raw: Mapping[str, Any], path: NodePath, roots: frozenset[str]
) -> McpResource | None:
    """A resource read through `call` or `steps`, or the files of a `location` folder."""
    uri = str(raw.get("uri") or "")
    parameters = tuple(re.findall(r"\{([A-Za-z0-9_]+)\}", uri))
    declared = [Input(name, "argument", "string", "", True, True) for name in parameters]
    action: Call | Orchestration | Folder | None
    if "location" in raw:
        action = resource_folder(scope, raw, path)
    elif "steps" in raw:
        action = _orchestrated(scope, raw, path, roots, declared)
    elif "call" in raw:
        action = _called(scope, raw, path, roots, declared)
    else:
        scope.warn(
            path,
            "NAF393",
            f"MCP resource {raw.get('name')!r} has none of `call`, `steps` or `location`; "
            "it is left out",
            "read it through `call: <namespace>.<operation>`, or serve a folder",
        )
        return None
    if action is None:
        return None
    return McpResource(
        name=str(raw.get("name") or ""),
        label=str(raw.get("label") or ""),
        description=str(raw.get("description") or ""),
        uri=uri,
        mime_type=str(raw.get("mimeType") or "application/json"),
        parameters=parameters,
        action=action,
        output=unit_output(raw, action, scope, path),
        location=scope.locate(path),
    )


def _orchestrated(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    roots: frozenset[str],
    declared: list[Input],
) -> Orchestration | None:
    """A resource read through `steps`; its URI parameters are the steps' inputs."""
    if unit_kind(scope, raw, path, f"MCP resource {raw.get('name')!r}") != "steps":
        return None
    orchestrated = orchestration(scope, raw, path, roots, declared, [], input_location="mcp")
    if orchestrated is None or not _carried(scope, raw, orchestrated[1], path, declared):
        return None
    return orchestrated[0]


def _called(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    roots: frozenset[str],
    declared: list[Input],
) -> Call | None:
    """A resource read through one `call`; its URI parameters are the call's inputs."""
    operation = find_operation(scope, str(raw.get("call")), (*path, "call"))
    if operation is None:
        return None
    call, inputs = bind_call(
        scope,
        operation,
        as_dict(raw.get("with")),
        roots,
        declared,
        [],
        path,
        infer_default="path-only",
        input_location="mcp",
    )
    return call if _carried(scope, raw, inputs, path, declared) else None


def _carried(
    scope: Scope,
    raw: Mapping[str, Any],
    inputs: tuple[Input, ...],
    path: NodePath,
    declared: list[Input],
) -> bool:
    """Whether the URI's parameters carry every input the resource's call or steps need.

    A resource is read with its URI parameters only: an input its call needs (a path parameter,
    a required one, one a template names) that none of them fills has no value (NAF315), so
    the resource is left out (the lenient policy's unit rule) and the rest still builds.
    """
    carried = {i.name for i in declared}
    missing = [i.name for i in inputs if i.name not in carried]
    if not missing:
        return True
    what = raw.get("call") or "steps"
    scope.warn(
        (*path, "call") if "call" in raw else (*path, "steps"),
        "NAF315",
        f"MCP resource {truncate(str(raw.get('name') or ''))} calls {truncate(str(what))}, "
        f"which needs {', '.join(repr(m) for m in missing)}; its uri "
        f"{truncate(str(raw.get('uri') or ''))} has no "
        + ", ".join("{" + m + "}" for m in missing)
        + "; this resource is left out",
        "add `{name}` to the resource's `uri`, or set the parameter in `with`",
    )
    return False


def _prompt(scope: Scope, raw: Mapping[str, Any], path: NodePath) -> McpPrompt:
    """A prompt: its messages (placeholders are filled when a client asks), or a file."""
    arguments = tuple(
        PromptArgument(
            str(item.get("name") or ""),
            str(item.get("description") or ""),
            item.get("required", True) is not False,
        )
        for item in as_list(raw.get("arguments"))
        if isinstance(item, dict)
    )
    messages = tuple(
        (str(item.get("role") or "user"), str(item.get("content") or ""))
        for item in as_list(raw.get("template") or raw.get("messages"))
        if isinstance(item, dict)
    )
    file, content = prompt_file(scope, raw, path) if raw.get("location") else (None, b"")
    return McpPrompt(
        name=str(raw["name"]),
        label=str(raw.get("label") or ""),
        description=str(raw.get("description") or ""),
        arguments=arguments,
        messages=messages,
        file=file,
        content=content,
    )
