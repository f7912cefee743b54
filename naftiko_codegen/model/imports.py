"""Model stage, imports: the names each generated module uses → its import block, as data.

A module's imports are the `Needs` of the code the builder made for it plus the names its
template uses unconditionally. Here they are grouped and ordered as ruff's isort (with black's
layout) wants them — sections `__future__`, standard library, third party, then the package's
own modules (relative) — so `templates/_macros/imports.jinja` only prints them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..names import PythonCode, PythonIdentifier
from .code import NOTHING, UPSTREAM, Needs
from .control import ControlModel
from .mcp import McpModel, ResourceModel, ToolModel
from .rest import RestModel

__all__ = [
    "CodeNeeds",
    "ImportLine",
    "ImportsModel",
    "ModuleImports",
    "PackageFacts",
    "module_imports",
    "package_imports",
]

_STANDARD = frozenset(
    {"argparse", "asyncio", "collections", "dataclasses", "logging", "os", "typing"}
)
_THIRD_PARTY = frozenset({"fastapi", "mcp", "starlette"})
_LINE_LENGTH = 100
"""black's line length (`format.BLACK_MODE`): a longer `from … import …` gets a name per line."""


@dataclass(frozen=True)
class ImportLine:
    """One import statement: `from <origin> import <names>`, or `import <origin>` (no names)."""

    origin: PythonCode
    """The module as written, e.g. `typing`, `.upstream` or `.` (the package itself)."""
    names: tuple[PythonIdentifier, ...]
    """The imported names in isort order (constants, classes, then the rest); empty for
    `import <origin>`."""

    def statement(self, indent: int = 0) -> PythonCode:
        """The statement laid out as black writes it, continuation lines indented by `indent`.

        One line when it fits; otherwise black's exploded form, one name per line with a
        trailing comma (black always explodes an import that does not fit).
        """
        if not self.names:
            return PythonCode(f"import {self.origin}")
        line = f"from {self.origin} import {', '.join(self.names)}"
        if indent + len(line) <= _LINE_LENGTH:
            return PythonCode(line)
        pad = " " * indent
        names = "".join(f"{pad}    {name},\n" for name in self.names)
        return PythonCode(f"from {self.origin} import (\n{names}{pad})")


@dataclass(frozen=True)
class ModuleImports:
    """The import block of one generated module."""

    sections: tuple[tuple[ImportLine, ...], ...]
    """Non-empty sections in order (`__future__`, standard, third party, the package), each
    printed as a group with one blank line between groups."""
    type_checking: tuple[ImportLine, ...] = ()
    """Imports only type checkers see (printed under `if TYPE_CHECKING:` by the template)."""


EMPTY = ModuleImports(())


@dataclass(frozen=True)
class ImportsModel:
    """The import block of each generated module that has conditional imports."""

    cli: ModuleImports = EMPTY
    settings: ModuleImports = EMPTY
    upstream: ModuleImports = EMPTY
    operations: ModuleImports = EMPTY
    orchestration: ModuleImports = EMPTY
    rest_app: ModuleImports = EMPTY
    mcp_server: ModuleImports = EMPTY
    control_app: ModuleImports = EMPTY
    asgi: ModuleImports = EMPTY


def _section(module: str) -> int:
    if module == "__future__":
        return 0
    if module.split(".")[0] in _STANDARD:
        return 1
    if module.split(".")[0] in _THIRD_PARTY:
        return 2
    return 3  # One of the package's own modules ("" is the package itself).


def _name_key(name: str) -> tuple[int, str, str]:
    """ruff's isort `order-by-type`: CONSTANTS, then Classes, then everything else."""
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, name.lower(), name


def _line(module: str, names: Iterable[str]) -> ImportLine:
    origin = "." + module if _section(module) == 3 else module
    ordered = sorted({name for name in names if name}, key=_name_key)
    return ImportLine(PythonCode(origin), tuple(PythonIdentifier(name) for name in ordered))


