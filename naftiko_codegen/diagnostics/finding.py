"""Findings: the located diagnostics every pipeline stage reports, and how they print.

Codes: NAF1xx YAML/load, NAF2xx schema, NAF3xx semantic, NAF4xx output; each is registered in
the catalogue, and a finding of an unregistered code cannot be made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue import CATALOGUE
from .entry import Severity

__all__ = [
    "Diagnostic",
    "DiagnosticError",
    "Location",
    "format_diagnostic",
    "format_summary",
    "has_errors",
    "truncate",
]


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a source file."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where, what code, how severe, what is wrong and how to fix it."""

    location: Location
    code: str
    severity: Severity
    message: str
    hint: str = ""
    """How to fix it; the catalogue's hint for the code when the emitter gives none."""

    def __post_init__(self) -> None:
        entry = CATALOGUE.get(self.code)
        if entry is None:
            # A programming error, caught by the tests: every code is registered, once.
            raise ValueError(
                f"diagnostic code {self.code!r} is not in the catalogue "
                "(add it to naftiko_codegen/diagnostics/naf*.py)"
            )
        if not self.hint:
            object.__setattr__(self, "hint", entry.hint)

    @property
    def is_error(self) -> bool:
        """Whether this finding fails a build on its own."""
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order findings by file and position, then by code, for stable output."""
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)


class DiagnosticError(Exception):
    """Raised by a stage that cannot go on; carries every finding gathered so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            sorted(diagnostics, key=Diagnostic.sort_key)
        )
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(format_diagnostic(first) if first else "invalid capability")


def truncate(value: object, limit: int = 60) -> str:
    """Quote a user value for a message, cut to `limit` characters."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if isinstance(value, str) else text


def format_diagnostic(diagnostic: Diagnostic) -> str:
    """Render one finding as `file:line:col: severity[CODE]: message`, a hint and a link line."""
    text = (
        f"{diagnostic.location}: {diagnostic.severity.value}[{diagnostic.code}]: "
        f"{diagnostic.message}"
    )
    if diagnostic.hint:
        text += f"\n  hint: {diagnostic.hint}"
    return text + f"\n  see: {CATALOGUE[diagnostic.code].url}"


def format_summary(diagnostics: Iterable[Diagnostic]) -> str:
    """Count errors and warnings for the closing line of a report."""
    items = list(diagnostics)
    errors = sum(1 for d in items if d.severity is Severity.ERROR)
    warnings = sum(1 for d in items if d.severity is Severity.WARNING)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def has_errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> bool:
    """Whether the findings fail a build (`strict` counts warnings as errors)."""
    return any(
        d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING)
        for d in diagnostics
    )
