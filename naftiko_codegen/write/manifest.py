"""The package manifest (`.naftiko-gen.json`) and `.naftiko-gen-ignore`, read as untrusted input.

Generated packages are committed, so a pull request can plant any manifest: `read_manifest`
accepts only a regular file (never a link) of bounded size whose entries are plain relative
paths strictly inside the package with sha256 hashes, and raises a located NAF412 otherwise.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, DiagnosticError, Location, Severity, truncate
from ..limits import MAX_MANIFEST_BYTES
from .tree import probe

__all__ = [
    "IGNORE_NAME",
    "MANIFEST_NAME",
    "Manifest",
    "file_digest",
    "is_ignored",
    "manifest_text",
    "read_ignore_patterns",
    "read_manifest",
    "unsafe_relative_path",
]

MANIFEST_NAME = ".naftiko-gen.json"
IGNORE_NAME = ".naftiko-gen-ignore"
_IGNORE_MAX_BYTES = 1024 * 1024
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Manifest:
    """The record of a generated package: its files' hashes and what produced them."""

    files: Mapping[str, str]
    """Relative path → sha256 of the bytes written."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """`source`, `spec`, `spec_sha256`, `generator_version`, `templates_sha256` (older: fewer)."""


def file_digest(data: bytes) -> str:
    """The sha256 the manifest records for a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: Mapping[str, str], source: str, metadata: Mapping[str, str]) -> str:
    """The manifest recording `files` (path → text) and what generated them."""
    manifest: dict[str, object] = {
        "generator": "naftiko-gen",
        **metadata,
        "source": source,
        "files": {path: file_digest(text.encode()) for path, text in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def unsafe_relative_path(relative: str) -> str | None:
    """Why `relative` is not a plain relative path strictly inside a folder, or None if it is."""
    if not relative:
        return "it is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in relative):
        return "it holds a NUL or control character"
    if "\\" in relative or (len(relative) > 1 and relative[1] == ":"):
        return "it holds a backslash or a drive"
    if relative.startswith("/"):
        return "it is absolute"
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or posixpath.normpath(relative) != relative:
        return "it is not normalised (empty, `.` or `..` segments)"
    if relative == MANIFEST_NAME:
        return "it names the manifest itself"
    return None


def _invalid(target: Path, text: str, needle: str, problem: str) -> DiagnosticError:
    """NAF412 located at `needle` (a JSON-encoded entry) in the manifest's text when found."""
    line = column = 1
    index = text.find(needle) if needle else -1
    if index >= 0:
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
    return DiagnosticError(
        [
            Diagnostic(
                Location(str(target / MANIFEST_NAME), line, column),
                "NAF412",
                Severity.ERROR,
                f"invalid manifest: {problem}; nothing was written or removed",
                "a pull request may have planted it: rebuild into a new folder (or move this one "
                "away); if you trust every file here, delete the manifest and rebuild with --force",
            )
        ]
    )


def read_manifest(target: Path) -> Manifest | None:
    """The manifest of the package at `target`, None when there is none; NAF412 when invalid."""
    found = probe(target, MANIFEST_NAME, limit=MAX_MANIFEST_BYTES.value)
    if found.kind == "missing":
        return None
    if found.kind != "file":
        raise _invalid(target, "", "", f"{found.where or MANIFEST_NAME} is {found.describe()}")
    if found.data is None:
        raise _invalid(
            target,
            "",
            "",
            f"it is larger than {MAX_MANIFEST_BYTES.value:,} bytes ({MAX_MANIFEST_BYTES.hint()})",
        )
    try:
        text = found.data.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise _invalid(target, "", "", f"it is not UTF-8 JSON ({truncate(error)})") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise _invalid(target, text, "", 'it has no "files" object')
    checked: dict[str, str] = {}
    for relative, digest in files.items():
        needle = json.dumps(relative)
        problem = unsafe_relative_path(relative)
        if problem is not None:
            raise _invalid(
                target,
                text,
                needle,
                f"entry {truncate(relative)} is not a plain relative path inside the package "
                f"({problem})",
            )
        if not isinstance(digest, str) or len(digest) != 64 or not _HEX.issuperset(digest):
            raise _invalid(target, text, needle, f"entry {truncate(relative)} has no sha256 hash")
        checked[relative] = digest
    metadata = {
        str(k): str(v)
        for k, v in data.items()
        if k not in ("files", "generator") and isinstance(v, str | int | float)
    }
    return Manifest(checked, metadata)


def read_ignore_patterns(target: Path) -> tuple[str, ...]:
    """The patterns of `target/.naftiko-gen-ignore` (comments and blank lines dropped)."""
    found = probe(target, IGNORE_NAME, limit=_IGNORE_MAX_BYTES)
    if found.kind != "file" or found.data is None:
        return ()
    try:
        text = found.data.decode("utf-8")
    except UnicodeDecodeError:
        return ()
    return tuple(
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def _matches(pattern: str, relative: str) -> bool:
    directory_only = pattern.endswith("/")
    pattern = pattern.strip("/") if "/" in pattern.rstrip("/") else pattern.rstrip("/")
    parts = relative.split("/")
    if "/" not in pattern:
        # No slash: the name of a file or folder at any depth (gitignore).
        names = parts[:-1] if directory_only else parts
        return any(fnmatch.fnmatchcase(name, pattern) for name in names)
    # A slash: anchored at the package folder; matching a folder covers everything inside.
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if directory_only:
        prefixes = prefixes[:-1]
    return any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes)


def is_ignored(relative: str, patterns: Sequence[str]) -> bool:
    """Whether gitignore-style `patterns` (later ones win, `!` negates) cover `relative`."""
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _matches(pattern[1:] if negated else pattern, relative):
            ignored = not negated
    return ignored