def _lines(needs: Needs) -> tuple[tuple[ImportLine, ...], ...]:
    by_module: dict[str, set[str]] = {}
    for module, name in needs.imports:
        by_module.setdefault(module, set()).add(name)
    sections: list[list[ImportLine]] = [[], [], [], []]
    # In each section `import x` comes before `from x import y` (isort's default), each by module.
    for module in sorted(by_module, key=lambda m: ("" not in by_module[m], m.lower(), m)):
        if "" in by_module[module]:
            sections[_section(module)].append(ImportLine(PythonCode(module), ()))
        if by_module[module] - {""}:
            sections[_section(module)].append(_line(module, by_module[module]))
    return tuple(tuple(section) for section in sections if section)


def module_imports(needs: Needs, type_checking: Needs = NOTHING) -> ModuleImports:
    """The import block for `needs`: `(module, name)` pairs, a name `""` meaning `import module`;
    the package's own modules are named without the dot (`upstream`, `""` for the package)."""
    checking = tuple(line for section in _lines(type_checking) for line in section)
    return ModuleImports(_lines(needs), checking)


# ----------------------------------------------------------------------------- per module


def _from(module: str, *names: str) -> Needs:
    return Needs(imports=frozenset((module, name) for name in names))


def _when(condition: object, needs: Needs) -> Needs:
    return needs if condition else NOTHING


_FUTURE = _from("__future__", "annotations")


@dataclass(frozen=True)
class PackageFacts:
    """What decides the imports besides each module's own code needs."""

    rest: RestModel | None
    mcp: McpModel | None
    control: ControlModel | None
    uses_output_mapping: bool
    uses_file_secrets: bool
    uses_raw_formats: bool
    has_secrets: bool
    has_operations: bool
    skills: bool = False
    """A skill adapter is served."""
    uses_client_credentials: bool = False
    """Some consumed API authenticates with an oauth2 client credentials grant."""
    digest_inbound: bool = False
    """Some adapter demands RFC 7616 digest answers of its callers."""
    scripting: bool = False
    """Script steps run, or the control port serves `/scripting` (`SCRIPTING` in settings)."""


def _uses_jwt(facts: PackageFacts) -> bool:
    """Some adapter validates JWT bearer tokens (oauth2 inbound authentication)."""
    adapters = (facts.rest, facts.mcp, facts.control)
    return any(a is not None and a.auth is not None and a.auth.kind == "oauth2" for a in adapters)


def _cli(facts: PackageFacts) -> ModuleImports:
    rest, mcp, control = facts.rest, facts.mcp, facts.control
    serving = ["AdapterServer", "adapter_options", "command_line", "http_server"]
    serving += ["logging_options", "run_main", "run_until_stopped"]
    serving += ["is_running"] if rest or mcp or facts.skills else []
    serving += ["otel_option"] if rest else []
    serving += ["transport_option"] if mcp else []
    ops = ["enable_observability", "observability_options"]
    ops += [] if control and not control.probes_port else ["ops_app", "ops_options", "ops_routes"]
    return module_imports(
        _FUTURE
        | _from("argparse", "")
        | _from("asyncio", "")
        | _from("logging", "")
        | _from("collections.abc", "Callable", "Sequence")
        | _from("typing", "Final")
        | _from("", "__version__")
        | _from("control", "adapter_states")
        | _when(rest or mcp, _from("metrics", "instrument"))
        | _from("ops", *ops)
        | _from("serving", *serving)
        | _from("environment", "load_env_file")
        | _from("settings", "Settings", "load_settings")
        | _from("upstream", "UpstreamClient")
        | _from("workers", "Workers", "is_worker", "process_options")
        | _when(_uses_jwt(facts), _from("jwt_keys", "jwt_options"))
        | _when(facts.digest_inbound, _from("digest_auth", "digest_options"))
        | _when(facts.scripting, _from("scripting", "scripting_options"))
        | _when(facts.scripting, _from("settings", "SCRIPTING"))
    )


