"""File-system primitives for writing a package without ever following a link out of it.

`probe` looks at a path inside a package one component at a time (`O_NOFOLLOW`, relative to
the parent folder's descriptor), so a symbolic link, FIFO or device on the way is reported,
never followed, opened for reading or waited on. `copy_tree` mirrors a package into a staging
folder with hard links (links are recreated as links), `exchange` swaps two folders atomically,
and `PackageLock` serialises builds of one package folder.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Found", "LockBusy", "PackageLock", "copy_tree", "exchange", "probe", "write_new"]

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CHUNK = 1024 * 1024

Kind = Literal["missing", "file", "folder", "link", "special"]


@dataclass(frozen=True)
class Found:
    """What is at a path inside a package, found without following any link."""

    kind: Kind
    where: str = ""
    """The package-relative path of the component that is a link or not a folder."""
    digest: str = ""
    """sha256 of a regular file's bytes."""
    data: bytes | None = None
    """A regular file's bytes when it is no larger than the probe's limit."""

    def describe(self) -> str:
        """What was found, for a message."""
        return {
            "missing": "missing",
            "file": "a file",
            "folder": "a folder",
            "link": "a symbolic link",
            "special": "not a regular file or folder (a FIFO, device or socket)",
        }[self.kind]


def _kind(mode: int) -> Kind:
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


def probe(root: Path, relative: str, *, limit: int = 64 * 1024 * 1024) -> Found:
    """What `root/relative` is; a regular file's digest (and bytes, up to `limit`) too."""
    parts = relative.split("/") if relative else []
    try:
        folder = os.open(root, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW)
    except FileNotFoundError:
        return Found("missing")
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            return Found("link" if root.is_symlink() else "special", "")
        raise
    try:
        for index, part in enumerate(parts):
            where = "/".join(parts[: index + 1])
            try:
                kind = _kind(os.lstat(part, dir_fd=folder).st_mode)
            except FileNotFoundError:
                return Found("missing")
            last = index == len(parts) - 1
            if last and kind == "file":
                return _read(folder, part, where, limit)
            if last or kind != "folder":
                return Found(kind, where)
            inner = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = inner
        return Found("folder")
    finally:
        os.close(folder)


def _read(folder: int, name: str, where: str, limit: int) -> Found:
    # O_NONBLOCK: if the file was swapped for a FIFO since lstat, opening must not wait.
    handle = os.open(name, os.O_RDONLY | _O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return Found("special", where)
        digest = hashlib.sha256()
        kept: list[bytes] = []
        size = 0
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if size <= limit:
                kept.append(chunk)
    return Found("file", where, digest.hexdigest(), b"".join(kept) if size <= limit else None)


def write_new(path: Path, data: bytes) -> None:
    """Create `path` (it must not exist) with the umask's permissions; never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags, 0o666)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def copy_tree(
    source: Path, destination: Path, skip: Callable[[str, Kind], bool], prefix: str = ""
) -> None:
    """Mirror `source` into the existing folder `destination` without following links.

    Files are hard-linked (so they keep their inode, timestamps and mode; copied where links
    are impossible), links are recreated as the same links, FIFOs recreated, folders made with
    the source's mode; sockets and devices are left out. `skip(relative, kind)` drops an entry.
    """
    with os.scandir(source) as entries:
        listing = sorted(entries, key=lambda entry: entry.name)
    for entry in listing:
        relative = f"{prefix}{entry.name}"
        mode = entry.stat(follow_symlinks=False).st_mode
        kind = _kind(mode)
        if skip(relative, kind):
            continue
        target = destination / entry.name
        if kind == "folder":
            target.mkdir()
            copy_tree(Path(entry.path), target, skip, f"{relative}/")
            target.chmod(stat.S_IMODE(mode))
        elif kind == "link":
            target.symlink_to(Path(entry.path).readlink())
        elif kind == "file":
            try:
                os.link(entry.path, target, follow_symlinks=False)
            except OSError:
                shutil.copy2(entry.path, target, follow_symlinks=False)
        elif stat.S_ISFIFO(mode):
            os.mkfifo(target, stat.S_IMODE(mode))


def exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux `renameat2`); False where unsupported."""
    try:
        import ctypes  # imported here: only updates of an existing package need it

        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (ImportError, OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


class LockBusy(Exception):
    """Another process held the package's lock for longer than the wait allowed."""


class PackageLock:
    """An exclusive `flock` on `.<name>.lock` beside a package folder, removed on release.

    The kernel releases a dead build's lock, so a killed build never leaves the next one
    waiting. The file is removed while still locked; a waiter that then locks the removed file
    notices (another inode is, or nothing is, at the path) and tries again.
    """

    def __init__(self, target: Path, wait: float) -> None:
        self.path = target.parent / f".{target.name}.lock"
        self._wait = wait
        self._handle: int | None = None

    def __enter__(self) -> PackageLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock (Windows): builds are not serialised
            return self
        deadline = time.monotonic() + self._wait
        for _ in _attempts():
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT | _O_NOFOLLOW, 0o666)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                if time.monotonic() > deadline:
                    raise LockBusy(str(self.path)) from None
                time.sleep(0.05)
                continue
            if _same_file(handle, self.path):
                self._handle = handle
                return self
            os.close(handle)
        raise LockBusy(str(self.path))  # pragma: no cover - _attempts never ends

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._handle)
            self._handle = None


def _attempts() -> Iterator[int]:
    count = 0
    while True:
        count += 1
        yield count


def _same_file(handle: int, path: Path) -> bool:
    try:
        on_disk = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(handle)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)
