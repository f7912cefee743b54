"""CLI output: diagnostics, failures and internal errors → stderr, as every command prints them.

With the rest of the `cli` package, the only code that prints or exits. Exit codes: 0 success,
1 invalid spec, stale or refused output, 2 usage error, 70 internal error (a naftiko-gen bug;
EX_SOFTWARE), which prints one line per spec and its traceback only under `--debug`.

Text output groups a file's catalog-dialect deviations (`DIALECT_CODES` of `validate.dialect`,
and NAF325's doubled base path, all read the way the catalog means them) into one line unless
`--verbose`; warnings that mean a behaviour difference stay one per line. Report formats
(`--format json|sarif|github`) are complete and never grouped (`report.py`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from ..diagnostics import Diagnostic, DiagnosticError, Severity, format_diagnostic
from ..selection import SpecSelection
from ..validate.dialect import DIALECT_CODES

__all__ = [
    "DEBUG_OPTION",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "debugging",
    "echo_crash",
    "echo_diagnostics",
    "echo_selection",
    "fail",
]

EXIT_FAILED = 1
"""Invalid spec, stale or refused output."""
EXIT_INTERNAL = 70
"""An internal error: a bug in naftiko-gen (sysexits' EX_SOFTWARE)."""

_DEBUG_KEY = "naftiko_gen.debug"

GROUPED_CODES = frozenset({*DIALECT_CODES, "NAF325"})
"""Warnings that only say the catalog dialect was read as meant: one line per file by default."""


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
    """Print errors in full; repeated warnings of one code once, with where the others are.

    Catalog-dialect deviations are one summary line per file unless `verbose`.
    """
    repeats: dict[tuple[str, str], list[Diagnostic]] = {}
    dialect: dict[str, list[Diagnostic]] = {}
    grouped_ids: set[int] = set()
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.ERROR:
            continue
        if not verbose and diagnostic.code in GROUPED_CODES:
            dialect.setdefault(diagnostic.location.file, []).append(diagnostic)
            grouped_ids.add(id(diagnostic))
            continue
        repeats.setdefault((diagnostic.location.file, diagnostic.code), []).append(diagnostic)
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.ERROR:
            click.echo(format_diagnostic(diagnostic), err=True)
            continue
        if quiet:
            continue
        if id(diagnostic) in grouped_ids:
            grouped = dialect[diagnostic.location.file]
            if diagnostic is grouped[0]:
                _echo_dialect(diagnostic.location.file, grouped)
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


def _echo_dialect(file: str, group: Sequence[Diagnostic]) -> None:
    codes = sorted({d.code for d in group})
    click.echo(
        f"{file}: {len(group)} catalog-dialect deviation{'s' * (len(group) != 1)} accepted "
        f"({', '.join(codes)}; --verbose lists them)",
        err=True,
    )


def echo_selection(selection: SpecSelection, *, quiet: bool, shared_ok: bool = False) -> bool:
    """Print the notes of reading the command line's paths (a file named twice, a document set
    apart); print NAF121 and return False when there is nothing to handle (with `shared_ok`,
    shared-consumes documents alone are something)."""
    if not quiet:
        for note in selection.notes:
            click.echo(format_diagnostic(note), err=True)
    if selection.nothing is None or (
        shared_ok and any(kind == "consumes" for _, _, kind in selection.shared)
    ):
        return True
    click.echo(format_diagnostic(selection.nothing), err=True)
    return False


def fail(error: DiagnosticError) -> NoReturn:
    """Print every finding of `error` and exit 1."""
    for diagnostic in error.diagnostics:
        click.echo(format_diagnostic(diagnostic), err=True)
    sys.exit(1)
