"""The diagnostic catalogue: every code NAF1xx-NAF4xx, registered once, in code order.

`docs/diagnostics.md` is rendered from it (`naftiko-gen diagnostics --markdown`), and every
finding and report links to its entry there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from . import (
    naf1_load,
    naf2_lenient,
    naf2_schema,
    naf3_checks,
    naf3_constructs,
    naf3_generation,
    naf3_inputs,
    naf3_lint,
    naf3_semantic,
    naf4_output,
)
from .entry import CatalogueEntry

__all__ = ["CATALOGUE", "RANGES"]

RANGES: tuple[tuple[str, str], ...] = (
    ("NAF1", "reading files"),
    ("NAF2", "the JSON Schema and the official dialect"),
    ("NAF3", "semantic checks and lint rules"),
    ("NAF4", "rendering and writing output"),
)
"""Each code range (first four characters of a code) and what it is about."""


def _register(groups: Iterable[tuple[CatalogueEntry, ...]]) -> Mapping[str, CatalogueEntry]:
    table: dict[str, CatalogueEntry] = {}
    for entry in sorted((e for group in groups for e in group), key=lambda e: e.code):
        if entry.code in table:
            raise ValueError(f"{entry.code} is registered twice")
        table[entry.code] = entry
    return MappingProxyType(table)


CATALOGUE: Mapping[str, CatalogueEntry] = _register(
    (
        naf1_load.ENTRIES,
        naf2_schema.ENTRIES,
        naf2_lenient.ENTRIES,
        naf3_semantic.ENTRIES,
        naf3_checks.ENTRIES,
        naf3_constructs.ENTRIES,
        naf3_lint.ENTRIES,
        naf3_inputs.ENTRIES,
        naf3_generation.ENTRIES,
        naf4_output.ENTRIES,
    )
)
"""Every diagnostic code → its entry, in code order."""
