"""The canonical capability: what `resolve` produces, the same for every dialect of the spec.

Plain frozen data; no naming or code decisions (those belong to `model`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .canonical_skills import AssetFolder, ScriptingSettings, Skill, SkillTool
from .diagnostics import Diagnostic, Location
from .placeholders import Template

__all__ = [
    "Action",
    "Api",
    "Argument",
    "AssetFolder",
    "Auth",
    "Bind",
    "BodyLeaf",
    "Call",
    "CallStep",
    "CanonicalCapability",
    "ConsumedOperation",
    "ConsumedParameter",
    "ControlAdapter",
    "Folder",
    "Input",
    "InputLocation",
    "LookupStep",
    "McpAdapter",
    "McpPrompt",
    "McpResource",
    "McpTool",
    "Mock",
    "MockOutput",
    "Orchestration",
    "Output",
    "ParamLocation",
    "PromptArgument",
    "RestAdapter",
    "RestForward",
    "RestOperation",
    "ScriptStep",
    "ScriptingSettings",
    "Skill",
    "SkillAdapter",
    "SkillTool",
    "Step",
    "StepMapping",
]

ParamLocation = Literal["path", "query", "header", "cookie", "body", "environment"]
InputLocation = Literal["path", "query", "header", "cookie", "body", "argument"]


@dataclass(frozen=True)
class Bind:
    """A secret or setting the generated server reads at start-up."""

    variable: str
    """The name templates use, e.g. `JUPYTER_NOTEBOOK_API_KEY`."""
    namespace: str
    provider_key: str
    """The environment variable (or file key) that holds the value."""
    location: str | None
    """A `file:` URI to read instead of the environment, when given."""
    description: str


@dataclass(frozen=True)
class Auth:
    """How requests to one consumed API authenticate, or what an adapter requires of callers."""

    kind: Literal["apikey", "bearer", "basic", "digest", "oauth2"]
    placement: Literal["header", "query"] = "header"
    key: str = ""
    value: Template = ()
    """The api key, the bearer token, or empty."""
    username: Template = ()
    password: Template = ()
    headers: tuple[tuple[str, Template], ...] = ()
    """Several api-key headers at once (catalog dialect `headers:` map)."""
    issuer: str = ""
    """oauth2 (inbound only): the `iss` accepted tokens name (`authorizationServerUri`)."""
    audience: str = ""
    """oauth2: the `aud` accepted tokens name (`audience`, else `resource`)."""
    resource: str = ""
    """oauth2: this adapter's resource identifier (its RFC 9728 metadata names the issuer)."""
    scopes: tuple[str, ...] = ()
    """oauth2: the scopes every accepted token must grant (consumed: the scopes asked for)."""
    token_url: str = ""
    """oauth2 on a consumed API: the token endpoint of the client credentials grant (empty:
    found from `issuer`'s RFC 8414 metadata); `username`/`password` are the client id/secret."""


@dataclass(frozen=True)
class ConsumedParameter:
    """A parameter of a consumed operation (declared, or implied by a path placeholder)."""

    name: str
    location: ParamLocation
    type: str
    description: str
    required: bool
    value: Template | None
    """A static or templated value from the spec; `None` means the caller supplies it."""
    declared: bool = True
    value_text: str | None = None
    """The spec's raw `value`, re-read per unit when it names the unit's inputs."""
    value_tree: Any = None
    """A JSON object or list `value` (catalog dialect): a template for a body member."""
    form: bool = False
    """Declared `in: formData` (Swagger 2): a form-encoded body field."""
    resource_level: bool = False
    """Declared on the consumed resource (which the reference engine never sends)."""


@dataclass(frozen=True)
class ConsumedOperation:
    """One upstream HTTP operation of a consumed API."""

    namespace: str
    name: str
    method: str
    resource: str
    path: Template
    """The resource path with placeholders as `input` parts naming consumed parameters."""
    path_text: str
    parameters: tuple[ConsumedParameter, ...]
    """Operation and API-level parameters, path placeholders included."""
    body: Any
    """An explicit `body:` block (raw), or None."""
    output_format: str
    label: str
    description: str
    location: Location
    projections: tuple[tuple[str, str], ...] = ()
    """Named outputs `(name, JSONPath)`: they shape this operation's output in a call step."""
    unsupported: str = ""
    """Why no unit can call this operation (e.g. a file upload), or empty."""
    output_schema: str = ""
    """`outputSchema`: a CSS selector (html), a heading prefix (markdown) or a schema file's
    path (avro, protobuf), as written."""
    schema_text: str = ""
    """The text of the schema file `output_schema` names (avro, protobuf), or empty."""


