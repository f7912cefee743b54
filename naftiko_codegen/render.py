"""Stage 5, render: the model → `{relative path: text}` through the Jinja templates.

`RENDER_PLAN` below is the complete list of what a package contains. Spec text reaches a
template only through the filters defined here (see `tests/test_conventions.py`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .model import CapabilityModel
from .names import PythonCode, PythonIdentifier, docstring_text, py_literal
from .package_data import runtime_dir, templates_dir

__all__ = [
    "FILTERS",
    "RENDER_PLAN",
    "RUNTIME_PREFIX",
    "PlannedFile",
    "create_environment",
    "planned_files",
    "render_package",
    "verbatim_outputs",
]


MCP_FILES = "mcp_files"
"""The package folder of the MCP adapter's static files (`runtime/mcp_content.py` reads it)."""

RUNTIME_PREFIX = "runtime:"
"""A plan entry whose template starts with this is a runtime module copied verbatim."""


@dataclass(frozen=True)
class PlannedFile:
    """One output file: its source, its path in the package, and when it is generated.

    The source is a template path, or `runtime:<module>.py`: a file of `naftiko_codegen/runtime/`
    that is the same in every package, copied as is (checked and tested like the generator);
    `runtime:tests/<module>.py` is a test helper, copied into the package's `tests/`.
    """

    template: str
    output: str
    """Output path; `{package}` stands for the import name."""
    when: Callable[[CapabilityModel], bool] = lambda model: True

    @property
    def verbatim(self) -> bool:
        """Whether this file is runtime code copied as is rather than rendered."""
        return self.template.startswith(RUNTIME_PREFIX)

    @property
    def user_template(self) -> str:
        """The template name that, in a `--templates` folder, replaces this file.

        A built-in template's own name; for a runtime module, the name its template would have
        (`src/package/mcp_http.py.jinja`): that user template is rendered (and formatted) instead.
        """
        if not self.verbatim:
            return self.template
        return self.output.replace("{package}", "package") + ".jinja"


