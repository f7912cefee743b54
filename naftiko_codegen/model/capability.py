"""Model stage, capability: the canonical capability → the whole context, `CapabilityModel`.

Builds the parts in order (secrets, APIs, the operations and orchestrations units use, the
adapters, the test plan) and derives every package-wide fact from the built parts: the secrets
table from the code's secret reads, imports from the code's needs, flags from the units.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .. import __version__
from ..canonical import Bind, CanonicalCapability, ScriptStep
from ..names import PythonIdentifier, identifier
from .apis import ApiModel, api_models
from .code import NOTHING, Needs, Secrets, all_needs, claim_each
from .control import ControlModel, ScriptingModel, control_model, scripting_model
from .deploy import DeployModel, deploy_model
from .imports import CodeNeeds, ImportsModel, PackageFacts, package_imports
from .mcp import McpModel, ToolModel, mcp_model, resource_unit, tool_unit
from .operations import OperationModel, operation_needs
from .rest import RestModel, RouteModel, rest_model, route_unit
from .skills import SkillsModel, skills_model
from .test_plan import TestPlan, build_test_plan
from .units import Scope, Unit, unit_scope
from .workflows import WorkflowModel

__all__ = ["CONTEXT_VERSION", "CapabilityModel", "SecretModel", "build_capability"]

CONTEXT_VERSION = 4
"""Bumped whenever a field of the template context changes meaning or disappears."""
PACKAGE_VERSION = "0.1.0"
"""The generated distribution's version (`pyproject.toml`), also its image tag."""


@dataclass(frozen=True)
class SecretModel:
    """A bind variable the server reads at start-up."""

    variable: str
    attribute: PythonIdentifier
    """Its attribute on the generated `Secrets`."""
    env_var: str
    """The environment variable (provider key) holding the value."""
    file: str | None
    """A file path to read the value from instead (from a `file:` bind location)."""
    used_for: str
    """What reads it, e.g. `authentication of registry, REST GET /ships`."""


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
    test_plan: TestPlan
    """What the generated tests send to each unit and expect (only test templates read it)."""
    uses_output_mapping: bool
    uses_file_secrets: bool
    uses_inbound_auth: bool
    """Some adapter requires credentials from its callers."""
    jwt_used_by: str
    """Which adapters validate JWT bearer tokens (oauth2), for messages; empty when none does."""
    auth_uses_secrets: bool
    """`build_apis` reads `settings.secrets`."""
    operation_exports: tuple[str, ...]
    """The `__all__` of `operations.py`, sorted."""
    imports: ImportsModel
    """The import block of each generated module with conditional imports."""
    dependencies: tuple[str, ...]
    deploy: DeployModel
    """The container image and Kubernetes manifests (`Dockerfile`, `deploy/kubernetes/`)."""
    test_dependencies: tuple[str, ...] = field(default=())
    workflows: tuple[WorkflowModel, ...] = ()
    """Orchestrated units, generated in `orchestration.py` (shared when REST and MCP match)."""
    orchestration_exports: tuple[str, ...] = ()
    """The `__all__` of `orchestration.py`, sorted."""
    control: ControlModel | None = None
    """The control port, when the spec declares one."""
    uses_raw_formats: bool = False
    """Some consumed operation answers in a converted format (`formats.py` is generated)."""
    uses_yaml_output: bool = False
    """Some consumed operation answers YAML (the package depends on PyYAML)."""
    raw_formats: tuple[str, ...] = ()
    """Every converted `outputRawFormat` some consumed operation answers in, sorted."""
    schema_files: tuple[tuple[str, str], ...] = ()
    """`(file name, text)` of each schema file shipped in the package's `schemas/`, sorted."""
    spec_version: str = ""
    """The spec's `naftiko` version (reported by the control port's `/status`)."""
    skills: SkillsModel | None = None
    """The skill adapter, when the spec declares one."""
    script_folders: dict[str, dict[str, str]] = field(default_factory=dict)
    """The folders of the script steps: `location` → {file path → base64 content}."""
    digest_inbound: bool = False
    """Some adapter demands RFC 7616 digest answers of its callers (`serve` gains
    `--digest-nonce-seconds`)."""
    scripting: ScriptingModel | None = None
    """The scripting settings (`management.scripting`, defaults filled in) when a script step
    runs or the control port serves `/scripting`."""


def _file_path(location: str | None) -> str | None:
    if not location:
        return None
    path = location.removeprefix("file://")
    return path[1:] if path.startswith("/./") else path


def _secret_models(
    binds: Iterable[Bind], attributes: Secrets, needs: Needs
) -> tuple[SecretModel, ...]:
    """The binds some generated code reads, each with what reads it (in order of first use)."""
    uses: dict[str, list[str]] = {}
    for variable, used_for in needs.secrets:
        uses.setdefault(variable, []).append(used_for)
    return tuple(
        SecretModel(
            variable=bind.variable,
            attribute=attributes[bind.variable],
            env_var=bind.provider_key,
            file=_file_path(bind.location),
            used_for=", ".join(uses[bind.variable]),
        )
        for bind in binds
        if bind.variable in uses
    )


