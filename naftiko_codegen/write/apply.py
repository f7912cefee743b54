"""Write a planned package: stage the whole new tree beside the target, then swap it in.

The new tree is built in `.<name>.staging-<random>/tree` (unchanged and foreign files
hard-linked from the old tree, so they keep their timestamps) and exchanged with the package
folder in one rename (`renameat2(RENAME_EXCHANGE)`; elsewhere two renames that the next build
completes or undoes), so a killed build leaves the old package or the new one, never a mix.
A marker file names every staging folder the generator made; the next build removes those.
Builds of one folder are serialised by a lock beside it. Nothing outside the target and its
staging folders is written or removed, and nothing inside is reached through a link.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..diagnostics import Diagnostic, DiagnosticError, Location, Severity
from ..limits import LOCK_WAIT
from .manifest import MANIFEST_NAME
from .plan import WriteReport, managed_files, plan_write
from .tree import LockBusy, PackageLock, copy_tree, exchange, probe, write_new

__all__ = ["clean_stale_staging", "write_package"]

_MARKER = "naftiko-gen-staging"
_MARKER_TEXT = "naftiko-gen staging folder for {name}; removed by the next build\n"


def _checkpoint(name: str) -> None:
    """Test hook: `NAFTIKO_GEN_KILL_AT=<name>` kills this process here (tests/faults)."""
    if os.environ.get("NAFTIKO_GEN_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


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
    options = {"source": source, "force": force, "metadata": metadata, "user_files": user_files}
    report = plan_write(target, files, **options)  # type: ignore[arg-type]
    if report.conflicts:
        raise DiagnosticError(report.conflicts)
    if not report.changed and not _has_stale(target):
        return report
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with PackageLock(target, LOCK_WAIT.value):
            clean_stale_staging(target)
            # Planned again under the lock: another build may have written meanwhile.
            report = plan_write(target, files, **options)  # type: ignore[arg-type]
            if report.conflicts:
                raise DiagnosticError(report.conflicts)
            if report.changed:
                all_files, _, create = managed_files(
                    target, files, source, metadata or {}, user_files or {}
                )
                _stage_and_swap(target, report, all_files, create)
    except LockBusy:
        raise _failure(
            target,
            "NAF416",
            f"another naftiko-gen build is writing {target} (waited {LOCK_WAIT.value} s)",
            "wait for the other build, or raise NAFTIKO_GEN_LOCK_WAIT (seconds, default 60)",
        ) from None
    except OSError as error:
        raise _failure(
            target,
            "NAF415",
            f"cannot write {target}: {error}; the package was left as it was",
            "free space or fix the permissions of the output folder, then build again",
        ) from None
    return report


def _failure(target: Path, code: str, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(Location(str(target)), code, Severity.ERROR, message, hint)])


def _staging_folders(target: Path) -> list[Path]:
    try:
        entries = sorted(target.parent.iterdir())
    except OSError:
        return []
    prefix = f".{target.name}.staging-"
    return [entry for entry in entries if entry.name.startswith(prefix)]


def _ours(folder: Path, target: Path) -> bool:
    """Whether `folder` is a staging folder this generator made for `target` (its marker)."""
    found = probe(folder, _MARKER, limit=4096)
    expected = _MARKER_TEXT.format(name=target.name).encode()
    return found.kind == "file" and found.data == expected


def _has_stale(target: Path) -> bool:
    return any(_ours(folder, target) for folder in _staging_folders(target))


def clean_stale_staging(target: Path) -> None:
    """Remove the staging folders killed builds left beside `target` (call under the lock).

    Where a killed build had moved the old package aside but not yet the new one in (the
    fallback without an atomic exchange), the old package is moved back first.
    """
    for folder in _staging_folders(target):
        if not _ours(folder, target):
            continue  # not made by naftiko-gen (no marker): never removed
        previous = folder / "previous"
        if probe(target, "").kind == "missing" and probe(previous, "").kind == "folder":
            previous.rename(target)
        shutil.rmtree(folder)


def _stage_and_swap(
    target: Path, report: WriteReport, all_files: Mapping[str, str], create: Mapping[str, str]
) -> None:
    wrapper = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
    try:
        write_new(wrapper / _MARKER, _MARKER_TEXT.format(name=target.name).encode())
        tree = wrapper / "tree"
        tree.mkdir()  # the umask's permissions (mkdtemp's 0700 stays on the wrapper only)
        exists = probe(target, "").kind == "folder"
        if exists:
            _mirror(target, tree, report, all_files)
        _checkpoint("copied")
        for relative in sorted({*report.created, *report.updated, *report.user_created}):
            if relative == MANIFEST_NAME:
                continue
            text = all_files[relative] if relative in all_files else create[relative]
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            write_new(tree / relative, text.encode())
            _checkpoint("writing")
        for relative in report.removed:
            _prune_empty_parents(tree, (tree / relative).parent)
        write_new(tree / MANIFEST_NAME, all_files[MANIFEST_NAME].encode())
        _checkpoint("staged")
        if not exists:
            tree.rename(target)
        else:
            _swap(tree, target, wrapper)
        _checkpoint("swapped")
    finally:
        shutil.rmtree(wrapper, ignore_errors=True)


def _mirror(target: Path, tree: Path, report: WriteReport, all_files: Mapping[str, str]) -> None:
    """Copy the old package into `tree`, less what is rewritten, removed or replaced."""
    rewritten = {*report.created, *report.updated, *report.removed, MANIFEST_NAME}
    folders = {"/".join(p.split("/")[:i]) for p in all_files for i in range(1, p.count("/") + 1)}

    def skip(relative: str, kind: str) -> bool:
        if relative in rewritten:
            return True
        # A link or special file where the new tree needs a folder is replaced (--force).
        return kind not in ("file", "folder") and relative in folders

    copy_tree(target, tree, skip)
    tree.chmod(target.lstat().st_mode & 0o7777)


def _swap(tree: Path, target: Path, wrapper: Path) -> None:
    if exchange(tree, target):
        return  # `tree` now holds the old package, removed with the wrapper
    # No atomic exchange here: move the old package aside first. A build killed between the
    # two renames leaves no package and `previous`, which `clean_stale_staging` moves back.
    previous = wrapper / "previous"
    target.rename(previous)
    _checkpoint("aside")
    try:
        tree.rename(target)
    except OSError:
        previous.rename(target)
        raise


def _prune_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
