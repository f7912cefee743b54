"""The template context: the frozen, render-ready model every template receives as `model`.

Versioned by `CONTEXT_VERSION`; custom templates may rely on every field documented here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .names import PythonCode, PythonIdentifier

__all__ = [
    "CONTEXT_VERSION",
    "ApiModel",
    "CallModel",
    "CapabilityModel",
    "ControlModel",
    "ForwardModel",
    "InboundAuthModel",
    "InputModel",
    "McpModel",
    "OperationModel",
    "ParameterModel",
    "PromptModel",
    "ResourceModel",
    "RestModel",
    "RouteModel",
    "SecretModel",
    "StepModel",
    "ToolModel",
    "WorkflowCallModel",
    "WorkflowModel",
]

CONTEXT_VERSION = 1
"""Bumped whenever a field of the template context changes meaning or disappears."""


@dataclass(frozen=True)
class SecretModel:
    """A bind variable the server reads at start-up."""

    variable: str
    attribute: PythonIdentifier
    env_var: str
    """The environment variable (provider key) holding the value."""
    file: str | None
    """A file path to read the value from instead (from a `file:` bind location)."""
    used_for: str
    test_value: str


@dataclass(frozen=True)
class ApiModel:
    """A consumed API: its settings and how requests to it authenticate."""

    namespace: str
    attribute: PythonIdentifier
    base_url: str | None
    base_url_env: str
    timeout_env: str
    strip_base_path: bool
    description: str
    auth_kind: str
    auth_headers: tuple[tuple[str, PythonCode], ...]
    auth_query: tuple[tuple[str, PythonCode], ...]
    auth_summary: str


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
    raw_format: str = "json"
    """The body format (`outputRawFormat`) that output mappings convert from: `json`, `xml`,
    `csv`, `tsv`, `psv` or `yaml`; other formats are relayed as `json` would be."""


@dataclass(frozen=True)
class CallModel:
    """How a REST route or MCP tool calls its consumed operation."""

    operation: OperationModel
    arguments: tuple[tuple[PythonIdentifier, PythonCode], ...]
    output_shape: PythonCode | None
    """A literal output shape for `map_output`, or None to pass the upstream body through."""


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


@dataclass(frozen=True)
class WorkflowModel:
    """An orchestrated unit (`steps` + `mappings`), generated as one coroutine."""

    function: PythonIdentifier
    summary: str
    parameters: tuple[ParameterModel, ...]
    steps: tuple[StepModel, ...]
    mappings: PythonCode
    """A tuple literal of `(target path, source path)` pairs."""


@dataclass(frozen=True)
class WorkflowCallModel:
    """How a REST route or MCP tool runs its orchestration."""

    workflow: WorkflowModel
    arguments: tuple[tuple[PythonIdentifier, PythonCode], ...]
    expected_requests: tuple[tuple[str, str | None], ...] = ()
    """For the generated tests: (method, path or None when it depends on earlier steps) of
    each call step, in order, for the sample inputs."""
    answer_keys: tuple[str, ...] = ()
    """The top-level keys of the assembled answer."""


@dataclass(frozen=True)
class InputModel:
    """One input of a REST route (a handler argument) or an MCP tool (a schema property)."""

    name: str
    location: str
    argument: PythonIdentifier
    annotation: PythonCode
    fastapi_kind: PythonIdentifier
    """`Path`, `Query`, `Header`, `Cookie` or `Body`."""
    required: bool
    description: str
    alias_needed: bool
    sample: Any


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
    sample_path: str
    sample_query: tuple[tuple[str, str], ...]
    sample_headers: tuple[tuple[str, str], ...]
    sample_body: Any
    expected_upstream_path: str | None
    """None for a mock (no upstream call)."""
    expected_upstream_query: tuple[tuple[str, str], ...]
    expected_upstream_body: PythonCode
    """`(format, value)` the stub should receive: json, form, text or none."""
    workflow: WorkflowCallModel | None = None
    """For an orchestrated route: the steps it runs (then `call` and `mock` are None)."""
    direct_function: PythonIdentifier | None = None
    """The plain Starlette endpoint serving this route when no input needs validation, or None."""
    direct_arguments: tuple[tuple[PythonIdentifier, PythonCode], ...] = ()
    """(handler argument, code reading it from `request`) for `direct_function`."""


@dataclass(frozen=True)
class InboundAuthModel:
    """Credentials an adapter demands from its callers."""

    kind: str
    """`bearer`, `apikey` or `basic`."""
    header: str | None
    """The header carrying the credential, or None when it travels in the query."""
    query: str | None
    expected: PythonCode
    """Code for the exact expected header or query value, over `secrets`."""
    test_value: str
    """That value for the generated tests' secrets."""


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
    sample_path: str
    expected_upstream_path: str


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
    """Routes served by a plain Starlette endpoint: every input is text that FastAPI would
    pass through unchanged (a path segment, an optional query value)."""


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
    sample_arguments: PythonCode
    expected_upstream_path: str | None
    """None for a mock (no upstream call)."""
    expected_upstream_query: tuple[tuple[str, str], ...]
    expected_upstream_body: PythonCode
    """`(format, value)` the stub should receive: json, form, text or none."""
    workflow: WorkflowCallModel | None = None
    """For an orchestrated tool: the steps it runs (then `call` and `mock` are None)."""


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
    """For a static resource: the folder whose files it serves (relative to the cwd)."""
    sample_uri: str = ""
    """For the generated tests: the URI with every `{parameter}` set to `sample`."""


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
    sample_arguments: PythonCode
    """For the generated tests: a value for every argument."""


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
    content_helpers: tuple[PythonIdentifier, ...] = ()
    """Helpers `mcp_content.py` imports from `upstream.py`."""