def _units(canonical: CanonicalCapability) -> list[Unit]:
    """Every unit of the adapters the package serves, in build order."""
    units: list[Unit] = []
    if canonical.rest_adapters:
        units += map(route_unit, canonical.rest_adapters[0].operations)
    if canonical.mcp_adapters:
        units += map(tool_unit, canonical.mcp_adapters[0].tools)
        units += map(resource_unit, canonical.mcp_adapters[0].resources)
    return units


@dataclass(frozen=True)
class _Adapters:
    rest: RestModel | None
    mcp: McpModel | None
    control: ControlModel | None
    rest_needs: Needs
    mcp_needs: Needs
    control_needs: Needs
    skills: SkillsModel | None = None
    skills_needs: Needs = NOTHING


def _adapters(canonical: CanonicalCapability, scope: Scope, title: str) -> _Adapters:
    rest, rest_needs = None, NOTHING
    if canonical.rest_adapters:
        adapter = canonical.rest_adapters[0]
        description = adapter.description or canonical.description
        rest, rest_needs = rest_model(adapter, scope, title=title, description=description)
    mcp, mcp_needs = None, NOTHING
    if canonical.mcp_adapters:
        mcp_adapter = canonical.mcp_adapters[0]
        description = mcp_adapter.description or canonical.description
        mcp, mcp_needs = mcp_model(mcp_adapter, scope, description=description)
    control, control_needs = None, NOTHING
    if canonical.control is not None:
        control, control_needs = control_model(canonical.control, scope.secrets)
    skills, skills_needs = None, NOTHING
    if canonical.skills is not None:
        skills, skills_needs = skills_model(canonical.skills, scope.secrets)
    return _Adapters(rest, mcp, control, rest_needs, mcp_needs, control_needs, skills, skills_needs)


def _uses_mapping(adapters: _Adapters, workflows: tuple[WorkflowModel, ...]) -> bool:
    """Whether `mapping.py` is generated: some unit maps its output, mocks, or runs steps."""
    units: list[RouteModel | ToolModel] = [
        *(adapters.rest.routes if adapters.rest else ()),
        *(adapters.mcp.tools if adapters.mcp else ()),
    ]
    calls = [
        *(unit.call for unit in units),
        *(resource.call for resource in (adapters.mcp.resources if adapters.mcp else ())),
    ]
    return (
        bool(workflows)
        or any(unit.mock is not None for unit in units)
        or any(call is not None and call.output_shape is not None for call in calls)
    )


# The library each converted format is read with (only the packages that use it depend on it).
_FORMAT_LIBRARIES = {
    "avro": "fastavro>=1.9,<2",
    "html": "beautifulsoup4>=4.12,<5",
    "markdown": "markdown-it-py>=3,<5",
    "protobuf": "protobuf>=5,<8",
}


def _dependencies(
    secrets: tuple[SecretModel, ...],
    operations: Iterable[OperationModel],
    jwt: bool,
    *,
    rest: bool,
) -> tuple[str, ...]:
    dependencies = [
        "aiohttp>=3.13.3,<4",
        "fastapi>=0.115,<1",
        "mcp>=2.3,<3",
        "pydantic-settings>=2.3,<3",
        "prometheus-client>=0.20,<1",
        "uvicorn[standard]>=0.30,<1",
    ]
    if rest:  # /docs and /redoc serve Swagger UI and ReDoc from this distribution, not a CDN
        dependencies.append("fastapi-offline>=1.7,<2")
    formats = {op.raw_format for op in operations}
    if any(s.file for s in secrets) or formats & {"yaml", "markdown"}:
        dependencies.append("pyyaml>=6.0,<7")  # markdown: its YAML front matter
    dependencies.extend(
        _FORMAT_LIBRARIES[name] for name in sorted(formats & _FORMAT_LIBRARIES.keys())
    )
    if jwt:  # oauth2 inbound: JWT signatures (RSA, EC, EdDSA) need the crypto extra
        dependencies.append("pyjwt[crypto]>=2.8,<3")
    return tuple(sorted(dependencies))


def _jwt_used_by(
    rest: RestModel | None,
    mcp: McpModel | None,
    control: ControlModel | None,
    skills: SkillsModel | None = None,
) -> str:
    """`inbound authentication of …` naming each adapter that validates JWTs, or ''."""
    named = (
        (rest, f"REST adapter {rest.namespace!r}" if rest else ""),
        (mcp, f"MCP adapter {mcp.namespace!r}" if mcp else ""),
        (control, "the control port"),
        (skills, f"skill adapter {skills.namespace!r}" if skills else ""),
    )
    users = [
        name
        for adapter, name in named
        if adapter and adapter.auth and adapter.auth.kind == "oauth2"
    ]
    return "inbound authentication of " + " and ".join(users) if users else ""


def _digest_inbound(*adapters: RestModel | McpModel | ControlModel | SkillsModel | None) -> bool:
    """Some adapter demands RFC 7616 digest answers of its callers."""
    return any(a and a.auth and a.auth.kind == "digest" for a in adapters)


