"""The pipeline: load → validate → resolve → model → render → format, as one library call.

`cli.py` and tests call `generate`; nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .context import CapabilityModel
from .diagnostics import Diagnostic, DiagnosticError, Severity, has_errors
from .format import format_files
from .load import load_spec
from .model import build_model
from .names import slugify
from .render import create_environment, render_package
from .resolve import resolve_spec
from .validate import validate_spec

__all__ = ["GeneratedPackage", "check_spec", "generate", "package_slug"]


@dataclass(frozen=True)
class GeneratedPackage:
    """A rendered, formatted package still in memory, and what was found on the way."""

    slug: str
    files: dict[str, str]
    model: CapabilityModel
    diagnostics: tuple[Diagnostic, ...]


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
        from .diagnostics import Location

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


def check_spec(spec_path: Path, *, source: str | None = None) -> tuple[Diagnostic, ...]:
    """Load, validate and resolve a spec; return every finding (never raises for bad input)."""
    label = source or str(spec_path)
    try:
        spec = load_spec(_read(spec_path, label), label)
        findings = validate_spec(spec)
        if has_errors(findings):
            return tuple(sorted(findings, key=Diagnostic.sort_key))
        canonical = resolve_spec(spec)
    except DiagnosticError as error:
        return tuple(
            sorted([*locals().get("findings", ()), *error.diagnostics], key=Diagnostic.sort_key)
        )
    return tuple(sorted([*findings, *canonical.diagnostics], key=Diagnostic.sort_key))


def generate(
    spec_path: Path,
    *,
    name: str | None = None,
    source: str | None = None,
    templates: Sequence[Path] = (),
    strict: bool = False,
) -> GeneratedPackage:
    """Run every stage up to (not including) writing; raise `DiagnosticError` on any error."""
    label = source or str(spec_path)
    text = _read(spec_path, label)
    spec = load_spec(text, label)
    findings = list(validate_spec(spec))
    if has_errors(findings, strict=strict):
        raise DiagnosticError(findings)
    try:
        canonical = resolve_spec(spec)
    except DiagnosticError as error:
        raise DiagnosticError([*findings, *error.diagnostics]) from None
    findings.extend(canonical.diagnostics)
    if has_errors(findings, strict=strict):
        raise DiagnosticError(findings)
    slug = package_slug(spec_path, name)
    model = build_model(canonical, spec_file=spec_path.name, spec_text=text, slug=slug)
    environment = create_environment(templates)
    files = format_files(render_package(model, environment=environment))
    return GeneratedPackage(slug, files, model, tuple(sorted(findings, key=Diagnostic.sort_key)))