@dataclass(frozen=True)
class Api:
    """A consumed HTTP API (`consumes[]` entry of type `http`)."""

    namespace: str
    base_uri: str | None
    """The spec's base URI without a trailing `/`; `None` when it must come from the environment."""
    base_uri_text: str
    strip_base_path: bool
    """The resource paths repeat the base URI's path; join them once (digest §4.2 #10)."""
    description: str
    auth: Auth | None
    operations: tuple[ConsumedOperation, ...]
    parameters: tuple[ConsumedParameter, ...] = ()
    """The API-level `inputParameters` (also merged into each operation's): what a `forward`
    sends besides the caller's request."""


@dataclass(frozen=True)
class Input:
    """One input an adapter unit accepts from its caller."""

    name: str
    location: InputLocation
    type: str
    description: str
    required: bool
    declared: bool
    value: str | None = None
    """A REST input's `value`: a constant (the request is not read for it), or, for a body
    input, a JSONPath into the JSON body (`$.user.id`)."""
    pattern: str | None = None
    """A REST input's `pattern`: a regular expression its value must match (400/422 if not)."""


@dataclass(frozen=True)
class Argument:
    """The value a call passes for one consumed parameter."""

    parameter: ConsumedParameter
    value: Template
    """Parts reference the unit's inputs (by public name) and bind variables."""
    literal: str | int | float | bool | None = None
    """A non-string literal from `with` (numbers stay numbers)."""
    is_literal: bool = False
    tree: Any = None
    """For a parameter whose value is a JSON template: data with `BodyLeaf` leaves."""


@dataclass(frozen=True)
class BodyLeaf:
    """A templated string inside a request body template."""

    value: Template
    typed: bool
    """A lone unquoted placeholder: the input's own value (a list stays a list)."""


@dataclass(frozen=True)
class Call:
    """A unit's call of one consumed operation, with every parameter bound."""

    operation: ConsumedOperation
    arguments: tuple[Argument, ...]
    body_mode: Literal["none", "whole", "properties", "template"]
    body_tree: Any = None
    """For `template`: plain JSON-like data whose templated strings are `BodyLeaf`s."""
    body_format: Literal["json", "form", "text", "multipart"] = "json"
    content_type: str | None = None


@dataclass(frozen=True)
class CallStep:
    """An orchestration step that calls one consumed operation."""

    name: str
    call: Call
    """Template parts of its arguments may be `step` parts: `<earlier step>.<field>…`."""


@dataclass(frozen=True)
class LookupStep:
    """An orchestration step that joins: finds entries of an earlier step's output by a field."""

    name: str
    index: str
    """The call step whose output (a list of objects, or one object) is searched."""
    match: str
    """The field compared with the looked-up value(s)."""
    source: tuple[str, ...] | None
    """`$.step.field…` as a path into the step outputs; None when `value` is used."""
    value: Template
    """A template over the unit's inputs and step outputs (used when `source` is None)."""
    fields: tuple[str, ...]
    """The fields copied out of each match."""


@dataclass(frozen=True)
class ScriptStep:
    """An orchestration step that runs a Python script (`type: script`) in a child process."""

    name: str
    file: str
    """The script, relative to its folder."""
    dependencies: tuple[str, ...]
    """Scripts run before it, in order, in the same namespace (relative to the folder)."""
    folder: AssetFolder
    """The step's `location` folder, read at build time and shipped in the package."""
    values: tuple[tuple[str, Any], ...]
    """`with`: extra `context` entries; strings may hold `{{input}}` / `{{step.field}}`."""
    timeout: float
    """Wall-clock seconds (`management.scripting.timeout`, 60 by default)."""
    language: str = "python"


Step = CallStep | LookupStep | ScriptStep


@dataclass(frozen=True)
class StepMapping:
    """One entry of `mappings`: a (possibly dotted) target filled from a step output."""

    target: tuple[str, ...]
    source: tuple[str, ...]
    """The step name, then the fields to walk into its output."""


@dataclass(frozen=True)
class Orchestration:
    """A unit answered by running `steps` in order and assembling their outputs."""

    steps: tuple[Step, ...]
    mappings: tuple[StepMapping, ...]


@dataclass(frozen=True)
class MockOutput:
    """A static output (`value`), possibly nested; the answer of a unit with no `call`."""

    name: str | None
    type: str
    value: Template | None = None
    properties: tuple[tuple[str, MockOutput], ...] = ()
    items: MockOutput | None = None


@dataclass(frozen=True)
class Mock:
    """A unit with neither `call` nor `steps`: it answers its static `outputParameters`."""

    outputs: tuple[MockOutput, ...]


@dataclass(frozen=True)
class Folder:
    """A static MCP resource: the files of its `location` folder, read at build time."""

    path: str
    """Where the package ships the folder, below its `mcp_files/` (the folder's path below the
    spec's folder; `.` for the spec's folder itself)."""
    files: tuple[tuple[str, bytes], ...] = ()
    """(path relative to the folder, content), sorted by path."""