def _asgi(facts: PackageFacts) -> ModuleImports:
    rest, mcp = facts.rest, facts.mcp
    defaults = ["DEFAULT_REST_HOST"] if rest else []
    defaults += ["DEFAULT_MCP_HOST"] if mcp else []
    return module_imports(
        _FUTURE
        | _from("argparse", "")
        | _from("typing", "cast")
        | _from("starlette.types", "ASGIApp")
        | _from("cli", *defaults, "PROG", "build_parser")
        | _from("control", "adapter_states")
        | _when(rest or mcp, _from("metrics", "instrument"))
        | _when(mcp, _from("mcp_server", "create_http_app"))
        | _from("ops", "close_on_shutdown", "enable_observability", "ops_app", "ops_routes")
        | _when(rest, _from("rest_app", "create_app"))
        | _from("serving", "configure_hosted", "http_server")
        | _from("settings", "load_settings")
        | _from("upstream", "UpstreamClient")
    )


def _settings(facts: PackageFacts) -> ModuleImports:
    reader = "BindFileReader" if facts.uses_file_secrets else "EnvironmentReader"
    # The inbound guards themselves come with each adapter's code needs (`model/auth.py`).
    jwt = _uses_jwt(facts)
    return module_imports(
        _FUTURE
        | _from("os", "")
        | _from("collections.abc", "Mapping")
        | _from("dataclasses", "dataclass", "field")
        | _when(facts.uses_file_secrets, _from("bind_files", "BindFileReader"))
        | _from("environment", "ApiSettings", "SettingsError", "UpstreamLimits")
        | _when(reader == "EnvironmentReader", _from("environment", reader))
        | _when(jwt, _from("jwt_keys", "JwtSettings", "read_jwt_settings"))
        | _when(facts.scripting, _from("typing", "Final") | _from("scripting", "Scripting"))
    )


_CLIENT_HELPERS = (
    "HttpClient",
    "InvalidArgument",
    "UpstreamApi",
    "UpstreamError",
    "UpstreamResponse",
    "basic_credentials",
    "form_fields",
    "forward_path",
    "header_items",
    "path_segment",
    "query_items",
    "text",
    "user_hooks",
    "without_none",
)


def _upstream(facts: PackageFacts) -> ModuleImports:
    return module_imports(
        _FUTURE
        | _from("dataclasses", "astuple")
        | _when(facts.uses_raw_formats, _from("formats", "parse_body"))
        | _from("http_client", *_CLIENT_HELPERS)
        | _when(facts.uses_client_credentials, _from("oauth_client", "ClientCredentials"))
        | _from("settings", "Secrets", "Settings")
    )


def _operations(facts: PackageFacts, needs: Needs) -> ModuleImports:
    if not facts.has_operations:
        return module_imports(_FUTURE)
    return module_imports(_FUTURE | _from(UPSTREAM, "UpstreamClient", "UpstreamResponse") | needs)


def _orchestration(needs: Needs) -> ModuleImports:
    return module_imports(
        _FUTURE
        | _from("typing", "Any")
        | _from("steps", "answer", "lookup", "select", "step_output")
        | _from(UPSTREAM, "UpstreamClient", "UpstreamResponse")
        | needs
    )


def _rest_app(rest: RestModel, facts: PackageFacts, needs: Needs) -> ModuleImports:
    inputs = [item for route in rest.routes for item in route.inputs]
    mapping = facts.uses_output_mapping
    relays = rest.routes or rest.forwards
    return module_imports(
        _FUTURE
        | _from("typing", "Final")
        | _when(inputs, _from("typing", "Annotated"))
        | _when(mapping or any("Any" in i.annotation for i in inputs), _from("typing", "Any"))
        | _from("fastapi", "APIRouter", "FastAPI")
        | _when(relays, _from("fastapi", "Request", "Response"))
        | _from("fastapi", *(item.fastapi_kind for item in inputs))
        | _when(mapping, _from("fastapi.responses", "JSONResponse"))
        | _when(rest.auth, _from("starlette.middleware", "Middleware"))
        | _from("", "__version__")
        | _when(any(r.call for r in rest.routes), _from("", "operations"))
        | _when(any(r.workflow for r in rest.routes), _from("", "orchestration"))
        | _when(mapping, _from("mapping", "map_output"))
        | _from("rest_support", "build_app")
        | _when(relays, _from("rest_support", "ERROR_RESPONSES"))
        | _when(relays or mapping, _from("rest_support", "relay"))
        | _when(rest.direct_routes, _from("rest_support", "serve_directly"))
        | _from("settings", "load_settings")
        | _from(UPSTREAM, "UpstreamClient")
        | _when(mapping, _from(UPSTREAM, "UpstreamResponse"))
        | _when(rest.forwards, _from(UPSTREAM, "forward_path"))
        | needs
    )