@dataclass(frozen=True)
class ControlModel:
    """The control port: liveness, readiness and (with `info`) status endpoints."""

    port: int
    host: str
    health: bool
    info: bool
    auth: InboundAuthModel | None


@dataclass(frozen=True)
class CapabilityModel:
    """The whole template context for one generated package."""

    context_version: int
    generator_version: str
    distribution: str
    """The pip name, e.g. `rest-sessions`."""
    package: PythonIdentifier
    """The import name, e.g. `rest_sessions`."""
    script: str
    title: str
    description: str
    tags: tuple[str, ...]
    spec_file: str
    spec_sha256: str
    apis: tuple[ApiModel, ...]
    secrets: tuple[SecretModel, ...]
    operations: tuple[OperationModel, ...]
    rest: RestModel | None
    mcp: McpModel | None
    uses_output_mapping: bool
    uses_file_secrets: bool
    uses_inbound_auth: bool
    """Some adapter requires credentials from its callers."""
    auth_uses_secrets: bool
    """`build_apis` reads `settings.secrets`."""
    operation_exports: tuple[str, ...]
    """The `__all__` of `operations.py`, sorted."""
    operation_imports: tuple[PythonIdentifier, ...]
    """Names `operations.py` imports from `upstream.py`."""
    rest_typing: tuple[PythonIdentifier, ...]
    """Names `rest_app.py` imports from `typing`."""
    rest_imports: tuple[PythonIdentifier, ...]
    """Names `rest_app.py` imports from `fastapi`."""
    rest_helpers: tuple[PythonIdentifier, ...]
    """Helpers `rest_app.py` imports from `upstream.py` (e.g. `text` for templated values)."""
    mcp_helpers: tuple[PythonIdentifier, ...]
    """Helpers `mcp_server.py` imports from `upstream.py`."""
    mcp_has_mocks: bool
    """Some MCP tool is a mock (needs `mock_response`)."""
    rest_calls_upstream: bool
    """Some REST route calls an upstream operation (not every one is a mock)."""
    mcp_calls_upstream: bool
    """Some MCP tool calls an upstream operation."""
    operations_use_any: bool
    """Some consumed-operation argument is typed with `Any`."""
    dependencies: tuple[str, ...]
    test_dependencies: tuple[str, ...] = field(default=())
    workflows: tuple[WorkflowModel, ...] = ()
    """Orchestrated units, generated in `orchestration.py` (shared when REST and MCP match)."""
    workflow_helpers: tuple[PythonIdentifier, ...] = ()
    """Helpers `orchestration.py` imports from `upstream.py`."""
    control: ControlModel | None = None
    """The control port, when the spec declares one."""
    uses_raw_formats: bool = False
    """Some consumed operation answers in a converted format (`formats.py` is generated)."""
    uses_yaml_output: bool = False
    """Some consumed operation answers YAML (the package depends on PyYAML)."""
    control_helpers: tuple[PythonIdentifier, ...] = ()
    """Helpers `control_app.py` imports from `upstream.py`."""
    spec_version: str = ""
    """The spec's `naftiko` version (reported by the control port's `/status`)."""
