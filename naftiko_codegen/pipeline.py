"""The pipeline: load → validate (+ lint) → resolve → model → render → format, as library calls.

`cli.py` and tests call `check_spec`, `generate` and `build_spec`; nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .context import CapabilityModel
from .customise import (
    create_user_environment,
    extra_templates,
    render_extra_files,
    templates_digest,
)
from .diagnostics import Diagnostic, DiagnosticError, Location, Severity, has_errors
from .extensions import user_files
from .format import format_files
from .lint import lint_spec
from .load import load_imports, load_spec
from .model import build_model
from .names import slugify
from .render import render_package, verbatim_outputs
from .resolve import resolve_spec
from .validate import validate_spec
from .write import WriteReport, plan_write, write_package

__all__ = [
    "BuildOutcome",
    "GeneratedPackage",
    "build_spec",
    "check_spec",
    "collision_outcomes",
    "generate",
    "package_slug",
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


def package_slug(spec_path: Path, name: str | None = None) -> str:
    """The output folder and distribution name: `--name`, else the spec file's stem."""
    stem = spec_path.name
    for suffix in (".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    return slugify(name or stem)


def _read(spec_path: Path, source: str) -> str:
    try:
        return spec_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source),
                    "NAF100",
                    Severity.ERROR,
                    f"cannot read the file: {error}",
                    "check the path and that the file is UTF-8 text",
                )
            ]
        ) from None


def check_spec(
    spec_path: Path, *, source: str | None = None, all_rules: bool = False
) -> tuple[Diagnostic, ...]:
    """Load, validate, lint and resolve a spec; return every finding (never raises for bad input)."""
    label = source or str(spec_path)
    findings: list[Diagnostic] = []
    try:
        spec = load_spec(_read(spec_path, label), label)
        findings = [*validate_spec(spec), *lint_spec(spec, all_rules=all_rules)]
        if has_errors(findings):
            return tuple(sorted(findings, key=Diagnostic.sort_key))
        canonical = resolve_spec(spec, load_imports(spec, spec_path))
    except DiagnosticError as error:
        return tuple(sorted([*findings, *error.diagnostics], key=Diagnostic.sort_key))
    return tuple(sorted([*findings, *canonical.diagnostics], key=Diagnostic.sort_key))


def generate(
    spec_path: Path,
    *,
    name: str | None = None,
    source: str | None = None,
    templates: Sequence[Path] = (),
    strict: bool = False,
    lint: bool = False,
) -> GeneratedPackage:
    """Run every stage up to (not including) writing; raise `DiagnosticError` on any error.

    The lint rules run only when `lint` is set (`validate` always runs them).
    """
    label = source or str(spec_path)
    text = _read(spec_path, label)
    spec = load_spec(text, label)
    findings = [*validate_spec(spec), *(lint_spec(spec) if lint else [])]
    if has_errors(findings, strict=strict):
        raise DiagnosticError(findings)
    try:
        canonical = resolve_spec(spec, load_imports(spec, spec_path))
    except DiagnosticError as error:
        raise DiagnosticError([*findings, *error.diagnostics]) from None
    findings.extend(canonical.diagnostics)
    if has_errors(findings, strict=strict):
        raise DiagnosticError(findings)
    slug = package_slug(spec_path, name)
    model = build_model(canonical, spec_file=spec_path.name, spec_text=text, slug=slug)
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
    """None when the build failed (see `diagnostics`)."""

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
) -> BuildOutcome:
    """Generate one spec and write it to `output/<slug>` (only plan it when `dry_run`)."""
    try:
        package = generate(spec_path, name=name, templates=templates, strict=strict)
        target = output / package.slug
        write = plan_write if dry_run else write_package
        report = write(
            target,
            package.files,
            source=spec_path.name,
            force=force,
            metadata=package.metadata,
            user_files=package.user_files,
        )
        if report.conflicts:
            raise DiagnosticError(report.conflicts)
    except DiagnosticError as error:
        return BuildOutcome(spec_path, None, error.diagnostics)
    return BuildOutcome(spec_path, target, package.diagnostics, report)


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
