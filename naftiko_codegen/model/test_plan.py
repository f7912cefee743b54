"""Model stage, test plan: what the generated tests send to each unit, and what they expect.

Kept apart from the units the server is built from: `model.test_plan` holds it, keyed by unit
(`routes[route.function]`, `tools[tool.function]`…), and only the test templates read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..canonical import (
    Action,
    Argument,
    BodyLeaf,
    Call,
    CallStep,
    CanonicalCapability,
    Input,
    LookupStep,
    McpAdapter,
    McpPrompt,
    McpResource,
    McpTool,
    Orchestration,
    RestAdapter,
    RestForward,
    RestOperation,
)
from ..names import PythonCode, py_literal
from ..placeholders import Part, split_placeholders
from .apis import ApiModel
from .control import ControlModel
from .mcp import McpModel, ToolModel
from .rest import ForwardModel, RestModel, RouteModel, unshadowed
from .samples import (
    SampleScope,
    auth_query_value,
    credential,
    digest_credentials,
    expected_body,
    expected_upstream,
    input_sample,
    nested_body,
    query_pairs,
    query_text,
    secret_test_value,
)

__all__ = [
    "ForwardTest",
    "PromptTest",
    "ResourceTest",
    "RouteTest",
    "TestPlan",
    "ToolTest",
    "build_test_plan",
]

_NO_BODY = py_literal(("none", None))


@dataclass(frozen=True)
class RouteTest:
    """What the generated tests send to one REST route, and what reaches the upstream."""

    sample_path: str
    """The route's path with every parameter set to its sample value."""
    sample_query: tuple[tuple[str, str], ...]
    sample_headers: tuple[tuple[str, str], ...]
    sample_body: Any
    """The JSON body sent, or None."""
    expected_upstream_path: str | None
    """None for a mock or an orchestration (no single upstream call)."""
    expected_upstream_query: tuple[tuple[str, str], ...]
    expected_upstream_body: PythonCode
    """`(format, value)` the stub should receive: json, form, text or none."""
    expected_requests: tuple[tuple[str, str | None], ...] = ()
    """For an orchestrated route: (method, path or None when it depends on earlier steps) of
    each call step, in order, for the sample inputs."""
    answer_keys: tuple[str, ...] = ()
    """For an orchestrated route: the top-level keys of the assembled answer."""


@dataclass(frozen=True)
class ForwardTest:
    """What the generated tests send to a pass-through resource, and where it must arrive."""

    sample_path: str
    expected_upstream_path: str
    """The rest of the path, joined to the API's base URL (a stub at `/` in the tests)."""


@dataclass(frozen=True)
class ToolTest:
    """What the generated tests call an MCP tool with, and what reaches the upstream."""

    sample_arguments: PythonCode
    """A dict literal with a sample value for every required input."""
    expected_upstream_path: str | None
    """None for a mock or an orchestration (no single upstream call)."""
    expected_upstream_query: tuple[tuple[str, str], ...]
    expected_upstream_body: PythonCode
    """`(format, value)` the stub should receive: json, form, text or none."""
    expected_requests: tuple[tuple[str, str | None], ...] = ()
    """For an orchestrated tool: (method, path or None) of each call step, in order."""
    answer_keys: tuple[str, ...] = ()
    """For an orchestrated tool: the top-level keys of the assembled answer."""


@dataclass(frozen=True)
class ResourceTest:
    """What the generated tests read from an MCP resource."""

    sample_uri: str
    """The URI with every `{parameter}` set to `sample`."""
    reaches_upstream: bool = False
    """Whether a URI parameter feeds the upstream call (its sample value is looked for there)."""


@dataclass(frozen=True)
class PromptTest:
    """What the generated tests ask an MCP prompt with."""

    sample_arguments: PythonCode
    """A dict literal with a value for every argument."""


