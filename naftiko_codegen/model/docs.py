"""Template context reference: the model's dataclasses → `docs/template-context.md` (Markdown).

Read from the modules' source (class docstrings, field annotations, attribute docstrings), so
the page cannot drift from the code; a test compares it with the committed file.
"""

from __future__ import annotations

import ast
import inspect
from types import ModuleType

from . import (
    CONTEXT_VERSION,
    apis,
    auth,
    calls,
    capability,
    control,
    deploy,
    imports,
    mcp,
    operations,
    rest,
    skills,
    test_plan,
    units,
    workflows,
)
from . import __all__ as _CONTEXT_NAMES

__all__ = ["render_context_reference"]

# The modules holding template context types, in the order the page documents them.
_MODULES: tuple[ModuleType, ...] = (
    capability,
    apis,
    operations,
    calls,
    workflows,
    units,
    rest,
    auth,
    mcp,
    control,
    skills,
    deploy,
    imports,
    test_plan,
)


def _fields(node: ast.ClassDef) -> list[tuple[str, str, str]]:
    fields: list[tuple[str, str, str]] = []
    body = node.body
    for index, statement in enumerate(body):
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        doc = ""
        following = body[index + 1] if index + 1 < len(body) else None
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            doc = inspect.cleandoc(following.value.value)
        fields.append((statement.target.id, ast.unparse(statement.annotation), doc))
    return fields


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _classes() -> list[ast.ClassDef]:
    """The template context's classes (those the package exports), module by module."""
    return [
        node
        for module in _MODULES
        for node in ast.parse(inspect.getsource(module)).body
        if isinstance(node, ast.ClassDef) and node.name in _CONTEXT_NAMES
    ]


def render_context_reference() -> str:
    """The Markdown reference of every template context class."""
    lines = [
        "# Template context reference",
        "",
        "<!-- Generated from naftiko_codegen/model/ by "
        "`naftiko-gen templates context > docs/template-context.md`; do not edit. -->",
        "",
        "Every template is rendered with one variable, `model`, a `CapabilityModel`. "
        f"This page documents context version {CONTEXT_VERSION} "
        "(`model.context_version`); custom templates may rely on every field below.",
        "",
        "Values marked `PythonIdentifier` are safe identifiers (use `| ident`), `PythonCode` "
        "are model-built expressions (use `| code`); any other text from the spec must go "
        "through a quoting filter (`py`, `doc`, `md`, `toml`…).",
        "",
    ]
    for node in _classes():
        lines += [f"## `{node.name}`", ""]
        doc = ast.get_docstring(node)
        if doc:
            lines += [doc, ""]
        lines += ["| Field | Type | Description |", "|---|---|---|"]
        for name, annotation, field_doc in _fields(node):
            lines.append(f"| `{name}` | `{_cell(annotation)}` | {_cell(field_doc)} |")
        lines.append("")
    return "\n".join(lines)
