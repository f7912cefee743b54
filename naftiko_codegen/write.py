"""Stage 7, write: the file map → disk, safely, touching only files naftiko-gen generated.

A manifest (`.naftiko-gen.json`) inside the package lists every generated file with its hash,
plus what it was generated from (spec hash, generator version, templates hash) for drift checks.
A new package is staged in a temporary folder beside the target and moved into place whole;
an existing one is checked completely (foreign files, hand edits) before anything is written,
and only files whose content changes are rewritten.

Two kinds of path belong to the user: the globs in `.naftiko-gen-ignore` (gitignore-style,
relative to the package folder) are never written or removed, and user files (the hooks
module) are created once when absent and never touched again; neither is in the manifest.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity

__all__ = [
    "IGNORE_NAME",
    "MANIFEST_NAME",
    "Manifest",
    "WriteReport",
    "file_digest",
    "is_ignored",
    "plan_write",
    "read_ignore_patterns",
    "read_manifest",
    "write_package",
]

MANIFEST_NAME = ".naftiko-gen.json"
IGNORE_NAME = ".naftiko-gen-ignore"


@dataclass(frozen=True)
class Manifest:
    """The record of a generated package: its files' hashes and what produced them."""

    files: Mapping[str, str]
    """Relative path → sha256 of the bytes written."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """`source`, `spec_sha256`, `generator_version`, `templates_sha256` (older manifests: fewer)."""


@dataclass(frozen=True)
class WriteReport:
    """What a write did (or, planned, would do)."""

    target: Path
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    conflicts: tuple[Diagnostic, ...] = field(default=())
    ignored: tuple[str, ...] = ()
    """Generated files skipped because `.naftiko-gen-ignore` lists them."""
    user_created: tuple[str, ...] = ()
    """User files (created once, never in the manifest) that do not exist yet."""

    @property
    def changed(self) -> bool:
        """Whether the tree on disk differs from the generated one."""
        return bool(self.created or self.updated or self.removed or self.user_created)


def file_digest(data: bytes) -> str:
    """The sha256 the manifest records for a file's bytes."""
    return hashlib.sha256(data).hexdigest()


_digest = file_digest


