"""Command line: `naftiko-gen build` and `naftiko-gen validate`. The only module that prints or exits.

Exit codes: 0 success, 1 invalid spec (or refused output), 2 usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from . import __version__
from .diagnostics import (
    Diagnostic,
    DiagnosticError,
    Severity,
    format_diagnostic,
    format_summary,
    has_errors,
)
from .pipeline import check_spec, generate
from .write import write_package

__all__ = ["main"]

_EPILOG_BUILD = """\b
Examples:
  naftiko-gen build rest-sessions.yaml -o out/
      writes out/rest-sessions/, a pip-installable package
  naftiko-gen build specs/ -o out/
      builds every *.yaml / *.yml under specs/
"""


def _spec_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def _echo_diagnostics(
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="naftiko-gen")
def cli() -> None:
    """Generate standalone FastAPI + MCP server packages from Naftiko capability files."""


@cli.command(epilog=_EPILOG_BUILD)
@click.argument("specs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into; each spec becomes OUTPUT/<name>/.",
)
@click.option("--name", help="Package name (default: the spec file's name). One spec only.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--force", is_flag=True, help="Overwrite generated files that were edited by hand.")
@click.option(
    "--templates",
    "templates",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of templates that override the built-in ones (repeatable).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, even repeated ones.")
def build(
    specs: tuple[Path, ...],
    output: Path,
    name: str | None,
    strict: bool,
    force: bool,
    templates: tuple[Path, ...],
    quiet: bool,
    verbose: bool,
) -> None:
    """Check SPECS and write one adapter package for each.

    Nothing is written for a spec with errors. Existing output is updated in place, but only
    files naftiko-gen generated and nobody edited are ever overwritten.
    """
    files = _spec_files(specs)
    if name and len(files) > 1:
        raise click.UsageError("--name works with a single spec only")
    failed = 0
    for spec in files:
        try:
            package = generate(spec, name=name, templates=templates, strict=strict)
            target = output / package.slug
            report = write_package(target, package.files, source=spec.name, force=force)
        except DiagnosticError as error:
            failed += 1
            _echo_diagnostics(error.diagnostics, quiet=quiet, verbose=verbose)
            click.echo(f"{spec}: not built ({format_summary(error.diagnostics)})", err=True)
            continue
        _echo_diagnostics(package.diagnostics, quiet=quiet, verbose=verbose)
        changed = len(report.created) + len(report.updated) + len(report.removed)
        state = f"{changed} file(s) written" if report.changed else "up to date"
        if not quiet:
            click.echo(
                f"{spec}: built {target} ({state}; {format_summary(package.diagnostics)})",
                err=True,
            )
    if failed:
        click.echo(f"{failed} of {len(files)} spec(s) failed", err=True)
        sys.exit(1)


@cli.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, even repeated ones.")
def validate(specs: tuple[Path, ...], strict: bool, quiet: bool, verbose: bool) -> None:
    """Check SPECS (schema, references, dialect) without generating anything."""
    failed = False
    for spec in _spec_files(specs):
        findings = check_spec(spec)
        _echo_diagnostics(findings, quiet=quiet, verbose=verbose)
        if has_errors(findings, strict=strict):
            failed = True
        if not quiet:
            click.echo(f"{spec}: {format_summary(findings)}", err=True)
    if failed:
        sys.exit(1)


def main() -> None:
    """Entry point of the `naftiko-gen` console script."""
    cli(prog_name="naftiko-gen")
