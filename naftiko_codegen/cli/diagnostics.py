"""`naftiko-gen diagnostics [CODE] [--markdown]`: the catalogue of diagnostic codes."""

from __future__ import annotations

import difflib

import click

from ..diagnostics import CATALOGUE
from ..diagnostics_docs import render_diagnostic_entry, render_diagnostics_reference

__all__ = ["diagnostics_command"]

_EPILOG_DIAGNOSTICS = """\b
Examples:
  naftiko-gen diagnostics                  # every code, its severity and title
  naftiko-gen diagnostics NAF204           # what it means, an example, how to fix it
  naftiko-gen diagnostics --markdown > docs/diagnostics.md
"""


@click.command("diagnostics", epilog=_EPILOG_DIAGNOSTICS)
@click.argument("code", required=False)
@click.option(
    "--markdown",
    is_flag=True,
    help="Print the whole catalogue as Markdown (docs/diagnostics.md).",
)
def diagnostics_command(code: str | None, markdown: bool) -> None:
    """List every diagnostic code (NAF1xx-NAF4xx), or explain CODE.

    Each code has a severity, a title, what it means, an example message and how to fix it;
    error messages link to the same entry in docs/diagnostics.md.
    """
    if markdown and code:
        raise click.UsageError("--markdown prints every code; leave CODE out")
    if markdown:
        click.echo(render_diagnostics_reference(), nl=False)
        return
    if code is None:
        for listed in CATALOGUE.values():
            click.echo(f"{listed.code}  {listed.severity.value:<7}  {listed.title}")
        return
    entry = CATALOGUE.get(code.upper())
    if entry is None:
        close = difflib.get_close_matches(code.upper(), list(CATALOGUE), n=3, cutoff=0.8)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise click.BadParameter(
            f"no diagnostic code {code!r}{hint}; see `naftiko-gen diagnostics`",
            param_hint="CODE",
        )
    click.echo(render_diagnostic_entry(entry, level=1) + f"See: {entry.url}")