@dataclass(frozen=True)
class TestPlan:
    """Everything only the generated tests need, keyed by the unit it is about."""

    __test__ = False  # Not a pytest test class, whatever its name.

    routes: Mapping[str, RouteTest]
    """By `RouteModel.function`."""
    forwards: Mapping[str, ForwardTest]
    """By `ForwardModel.function`."""
    tools: Mapping[str, ToolTest]
    """By `ToolModel.function`."""
    resources: Mapping[str, ResourceTest]
    """By `ResourceModel.function`."""
    prompts: Mapping[str, PromptTest]
    """By `PromptModel.name`."""
    secret_values: Mapping[str, str]
    """By bind variable: the secret's value in the tests' environment."""
    rest_credential: str | None
    """What a test caller sends to pass the REST adapter's inbound authentication, if any."""
    mcp_credential: str | None
    """Likewise for the MCP adapter."""
    control_credential: str | None
    """Likewise for the control port."""
    digest: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """By adapter (`rest`, `mcp`, `control`): the username and password a test caller answers
    that adapter's digest challenge with (inbound digest authentication)."""
    token_url_variables: tuple[str, ...] = ()
    """`<API>_TOKEN_URL` of each oauth2 client credentials API: the tests point them at the
    stub upstream, which grants tokens."""
    orchestrated_routes: bool = False
    """Some REST route runs steps (the REST tests check each one's calls)."""
    orchestrated_tools: bool = False
    """Some MCP tool runs steps."""
    shaped_tools: tuple[str, ...] = ()
    """Names of the MCP tools whose call maps its output (they answer structured content)."""
    fixed_resource_uris: tuple[str, ...] = ()
    """URIs of the MCP resources read through a call or steps, without URI parameters."""
    template_resource_uris: tuple[str, ...] = ()
    """URI templates of those with parameters."""
    prompt_names: tuple[str, ...] = ()
    """Names of the MCP prompts."""


_Upstream = tuple[str | None, tuple[tuple[str, str], ...], PythonCode]


def _upstream(action: Action, samples: Mapping[str, Any], scope: SampleScope) -> _Upstream:
    """What the stub upstream should see for the sample inputs; no path unless one call."""
    if not isinstance(action, Call):
        return None, (), _NO_BODY
    path, query = expected_upstream(action, samples, scope)
    return path, query, expected_body(action, samples, scope)


def _steps(
    action: Action, samples: Mapping[str, Any], scope: SampleScope
) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    """For an orchestration: each call step's (method, path), and the answer's keys."""
    if not isinstance(action, Orchestration):
        return (), ()
    requests: list[tuple[str, str | None]] = []
    for step in action.steps:
        if isinstance(step, CallStep):
            reads_steps = any(p.kind == "step" for a in step.call.arguments for p in a.value)
            path = None if reads_steps else expected_upstream(step.call, samples, scope)[0]
            requests.append((step.call.operation.method, path))
    return tuple(requests), tuple(dict.fromkeys(m.target[0] for m in action.mappings))


def _sample_headers(pairs: list[tuple[Input, Any, Any]]) -> tuple[tuple[str, str], ...]:
    """The headers a route's test sends: its header inputs, and its cookie inputs as `Cookie`."""
    headers = [
        (item.name, query_text(sample)) for item, _, sample in pairs if item.location == "header"
    ]
    cookies = "; ".join(
        f"{item.name}={query_text(sample)}"
        for item, _, sample in pairs
        if item.location == "cookie"
    )
    return (*headers, *((("Cookie", cookies),) if cookies else ()))


