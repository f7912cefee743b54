"""Template customisation: user template folders layered over the built-in templates.

A user folder (`--templates DIR`, or `templates = "DIR"` under `[tool.naftiko-gen]`) can

- override a built-in template by giving a file the same relative path;
- extend one: `{% extends "builtin:README.md.jinja" %}` (or `{% include %}`) always reaches the
  built-in file, even from a template that overrides it;
- add output files: any other `*.jinja` outside `_`-prefixed folders is rendered to the same
  relative path without `.jinja`, a path segment `package` becoming the import name;
- replace a runtime module (listed as `runtime:mcp_http.py`): a template at the module's path
  (`src/package/mcp_http.py.jinja`, what `templates eject` writes) is rendered instead of the
  copy. Runtime modules are plain Python, so they cannot be extended with `builtin:`.

Rendering is pure; reading the folders is the only I/O (done by Jinja's loaders).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path

import jinja2

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .model import CapabilityModel
from .package_data import runtime_dir, templates_dir
from .render import RENDER_PLAN, RUNTIME_PREFIX, create_environment

__all__ = [
    "BUILTIN_PREFIX",
    "builtin_source",
    "builtin_templates",
    "create_user_environment",
    "ejected_template",
    "extra_templates",
    "override_name",
    "render_extra_files",
    "templates_digest",
]

BUILTIN_PREFIX = "builtin:"
"""Template names starting with this always load the built-in template."""


def _templates_in(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*.jinja")
        if p.is_file() and "__pycache__" not in p.parts
    )


def builtin_templates() -> list[str]:
    """Every built-in template, by the name `--templates` folders override it with, then every
    runtime module, as `runtime:<module>.py` (see `override_name`)."""
    return [*_templates_in(templates_dir()), *sorted(_runtime_overrides())]


def _runtime_overrides() -> dict[str, str]:
    """`runtime:<module>.py` -> the user template name that replaces that module."""
    return {p.template: p.user_template for p in RENDER_PLAN if p.verbatim}


def override_name(name: str) -> str:
    """Where, in a `--templates` folder, a template replacing built-in `name` goes."""
    return _runtime_overrides().get(name, name)


def builtin_source(name: str) -> Path:
    """The file behind a name `builtin_templates` lists: a template or a runtime module."""
    if name.startswith(RUNTIME_PREFIX):
        return runtime_dir() / name.removeprefix(RUNTIME_PREFIX)
    return templates_dir() / name


def ejected_template(name: str) -> str:
    """The text of a user template that reproduces built-in `name`, ready to edit.

    A template is its own text. A runtime module becomes a template rendering to exactly the
    module: a Jinja comment on top says what it is, and a `raw` block keeps any `{{`, `{%` or
    `{#` in the Python from being read as Jinja.
    """
    text = builtin_source(name).read_text(encoding="utf-8")
    if not name.startswith(RUNTIME_PREFIX):
        return text
    header = (
        f"{{# naftiko-gen runtime module {name.removeprefix(RUNTIME_PREFIX)}, as a template: "
        "rendered with `model`, then formatted, instead of the copy. #}\n"
    )
    if any(mark in text for mark in ("{{", "{%", "{#")):
        return header + "{% raw -%}\n" + text + "{% endraw %}\n"
    return header + text


def create_user_environment(search_path: Sequence[Path] = ()) -> jinja2.Environment:
    """The standard environment with user folders first and a `builtin:` prefix for ours.

    Environments are shared per search path, so each template compiles once per process
    (Jinja still reloads a template whose file changed).
    """
    return _cached_environment(tuple(Path(p).resolve() for p in search_path))


@functools.lru_cache(maxsize=16)
def _cached_environment(search_path: tuple[Path, ...]) -> jinja2.Environment:
    environment = create_environment()
    builtin = jinja2.FileSystemLoader(templates_dir())
    environment.loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({BUILTIN_PREFIX[:-1]: builtin}, delimiter=":"),
            jinja2.FileSystemLoader([str(p) for p in search_path]),
            builtin,
        ]
    )
    return environment


def extra_templates(search_path: Sequence[Path]) -> list[str]:
    """User templates that shadow no built-in one: each becomes an extra output file."""
    builtins = {*builtin_templates(), *_runtime_overrides().values()}
    extras: set[str] = set()
    for folder in search_path:
        for name in _templates_in(folder):
            parts = name.split("/")
            if name in builtins or any(part.startswith("_") for part in parts):
                continue
            extras.add(name)
    return sorted(extras)


def _output_path(template: str, package: str) -> str:
    parts = template.removesuffix(".jinja").split("/")
    return "/".join(package if part == "package" else part for part in parts)


def render_extra_files(
    model: CapabilityModel, environment: jinja2.Environment, templates: Sequence[str]
) -> dict[str, str]:
    """Render the user's extra templates; a template error names the file and line (NAF401)."""
    planned = {p.output.format(package=model.package) for p in RENDER_PLAN}
    files: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for template in templates:
        output = _output_path(template, str(model.package))
        if output in planned:
            problems.append(
                Diagnostic(
                    Location(template),
                    "NAF403",
                    Severity.ERROR,
                    f"custom template {template!r} would replace the generated file {output!r}",
                    "name the template after the built-in one to override it instead",
                )
            )
            continue
        try:
            files[output] = environment.get_template(template).render(model=model)
        except (jinja2.TemplateError, TypeError) as error:
            problems.append(_template_problem(template, environment, error))
    if problems:
        raise DiagnosticError(problems)
    return files


def _template_problem(
    template: str, environment: jinja2.Environment, error: Exception
) -> Diagnostic:
    line = int(getattr(error, "lineno", None) or 0)
    name = str(getattr(error, "filename", None) or "")
    trace = error.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if code.co_filename.endswith(".jinja"):
            name, line = code.co_filename, trace.tb_lineno
        trace = trace.tb_next
    if not name:
        try:
            source = environment.loader.get_source(environment, template)  # type: ignore[union-attr]
            name = source[1] or template
        except jinja2.TemplateNotFound:
            name = template
    return Diagnostic(
        Location(name, line, 1 if line else 0),
        "NAF401",
        Severity.ERROR,
        f"template error: {error}",
        "fix the template (a custom one, if you passed --templates)",
    )


def templates_digest(search_path: Sequence[Path] = ()) -> str:
    """A hash of every template a build can use (user folders first, then the built-ins)."""
    digest = hashlib.sha256()
    for label, folder in [
        *((f"user{i}", Path(p)) for i, p in enumerate(search_path)),
        ("builtin", templates_dir()),
        ("runtime", runtime_dir()),  # copied into packages: a change there is a change of ours
    ]:
        for name in sorted(
            p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
        ):
            if "__pycache__" in name:
                continue
            digest.update(f"{label}/{name}\0".encode())
            digest.update((folder / name).read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
