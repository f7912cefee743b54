"""Stage 7, write: the file map → disk, safely, touching only files naftiko-gen generated.

A manifest (`.naftiko-gen.json`) inside the package lists every generated file with its hash,
plus what it was generated from (spec path and hash, generator version, templates hash) for
drift checks; it is read as untrusted input (`manifest.py`). Nothing inside a package is
reached through a symbolic link (`tree.py`). An existing package is checked completely (foreign
files, hand edits, links, another spec's package) before anything is written (`plan.py`); the
new tree is then staged beside it and swapped in whole (`apply.py`), so a failed or killed build
leaves the old package or the new one.

Two kinds of path belong to the user: the globs in `.naftiko-gen-ignore` (gitignore-style,
relative to the package folder) are never written or removed, and user files (the hooks
module) are created once when absent and never touched again; neither is in the manifest.
"""

from __future__ import annotations

from .apply import write_package
from .manifest import (
    IGNORE_NAME,
    MANIFEST_NAME,
    Manifest,
    file_digest,
    is_ignored,
    read_ignore_patterns,
    read_manifest,
)
from .plan import WriteReport, plan_write
from .tree import probe

__all__ = [
    "IGNORE_NAME",
    "MANIFEST_NAME",
    "Manifest",
    "WriteReport",
    "file_digest",
    "is_ignored",
    "plan_write",
    "probe",
    "read_ignore_patterns",
    "read_manifest",
    "write_package",
]