def _route_test(op: RestOperation, route: RouteModel, scope: SampleScope) -> RouteTest:
    models = {model.name: model for model in route.inputs}
    pairs = [
        (item, models[item.name], input_sample(item)) for item in op.inputs if item.name in models
    ]
    samples = {item.name: sample for item, _, sample in pairs}
    # Inputs the handler does not take: a constant, or a JSONPath into the whole body.
    samples.update(route.constants)
    samples.update(
        (item.name, input_sample(item)) for item in op.inputs if item.name in dict(route.body_paths)
    )
    path = "".join(
        quote(str(samples[content]), safe="") if is_placeholder else content
        for is_placeholder, content in split_placeholders(op.path, path=True)
    )
    body = [(item.name, sample) for item, model, sample in pairs if model.fastapi_kind == "Body"]
    sample_body: Any = None
    if route.body_paths:
        # The nested shape the spec's JSONPaths declare (`$.user.id` → {"user": {"id": …}}).
        sample_body = nested_body(
            (path_text, samples[name]) for name, path_text in route.body_paths
        )
    elif len(body) == 1 and not route.body_embed:
        sample_body = body[0][1]
    elif body:
        sample_body = dict(body)
    upstream_path, upstream_query, upstream_body = _upstream(op.action, samples, scope)
    requests, keys = _steps(op.action, samples, scope)
    return RouteTest(
        sample_path=path,
        sample_query=tuple(
            pair
            for item, _, sample in pairs
            if item.location == "query"
            for pair in query_pairs(item.name, sample)
        ),
        sample_headers=_sample_headers(pairs),
        sample_body=sample_body,
        expected_upstream_path=upstream_path,
        expected_upstream_query=upstream_query,
        expected_upstream_body=upstream_body,
        expected_requests=requests,
        answer_keys=keys,
    )


def _forward_test(forward: RestForward, model: ForwardModel) -> ForwardTest:
    path = "".join(
        "one/two" if is_placeholder else content
        for is_placeholder, content in split_placeholders(forward.path, path=True)
    )
    return ForwardTest(path, "/one/two" if model.tail else "/")


def _tool_test(tool: McpTool, model: ToolModel, scope: SampleScope) -> ToolTest:
    samples = {
        input_model.name: input_sample(item)
        for item, input_model in zip(tool.inputs, model.inputs, strict=True)
        if input_model.required
    }
    upstream_path, upstream_query, upstream_body = _upstream(tool.action, samples, scope)
    requests, keys = _steps(tool.action, samples, scope)
    return ToolTest(
        py_literal(samples), upstream_path, upstream_query, upstream_body, requests, keys
    )


def _resource_test(resource: McpResource) -> ResourceTest:
    return ResourceTest(
        re.sub(r"\{[A-Za-z0-9_]+\}", "sample", resource.uri),
        _reads(resource.action, frozenset(resource.parameters)),
    )


def _reads(node: Any, names: frozenset[str]) -> bool:
    """Whether a unit's action reads one of the inputs `names` (a URI parameter unused by the
    call reaches no request, so the tests do not look for it there)."""
    if isinstance(node, Part):
        return node.kind == "input" and node.value in names
    if isinstance(node, Call):
        return _reads((node.arguments, node.body_tree), names)
    if isinstance(node, Argument):
        return _reads((node.value, node.tree), names)
    if isinstance(node, BodyLeaf):
        return _reads(node.value, names)
    if isinstance(node, Orchestration):
        return _reads(node.steps, names)
    if isinstance(node, CallStep):
        return _reads(node.call, names)
    if isinstance(node, LookupStep):
        return _reads(node.value, names)
    if isinstance(node, dict):
        return _reads(tuple(node.values()), names)
    if isinstance(node, list | tuple):
        return any(_reads(item, names) for item in node)
    return False


def _prompt_test(prompt: McpPrompt) -> PromptTest:
    return PromptTest(py_literal({a.name: f"sample-{a.name}" for a in prompt.arguments}))


def _sample_scope(canonical: CanonicalCapability, apis: Mapping[str, ApiModel]) -> SampleScope:
    secrets = {bind.variable: secret_test_value(bind.variable) for bind in canonical.binds}
    auths = {api.namespace: api.auth for api in reversed(canonical.apis)}  # the first one wins
    auth_query = {
        namespace: tuple(
            (key, auth_query_value(auths[namespace], secrets)) for key, _ in api.auth_query
        )
        for namespace, api in apis.items()
    }
    return SampleScope(secrets, auth_query)


