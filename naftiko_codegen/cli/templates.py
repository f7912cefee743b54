"""`naftiko-gen templates list|show|eject|context`: the built-in templates and their context."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..customise import builtin_source, builtin_templates, ejected_template, override_name
from ..model.docs import render_context_reference

__all__ = ["templates_group"]

_EPILOG_TEMPLATES = """\b
Examples:
  naftiko-gen templates list
  naftiko-gen templates show README.md.jinja
  naftiko-gen templates eject README.md.jinja --dir my-templates/
  naftiko-gen templates context > docs/template-context.md
"""


@click.group("templates", epilog=_EPILOG_TEMPLATES)
def templates_group() -> None:
    """List, show or copy the built-in templates, and print the template context reference."""


def _builtin_path(name: str) -> Path:
    if name not in builtin_templates():
        close = [t for t in builtin_templates() if name in t]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise click.BadParameter(
            f"no built-in template {name!r}{hint}; see `naftiko-gen templates list`",
            param_hint="NAME",
        )
    return builtin_source(name)


@templates_group.command("list")
def templates_list() -> None:
    """Print the name of every built-in template (the path to override it under --templates)."""
    for name in builtin_templates():
        click.echo(name)


@templates_group.command("show")
@click.argument("name")
def templates_show(name: str) -> None:
    """Print the built-in template NAME."""
    click.echo(_builtin_path(name).read_text(encoding="utf-8"), nl=False)


@templates_group.command("eject")
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("naftiko-templates"),
    show_default=True,
    help="Your templates folder (pass it to --templates).",
)
@click.option("--force", is_flag=True, help="Overwrite a template already in the folder.")
def templates_eject(name: str, folder: Path, force: bool) -> None:
    """Copy the built-in template NAME into your folder, ready to edit (a runtime module
    `runtime:<module>.py` becomes the template that replaces it)."""
    _builtin_path(name)
    target = folder / override_name(name)
    if target.exists() and not force:
        click.echo(f"{target} already exists; pass --force to overwrite it", err=True)
        sys.exit(1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(ejected_template(name), encoding="utf-8")
    click.echo(f"copied {name} to {target}; build with --templates {folder}", err=True)


@templates_group.command("context")
def templates_context() -> None:
    """Print the template context reference (docs/template-context.md) as Markdown."""
    click.echo(render_context_reference(), nl=False)