def _test_dependencies(mcp: McpModel | None) -> tuple[str, ...]:
    # `--import-mode=importlib` lets the generated tests import their `tests/` helpers
    # relatively from pytest 8.3.4 on, however pytest is started.
    dependencies = ["pytest>=8.3.4"]
    if mcp is not None and mcp.auth is not None:
        # The generated tests give the MCP client credentials through its HTTP client.
        dependencies.append("httpx2>=2.10,<3")
    return tuple(sorted(dependencies))


def build_capability(
    canonical: CanonicalCapability, *, spec_file: str, spec_text: str, slug: str
) -> CapabilityModel:
    """The template context of a resolved capability; `slug` is the distribution name."""
    variables = [bind.variable for bind in canonical.binds]
    attributes = dict(zip(variables, claim_each((v, "value") for v in variables), strict=True))
    built_apis = api_models(canonical.apis, attributes)
    apis: Mapping[str, ApiModel] = {model.namespace: model for model, _ in built_apis}
    api_needs = {model.namespace: needs for model, needs in built_apis}
    api_specs = {api.namespace: api for api in canonical.apis}
    scope = unit_scope(_units(canonical), apis, attributes, api_specs)
    title = canonical.label or slug
    adapters = _adapters(canonical, scope, title)
    rest, mcp, control = adapters.rest, adapters.mcp, adapters.control
    skills = adapters.skills
    every_need = all_needs(
        [
            *(needs for _, needs in built_apis),
            adapters.rest_needs,
            adapters.mcp_needs,
            adapters.control_needs,
            adapters.skills_needs,
        ]
    )
    secrets = _secret_models(canonical.binds, attributes, every_need)
    operations = tuple(model for model, _ in scope.operations.values())
    workflows = tuple(known.model for known in scope.workflows)
    script_folders = {
        step.folder.location: {
            path: base64.b64encode(data).decode("ascii") for path, data in step.folder.files
        }
        for known in scope.workflows
        for step in known.orchestration.steps
        if isinstance(step, ScriptStep)
    }
    scripting = scripting_model(canonical.control, bool(script_folders))
    return CapabilityModel(
        context_version=CONTEXT_VERSION,
        generator_version=__version__,
        distribution=slug,
        package=identifier(slug, fallback="capability"),
        script=slug,
        title=title,
        description=canonical.description,
        tags=canonical.tags,
        spec_file=spec_file,
        spec_sha256=hashlib.sha256(spec_text.encode()).hexdigest(),
        apis=tuple(apis.values()),
        secrets=secrets,
        operations=operations,
        rest=rest,
        mcp=mcp,
        test_plan=build_test_plan(canonical, apis, rest, mcp, control),
        uses_output_mapping=_uses_mapping(adapters, workflows),
        uses_file_secrets=any(s.file for s in secrets),
        uses_inbound_auth=bool(
            (rest and rest.auth)
            or (mcp and mcp.auth)
            or (control and control.auth)
            or (skills and skills.auth)
        ),
        jwt_used_by=_jwt_used_by(rest, mcp, control, skills),
        digest_inbound=_digest_inbound(rest, mcp, control, skills),
        auth_uses_secrets=any(needs.secrets for needs in api_needs.values()),
        operation_exports=tuple(sorted(op.function for op in operations)),
        imports=package_imports(
            PackageFacts(
                rest=rest,
                mcp=mcp,
                control=control,
                uses_output_mapping=_uses_mapping(adapters, workflows),
                uses_file_secrets=any(s.file for s in secrets),
                uses_raw_formats=any(op.raw_format != "json" for op in operations),
                has_secrets=bool(secrets),
                has_operations=bool(operations),
                skills=skills is not None,
                uses_client_credentials=any(api.auth_client for api, _ in built_apis),
                digest_inbound=_digest_inbound(rest, mcp, control, skills),
                scripting=scripting is not None,
            ),
            CodeNeeds(
                operations=operation_needs(scope.operations),
                orchestration=all_needs(known.needs for known in scope.workflows),
                rest_app=adapters.rest_needs,
                mcp_server=adapters.mcp_needs,
                control_app=adapters.control_needs,
            ),
        ),
        dependencies=_dependencies(
            secrets,
            operations,
            bool(_jwt_used_by(rest, mcp, control, skills)),
            rest=rest is not None,
        ),
        deploy=deploy_model(
            distribution=slug,
            version=PACKAGE_VERSION,
            rest=rest,
            mcp=mcp,
            control=control,
            apis=apis.values(),
            secret_env_vars=[(s.env_var, s.variable) for s in secrets],
            skills=skills,
        ),
        test_dependencies=_test_dependencies(mcp),
        uses_raw_formats=any(op.raw_format != "json" for op in operations),
        uses_yaml_output=any(op.raw_format == "yaml" for op in operations),
        raw_formats=tuple(sorted({op.raw_format for op in operations} - {"json"})),
        schema_files=tuple(sorted({op.schema_file for op in operations if op.schema_file})),
        control=control,
        skills=skills,
        script_folders=script_folders,
        scripting=scripting,
        spec_version=canonical.spec_version,
        workflows=workflows,
        orchestration_exports=tuple(
            sorted([*(w.function for w in workflows), "answer", "lookup", "select", "step_output"])
        ),
    )