def _rest_tests(
    adapter: RestAdapter | None, rest: RestModel | None, scope: SampleScope
) -> tuple[Mapping[str, RouteTest], Mapping[str, ForwardTest]]:
    if adapter is None or rest is None:
        return {}, {}
    routes: dict[str, RouteTest] = {
        route.function: _route_test(op, route, scope)
        for op, route in zip(unshadowed(adapter.operations), rest.routes, strict=True)
    }
    forwards: dict[str, ForwardTest] = {
        model.function: _forward_test(forward, model)
        for forward, model in zip(adapter.forwards, rest.forwards, strict=True)
    }
    return routes, forwards


def _mcp_tests(
    adapter: McpAdapter | None, mcp: McpModel | None, scope: SampleScope
) -> tuple[Mapping[str, ToolTest], Mapping[str, ResourceTest], Mapping[str, PromptTest]]:
    if adapter is None or mcp is None:
        return {}, {}, {}
    tools: dict[str, ToolTest] = {
        model.function: _tool_test(tool, model, scope)
        for tool, model in zip(adapter.tools, mcp.tools, strict=True)
    }
    resources: dict[str, ResourceTest] = {
        model.function: _resource_test(resource)
        for resource, model in zip(adapter.resources, mcp.resources, strict=True)
    }
    prompts = {prompt.name: _prompt_test(prompt) for prompt in adapter.prompts}
    return tools, resources, prompts


def build_test_plan(
    canonical: CanonicalCapability,
    apis: Mapping[str, ApiModel],
    rest: RestModel | None,
    mcp: McpModel | None,
    control: ControlModel | None,
) -> TestPlan:
    """The generated tests' samples and expectations for every unit of the built adapters."""
    scope = _sample_scope(canonical, apis)
    rest_adapter = canonical.rest_adapters[0] if canonical.rest_adapters else None
    mcp_adapter = canonical.mcp_adapters[0] if canonical.mcp_adapters else None
    routes, forwards = _rest_tests(rest_adapter, rest, scope)
    tools, resources, prompts = _mcp_tests(mcp_adapter, mcp, scope)
    readers = mcp.readers if mcp else ()
    return TestPlan(
        routes=routes,
        forwards=forwards,
        tools=tools,
        resources=resources,
        prompts=prompts,
        secret_values=scope.secrets,
        rest_credential=credential(rest_adapter.auth, scope.secrets) if rest_adapter else None,
        mcp_credential=credential(mcp_adapter.auth, scope.secrets) if mcp_adapter else None,
        control_credential=(
            credential(canonical.control.auth, scope.secrets)
            if canonical.control is not None and control is not None
            else None
        ),
        digest={
            name: pair
            for name, auth in (
                ("rest", rest_adapter.auth if rest_adapter else None),
                ("mcp", mcp_adapter.auth if mcp_adapter else None),
                ("control", canonical.control.auth if canonical.control else None),
            )
            if (pair := digest_credentials(auth, scope.secrets))
        },
        token_url_variables=tuple(
            api.token_url_env
            for api in apis.values()
            if api.auth_client is not None and api.auth_client.token_url
        ),
        orchestrated_routes=rest is not None and any(r.workflow for r in rest.routes),
        orchestrated_tools=mcp is not None and any(t.workflow for t in mcp.tools),
        shaped_tools=tuple(
            t.name for t in (mcp.tools if mcp else ()) if t.call and t.call.output_shape
        ),
        fixed_resource_uris=tuple(r.uri for r in readers if not r.uri_pattern),
        template_resource_uris=tuple(r.uri for r in readers if r.uri_pattern),
        prompt_names=tuple(p.name for p in (mcp.prompts if mcp else ())),
    )
