"""Model stage, MCP adapter: tools, resources, prompts → `mcp_server.py`, `mcp_content.py`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..canonical import Folder, Input, McpAdapter, McpPrompt, McpResource, McpTool
from ..names import PythonCode, PythonIdentifier, py_literal
from .auth import InboundAuthModel, inbound_auth
from .calls import CallModel
from .code import Needs, all_needs, claim_each
from .units import InputModel, Scope, Unit, action_models, input_models
from .workflows import WorkflowCallModel

__all__ = [
    "McpModel",
    "PromptModel",
    "ResourceModel",
    "ToolModel",
    "mcp_model",
    "resource_unit",
    "tool_unit",
]

_JSON_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "array": "array"}
# MCP `ToolAnnotations` field names, as `tools/list` sends them.
_WIRE_HINTS = {
    "read_only": "readOnlyHint",
    "destructive": "destructiveHint",
    "idempotent": "idempotentHint",
    "open_world": "openWorldHint",
}


@dataclass(frozen=True)
class ToolModel:
    """One MCP tool, generated as one handler and one `Tool` definition."""

    name: str
    function: PythonIdentifier
    title: str
    description: str
    input_schema: PythonCode
    argument_types: tuple[tuple[str, str, bool], ...]
    """(argument, JSON type, required) per input, checked before the call."""
    annotations: tuple[tuple[PythonIdentifier, bool], ...]
    hints: tuple[tuple[str, bool], ...]
    """The same annotations under their MCP wire names, e.g. `("readOnlyHint", True)`."""
    inputs: tuple[InputModel, ...]
    call: CallModel | None
    mock: PythonCode | None
    """For a tool without `call`: code building its static answer from the arguments."""
    workflow: WorkflowCallModel | None = None
    """For an orchestrated tool: the steps it runs (then `call` and `mock` are None)."""
    action_template: str = ""
    """The fragment rendering its action: `_actions/call.jinja`, `steps.jinja` or `mock.jinja`."""


@dataclass(frozen=True)
class ResourceModel:
    """One MCP resource: read through a call or steps, or the files of a folder."""

    name: str
    function: PythonIdentifier
    title: str
    description: str
    uri: str
    mime_type: str
    uri_pattern: str | None
    """For a URI template: a regular expression with one group per `{parameter}`."""
    parameters: tuple[str, ...]
    """The template's parameters, in the order of the pattern's groups."""
    call: CallModel | None
    workflow: WorkflowCallModel | None
    folder: str | None
    """For a static resource: the folder whose files it serves, below the package's
    `mcp_files/` (`.` for all of it)."""
    action_template: str = ""
    """The fragment rendering how it is read (`_actions/call.jinja` or `steps.jinja`); `""` for
    a folder."""


@dataclass(frozen=True)
class PromptModel:
    """One MCP prompt: messages filled with the caller's arguments, or a file read when asked."""

    name: str
    title: str
    description: str
    arguments: PythonCode
    """A literal list of `{"name", "description", "required"}` objects."""
    messages: PythonCode
    """A literal tuple of `(role, text)`; `{{argument}}` placeholders are filled at run time."""
    file: str | None


@dataclass(frozen=True)
class McpModel:
    """The MCP adapter."""

    namespace: str
    transport: str
    port: int
    host: str
    description: str
    tools: tuple[ToolModel, ...]
    tool_names: tuple[str, ...]
    auth: InboundAuthModel | None
    resources: tuple[ResourceModel, ...] = ()
    prompts: tuple[PromptModel, ...] = ()
    readers: tuple[ResourceModel, ...] = ()
    """The resources read through a call or steps (each has a reader coroutine)."""
    files: tuple[tuple[str, str], ...] = ()
    """The static resources' and file prompts' files the package ships below `mcp_files/`:
    (path there, text), sorted. Read at build time; served as text (see NAF440)."""
    served_files: tuple[tuple[str, str], ...] = ()
    """(URI, SHA-256 of the text a read answers) per file of a static resource (the generated
    tests read each)."""
    """Helpers `mcp_content.py` imports from `upstream.py`."""


def tool_unit(tool: McpTool) -> Unit:
    """What the tool shares with every kind of unit."""
    summary = tool.description or tool.label or f"Orchestrated tool {tool.name}"
    return Unit(tool.action, tool.inputs, tool.output, f"MCP tool {tool.name}", tool.name, summary)


def resource_unit(resource: McpResource) -> Unit:
    """What the resource shares with every kind of unit: its URI's parameters are its inputs."""
    inputs = tuple(Input(p, "argument", "string", "", True, True) for p in resource.parameters)
    summary = resource.description or f"MCP resource {resource.name}"
    used_for = f"MCP resource {resource.name}"
    return Unit(resource.action, inputs, resource.output, used_for, resource.name, summary)


