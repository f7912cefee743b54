"""Plan a write: compare the generated files with the package on disk, find every conflict.

Read-only. Every path is looked at through `tree.probe`, so a link or special file inside the
package is a conflict (NAF414; `--force` replaces it), never followed. The manifest is checked
(NAF412), and a package another spec generated is not replaced silently (NAF413).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .manifest import (
    IGNORE_NAME,
    MANIFEST_NAME,
    Manifest,
    file_digest,
    is_ignored,
    manifest_text,
    read_ignore_patterns,
    read_manifest,
)
from .tree import Found, probe

__all__ = ["WriteReport", "managed_files", "plan_write"]


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


def _conflict(
    target: Path, relative: str, message: str, hint: str, code: str = "NAF410"
) -> Diagnostic:
    return Diagnostic(Location(str(target / relative)), code, Severity.ERROR, message, hint)


def _link(target: Path, relative: str, found: Found) -> Diagnostic:
    return _conflict(
        target,
        found.where or relative,
        f"{found.where or relative} is {found.describe()}; naftiko-gen does not follow links or "
        "read special files inside a package",
        "replace it with a real folder or file, or rebuild into a new folder; --force replaces it",
        "NAF414",
    )


def managed_files(
    target: Path,
    files: Mapping[str, str],
    source: str,
    metadata: Mapping[str, str],
    user_files: Mapping[str, str],
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """(files to manage incl. the manifest, ignored paths, user files to create)."""
    patterns = read_ignore_patterns(target)
    kept = {p: t for p, t in files.items() if not is_ignored(p, patterns)}
    ignored = sorted(p for p in files if p not in kept)
    managed = {**kept, MANIFEST_NAME: manifest_text(kept, source, metadata)}
    create = {
        p: t
        for p, t in user_files.items()
        if p not in files and not is_ignored(p, patterns) and probe(target, p).kind == "missing"
    }
    return managed, ignored, create


def _other_spec(
    target: Path, manifest: Manifest, source: str, metadata: Mapping[str, str]
) -> Diagnostic | None:
    """NAF413 when the package at `target` records another spec than the one building now."""
    new = metadata.get("spec")
    if not new:
        return None
    old = manifest.metadata.get("spec")
    if old is None:
        # Older manifests record the spec's file name only.
        old_source = manifest.metadata.get("source")
        if old_source is None or old_source == source:
            return None
        old, new = old_source, source
    if old == new:
        return None
    return _conflict(
        target,
        MANIFEST_NAME,
        f"{target} was generated from {old}, not from {new}; not replacing another spec's "
        "package",
        "build into another -o folder or choose another --name; --force replaces the package",
        "NAF413",
    )


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
    metadata = metadata or {}
    top = probe(target, "")
    if top.kind == "missing":
        all_files, _, create = managed_files(target, files, source, metadata, user_files or {})
        return WriteReport(
            target, created=tuple(sorted(all_files)), user_created=tuple(sorted(create))
        )
    if top.kind != "folder":
        message = (
            "the output path is a symbolic link"
            if top.kind == "link"
            else ("the output path exists and is not a folder")
        )
        return WriteReport(target, conflicts=(_conflict(target, "", message, "choose another -o"),))
    try:
        manifest = read_manifest(target)
    except DiagnosticError as error:
        return WriteReport(target, conflicts=tuple(error.diagnostics))
    all_files, ignored, create = managed_files(target, files, source, metadata, user_files or {})
    if manifest is None:
        if any(p.name != IGNORE_NAME for p in target.iterdir()):
            return WriteReport(
                target,
                conflicts=(
                    _conflict(
                        target,
                        "",
                        f"{target} exists and was not generated by naftiko-gen (no "
                        f"{MANIFEST_NAME}); refusing to write into it",
                        "choose an empty or new output folder, or move the existing one away",
                    ),
                ),
            )
        manifest = Manifest({})
    other = None if force else _other_spec(target, manifest, source, metadata)
    if other is not None:
        return WriteReport(target, conflicts=(other,))
    return _compare(target, all_files, manifest, force, ignored, create)


def _compare(
    target: Path,
    all_files: Mapping[str, str],
    manifest: Manifest,
    force: bool,
    ignored: list[str],
    create: Mapping[str, str],
) -> WriteReport:
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    removed: list[str] = []
    conflicts: list[Diagnostic] = []
    for relative, text in sorted(all_files.items()):
        found = probe(target, relative, limit=0)
        if found.kind == "missing":
            created.append(relative)
        elif found.kind != "file":
            if not force:
                conflicts.append(_link(target, relative, found))
                continue
            updated.append(relative)
        elif found.digest == file_digest(text.encode()):
            unchanged.append(relative)
        elif relative == MANIFEST_NAME or force:
            updated.append(relative)
        elif (recorded := manifest.files.get(relative)) is None:
            conflicts.append(
                _conflict(
                    target,
                    relative,
                    f"{relative} exists but naftiko-gen did not generate it; not overwriting",
                    "move the file away, or pass --force to overwrite it",
                )
            )
        elif recorded != found.digest:
            conflicts.append(
                _conflict(
                    target,
                    relative,
                    f"{relative} was edited by hand since it was generated; not overwriting",
                    "keep the edit elsewhere (or in the spec), or pass --force to overwrite",
                )
            )
        else:
            updated.append(relative)
    patterns = read_ignore_patterns(target)
    for relative, recorded in sorted(manifest.files.items()):
        if relative in all_files or is_ignored(relative, patterns):
            continue
        found = probe(target, relative, limit=0)
        if found.kind == "missing":
            continue
        if found.kind != "file" and not force:
            conflicts.append(_link(target, relative, found))
            continue
        if found.kind == "file" and found.digest != recorded and not force:
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