RENDER_PLAN: tuple[PlannedFile, ...] = (
    PlannedFile("pyproject.toml.jinja", "pyproject.toml"),
    PlannedFile("README.md.jinja", "README.md"),
    PlannedFile("src/package/__init__.py.jinja", "src/{package}/__init__.py"),
    PlannedFile("src/package/__main__.py.jinja", "src/{package}/__main__.py"),
    PlannedFile("src/package/py.typed.jinja", "src/{package}/py.typed"),
    PlannedFile("src/package/cli.py.jinja", "src/{package}/cli.py"),
    PlannedFile("src/package/asgi.py.jinja", "src/{package}/asgi.py"),
    PlannedFile("runtime:serving.py", "src/{package}/serving.py"),
    PlannedFile("runtime:exposure.py", "src/{package}/exposure.py"),
    PlannedFile("runtime:connections.py", "src/{package}/connections.py"),
    PlannedFile("runtime:logs.py", "src/{package}/logs.py"),
    PlannedFile("runtime:tracing.py", "src/{package}/tracing.py"),
    PlannedFile("src/package/settings.py.jinja", "src/{package}/settings.py"),
    PlannedFile("runtime:environment.py", "src/{package}/environment.py"),
    PlannedFile(
        "runtime:bind_files.py",
        "src/{package}/bind_files.py",
        lambda model: model.uses_file_secrets,
    ),
    PlannedFile("src/package/upstream.py.jinja", "src/{package}/upstream.py"),
    PlannedFile("runtime:http_client.py", "src/{package}/http_client.py"),
    PlannedFile("runtime:upstream_request.py", "src/{package}/upstream_request.py"),
    PlannedFile("runtime:masking.py", "src/{package}/masking.py"),
    PlannedFile("runtime:resilience.py", "src/{package}/resilience.py"),
    PlannedFile("src/package/operations.py.jinja", "src/{package}/operations.py"),
    PlannedFile(
        "runtime:mapping.py",
        "src/{package}/mapping.py",
        # Output shapes, mocks and steps map answers; a JSONPath body input reads the body.
        lambda model: model.uses_output_mapping
        or any(route.body_paths for route in (model.rest.routes if model.rest else ())),
    ),
    PlannedFile(
        "src/package/orchestration.py.jinja",
        "src/{package}/orchestration.py",
        lambda model: bool(model.workflows),
    ),
    PlannedFile("runtime:steps.py", "src/{package}/steps.py", lambda model: bool(model.workflows)),
    PlannedFile(
        "runtime:scripts.py", "src/{package}/scripts.py", lambda model: bool(model.script_folders)
    ),
    PlannedFile(
        "runtime:scripting.py", "src/{package}/scripting.py", lambda model: bool(model.scripting)
    ),
    PlannedFile(
        "src/package/rest_app.py.jinja", "src/{package}/rest_app.py", lambda m: m.rest is not None
    ),
    PlannedFile(
        "runtime:rest_support.py", "src/{package}/rest_support.py", lambda m: m.rest is not None
    ),
    PlannedFile("runtime:api_docs.py", "src/{package}/api_docs.py", lambda m: m.rest is not None),
    PlannedFile(
        "src/package/mcp_server.py.jinja",
        "src/{package}/mcp_server.py",
        lambda model: model.mcp is not None,
    ),
    PlannedFile(
        "runtime:mcp_http.py",
        "src/{package}/mcp_http.py",
        lambda model: model.mcp is not None,
    ),
    PlannedFile(
        "runtime:mcp_jsonrpc.py",
        "src/{package}/mcp_jsonrpc.py",
        lambda model: model.mcp is not None,
    ),
    PlannedFile(
        "runtime:mcp_tools.py",
        "src/{package}/mcp_tools.py",
        lambda model: model.mcp is not None,
    ),
    PlannedFile(
        "runtime:mcp_stdio.py",
        "src/{package}/mcp_stdio.py",
        lambda model: model.mcp is not None,
    ),
    PlannedFile(
        "runtime:mcp_content.py",
        "src/{package}/mcp_content.py",
        lambda model: model.mcp is not None and bool(model.mcp.resources or model.mcp.prompts),
    ),
    PlannedFile(
        "runtime:formats.py",
        "src/{package}/formats.py",
        lambda model: model.uses_raw_formats,
    ),
    PlannedFile(
        "runtime:document_formats.py",
        "src/{package}/document_formats.py",
        lambda model: bool({"html", "markdown"} & set(model.raw_formats)),
    ),
    PlannedFile(
        "runtime:binary_formats.py",
        "src/{package}/binary_formats.py",
        lambda model: bool({"avro", "protobuf"} & set(model.raw_formats)),
    ),
    PlannedFile(
        "runtime:proto_schema.py",
        "src/{package}/proto_schema.py",
        lambda model: "protobuf" in model.raw_formats,
    ),
    PlannedFile(
        "src/package/control_app.py.jinja",
        "src/{package}/control_app.py",
        lambda model: model.control is not None,
    ),
    PlannedFile("runtime:control.py", "src/{package}/control.py"),
    PlannedFile("runtime:ops.py", "src/{package}/ops.py"),
    PlannedFile("runtime:metrics.py", "src/{package}/metrics.py"),
    PlannedFile("runtime:trace_buffer.py", "src/{package}/trace_buffer.py"),
    PlannedFile("runtime:front_door.py", "src/{package}/front_door.py"),
    PlannedFile("runtime:upstream_hooks.py", "src/{package}/upstream_hooks.py"),
    PlannedFile("runtime:workers.py", "src/{package}/workers.py"),
    PlannedFile(
        "src/package/skill_app.py.jinja",
        "src/{package}/skill_app.py",
        lambda model: model.skills is not None,
    ),
    PlannedFile(
        "runtime:skills.py", "src/{package}/skills.py", lambda model: model.skills is not None
    ),
    PlannedFile(
        "runtime:inbound_auth.py",
        "src/{package}/inbound_auth.py",
        lambda model: model.uses_inbound_auth,
    ),
    PlannedFile(
        "runtime:oauth_client.py",
        "src/{package}/oauth_client.py",
        lambda model: any(api.auth_client for api in model.apis),
    ),
    PlannedFile(
        "runtime:multipart.py",
        "src/{package}/multipart.py",
        lambda model: any(op.body_kind == "multipart" for op in model.operations),
    ),
    PlannedFile("runtime:digest_auth.py", "src/{package}/digest_auth.py", lambda m: _digest(m)),
    PlannedFile(
        "runtime:jwt_keys.py", "src/{package}/jwt_keys.py", lambda model: bool(model.jwt_used_by)
    ),
    PlannedFile(
        "runtime:jwt_auth.py", "src/{package}/jwt_auth.py", lambda model: bool(model.jwt_used_by)
    ),
    PlannedFile(".env.example.jinja", ".env.example"),
    PlannedFile("Dockerfile.jinja", "Dockerfile"),
    PlannedFile("dockerignore.jinja", ".dockerignore"),
    *(
        PlannedFile(f"deploy/kubernetes/{name}.jinja", f"deploy/kubernetes/{name}")
        for name in (
            "kustomization.yaml",
            "configmap.yaml",
            "deployment.yaml",
            "service.yaml",
            "hpa.yaml",
            "pdb.yaml",
        )
    ),
    PlannedFile(
        "deploy/kubernetes/secret.example.yaml.jinja",
        "deploy/kubernetes/secret.example.yaml",
        lambda model: bool(model.deploy.secrets),
    ),
    PlannedFile("tests/conftest.py.jinja", "tests/conftest.py"),
    PlannedFile("runtime:tests/loopback.py", "tests/loopback.py"),
    PlannedFile("tests/support.py.jinja", "tests/support.py"),
    PlannedFile("tests/test_settings.py.jinja", "tests/test_settings.py"),
    PlannedFile("tests/test_rest.py.jinja", "tests/test_rest.py", lambda m: m.rest is not None),
    PlannedFile("tests/test_mcp.py.jinja", "tests/test_mcp.py", lambda m: m.mcp is not None),
    PlannedFile(
        "tests/test_mcp_http.py.jinja", "tests/test_mcp_http.py", lambda m: m.mcp is not None
    ),
    PlannedFile(
        "tests/test_control.py.jinja", "tests/test_control.py", lambda m: m.control is not None
    ),
    PlannedFile(
        "tests/test_skills.py.jinja", "tests/test_skills.py", lambda m: m.skills is not None
    ),
    PlannedFile("tests/test_ops.py.jinja", "tests/test_ops.py"),
)


