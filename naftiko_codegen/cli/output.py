"""CLI output: diagnostics and failures → stderr, the way every command prints them.

With the rest of the `cli` package, the only code that prints or exits.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from ..diagnostics import Diagnostic, DiagnosticError, Severity, format_diagnostic

__all__ = ["echo_diagnostics", "fail"]


def echo_diagnostics(
    diagnostics: Sequence[Diagnostic], *, quiet: bool, verbose: bool = False
) -> None:
    """Print errors in full; repeated warnings of one code once, with where the others are."""
    repeats: dict[tuple[str, str], list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.severity is not Severity.ERROR:
            repeats.setdefault((diagnostic.location.file, diagnostic.code), []).append(diagnostic)
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.ERROR:
            click.echo(format_diagnostic(diagnostic), err=True)
            continue
        if quiet:
            continue
        group = repeats[(diagnostic.location.file, diagnostic.code)]
        if verbose or len(group) <= 2:
            click.echo(format_diagnostic(diagnostic), err=True)
        elif diagnostic is group[0]:
            click.echo(format_diagnostic(diagnostic), err=True)
            lines = ", ".join(str(d.location.line) for d in group[1:])
            click.echo(
                f"  note: {len(group) - 1} more {diagnostic.code} {diagnostic.severity.value}s "
                f"like this, on lines {lines} (--verbose shows each)",
                err=True,
            )


def fail(error: DiagnosticError) -> NoReturn:
    """Print every finding of `error` and exit 1."""
    for diagnostic in error.diagnostics:
        click.echo(format_diagnostic(diagnostic), err=True)
    sys.exit(1)
