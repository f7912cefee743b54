"""Diagnostics: the located findings every stage reports, the catalogue of codes, how they print.

`finding.py` holds the finding and error types and the text layout; `catalogue.py` registers
every code (data in `naf1_load.py` … `naf4_output.py`). Import from here.
"""

from __future__ import annotations

from .catalogue import CATALOGUE, RANGES
from .entry import DOCS_URL, CatalogueEntry, Severity
from .finding import (
    Diagnostic,
    DiagnosticError,
    Location,
    format_diagnostic,
    format_summary,
    has_errors,
    truncate,
)

__all__ = [
    "CATALOGUE",
    "DOCS_URL",
    "RANGES",
    "CatalogueEntry",
    "Diagnostic",
    "DiagnosticError",
    "Location",
    "Severity",
    "format_diagnostic",
    "format_summary",
    "has_errors",
    "truncate",
]
