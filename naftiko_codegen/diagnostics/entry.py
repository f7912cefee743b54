"""Catalogue entries: what every diagnostic code is, how severe, and where its page is.

The data lives in `naf1_load.py` … `naf4_output.py`, one module per code range; `catalogue.py`
joins them. Nothing here depends on another naftiko-gen module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["DOCS_URL", "CatalogueEntry", "Severity"]

DOCS_URL = "https://github.com/naftiko/naftiko-gen/blob/main/docs/diagnostics.md"
"""The rendered catalogue; each code has an anchor of its own, e.g. `#naf204`."""


class Severity(enum.Enum):
    """How bad a finding is; only errors stop a build (warnings too under `--strict`)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class CatalogueEntry:
    """One diagnostic code, registered once: severity, title, how to fix it, and an example."""

    code: str
    severity: Severity
    """The severity findings of this code carry (`meaning` says when one differs)."""
    title: str
    """A short noun phrase naming the problem."""
    hint: str
    """How to fix it; a finding whose emitter gives no hint of its own carries this one."""
    meaning: str
    """What the finding means, in a sentence or three (docs/diagnostics.md)."""
    example: str
    """A message as naftiko-gen prints it."""

    @property
    def url(self) -> str:
        """The code's entry in docs/diagnostics.md."""
        return f"{DOCS_URL}#{self.code.lower()}"