def _manifest_text(files: Mapping[str, str], source: str, metadata: Mapping[str, str]) -> str:
    manifest: dict[str, object] = {
        "generator": "naftiko-gen",
        **metadata,
        "source": source,
        "files": {path: _digest(text.encode()) for path, text in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def read_manifest(target: Path) -> Manifest | None:
    """The manifest of the package at `target`, or None when there is none (or it is broken)."""
    path = target / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return None
    metadata = {
        str(k): str(v) for k, v in data.items() if k not in ("files", "generator") and v is not None
    }
    return Manifest({str(k): str(v) for k, v in files.items()}, metadata)


def _read_manifest(target: Path) -> dict[str, str] | None:
    manifest = read_manifest(target)
    return None if manifest is None else dict(manifest.files)


def read_ignore_patterns(target: Path) -> tuple[str, ...]:
    """The patterns of `target/.naftiko-gen-ignore` (comments and blank lines dropped)."""
    try:
        text = (target / IGNORE_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
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


def _conflict(target: Path, relative: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(Location(str(target / relative)), "NAF410", Severity.ERROR, message, hint)


def _split(
    target: Path,
    files: Mapping[str, str],
    source: str,
    metadata: Mapping[str, str],
    user_files: Mapping[str, str],
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """(files to manage incl. the manifest, ignored paths, user files to create)."""
    patterns = read_ignore_patterns(target) if target.is_dir() else ()
    kept = {p: t for p, t in files.items() if not is_ignored(p, patterns)}
    ignored = sorted(p for p in files if p not in kept)
    managed = {**kept, MANIFEST_NAME: _manifest_text(kept, source, metadata)}
    create = {
        p: t
        for p, t in user_files.items()
        if p not in files and not is_ignored(p, patterns) and not (target / p).exists()
    }
    return managed, ignored, create


def plan_write(
    target: Path,
    files: Mapping[str, str],
    *,
    source: str,
    force: bool = False,
    metadata: Mapping[str, str] | None = None,
    user_files: Mapping[str, str] | None = None,
) -> WriteReport:
    """Compare the generated files with the tree at `target`; find what would change or clash."""
    all_files, ignored, create = _split(target, files, source, metadata or {}, user_files or {})
    if not target.exists():
        return WriteReport(
            target, created=tuple(sorted(all_files)), user_created=tuple(sorted(create))
        )
    if not target.is_dir():
        return WriteReport(
            target,
            conflicts=(
                _conflict(
                    target, "", "the output path exists and is not a folder", "choose another -o"
                ),
            ),
        )
    manifest = _read_manifest(target)
    existing_entries = [p for p in target.iterdir() if p.name != IGNORE_NAME]
    if manifest is None and existing_entries:
        return WriteReport(
            target,
            conflicts=(
                _conflict(
                    target,
                    "",
                    f"{target} exists and was not generated by naftiko-gen (no {MANIFEST_NAME}); "
                    "refusing to write into it",
                    "choose an empty or new output folder, or move the existing one away",
                ),
            ),
        )
    manifest = manifest or {}
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    removed: list[str] = []
    conflicts: list[Diagnostic] = []
    for relative, text in sorted(all_files.items()):
        path = target / relative
        if not path.exists():
            created.append(relative)
            continue
        current = path.read_bytes()
        if current == text.encode():
            unchanged.append(relative)
            continue
        if relative != MANIFEST_NAME:
            recorded = manifest.get(relative)
            if recorded is None and not force:
                conflicts.append(
                    _conflict(
                        target,
                        relative,
                        f"{relative} exists but naftiko-gen did not generate it; not overwriting",
                        "move the file away, or pass --force to overwrite it",
                    )
                )
                continue
            if recorded is not None and recorded != _digest(current) and not force:
                conflicts.append(
                    _conflict(
                        target,
                        relative,
                        f"{relative} was edited by hand since it was generated; not overwriting",
                        "keep the edit elsewhere (or in the spec), or pass --force to overwrite",
                    )
                )
                continue
        updated.append(relative)
    patterns = read_ignore_patterns(target)
    for relative, recorded in sorted(manifest.items()):
        if relative in all_files or is_ignored(relative, patterns):
            continue
        path = target / relative
        if not path.exists():
            continue
        if _digest(path.read_bytes()) != recorded and not force:
            conflicts.append(
                _conflict(
                    target,
                    relative,
                    f"{relative} is no longer generated but was edited by hand; leaving it",
                    "delete it yourself if it is not needed, or pass --force",
                )
            )
            continue
        removed.append(relative)
    return WriteReport(
        target,
        tuple(created),
        tuple(updated),
        tuple(unchanged),
        tuple(removed),
        tuple(conflicts),
        tuple(ignored),
        tuple(sorted(create)),
    )


def _write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_package(
    target: Path,
    files: Mapping[str, str],
    *,
    source: str,
    force: bool = False,
    metadata: Mapping[str, str] | None = None,
    user_files: Mapping[str, str] | None = None,
) -> WriteReport:
    """Write the package to `target`; raise `DiagnosticError` (writing nothing) on any conflict."""
    report = plan_write(
        target, files, source=source, force=force, metadata=metadata, user_files=user_files
    )
    if report.conflicts:
        raise DiagnosticError(report.conflicts)
    all_files, _, create = _split(target, files, source, metadata or {}, user_files or {})
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
        try:
            for relative, text in {**create, **all_files}.items():
                (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                (staging / relative).write_bytes(text.encode())
            staging.replace(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return report
    for relative in (*report.created, *report.updated):
        if relative != MANIFEST_NAME:
            _write_file(target / relative, all_files[relative])
    for relative, text in create.items():
        _write_file(target / relative, text)
    for relative in report.removed:
        (target / relative).unlink()
        _prune_empty_parents(target, (target / relative).parent)
    # The manifest goes last: an interrupted write leaves the old record, which is safe.
    if MANIFEST_NAME in (*report.created, *report.updated):
        _write_file(target / MANIFEST_NAME, all_files[MANIFEST_NAME])
    return report


def _prune_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