def _digest(model: Any) -> bool:
    """Some adapter demands RFC 7616 digest answers of its callers."""
    return bool(model.digest_inbound)


# ----------------------------------------------------------------------------- filters


def _py(value: Any) -> str:
    """Any plain value as a Python literal (strings via `repr`)."""
    return py_literal(value)


def _py_set(values: Any) -> str:
    """A set literal with sorted members (stable output)."""
    members = sorted(set(values))
    return "{" + ", ".join(py_literal(m) for m in members) + "}" if members else "set()"


def _doc(value: Any, indent: int = 0) -> str:
    """Spec text made safe for a docstring, continuation lines indented."""
    text = docstring_text(str(value))
    if indent:
        text = text.replace("\n", "\n" + " " * indent)
        text = re.sub(r"\n +\n", "\n\n", text)
    return text


def _ident(value: Any) -> str:
    """A model-sanitised identifier; anything else is a bug in the model."""
    if not isinstance(value, PythonIdentifier):
        raise TypeError(f"`ident` expects a PythonIdentifier, got {type(value).__name__}")
    return str(value)


def _code(value: Any) -> str:
    """A model-built code fragment; anything else is a bug in the model."""
    if not isinstance(value, PythonCode):
        raise TypeError(f"`code` expects PythonCode, got {type(value).__name__}")
    return str(value)


def _toml(value: Any) -> str:
    """A TOML basic string (JSON string escaping is valid TOML; DEL must be escaped too)."""
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_comment(value: Any) -> str:
    return re.sub(r"[\r\n]+", " ", str(value))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _md(value: Any) -> str:
    """Spec text as inline Markdown: one line, markup characters escaped."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_code(value: Any) -> str:
    """Text inside a Markdown code span (backticks and pipes cannot break out)."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text.replace("`", "'").replace("|", "\\|")


def _md_fence(value: Any) -> str:
    """Text on a line of a fenced code block: one line, and no backtick can close the fence."""
    return re.sub(r"\s+", " ", str(value)).strip().replace("`", "'")


def _mermaid(value: Any) -> str:
    """Text inside a quoted Mermaid label."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return "".join(f"#{ord(ch)};" if ch in '"<>#&`[](){}|;' else ch for ch in text)


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _env_comment(value: Any) -> str:
    """Text on a comment line of a `.env` file: one line."""
    return re.sub(r"\s+", " ", str(value)).strip()


def _env_name(value: Any) -> str:
    """A variable name starting a `.env` line; a name no `.env` can hold becomes a comment."""
    name = str(value)
    if _ENV_NAME.fullmatch(name):
        return name
    return "# " + _env_comment(name) + " (not a name a .env file can set)\n#"


def _regex(value: Any) -> str:
    return re.escape(str(value))


def _json(value: Any) -> str:
    """Plain data as JSON, ASCII only: a Dockerfile's exec-form arrays and port numbers."""
    return json.dumps(value, ensure_ascii=True)


