"""`naftiko-gen build` and `naftiko-gen check`: parse the options, call the pipeline, print."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click

from ..diagnostics import Severity, format_summary
from ..pipeline import BuildOutcome, CheckOutcome, build_many, check_many
from ..selection import select_specs
from ..write import WriteReport
from .options import DERIVE_OPTION, TEMPLATES_OPTION, derive_setting, template_dirs
from .output import (
    DEBUG_OPTION,
    EXIT_FAILED,
    EXIT_INTERNAL,
    echo_crash,
    echo_diagnostics,
    echo_selection,
)

__all__ = ["build_command", "check_command"]

_EPILOG_BUILD = """\b
Examples:
  naftiko-gen build rest-sessions.yaml -o out/
      writes out/rest-sessions/, a pip-installable package
  naftiko-gen build specs/ -o out/ -j 0
      builds every *.yaml / *.yml under specs/, one process per CPU
  naftiko-gen build rest-sessions.yaml -o out/ --dry-run
      lists what would be created, updated or removed
  naftiko-gen build rest-sessions.yaml -o out/ --check
      exits 1 with a diff when out/rest-sessions/ is stale (for CI)
  naftiko-gen build spec.yaml -o out/ --templates my-templates/
      layers my-templates/*.jinja over the built-in templates

Exit codes: 0 built; 1 a spec is invalid or its output was refused (one
bad spec does not stop the others); 2 usage error; 70 internal error (a
bug: one line per spec, the traceback with --debug; the others still build).
Input limits (environment): NAFTIKO_GEN_MAX_SPEC_BYTES (8 MiB),
NAFTIKO_GEN_MAX_DEPTH (100), NAFTIKO_GEN_MAX_ALIAS_NODES (100000),
NAFTIKO_GEN_MAX_MANIFEST_BYTES (4 MiB), NAFTIKO_GEN_LOCK_WAIT (60 s).
"""

_EPILOG_CHECK = """\b
Examples:
  naftiko-gen check rest-sessions.yaml -o out/
      exits 1 and prints a diff when out/rest-sessions/ is not what the spec generates

Exit codes: 0 up to date; 1 stale, or a spec has errors; 2 usage error;
70 internal error (a bug; the traceback with --debug).
"""


def _echo_plan(report: WriteReport) -> None:
    for label, paths in (
        ("create", report.created),
        ("update", report.updated),
        ("remove", report.removed),
        ("create (yours from now on)", report.user_created),
        ("skip (.naftiko-gen-ignore)", report.ignored),
    ):
        for relative in paths:
            click.echo(f"  {label}: {report.target / relative}")


def _echo_outcome(outcome: BuildOutcome, *, quiet: bool, verbose: bool, dry_run: bool) -> None:
    if outcome.crash is not None:
        echo_crash(str(outcome.spec), outcome.crash)
        return
    if not outcome.ok:
        echo_diagnostics(outcome.diagnostics, quiet=quiet, verbose=verbose or _strict(outcome))
        click.echo(f"{outcome.spec}: not built ({format_summary(outcome.diagnostics)})", err=True)
        return
    report = outcome.report
    assert report is not None
    echo_diagnostics(outcome.diagnostics, quiet=quiet, verbose=verbose)
    if dry_run:
        _echo_plan(report)
    if quiet:
        return
    changed = len(report.created) + len(report.updated) + len(report.removed)
    if dry_run:
        state = f"{changed} file(s) would change" if report.changed else "up to date"
        verb = "would build"
    else:
        state = f"{changed} file(s) written" if report.changed else "up to date"
        verb = "built"
    click.echo(
        f"{outcome.spec}: {verb} {outcome.target} ({state}; "
        f"{format_summary(outcome.diagnostics)})",
        err=True,
    )


def _strict(outcome: BuildOutcome | CheckOutcome) -> bool:
    """Whether warnings alone failed this spec (--strict): then each is listed, none grouped."""
    return outcome.crash is None and not any(d.is_error for d in outcome.diagnostics)


def _interactive() -> bool:
    """Whether a person watches stderr (then several builds show a progress bar)."""
    return sys.stderr.isatty()


def _summary(outcomes: Sequence[BuildOutcome]) -> str:
    built = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    warnings = sum(1 for o in outcomes for d in o.diagnostics if d.severity is Severity.WARNING)
    codes = Counter(d.code for o in failed for d in o.diagnostics if d.is_error)
    crashed = sum(1 for o in outcomes if o.crash is not None)
    if crashed:
        codes["internal error"] = crashed
    text = f"{len(built)} built, {warnings} warning(s), {len(failed)} failed"
    if codes:
        text += " (" + ", ".join(f"{code}: {count}" for code, count in sorted(codes.items())) + ")"
    return text


def _build_all(
    files: Sequence[Path],
    output: Path,
    *,
    name: str | None,
    templates: tuple[Path, ...],
    strict: bool,
    force: bool,
    dry_run: bool,
    jobs: int,
    quiet: bool,
    verbose: bool,
    derive: bool,
) -> None:
    outcomes = build_many(
        files,
        output,
        jobs=jobs,
        name=name,
        templates=templates,
        strict=strict,
        force=force,
        dry_run=dry_run,
        derive=derive,
    )
    done: list[BuildOutcome] = []
    if len(files) > 1 and _interactive() and not quiet and not dry_run:
        # A bar while the builds run, then the outcomes in spec order (not finishing order).
        with click.progressbar(
            length=len(files), label="building", file=sys.stderr, show_pos=True
        ) as bar:
            for outcome in outcomes:
                done.append(outcome)
                bar.update(1)
        done.sort(key=lambda o: files.index(o.spec))
        for outcome in done:
            _echo_outcome(outcome, quiet=quiet, verbose=verbose, dry_run=dry_run)
    else:
        for outcome in outcomes:
            done.append(outcome)
            _echo_outcome(outcome, quiet=quiet, verbose=verbose, dry_run=dry_run)
    failed = sum(1 for o in done if not o.ok)
    if len(files) > 1:
        click.echo(_summary(done), err=True)
    elif failed:
        click.echo(f"{failed} of {len(files)} spec(s) failed", err=True)
    if any(o.crash is not None for o in done):
        sys.exit(EXIT_INTERNAL)
    if failed:
        sys.exit(EXIT_FAILED)


def _check_all(
    files: Sequence[Path],
    output: Path,
    *,
    name: str | None,
    templates: tuple[Path, ...],
    strict: bool,
    quiet: bool,
    verbose: bool,
    derive: bool,
) -> None:
    stale = crashed = 0
    rebuild: list[Path] = []
    edited = False
    checked = check_many(
        files, output, name=name, templates=templates, strict=strict, derive=derive
    )
    for outcome in checked:
        spec, report = outcome.spec, outcome.report
        if outcome.crash is not None:
            crashed += 1
            echo_crash(str(spec), outcome.crash)
            continue
        if report is None:
            stale += 1
            rebuild.append(spec)
            echo_diagnostics(outcome.diagnostics, quiet=quiet, verbose=verbose or _strict(outcome))
            click.echo(f"{spec}: cannot check ({format_summary(outcome.diagnostics)})", err=True)
            continue
        if not report.stale:
            if not quiet:
                click.echo(f"{spec}: {report.target} is up to date", err=True)
            continue
        stale += 1
        rebuild.append(spec)
        edited = edited or any(d.kind == "edited" for d in report.drifts)
        click.echo(f"{spec}: {report.target} is stale:", err=True)
        for drift in report.drifts:
            click.echo(f"  {drift.kind}: {drift.message}", err=True)
        if report.diff:
            click.echo(report.diff, nl=False)
    if stale:
        click.echo(
            f"{stale} of {len(files)} package(s) stale"
            + _rebuild_hint(rebuild, output, name, templates, derive, edited),
            err=True,
        )
    if crashed:
        sys.exit(EXIT_INTERNAL)
    if stale:
        sys.exit(EXIT_FAILED)


def _rebuild_hint(
    specs: Sequence[Path],
    output: Path,
    name: str | None,
    templates: tuple[Path, ...],
    derive: bool,
    edited: bool,
) -> str:
    """The build command that brings the stale packages up to date (it must not refuse)."""
    if not specs:
        return ""
    extra = "".join(f" --templates {t}" for t in templates)
    extra += f" --name {name}" if name else ""
    extra += "" if derive else " --no-derive"
    command = f"naftiko-gen build {' '.join(str(f) for f in specs)} -o {output}{extra}"
    if not edited:
        return f"; regenerate with: {command}"
    # The write stage refuses to overwrite a hand-edited file unless told to (`--force`).
    return (
        f"; regenerate with: {command} --force (this discards the hand edits; to keep an "
        "edited file, list it in the package's .naftiko-gen-ignore first)"
    )


@click.command("build", epilog=_EPILOG_BUILD)
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
@TEMPLATES_OPTION
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 with a diff when the output is stale (spec, generator, "
    "templates or hand edits).",
)
@click.option("--dry-run", is_flag=True, help="Write nothing; list what would change.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Build this many specs at once, in separate processes (0: one per CPU).",
)
@DERIVE_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Print every warning, even repeated or dialect ones."
)
@DEBUG_OPTION
def build_command(
    specs: tuple[Path, ...],
    output: Path,
    name: str | None,
    strict: bool,
    force: bool,
    templates: tuple[Path, ...],
    check: bool,
    dry_run: bool,
    jobs: int,
    derive: bool | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check SPECS (files or folders) and write one adapter package for each.

    Nothing is written for a spec with errors, and one bad spec does not stop the others.
    Existing output is updated in place: only files whose content changes are rewritten, and
    only files naftiko-gen generated and nobody edited are ever overwritten or removed.
    Paths listed in OUTPUT/<name>/.naftiko-gen-ignore are left alone, and
    src/<package>/hooks.py is created once for your own code and never touched again.
    """
    files = _selected(specs, quiet=quiet)
    if name and len(files) > 1:
        raise click.UsageError("--name works with a single spec only")
    if check and (dry_run or force):
        raise click.UsageError("--check cannot be combined with --dry-run or --force")
    folders = template_dirs(templates)
    deriving = derive_setting(derive)
    if check:
        _check_all(
            files,
            output,
            name=name,
            templates=folders,
            strict=strict,
            quiet=quiet,
            verbose=verbose,
            derive=deriving,
        )
        return
    _build_all(
        files,
        output,
        name=name,
        templates=folders,
        strict=strict,
        force=force,
        dry_run=dry_run,
        jobs=jobs,
        quiet=quiet,
        verbose=verbose,
        derive=deriving,
    )


def _selected(specs: Sequence[Path], *, quiet: bool) -> list[Path]:
    """The capability files SPECS name (each once; documents they use set apart); exit 1 if none."""
    selection = select_specs(specs)
    if not echo_selection(selection, quiet=quiet):
        sys.exit(EXIT_FAILED)
    return list(selection.specs)


@click.command("check", epilog=_EPILOG_CHECK)
@click.argument("specs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder the packages were built into.",
)
@click.option("--name", help="Package name (default: the spec file's name). One spec only.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@TEMPLATES_OPTION
@DERIVE_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print errors and stale packages only.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Print every warning, even repeated or dialect ones."
)
@DEBUG_OPTION
def check_command(
    specs: tuple[Path, ...],
    output: Path,
    name: str | None,
    strict: bool,
    templates: tuple[Path, ...],
    derive: bool | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Exit 1 with a unified diff when the packages in OUTPUT are stale (same as build --check).

    Says why: the spec changed, the generator or its templates changed, or a generated file
    was edited by hand.
    """
    files = _selected(specs, quiet=quiet)
    if name and len(files) > 1:
        raise click.UsageError("--name works with a single spec only")
    _check_all(
        files,
        output,
        name=name,
        templates=template_dirs(templates),
        strict=strict,
        quiet=quiet,
        verbose=verbose,
        derive=derive_setting(derive),
    )