Action = Call | Mock | Orchestration
"""What a REST operation or MCP tool does when invoked: one call, a static answer, or steps."""


@dataclass(frozen=True)
class Output:
    """What a unit answers: the upstream body unchanged, or a JSON shape mapped out of it."""

    passthrough: bool
    shape: Mapping[str, Any] | None = None
    named_fields: bool = False
    """Several named outputs, answered as one object keyed by name (not the engine's rule)."""


@dataclass(frozen=True)
class RestOperation:
    """One exposed REST operation (method on a resource path)."""

    resource: str
    resource_description: str
    path: str
    """The exposed path exactly as the spec writes it."""
    method: str
    name: str
    label: str
    description: str
    inputs: tuple[Input, ...]
    action: Action
    output: Output
    """Orchestrated units answer their `mappings` object: their output is a pass-through."""
    location: Location


@dataclass(frozen=True)
class RestForward:
    """A resource that passes requests through to a consumed API (`forward`)."""

    resource: str
    path: str
    """The exposed path as the spec writes it; its `{path}` placeholder spans segments."""
    tail: str | None
    """The placeholder carrying the rest of the path, if any."""
    api: str
    trusted_headers: tuple[str, ...]
    excluded_methods: tuple[str, ...]
    """Methods the resource's own operations handle."""
    label: str
    description: str


@dataclass(frozen=True)
class RestAdapter:
    """A REST adapter (`exposes[]` entry of type `rest`)."""

    namespace: str
    port: int
    address: str | None
    description: str
    operations: tuple[RestOperation, ...]
    auth: Auth | None = None
    """Credentials callers must present (inbound authentication)."""
    forwards: tuple[RestForward, ...] = ()


@dataclass(frozen=True)
class McpTool:
    """One MCP tool."""

    name: str
    label: str
    description: str
    inputs: tuple[Input, ...]
    hints: Mapping[str, bool]
    action: Action
    output: Output
    location: Location


@dataclass(frozen=True)
class McpResource:
    """An MCP resource: read through a call or steps, or the files of a folder (`location`)."""

    name: str
    label: str
    description: str
    uri: str
    """As the spec writes it; `{name}` segments make it a URI template."""
    mime_type: str
    parameters: tuple[str, ...]
    """The template's `{name}` segments, in order (the inputs of `call` or `steps`)."""
    action: Call | Orchestration | Folder
    output: Output
    location: Location


@dataclass(frozen=True)
class PromptArgument:
    """An argument of an MCP prompt."""

    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class McpPrompt:
    """An MCP prompt: messages with `{{argument}}` placeholders, or a file (`location`)."""

    name: str
    label: str
    description: str
    arguments: tuple[PromptArgument, ...]
    messages: tuple[tuple[str, str], ...]
    """(role, text) in order."""
    file: str | None = None
    """A prompt kept in a file (`location`): where the package ships it, below `mcp_files/`;
    one `user` message, read when asked."""
    content: bytes = b""
    """The file's bytes, read at build time."""


@dataclass(frozen=True)
class McpAdapter:
    """An MCP adapter (`exposes[]` entry of type `mcp`)."""

    namespace: str
    transport: Literal["http", "stdio"]
    port: int | None
    address: str | None
    description: str
    tools: tuple[McpTool, ...]
    auth: Auth | None = None
    """Credentials callers must present (inbound authentication, HTTP transport)."""
    resources: tuple[McpResource, ...] = ()
    prompts: tuple[McpPrompt, ...] = ()


@dataclass(frozen=True)
class SkillAdapter:
    """A skill adapter (`exposes[]` entry of type `skill`): a read-only catalog of skills."""

    namespace: str
    port: int | None
    address: str | None
    description: str
    skills: tuple[Skill, ...]
    auth: Auth | None = None


@dataclass(frozen=True)
class ControlAdapter:
    """The control port (`exposes[]` entry of type `control`): health and status endpoints."""

    port: int
    address: str | None
    health: bool
    info: bool
    auth: Auth | None = None
    metrics: bool = True
    """`GET /metrics` (`observability.metrics.local.enabled`, default on)."""
    trace_buffer: int = 100
    """Request summaries `GET /traces` keeps (`observability.traces.local`); 0: no endpoint."""
    scripting: ScriptingSettings | None = None
    """`management.scripting` when declared: `GET,PUT /scripting` are served."""


@dataclass(frozen=True)
class CanonicalCapability:
    """The capability after resolution: no dialect left, every reference bound."""

    label: str
    description: str
    tags: tuple[str, ...]
    spec_version: str
    binds: tuple[Bind, ...]
    apis: tuple[Api, ...]
    rest_adapters: tuple[RestAdapter, ...]
    mcp_adapters: tuple[McpAdapter, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=(), compare=False)
    control: ControlAdapter | None = None
    skills: SkillAdapter | None = None
    """The skill adapter (the first one), when the spec declares one."""