# Characters YAML refuses in a document (DEL, C1 controls, surrogates, U+FFFE/F) or folds as a
# line break inside a quoted scalar (NEL, U+2028/9); the BOM, which may start a stream.
_YAML_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _yaml(value: Any) -> str:
    """A YAML scalar: integers and booleans as such, anything else a double-quoted string.

    A JSON string is a valid YAML double-quoted scalar; the characters JSON leaves raw but YAML
    refuses or folds are escaped as `\\uXXXX` (not as surrogate pairs, which YAML reads apart).
    """
    if value is None or isinstance(value, bool | int):
        return json.dumps(value)
    text = json.dumps(str(value), ensure_ascii=False)
    return _YAML_ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


FILTERS: dict[str, Callable[..., str]] = {
    "py": _py,
    "py_set": _py_set,
    "doc": _doc,
    "ident": _ident,
    "code": _code,
    "toml": _toml,
    "toml_comment": _toml_comment,
    "md": _md,
    "md_code": _md_code,
    "md_fence": _md_fence,
    "mermaid": _mermaid,
    "env_name": _env_name,
    "env_comment": _env_comment,
    "regex": _regex,
    "json": _json,
    "yaml": _yaml,
}
"""Every filter a template may end a `{{ … }}` with; the convention test checks this list."""


def create_environment(search_path: Sequence[Path] = ()) -> jinja2.Environment:
    """The one Jinja environment: strict, whitespace-controlled, user templates first."""
    loader = jinja2.FileSystemLoader([*search_path, templates_dir()])
    environment = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters.update(FILTERS)
    return environment


def planned_files(model: CapabilityModel) -> list[tuple[PlannedFile, str]]:
    """The plan entries that apply to this model, with their output paths."""
    return [
        (planned, planned.output.format(package=model.package))
        for planned in RENDER_PLAN
        if planned.when(model)
    ]


def _copied(planned: PlannedFile, environment: jinja2.Environment) -> bool:
    """Whether `planned` is a runtime module copied as is: no user template replaces it."""
    if not planned.verbatim:
        return False
    assert environment.loader is not None  # `create_environment` always sets one
    try:
        environment.loader.get_source(environment, planned.user_template)
    except jinja2.TemplateNotFound:
        return True
    return False


@functools.cache
def _runtime_source(module: str) -> str:
    return (runtime_dir() / module).read_text(encoding="utf-8")


def verbatim_outputs(
    model: CapabilityModel, environment: jinja2.Environment | None = None
) -> frozenset[str]:
    """Output paths of the runtime modules copied as is (the format stage leaves them alone).

    A runtime module a user template replaces (see `PlannedFile.user_template`) is rendered,
    so it is formatted like any template's output.
    """
    env = environment or create_environment()
    copied = (output for planned, output in planned_files(model) if _copied(planned, env))
    return frozenset((*copied, *_data_files(model)))


def _data_files(model: CapabilityModel) -> dict[str, str]:
    """Data the spec names, shipped as is (never rendered, formatted or imported): schema files
    and the MCP adapter's static files, by their path in the package."""
    files = {f"src/{model.package}/schemas/{name}": text for name, text in model.schema_files}
    for path, text in model.mcp.files if model.mcp else ():
        files[f"src/{model.package}/{MCP_FILES}/{path}"] = text
    return files


def render_package(
    model: CapabilityModel, *, environment: jinja2.Environment | None = None
) -> dict[str, str]:
    """Render every planned file that applies to this model; copy its runtime modules."""
    env = environment or create_environment()
    files: dict[str, str] = {}
    for planned, output in planned_files(model):
        if _copied(planned, env):
            files[output] = _runtime_source(planned.template.removeprefix(RUNTIME_PREFIX))
            continue
        try:
            files[output] = env.get_template(planned.user_template).render(model=model)
        except (jinja2.TemplateError, TypeError) as error:
            raise DiagnosticError([_template_diagnostic(planned.user_template, error)]) from None
    files.update(_data_files(model))
    return files


def _template_diagnostic(template: str, error: Exception) -> Diagnostic:
    line = getattr(error, "lineno", None) or 0
    name = getattr(error, "filename", None) or template
    if not line:
        # A filter raised: find the template frame in the traceback for its line.
        trace = error.__traceback__
        while trace is not None:
            code = trace.tb_frame.f_code
            if code.co_filename.endswith(".jinja"):
                name, line = code.co_filename, trace.tb_lineno
            trace = trace.tb_next
    return Diagnostic(
        Location(str(name), int(line), 1 if line else 0),
        "NAF401",
        Severity.ERROR,
        f"template error: {error}",
        "fix the template (a custom one, if you passed --templates)",
    )
