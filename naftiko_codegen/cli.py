"""Command line: `naftiko-gen build|check|validate|templates|export-openapi|import-openapi|new`.

The only module that prints or exits. Exit codes: 0 success, 1 invalid spec, stale or refused
output, 2 usage error (click's own).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

import click
import yaml

from . import __version__
from .config import find_config
from .context_docs import render_context_reference
from .customise import builtin_source, builtin_templates, ejected_template, override_name
from .diagnostics import (
    Diagnostic,
    DiagnosticError,
    Severity,
    format_diagnostic,
    format_summary,
    has_errors,
)
from .drift import check_drift
from .openapi_export import export_openapi
from .openapi_import import ImportOptions, import_openapi
from .pipeline import BuildOutcome, build_spec, check_spec, collision_outcomes, generate
from .report import REPORT_FORMATS, render_report
from .scaffold import ScaffoldAnswers, default_operations, parse_operation, scaffold_capability
from .write import WriteReport

__all__ = ["main"]

_EPILOG_MAIN = """\b
Exit codes: 0 success; 1 invalid spec, stale or refused output; 2 usage error.
Shell completion (bash; use zsh_source / fish_source for the others):
  eval "$(_NAFTIKO_GEN_COMPLETE=bash_source naftiko-gen)"
"""

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
"""

_EPILOG_CHECK = """\b
Examples:
  naftiko-gen check rest-sessions.yaml -o out/
      exits 1 and prints a diff when out/rest-sessions/ is not what the spec generates
"""

_EPILOG_VALIDATE = """\b
Examples:
  naftiko-gen validate rest-sessions.yaml
  naftiko-gen validate specs/ --strict --format github    # annotations in GitHub Actions
  naftiko-gen validate specs/ --format sarif > naftiko.sarif
"""

_EPILOG_TEMPLATES = """\b
Examples:
  naftiko-gen templates list
  naftiko-gen templates show README.md.jinja
  naftiko-gen templates eject README.md.jinja --dir my-templates/
  naftiko-gen templates context > docs/template-context.md
"""

_EPILOG_EXPORT = """\b
Examples:
  naftiko-gen export-openapi rest-sessions.yaml > openapi.json
  naftiko-gen export-openapi rest-sessions.yaml --format yaml -o openapi.yaml
"""

_EPILOG_IMPORT = """\b
Examples:
  naftiko-gen import-openapi api.yaml -o jupyter.yaml --base-url http://localhost:8888 \\
      --api-key-query token
  naftiko-gen import-openapi petstore.json -o petstore.yaml && naftiko-gen build petstore.yaml -o out/
"""

_EPILOG_NEW = """\b
Examples:
  naftiko-gen new                      # asks for each answer
  naftiko-gen new weather --base-url https://api.weather.example \\
      --operation "GET /forecast/{city}" --api-key-query key --no-input
"""


# ----------------------------------------------------------------------------- helpers


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


def _fail(error: DiagnosticError) -> None:
    for diagnostic in error.diagnostics:
        click.echo(format_diagnostic(diagnostic), err=True)
    sys.exit(1)


def _template_dirs(given: Sequence[Path]) -> tuple[Path, ...]:
    """`--templates` when given, else `templates` from `[tool.naftiko-gen]` in pyproject.toml."""
    if given:
        return tuple(given)
    try:
        return find_config(Path.cwd()).templates
    except DiagnosticError as error:
        _fail(error)
        raise  # pragma: no cover - _fail exits


_TEMPLATES_OPTION = click.option(
    "--templates",
    "templates",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of templates layered over the built-in ones (repeatable; default: "
    "`templates` under [tool.naftiko-gen] in the nearest pyproject.toml).",
)


# ----------------------------------------------------------------------------- group


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EPILOG_MAIN)
@click.version_option(__version__, prog_name="naftiko-gen")
def cli() -> None:
    """Generate standalone FastAPI + MCP server packages from Naftiko capability files."""


# ----------------------------------------------------------------------------- build / check


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
    if not outcome.ok:
        _echo_diagnostics(outcome.diagnostics, quiet=quiet, verbose=verbose)
        click.echo(f"{outcome.spec}: not built ({format_summary(outcome.diagnostics)})", err=True)
        return
    report = outcome.report
    assert report is not None
    _echo_diagnostics(outcome.diagnostics, quiet=quiet, verbose=verbose)
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


