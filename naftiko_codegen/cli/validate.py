"""`naftiko-gen validate`: check specs without generating; print findings as text or a report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..diagnostics import Diagnostic, format_summary, has_errors
from ..pipeline import check_shared, check_spec, crash_text
from ..report import REPORT_FORMATS, render_report
from ..selection import select_specs
from .options import DERIVE_OPTION, derive_setting
from .output import (
    DEBUG_OPTION,
    EXIT_FAILED,
    EXIT_INTERNAL,
    echo_crash,
    echo_diagnostics,
    echo_selection,
)

__all__ = ["validate_command"]

_EPILOG_VALIDATE = """\b
Examples:
  naftiko-gen validate rest-sessions.yaml
  naftiko-gen validate specs/ --strict --format github    # annotations in GitHub Actions
  naftiko-gen validate specs/ --format sarif > naftiko.sarif

Exit codes: 0 valid; 1 a spec has errors (or warnings, with --strict);
2 usage error; 70 internal error (a bug; the traceback with --debug).
"""


@click.command("validate", epilog=_EPILOG_VALIDATE)
@click.argument("specs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="text (stderr) for people; json, sarif or github (stdout) for tools.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--all-rules", is_flag=True, help="Also run the lint rules that are off by default.")
@DERIVE_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Print every warning, even repeated or dialect ones."
)
@DEBUG_OPTION
def validate_command(
    specs: tuple[Path, ...],
    fmt: str,
    strict: bool,
    all_rules: bool,
    derive: bool | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check SPECS without generating anything: schema, semantics and lint rules, in one run.

    Every finding has a file:line:col, a code (NAF1xx load, NAF2xx schema, NAF3xx semantic and
    lint), a severity, a message and a hint. Exit 1 on any error (or warning, with --strict).
    In a folder, a shared-consumes document that a capability imports is checked as such.
    """
    failed = crashed = False
    results: dict[str, tuple[Diagnostic, ...]] = {}
    selection = select_specs(specs)
    if not echo_selection(selection, quiet=quiet or fmt != "text", shared_ok=True):
        if fmt != "text":
            click.echo(render_report({}, fmt), nl=False)
        sys.exit(EXIT_FAILED)
    deriving = derive_setting(derive)
    shared = {path: kind for path, _, kind in selection.shared}
    checked = [*selection.specs, *(p for p, kind in shared.items() if kind == "consumes")]
    for spec in checked:
        try:
            findings = (
                check_shared(spec, all_rules=all_rules)
                if spec in shared
                else check_spec(spec, all_rules=all_rules, derive=deriving)
            )
        except Exception:  # a bug: one line (traceback under --debug); the other specs go on
            echo_crash(str(spec), crash_text())
            crashed = True
            continue
        results[str(spec)] = findings
        failed = failed or has_errors(findings, strict=strict)
        if fmt != "text":
            continue
        echo_diagnostics(findings, quiet=quiet, verbose=verbose or strict)
        if not quiet:
            click.echo(f"{spec}: {format_summary(findings)}", err=True)
    if fmt != "text":
        # The notes of reading the paths (NAF122, NAF123) belong to the report too.
        for note in selection.notes:
            results[note.location.file] = (note, *results.get(note.location.file, ()))
        click.echo(render_report(results, fmt), nl=False)
    if crashed:
        sys.exit(EXIT_INTERNAL)
    if failed:
        sys.exit(EXIT_FAILED)