def _input_schema(inputs: Iterable[Input]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for item in inputs:
        prop: dict[str, Any] = {"type": _JSON_TYPES.get(item.type, item.type)}
        if item.type == "object":
            prop["additionalProperties"] = True
        if item.description:
            prop["description"] = item.description
        if item.pattern is not None:
            prop["pattern"] = item.pattern  # Enforced on calls by `mcp_tools`, as REST does.
        properties[item.name] = prop
        if item.required:
            required.append(item.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _tool_model(tool: McpTool, function: PythonIdentifier, scope: Scope) -> tuple[ToolModel, Needs]:
    inputs = input_models(tool.inputs, ())
    names = {
        i.name: PythonCode(f"arguments[{i.name!r}]" if i.required else f"arguments.get({i.name!r})")
        for i in inputs
    }
    action = action_models(tool_unit(tool), names, scope)
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
    model = ToolModel(
        name=tool.name,
        function=function,
        title=tool.label,
        description=tool.description,
        input_schema=py_literal(_input_schema(tool.inputs)),
        argument_types=tuple(
            (i.name, _JSON_TYPES.get(i.type, i.type), i.required) for i in tool.inputs
        ),
        annotations=tuple((PythonIdentifier(f"{key}_hint"), value) for key, value in hints),
        hints=tuple((_WIRE_HINTS[key], value) for key, value in hints),
        inputs=inputs,
        call=action.call,
        mock=action.mock,
        workflow=action.workflow,
        action_template=action.template,
    )
    return model, action.needs


def _resource_model(
    resource: McpResource, function: PythonIdentifier, scope: Scope
) -> tuple[ResourceModel, Needs]:
    names = {name: PythonCode(f"arguments[{name!r}]") for name in resource.parameters}
    action = action_models(resource_unit(resource), names, scope)
    pattern = None
    if resource.parameters:
        pieces = re.split(r"\{([A-Za-z0-9_]+)\}", resource.uri)
        pattern = "".join(
            "([^/]+)" if index % 2 else re.escape(piece) for index, piece in enumerate(pieces)
        )
    model = ResourceModel(
        name=resource.name,
        function=function,
        title=resource.label,
        description=resource.description,
        uri=resource.uri,
        mime_type=resource.mime_type,
        uri_pattern=pattern,
        parameters=resource.parameters,
        call=action.call,
        workflow=action.workflow,
        folder=resource.action.path if isinstance(resource.action, Folder) else None,
        action_template=action.template,
    )
    return model, action.needs


def _prompt_model(prompt: McpPrompt) -> PromptModel:
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
    )


def _shipped_files(adapter: McpAdapter) -> tuple[tuple[str, str], ...]:
    """Every file of a static resource's folder or a prompt's `location`, by its path below
    `mcp_files/` (the same path as below the spec's folder, so two locations share a file)."""
    shipped: dict[str, bytes] = {}
    for resource in adapter.resources:
        if isinstance(resource.action, Folder):
            top = resource.action.path
            for name, data in resource.action.files:
                shipped[name if top == "." else f"{top}/{name}"] = data
    for prompt in adapter.prompts:
        if prompt.file is not None:
            shipped[prompt.file] = prompt.content
    # Served as text, as the server always read them (undecodable bytes are reported: NAF440).
    return tuple(sorted((path, data.decode("utf-8", "replace")) for path, data in shipped.items()))


def _served_files(adapter: McpAdapter) -> tuple[tuple[str, str], ...]:
    """Each static resource's files: their URI and the digest of what `resources/read` answers
    (UTF-8 text, newlines read as `\\n`, as the server reads the file)."""
    served: list[tuple[str, str]] = []
    for resource in adapter.resources:
        if isinstance(resource.action, Folder):
            for name, data in resource.action.files:
                text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                served.append((f"{resource.uri.rstrip('/')}/{name}", digest))
    return tuple(served)


def mcp_model(adapter: McpAdapter, scope: Scope, *, description: str) -> tuple[McpModel, Needs]:
    """The MCP adapter, and what the code of `mcp_server.py` needs (with every secret read)."""
    functions = claim_each(
        [
            *((tool.name, "tool") for tool in adapter.tools),
            *((f"read_{resource.name}", "resource") for resource in adapter.resources),
        ],
        {"create_server", "text"},
    )
    count = len(adapter.tools)
    tools = [
        _tool_model(tool, function, scope)
        for tool, function in zip(adapter.tools, functions[:count], strict=True)
    ]
    resources = [
        _resource_model(resource, function, scope)
        for resource, function in zip(adapter.resources, functions[count:], strict=True)
    ]
    auth, auth_needs = inbound_auth(adapter.auth, adapter.namespace, scope.secrets)
    # The resources' reader coroutines are generated in `mcp_server.py` beside the tools.
    content_needs = all_needs(needs for _, needs in resources)
    model = McpModel(
        namespace=adapter.namespace,
        transport=adapter.transport,
        port=adapter.port or 9090,
        host=adapter.address or "127.0.0.1",
        description=description,
        tools=tuple(tool for tool, _ in tools),
        tool_names=tuple(sorted(tool.name for tool, _ in tools)),
        auth=auth,
        resources=tuple(resource for resource, _ in resources),
        prompts=tuple(_prompt_model(prompt) for prompt in adapter.prompts),
        readers=tuple(resource for resource, _ in resources if resource.folder is None),
        files=_shipped_files(adapter),
        served_files=_served_files(adapter),
    )
    tool_needs = all_needs(needs for _, needs in tools)
    return model, tool_needs | content_needs | auth_needs