def _run_builds(
    specs: Sequence[Path], jobs: int, builder: Callable[[Path], BuildOutcome]
) -> Iterator[BuildOutcome]:
    """Build each spec, in worker processes when `jobs` > 1; yield outcomes as they finish."""
    if jobs <= 1 or len(specs) <= 1:
        for spec in specs:
            yield builder(spec)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # Largest specs first, so no worker is left with a big one while the others sit idle.
        futures: list[Future[BuildOutcome]] = [
            pool.submit(builder, spec) for spec in sorted(specs, key=_size, reverse=True)
        ]
        for future in as_completed(futures):
            yield future.result()


def _size(spec: Path) -> int:
    return spec.stat().st_size if spec.is_file() else 0  # a missing one is reported by its build


def _summary(outcomes: Sequence[BuildOutcome]) -> str:
    built = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    warnings = sum(1 for o in outcomes for d in o.diagnostics if d.severity is Severity.WARNING)
    codes = Counter(d.code for o in failed for d in o.diagnostics if d.is_error)
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
) -> None:
    refused = collision_outcomes(files, output, name)
    todo = [spec for spec in files if spec not in refused]
    builder = functools.partial(
        build_spec,
        output=output,
        name=name,
        templates=templates,
        strict=strict,
        force=force,
        dry_run=dry_run,
    )
    workers = (os.cpu_count() or 1) if jobs == 0 else jobs
    outcomes: list[BuildOutcome] = list(refused.values())
    show_bar = len(files) > 1 and sys.stderr.isatty() and not quiet and not dry_run
    if show_bar:
        with click.progressbar(
            length=len(todo), label="building", file=sys.stderr, show_pos=True
        ) as bar:
            for outcome in _run_builds(todo, workers, builder):
                outcomes.append(outcome)
                bar.update(1)
        outcomes.sort(key=lambda o: files.index(o.spec))
        for outcome in outcomes:
            _echo_outcome(outcome, quiet=quiet, verbose=verbose, dry_run=dry_run)
    else:
        for outcome in refused.values():
            _echo_outcome(outcome, quiet=quiet, verbose=verbose, dry_run=dry_run)
        for outcome in _run_builds(todo, workers, builder):
            outcomes.append(outcome)
            _echo_outcome(outcome, quiet=quiet, verbose=verbose, dry_run=dry_run)
    failed = sum(1 for o in outcomes if not o.ok)
    if len(files) > 1:
        click.echo(_summary(outcomes), err=True)
    elif failed:
        click.echo(f"{failed} of {len(files)} spec(s) failed", err=True)
    if failed:
        sys.exit(1)


