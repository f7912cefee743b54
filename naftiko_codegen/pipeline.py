"""The pipeline: load → validate (+ lint) → resolve → model → render → format, as library calls.

The `cli` package and tests call `check_spec`, `generate` and `build_spec`, and `build_many` /
`check_many` for several specs at once (worker processes, largest first, NAF411 for two specs
claiming one folder); nothing here prints or exits.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .assets import load_assets
from .customise import (
    create_user_environment,
    extra_templates,
    render_extra_files,
    templates_digest,
)
from .diagnostics import Diagnostic, DiagnosticError, Location, Severity, has_errors
from .drift import DriftReport, check_drift
from .extensions import user_files
from .format import format_files
from .lint import lint_spec
from .load import load_imports, load_spec, read_spec_file
from .model import CapabilityModel, build_model
from .names import slugify, unclaimed_slug
from .render import render_package, verbatim_outputs
from .resolve import resolve_spec
from .schema_files import load_schema_files
from .validate import read_and_validate, validate_spec
from .write import WriteReport, plan_write, write_package

__all__ = [
    "BuildOutcome",
    "CheckOutcome",
    "GeneratedPackage",
    "build_many",
    "build_spec",
    "check_many",
    "check_shared",
    "check_spec",
    "collision_outcomes",
    "crash_text",
    "expand_specs",
    "generate",
    "package_slug",
    "spec_record",
]


@dataclass(frozen=True)
class GeneratedPackage:
    """A rendered, formatted package still in memory, and what was found on the way."""

    slug: str
    files: dict[str, str]
    model: CapabilityModel
    diagnostics: tuple[Diagnostic, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    """What the manifest records about the inputs: spec hash, generator and templates."""
    user_files: dict[str, str] = field(default_factory=dict)
    """Files created once and then left to the user (the hooks module)."""


def _taken_name(label: str, slug: str, own: str) -> Diagnostic:
    return Diagnostic(
        Location(label),
        "NAF441",
        Severity.WARNING,
        f"package name {slug!r} is taken by the standard library, a dependency of generated "
        f"packages or one of their tools: the package is named {own!r} (the output folder "
        f"stays {slug!r})",
        "name the spec file differently, or pass --name",
    )


def package_slug(spec_path: Path, name: str | None = None) -> str:
    """The output folder and distribution name: `--name`, else the spec file's stem."""
    stem = spec_path.name
    for suffix in (".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    return slugify(name or stem)


def _read(spec_path: Path, source: str) -> str:
    return read_spec_file(spec_path, source)


def check_spec(
    spec_path: Path, *, source: str | None = None, all_rules: bool = False, derive: bool = True
) -> tuple[Diagnostic, ...]:
    """Load, validate, lint and resolve a spec; return every finding (never raises for bad input)."""
    label = source or str(spec_path)
    findings: list[Diagnostic] = []
    try:
        written = load_spec(_read(spec_path, label), label)
        # The lint rules judge the file as written; the rest reads it as the policy says.
        spec, findings = read_and_validate(written)
        findings += lint_spec(written, all_rules=all_rules)
        if has_errors(findings):
            return tuple(sorted(findings, key=Diagnostic.sort_key))
        canonical = resolve_spec(
            spec,
            load_imports(spec, spec_path),
            schema_files=load_schema_files(spec, spec_path),
            assets=load_assets(spec, spec_path),
            derive=derive,
        )
    except DiagnosticError as error:
        return tuple(sorted([*findings, *error.diagnostics], key=Diagnostic.sort_key))
    return tuple(sorted([*findings, *canonical.diagnostics], key=Diagnostic.sort_key))


def check_shared(spec_path: Path, *, all_rules: bool = False) -> tuple[Diagnostic, ...]:
    """Check a shared-consumes document as what it is: load, schema and lint, no resolve.

    Its consumed APIs are resolved (and their problems reported) by the capabilities that
    import it; on its own it has no capability, so NAF301 would be the only finding.
    """
    label = str(spec_path)
    try:
        spec = load_spec(_read(spec_path, label), label)
    except DiagnosticError as error:
        return tuple(error.diagnostics)
    findings = [*validate_spec(spec), *lint_spec(spec, all_rules=all_rules)]
    return tuple(sorted(findings, key=Diagnostic.sort_key))


def generate(
    spec_path: Path,
    *,
    name: str | None = None,
    source: str | None = None,
    templates: Sequence[Path] = (),
    strict: bool = False,
    lint: bool = False,
    derive: bool = True,
) -> GeneratedPackage:
    """Run every stage up to (not including) writing; raise `DiagnosticError` on any error.

    The lint rules run only when `lint` is set (`validate` always runs them). A capability that
    exposes nothing is served through derived adapters unless `derive` is off.
    """
    label = source or str(spec_path)
    text = _read(spec_path, label)
    written = load_spec(text, label)
    spec, findings = read_and_validate(written)
    findings += lint_spec(written) if lint else []
    if has_errors(findings, strict=strict):
        raise DiagnosticError(findings)
    try:
        canonical = resolve_spec(
            spec,
            load_imports(spec, spec_path),
            schema_files=load_schema_files(spec, spec_path),
            assets=load_assets(spec, spec_path),
            derive=derive,
        )
    except DiagnosticError as error:
        raise DiagnosticError([*findings, *error.diagnostics]) from None
    findings.extend(canonical.diagnostics)
    slug = package_slug(spec_path, name)
    own = unclaimed_slug(slug)
    if own != slug:  # the folder keeps the name the user asked for; the package cannot
        findings.append(_taken_name(label, slug, own))
    if has_errors(findings, strict=strict):
        raise DiagnosticError(findings)
    model = build_model(canonical, spec_file=spec_path.name, spec_text=text, slug=own)
    environment = create_user_environment(templates)
    rendered = render_package(model, environment=environment)
    rendered.update(render_extra_files(model, environment, extra_templates(templates)))
    files = format_files(rendered, verbatim_outputs(model, environment))
    metadata = {
        "generator_version": __version__,
        "spec_sha256": model.spec_sha256,
        "templates_sha256": templates_digest(templates),
    }
    return GeneratedPackage(
        slug,
        files,
        model,
        tuple(sorted(findings, key=Diagnostic.sort_key)),
        metadata,
        format_files(user_files(model)),
    )


@dataclass(frozen=True)
class BuildOutcome:
    """What building one spec into one folder did; picklable, for parallel builds."""

    spec: Path
    target: Path | None
    diagnostics: tuple[Diagnostic, ...]
    report: WriteReport | None = None
    """None when the build failed (see `diagnostics`, or `crash`)."""
    crash: str | None = None
    """An internal error (a naftiko-gen bug): the formatted traceback; then `report` is None."""

    @property
    def ok(self) -> bool:
        """Whether the package was written (or, in a dry run, could be)."""
        return self.report is not None


def build_spec(
    spec_path: Path,
    output: Path,
    *,
    name: str | None = None,
    templates: Sequence[Path] = (),
    strict: bool = False,
    force: bool = False,
    dry_run: bool = False,
    derive: bool = True,
) -> BuildOutcome:
    """Generate one spec and write it to `output/<slug>` (only plan it when `dry_run`)."""
    try:
        package = generate(spec_path, name=name, templates=templates, strict=strict, derive=derive)
        target = output / package.slug
        write = plan_write if dry_run else write_package
        report = write(
            target,
            package.files,
            source=spec_path.name,
            force=force,
            metadata={**package.metadata, "spec": spec_record(spec_path, target)},
            user_files=package.user_files,
        )
        if report.conflicts:
            raise DiagnosticError(report.conflicts)
    except DiagnosticError as error:
        return BuildOutcome(spec_path, None, error.diagnostics)
    return BuildOutcome(spec_path, target, package.diagnostics, report)


def spec_record(spec_path: Path, target: Path) -> str:
    """How the manifest names the spec: its path relative to the package folder (POSIX)."""
    try:
        return Path(os.path.relpath(spec_path.resolve(), target.resolve())).as_posix()
    except ValueError:  # pragma: no cover - another drive (Windows): no relative path
        return spec_path.resolve().as_posix()


def crash_text() -> str:
    """The traceback of the exception being handled (for `--debug`)."""
    return traceback.format_exc()


def _build_guarded(spec: Path, **options: object) -> BuildOutcome:
    """`build_spec`, but an internal error becomes the spec's outcome instead of ending a batch."""
    try:
        return build_spec(spec, **options)  # type: ignore[arg-type]
    except Exception:  # a bug: reported with its traceback, the other specs still build
        return BuildOutcome(spec, None, (), crash=crash_text())


def collision_outcomes(
    specs: Sequence[Path], output: Path, name: str | None = None
) -> dict[Path, BuildOutcome]:
    """Specs whose output folder an earlier spec already claims: each gets a NAF411 error."""
    claimed: dict[str, Path] = {}
    refused: dict[Path, BuildOutcome] = {}
    for spec in specs:
        slug = package_slug(spec, name)
        if slug in claimed:
            diagnostic = Diagnostic(
                Location(str(spec)),
                "NAF411",
                Severity.ERROR,
                f"this spec would be written to {output / slug}, which {claimed[slug]} "
                "already builds into; not built",
                "rename one of the files (the package is named after the file)",
            )
            refused[spec] = BuildOutcome(spec, None, (diagnostic,))
            continue
        claimed[slug] = spec
    return refused


# ----------------------------------------------------------------------------- many specs


def expand_specs(paths: Iterable[Path]) -> list[Path]:
    """Every spec `paths` name: files as given, folders searched for `*.yaml` / `*.yml`, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def _one_name(specs: Sequence[Path], name: str | None) -> None:
    if name and len(specs) > 1:
        raise ValueError("a package name works with a single spec only")


def build_many(
    specs: Sequence[Path],
    output: Path,
    *,
    jobs: int = 1,
    name: str | None = None,
    templates: Sequence[Path] = (),
    strict: bool = False,
    force: bool = False,
    dry_run: bool = False,
    derive: bool = True,
) -> Iterator[BuildOutcome]:
    """Build every spec into `output/<slug>`, yielding each outcome as it finishes.

    A spec whose folder an earlier one already claims is refused with NAF411 (those come first,
    in spec order). The others are built in `jobs` worker processes (0: one per CPU; 1: in this
    process), largest spec first; one failure never stops the others. The options are
    `build_spec`'s; `name` needs a single spec (`ValueError` otherwise).
    """
    _one_name(specs, name)
    builder = functools.partial(
        _build_guarded,
        output=output,
        name=name,
        templates=tuple(templates),
        strict=strict,
        force=force,
        dry_run=dry_run,
        derive=derive,
    )
    return _build_many(specs, output, name, (os.cpu_count() or 1) if jobs == 0 else jobs, builder)


def _build_many(
    specs: Sequence[Path],
    output: Path,
    name: str | None,
    workers: int,
    builder: Callable[[Path], BuildOutcome],
) -> Iterator[BuildOutcome]:
    refused = collision_outcomes(specs, output, name)
    yield from refused.values()
    todo = [spec for spec in specs if spec not in refused]
    if workers <= 1 or len(todo) <= 1:
        for spec in todo:
            yield builder(spec)
        return
    # Largest specs first, so no worker is left with a big one while the others sit idle.
    ordered = sorted(todo, key=_size, reverse=True)
    broken: list[Path] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures: list[Future[BuildOutcome]] = [pool.submit(builder, spec) for spec in ordered]
        spec_of = {id(future): spec for future, spec in zip(futures, ordered, strict=True)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(spec_of[id(future)])
            except Exception:  # the outcome could not come back (a bug): that spec's outcome
                yield BuildOutcome(spec_of[id(future)], None, (), crash=crash_text())
    # A worker died (killed, out of memory): every spec still running or waiting fails with
    # the pool. Each is built again in a process of its own, so only the culprit is lost.
    for spec in broken:
        yield _isolated(builder, spec)


def _isolated(builder: Callable[[Path], BuildOutcome], spec: Path) -> BuildOutcome:
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(builder, spec).result()
        except Exception:  # the process died again: this spec is the cause
            died = "WorkerDied: the process building this spec died (killed, or out of memory)"
            return BuildOutcome(spec, None, (), crash=f"{crash_text()}{died}\n")


def _size(spec: Path) -> int:
    try:
        return spec.stat().st_size if spec.is_file() else 0
    except OSError:
        return 0  # a missing or unreadable one is reported by its build


@dataclass(frozen=True)
class CheckOutcome:
    """What comparing one spec's package with the folder on disk found."""

    spec: Path
    diagnostics: tuple[Diagnostic, ...]
    """The spec's findings; errors when it could not be generated (then `report` is None)."""
    report: DriftReport | None = None
    """Why the folder is stale, and the diff; None when the spec has errors."""
    crash: str | None = None
    """An internal error (a naftiko-gen bug): the formatted traceback; then `report` is None."""

    @property
    def ok(self) -> bool:
        """Whether the folder holds exactly what the spec generates now."""
        return self.report is not None and not self.report.stale


def check_many(
    specs: Sequence[Path],
    output: Path,
    *,
    name: str | None = None,
    templates: Sequence[Path] = (),
    strict: bool = False,
    derive: bool = True,
) -> Iterator[CheckOutcome]:
    """Generate every spec in memory and compare it with `output/<slug>`, yielding in spec order.

    Never writes. A spec with errors (or warnings, under `strict`) yields its diagnostics and no
    report. `name` needs a single spec (`ValueError` otherwise).
    """
    _one_name(specs, name)
    return _check_many(specs, output, name, tuple(templates), strict, derive)


def _check_many(
    specs: Sequence[Path],
    output: Path,
    name: str | None,
    templates: tuple[Path, ...],
    strict: bool,
    derive: bool,
) -> Iterator[CheckOutcome]:
    for spec in specs:
        try:
            yield _check_one(spec, output, name, templates, strict, derive)
        except DiagnosticError as error:
            yield CheckOutcome(spec, error.diagnostics)
        except Exception:  # a bug: reported, and the other specs are still checked
            yield CheckOutcome(spec, (), crash=crash_text())


def _check_one(
    spec: Path,
    output: Path,
    name: str | None,
    templates: tuple[Path, ...],
    strict: bool,
    derive: bool,
) -> CheckOutcome:
    package = generate(spec, name=name, templates=templates, strict=strict, derive=derive)
    target = output / package.slug
    metadata = {**package.metadata, "spec": spec_record(spec, target)}
    try:
        report = check_drift(target, package.files, source=spec.name, metadata=metadata)
    except DiagnosticError as error:
        return CheckOutcome(spec, (*package.diagnostics, *error.diagnostics))
    return CheckOutcome(spec, package.diagnostics, report)
