"""CLI options shared by several commands, and the defaults they read from pyproject.toml."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..config import find_config
from ..diagnostics import DiagnosticError
from .output import fail

__all__ = ["DERIVE_OPTION", "TEMPLATES_OPTION", "derive_setting", "template_dirs"]

TEMPLATES_OPTION = click.option(
    "--templates",
    "templates",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of templates layered over the built-in ones (repeatable; default: "
    "`templates` under [tool.naftiko-gen] in the nearest pyproject.toml).",
)
"""`--templates DIR` (repeatable), for every command that renders a package."""


def template_dirs(given: Sequence[Path]) -> tuple[Path, ...]:
    """`--templates` when given, else `templates` from `[tool.naftiko-gen]` in pyproject.toml."""
    if given:
        return tuple(given)
    try:
        return find_config(Path.cwd()).templates
    except DiagnosticError as error:
        fail(error)


DERIVE_OPTION = click.option(
    "--derive/--no-derive",
    "derive",
    default=None,
    help="Serve a capability that exposes nothing through an MCP server and a REST "
    "pass-through derived from its consumed operations (default: on, or `derive` under "
    "[tool.naftiko-gen]); --no-derive refuses such a file (NAF302).",
)
"""`--derive/--no-derive`, for every command that resolves a capability."""


def derive_setting(given: bool | None) -> bool:
    """`--derive`/`--no-derive` when given, else `derive` from `[tool.naftiko-gen]` (true)."""
    if given is not None:
        return given
    try:
        return find_config(Path.cwd()).derive
    except DiagnosticError as error:
        fail(error)