def _check_all(
    files: Sequence[Path],
    output: Path,
    *,
    name: str | None,
    templates: tuple[Path, ...],
    strict: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    stale = 0
    for spec in files:
        try:
            package = generate(spec, name=name, templates=templates, strict=strict)
        except DiagnosticError as error:
            stale += 1
            _echo_diagnostics(error.diagnostics, quiet=quiet, verbose=verbose)
            click.echo(f"{spec}: cannot check ({format_summary(error.diagnostics)})", err=True)
            continue
        report = check_drift(
            output / package.slug, package.files, source=spec.name, metadata=package.metadata
        )
        if not report.stale:
            if not quiet:
                click.echo(f"{spec}: {report.target} is up to date", err=True)
            continue
        stale += 1
        click.echo(f"{spec}: {report.target} is stale:", err=True)
        for drift in report.drifts:
            click.echo(f"  {drift.kind}: {drift.message}", err=True)
        if report.diff:
            click.echo(report.diff, nl=False)
    if stale:
        extra = "".join(f" --templates {t}" for t in templates)
        click.echo(
            f"{stale} of {len(files)} package(s) stale; regenerate with: naftiko-gen build "
            f"{' '.join(str(f) for f in files)} -o {output}{extra}",
            err=True,
        )
        sys.exit(1)


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
@_TEMPLATES_OPTION
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
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, even repeated ones.")
def build(
    specs: tuple[Path, ...],
    output: Path,
    name: str | None,
    strict: bool,
    force: bool,
    templates: tuple[Path, ...],
    check: bool,
    dry_run: bool,
    jobs: int,
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
    files = _spec_files(specs)
    if name and len(files) > 1:
        raise click.UsageError("--name works with a single spec only")
    if check and (dry_run or force):
        raise click.UsageError("--check cannot be combined with --dry-run or --force")
    template_dirs = _template_dirs(templates)
    if check:
        _check_all(
            files,
            output,
            name=name,
            templates=template_dirs,
            strict=strict,
            quiet=quiet,
            verbose=verbose,
        )
        return
    _build_all(
        files,
        output,
        name=name,
        templates=template_dirs,
        strict=strict,
        force=force,
        dry_run=dry_run,
        jobs=jobs,
        quiet=quiet,
        verbose=verbose,
    )


@cli.command(epilog=_EPILOG_CHECK)
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
@_TEMPLATES_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print errors and stale packages only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, even repeated ones.")
def check(
    specs: tuple[Path, ...],
    output: Path,
    name: str | None,
    strict: bool,
    templates: tuple[Path, ...],
    quiet: bool,
    verbose: bool,
) -> None:
    """Exit 1 with a unified diff when the packages in OUTPUT are stale (same as build --check).

    Says why: the spec changed, the generator or its templates changed, or a generated file
    was edited by hand.
    """
    files = _spec_files(specs)
    if name and len(files) > 1:
        raise click.UsageError("--name works with a single spec only")
    _check_all(
        files,
        output,
        name=name,
        templates=_template_dirs(templates),
        strict=strict,
        quiet=quiet,
        verbose=verbose,
    )


# ----------------------------------------------------------------------------- validate


@cli.command(epilog=_EPILOG_VALIDATE)
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
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, even repeated ones.")
def validate(
    specs: tuple[Path, ...], fmt: str, strict: bool, all_rules: bool, quiet: bool, verbose: bool
) -> None:
    """Check SPECS without generating anything: schema, semantics and lint rules, in one run.

    Every finding has a file:line:col, a code (NAF1xx load, NAF2xx schema, NAF3xx semantic and
    lint), a severity, a message and a hint. Exit 1 on any error (or warning, with --strict).
    """
    failed = False
    results: dict[str, tuple[Diagnostic, ...]] = {}
    for spec in _spec_files(specs):
        findings = check_spec(spec, all_rules=all_rules)
        results[str(spec)] = findings
        failed = failed or has_errors(findings, strict=strict)
        if fmt != "text":
            continue
        _echo_diagnostics(findings, quiet=quiet, verbose=verbose)
        if not quiet:
            click.echo(f"{spec}: {format_summary(findings)}", err=True)
    if fmt != "text":
        click.echo(render_report(results, fmt), nl=False)
    if failed:
        sys.exit(1)


# ----------------------------------------------------------------------------- templates


@cli.group(epilog=_EPILOG_TEMPLATES)
def templates() -> None:
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


@templates.command("list")
def templates_list() -> None:
    """Print the name of every built-in template (the path to override it under --templates),
    then every runtime module as `runtime:<module>.py` (eject one to replace it)."""
    for name in builtin_templates():
        click.echo(name)


@templates.command("show")
@click.argument("name")
def templates_show(name: str) -> None:
    """Print the built-in template NAME."""
    click.echo(_builtin_path(name).read_text(encoding="utf-8"), nl=False)


@templates.command("eject")
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


@templates.command("context")
def templates_context() -> None:
    """Print the template context reference (docs/template-context.md) as Markdown."""
    click.echo(render_context_reference(), nl=False)


# ----------------------------------------------------------------------------- OpenAPI


@cli.command("export-openapi", epilog=_EPILOG_EXPORT)
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "yaml"]), default="json", show_default=True
)
@_TEMPLATES_OPTION
def export_openapi_command(
    spec: Path, output: Path | None, fmt: str, templates: tuple[Path, ...]
) -> None:
    """Print the OpenAPI 3.1 document the generated REST adapter of SPEC serves.

    The package is generated in a temporary folder and its own app is asked for the document,
    so the result is exactly what GET /openapi.json answers.
    """
    try:
        package = generate(spec, templates=_template_dirs(templates))
        document = export_openapi(package.model, package.files)
    except DiagnosticError as error:
        _fail(error)
        return
    if fmt == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@cli.command("import-openapi", epilog=_EPILOG_IMPORT)
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Capability file to write (default: standard output).",
)
@click.option("--base-url", help="The API's base URL (overrides the document's servers/host).")
@click.option("--namespace", help="Consumes namespace (default: from the document's title).")
@click.option("--api-key-query", metavar="NAME", help="Send the API key as query parameter NAME.")
@click.option("--api-key-header", metavar="NAME", help="Send the API key as header NAME.")
@click.option("--bearer", is_flag=True, help="Send a bearer token.")
@click.option("--rest-port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--mcp-port", type=click.IntRange(1, 65535), default=9090, show_default=True)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def import_openapi_command(
    document: Path,
    output: Path | None,
    base_url: str | None,
    namespace: str | None,
    api_key_query: str | None,
    api_key_header: str | None,
    bearer: bool,
    rest_port: int,
    mcp_port: int,
    force: bool,
) -> None:
    """Convert an OpenAPI 3.0/3.1 or Swagger 2.0 DOCUMENT into a capability that builds.

    One consumed API, and one REST route plus one MCP tool per operation, with inputs and
    hints filled in. Review the result, then `naftiko-gen build` it.
    """
    if sum(bool(x) for x in (api_key_query, api_key_header, bearer)) > 1:
        raise click.UsageError("choose one of --api-key-query, --api-key-header, --bearer")
    if output is not None and output.exists() and not force:
        raise click.UsageError(f"{output} exists; pass --force to overwrite it")
    options = ImportOptions(
        base_url=base_url,
        namespace=namespace,
        rest_port=rest_port,
        mcp_port=mcp_port,
        api_key_query=api_key_query,
        api_key_header=api_key_header,
        bearer=bearer,
    )
    try:
        text = document.read_text(encoding="utf-8")
        result = import_openapi(text, str(document), options)
    except DiagnosticError as error:
        _fail(error)
        return
    except (OSError, UnicodeDecodeError) as error:
        click.echo(f"{document}: error[NAF100]: cannot read the file: {error}", err=True)
        sys.exit(1)
    _echo_diagnostics(result.diagnostics, quiet=False)
    if output is None:
        click.echo(result.text, nl=False)
    else:
        output.write_text(result.text, encoding="utf-8")
        click.echo(f"wrote {output}; next: naftiko-gen build {output} -o out/", err=True)


