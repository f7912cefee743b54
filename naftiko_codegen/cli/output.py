"""CLI output: diagnostics, failures and internal errors → stderr, as every command prints them.

With the rest of the `cli` package, the only code that prints or exits. Exit codes: 0 success,
1 invalid spec, stale or refused output, 2 usage error, 70 internal error (a naftiko-gen bug;
EX_SOFTWARE), which prints one line per spec and its traceback only under `--debug`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from ..diagnostics import Diagnostic, DiagnosticError, Severity, format_diagnostic

__all__ = [
    "DEBUG_OPTION",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "debugging",
    "echo_crash",
    "echo_diagnostics",
    "fail",
]

EXIT_FAILED = 1
"""Invalid spec, stale or refused output."""
EXIT_INTERNAL = 70
"""An internal error: a bug in naftiko-gen (sysexits' EX_SOFTWARE)."""

_DEBUG_KEY = "naftiko_gen.debug"


def _set_debug(context: click.Context, _parameter: Any, value: bool) -> None:
    if value:
        context.find_root().meta[_DEBUG_KEY] = True


DEBUG_OPTION = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Print the traceback of an internal error (also NAFTIKO_GEN_DEBUG=1).",
)
"""`--debug`, accepted by the main command and by build, check and validate."""


def debugging() -> bool:
    """Whether `--debug` was given (anywhere on the command line) or NAFTIKO_GEN_DEBUG is set."""
    context = click.get_current_context(silent=True)
    given = context is not None and bool(context.find_root().meta.get(_DEBUG_KEY))
    return given or os.environ.get("NAFTIKO_GEN_DEBUG", "") not in ("", "0")


def echo_crash(label: str, traceback_text: str) -> None:
    """One line for an internal error while handling `label`; the traceback under --debug."""
    lines = [line for line in traceback_text.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "unknown error"
    if debugging():
        click.echo(traceback_text.rstrip(), err=True)
    click.echo(
        f"{label}: internal error: {last[:300]} (this is a bug, rerun with --debug for the "
        "traceback and report it)",
        err=True,
    )


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
