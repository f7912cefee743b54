"""The generator's input limits: defaults, and the `NAFTIKO_GEN_*` variables that change them.

A spec, an imported consumes file and a package manifest are untrusted files; each limit bounds
the time and memory one of them can cost. Every value is read from the environment when it is
used (so worker processes of `-j` builds see the same ones), and a refusal names the variable
that raises it (see docs/security-generator.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "LOCK_WAIT",
    "MAX_ALIAS_NODES",
    "MAX_ASSET_BYTES",
    "MAX_ASSET_FILES",
    "MAX_DEPTH",
    "MAX_MANIFEST_BYTES",
    "MAX_SPEC_BYTES",
    "Limit",
]


@dataclass(frozen=True)
class Limit:
    """One bound: its environment variable, its default, and what it bounds (for messages)."""

    variable: str
    default: int
    what: str

    @property
    def value(self) -> int:
        """The variable's value when set to a positive integer, else the default."""
        raw = os.environ.get(self.variable, "").strip()
        # A bad value must not turn a limit off: anything but a positive integer is the default.
        return int(raw) if raw.isdigit() and int(raw) > 0 else self.default

    def hint(self) -> str:
        """How to raise the limit, for a diagnostic's hint."""
        return f"raise it with the environment variable {self.variable} (default {self.default:,})"


MAX_SPEC_BYTES = Limit("NAFTIKO_GEN_MAX_SPEC_BYTES", 8 * 1024 * 1024, "bytes in a spec file")
"""Largest spec (or imported consumes file) read; the largest catalog spec is 0.74 MB."""

MAX_DEPTH = Limit("NAFTIKO_GEN_MAX_DEPTH", 100, "levels of nesting")
"""Deepest nesting of mappings and sequences; catalog specs nest at most 14 levels."""

MAX_ALIAS_NODES = Limit(
    "NAFTIKO_GEN_MAX_ALIAS_NODES", 100_000, "values produced by expanding YAML aliases"
)
"""Values (and, counted in KiB, text) that `*alias` references may add to a document."""

MAX_MANIFEST_BYTES = Limit("NAFTIKO_GEN_MAX_MANIFEST_BYTES", 4 * 1024 * 1024, "manifest bytes")
"""Largest `.naftiko-gen.json` read (about 40,000 entries)."""

LOCK_WAIT = Limit("NAFTIKO_GEN_LOCK_WAIT", 60, "seconds to wait for another build")
"""How long a build waits for another build writing the same package folder."""

MAX_ASSET_FILES = Limit("NAFTIKO_GEN_MAX_ASSET_FILES", 200, "files in a shipped folder")
"""Most files a skill, script or MCP resource `location` folder may hold (shipped in the package)."""

MAX_ASSET_BYTES = Limit(
    "NAFTIKO_GEN_MAX_ASSET_BYTES", 1024 * 1024, "bytes in a shipped folder's files"
)
"""Most bytes the files of one skill, script or MCP resource folder (or one MCP prompt file)
may hold together."""