# ----------------------------------------------------------------------------- new


@cli.command(epilog=_EPILOG_NEW)
@click.argument("name", required=False)
@click.option("--title", help="Human title (info.label).")
@click.option("--description", help="One sentence on what the capability does.")
@click.option("--base-url", help="The upstream API's base URL.")
@click.option(
    "--operation",
    "operations",
    multiple=True,
    metavar='"METHOD /path"',
    help='An upstream operation, e.g. "GET /items/{id}" (repeatable).',
)
@click.option("--api-key-query", metavar="NAME", help="The API key goes in query parameter NAME.")
@click.option("--api-key-header", metavar="NAME", help="The API key goes in header NAME.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: NAME.yaml).",
)
@click.option("--no-input", is_flag=True, help="Never ask; use defaults for what is missing.")
def new(
    name: str | None,
    title: str | None,
    description: str | None,
    base_url: str | None,
    operations: tuple[str, ...],
    api_key_query: str | None,
    api_key_header: str | None,
    output: Path | None,
    no_input: bool,
) -> None:
    """Scaffold a capability file, asking for what the flags do not say."""

    def ask(value: str | None, prompt: str, default: str) -> str:
        if value:
            return value
        return default if no_input else str(click.prompt(prompt, default=default))

    name = ask(name, "Capability name (file and package name)", "my-capability")
    title = ask(title, "Title", name.replace("-", " ").title())
    description = ask(description, "Description", f"{title}, served as REST and MCP.")
    base_url = ask(base_url, "Upstream base URL", "http://localhost:8000")
    parsed: list[tuple[str, str]] = []
    try:
        parsed = [parse_operation(text) for text in operations]
        if not parsed and not no_input:
            while True:
                answer = click.prompt(
                    'Upstream operation ("METHOD /path", empty to finish)',
                    default="",
                    show_default=False,
                )
                if not answer:
                    break
                parsed.append(parse_operation(answer))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--operation") from None
    target = output or Path(f"{name}.yaml")
    if target.exists():
        raise click.UsageError(f"{target} exists; choose another NAME or --output")
    answers = ScaffoldAnswers(
        name=name,
        title=title,
        description=description,
        base_url=base_url,
        operations=tuple(parsed or default_operations()),
        api_key_query=api_key_query,
        api_key_header=api_key_header,
    )
    target.write_text(scaffold_capability(answers), encoding="utf-8")
    click.echo(f"wrote {target}; next: naftiko-gen build {target} -o out/", err=True)


def main() -> None:
    """Entry point of the `naftiko-gen` console script."""
    cli(prog_name="naftiko-gen")