def _mcp_server(mcp: McpModel, facts: PackageFacts, needs: Needs) -> ModuleImports:
    units: list[ToolModel | ResourceModel] = [*mcp.tools, *mcp.readers]
    content = ["ResourceRegistry"] if mcp.resources else []
    content += ["Prompt", "PromptRegistry"] if mcp.prompts else []
    content += ["Resource"] if mcp.readers else []
    content += ["Folder"] if len(mcp.readers) < len(mcp.resources) else []
    mapping = ["map_output"] if facts.uses_output_mapping else []
    mapping += ["mock_response"] if any(tool.mock for tool in mcp.tools) else []
    return module_imports(
        _FUTURE
        | _when(units, _from("collections.abc", "Mapping"))
        | _from("typing", "TYPE_CHECKING", "Any", "Final")
        | _from("", "__version__")
        | _when(any(unit.call for unit in units), _from("", "operations"))
        | _when(any(unit.workflow for unit in units), _from("", "orchestration"))
        | _from("mapping", *mapping)
        | _from("mcp_content", *content)
        | _from("mcp_http", "StreamableHttpApp")
        | _from("mcp_tools", "ToolRegistry", *(["Tool"] if mcp.tools else []))
        | _from(UPSTREAM, "UpstreamClient", "UpstreamError")
        | _when(units, _from(UPSTREAM, "UpstreamResponse"))
        | needs,
        type_checking=_from("mcp.server.lowlevel.server", "Server")
        | _from("starlette.types", "ASGIApp"),
    )


def _control_app(control: ControlModel, needs: Needs) -> ModuleImports:
    control_names = ["AdapterState", "AdapterStates"]
    control_names += ["status_route"] if control.info else []
    return module_imports(
        _FUTURE
        | _when(control.info, _from("typing", "Final"))
        | _from("starlette.applications", "Starlette")
        | _when(control.info, _from("", "__version__"))
        | _from("control", *control_names)
        | _from("ops", "UpstreamProbe", "ops_app", "ops_routes")
        | _when(control.scripting, _from("control", "scripting_route"))
        | _when(control.scripting, _from("scripting", "ScriptingControl"))
        | _when(control.scripting, _from("settings", "SCRIPTING"))
        | _from(UPSTREAM, "UpstreamClient")
        | needs
    )


@dataclass(frozen=True)
class CodeNeeds:
    """What the code the builder made for each module needs."""

    operations: Needs
    orchestration: Needs
    rest_app: Needs
    mcp_server: Needs
    control_app: Needs


def package_imports(facts: PackageFacts, needs: CodeNeeds) -> ImportsModel:
    """The import block of every generated module that has conditional imports."""
    return ImportsModel(
        cli=_cli(facts),
        settings=_settings(facts),
        upstream=_upstream(facts),
        operations=_operations(facts, needs.operations),
        orchestration=_orchestration(needs.orchestration),
        rest_app=_rest_app(facts.rest, facts, needs.rest_app) if facts.rest else EMPTY,
        mcp_server=_mcp_server(facts.mcp, facts, needs.mcp_server) if facts.mcp else EMPTY,
        control_app=_control_app(facts.control, needs.control_app) if facts.control else EMPTY,
        asgi=_asgi(facts),
    )
