"""Stage 1, load (continued): the folders a spec ships with its package, read at build time.

A skill's `location` (its SKILL.md, instruction files and assets), a `script` step's
`location` (the script, its dependencies and data) and a static MCP resource's `location` are
folders beside the spec; an MCP prompt's `location` is a file beside it. They are read here,
once, and the package carries their bytes: the generated server never reads the build
machine's disk, nor its own working directory. They are untrusted input, so:

- a folder must lie inside the spec's folder; a `location` outside it, or a path through a
  symbolic link (the folder itself, any folder on the way, or any file in it), is refused
  (NAF387), so a spec cannot make a build copy `/etc` or a home folder into a package;
- only folders and regular files are read, each without following links (NAF388, also when a
  resource's `location` is not a folder or a prompt's is not a regular file);
- the files of one folder (or a prompt's one file) are bounded in number and total size (NAF389,
  `NAFTIKO_GEN_MAX_ASSET_FILES`, `NAFTIKO_GEN_MAX_ASSET_BYTES`).

`file:///./x` and `./x` are relative to the spec's folder; `file:///abs/x` is absolute and must
still lie inside that folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from .canonical import AssetFolder
from .diagnostics import Diagnostic, DiagnosticError, Severity
from .limits import MAX_ASSET_BYTES, MAX_ASSET_FILES
from .load import LoadedSpec, NodePath

__all__ = ["asset_locations", "load_assets", "mcp_locations"]


def asset_locations(data: Mapping[str, Any]) -> Iterator[tuple[NodePath, str]]:
    """Every folder the spec ships: skill `location`s, script steps' and the scripting default.

    Yields (path of the `location` node, its value), in document order.
    """
    capability = data.get("capability")
    if not isinstance(capability, dict):
        return
    script_steps = list(_script_steps(capability, ("capability",)))
    for index, entry in enumerate(_list(capability.get("exposes"))):
        if not isinstance(entry, dict):
            continue
        base: NodePath = ("capability", "exposes", index)
        if entry.get("type") == "skill":
            for s_index, skill in enumerate(_list(entry.get("skills"))):
                if isinstance(skill, dict) and isinstance(skill.get("location"), str):
                    yield (*base, "skills", s_index, "location"), skill["location"]
        if entry.get("type") == "control" and script_steps:
            scripting = _dict(_dict(entry.get("management")).get("scripting"))
            if isinstance(scripting.get("defaultLocation"), str):
                path = (*base, "management", "scripting", "defaultLocation")
                yield path, scripting["defaultLocation"]
    for path, step in script_steps:
        if isinstance(step.get("location"), str):
            yield (*path, "location"), step["location"]


def mcp_locations(data: Mapping[str, Any]) -> Iterator[tuple[NodePath, str, bool]]:
    """Every `location` of an MCP adapter: (path of the node, its value, whether it is a folder).

    A resource's `location` is a folder of files (static mode); a prompt's is one file.
    """
    capability = _dict(data.get("capability"))
    for index, entry in enumerate(_list(capability.get("exposes"))):
        if not isinstance(entry, dict) or entry.get("type") != "mcp":
            continue
        for key, folder in (("resources", True), ("prompts", False)):
            for u_index, unit in enumerate(_list(entry.get(key))):
                if isinstance(unit, dict) and isinstance(unit.get("location"), str):
                    path = ("capability", "exposes", index, key, u_index, "location")
                    yield path, unit["location"], folder


def _script_steps(node: Any, path: NodePath) -> Iterator[tuple[NodePath, dict[str, Any]]]:
    """Every `type: script` step under `node` (a unit's `steps`, at any depth)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "steps" and isinstance(value, list):
                for index, step in enumerate(value):
                    if isinstance(step, dict) and step.get("type") == "script":
                        yield (*path, key, index), step
            else:
                yield from _script_steps(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _script_steps(item, (*path, index))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def load_assets(spec: LoadedSpec, spec_path: Path) -> dict[str, AssetFolder]:
    """Read every folder `asset_locations` names and every MCP `location`, by `location` value.

    Raise `DiagnosticError` (located at the `location` value) for any folder that is refused.
    """
    loaded: dict[str, AssetFolder] = {}
    read: set[tuple[str, bool]] = set()
    problems: list[Diagnostic] = []
    root = spec_path.parent.absolute()  # links above the spec are the user's own
    wanted = [
        *((node, location, True) for node, location in asset_locations(spec.data)),
        *mcp_locations(spec.data),
    ]
    for node, location, folder in wanted:
        # The same value named as a folder and as a file is read as each (one is refused).
        if (location, folder) in read:
            continue
        read.add((location, folder))
        try:
            loaded[location] = (_read_folder if folder else _read_one_file)(root, location)
        except _Refused as refusal:
            problems.append(
                Diagnostic(
                    spec.locate(node), refusal.code, Severity.ERROR, refusal.message, refusal.hint
                )
            )
    if problems:
        raise DiagnosticError(problems)
    return loaded


class _Refused(Exception):
    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


_OUTSIDE_HINT = "keep the folder inside the spec's folder and write `file:///./<folder>`"


def _relative_parts(root: Path, location: str) -> tuple[str, ...]:
    """The folder's path below `root`, as parts; refused when it is outside."""
    text = location.removeprefix("file://")
    if text.startswith("/./"):
        text = text[1:]
    target = PurePosixPath(text)
    if target.is_absolute():
        for base in (root, root.resolve()):
            try:
                target = PurePosixPath(os.path.normpath(text)).relative_to(base.as_posix())
                break
            except ValueError:
                continue
        else:
            raise _Refused("NAF387", f"location {location} lies outside the spec's folder", "")
    parts: list[str] = []
    for part in target.parts:
        if part == "..":
            if not parts:
                raise _Refused("NAF387", f"location {location} lies outside the spec's folder", "")
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return tuple(parts)


def _reach(root: Path, location: str) -> tuple[Path, tuple[str, ...], int]:
    """The path `location` names below `root`, its parts and its mode; no link on the way."""
    try:
        parts = _relative_parts(root, location)
    except _Refused as refusal:
        raise _Refused(refusal.code, refusal.message, _OUTSIDE_HINT) from None
    target, mode = root, os.lstat(root).st_mode
    for part in parts:  # no link on the way: each step is looked at, never followed
        target = target / part
        try:
            mode = os.lstat(target).st_mode
        except OSError as error:
            raise _Refused(
                "NAF388",
                f"cannot read location {location}: {error.strerror or error}",
                "check that it exists, relative to the spec's folder",
            ) from None
        if stat.S_ISLNK(mode):
            raise _Refused(
                "NAF387",
                f"location {location} goes through a symbolic link ({'/'.join(parts)})",
                "point `location` at the real folder or file, inside the spec's folder",
            )
    return target, parts, mode


def _read_folder(root: Path, location: str) -> AssetFolder:
    folder, parts, mode = _reach(root, location)
    if not stat.S_ISDIR(mode):
        raise _Refused("NAF388", f"location {location} is not a folder", "name a folder of files")
    files: list[tuple[str, bytes]] = []
    _walk(folder, (), location, files, [0])
    return AssetFolder(location, tuple(files), "/".join(parts) or ".")


def _read_one_file(root: Path, location: str) -> AssetFolder:
    """An MCP prompt's file: a regular file inside the spec's folder, bounded like a folder."""
    target, parts, mode = _reach(root, location)
    if not parts or not stat.S_ISREG(mode):
        raise _Refused(
            "NAF388", f"location {location} is not a regular file", "name a file of the prompt"
        )
    data = _read_file(target, MAX_ASSET_BYTES.value + 1)
    if len(data) > MAX_ASSET_BYTES.value:
        raise _Refused(
            "NAF389",
            f"location {location} holds more than {MAX_ASSET_BYTES.value:,} bytes",
            MAX_ASSET_BYTES.hint(),
        )
    return AssetFolder(location, ((parts[-1], data),), "/".join(parts[:-1]) or ".")


def _walk(
    folder: Path,
    prefix: tuple[str, ...],
    location: str,
    files: list[tuple[str, bytes]],
    total: list[int],
) -> None:
    """Read every regular file below `folder` (sorted, links refused, bounded) into `files`."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        shown = "/".join((*prefix, entry.name))
        if entry.is_symlink():
            raise _Refused(
                "NAF387",
                f"location {location} holds a symbolic link, {shown}",
                "replace the link with the file it points to",
            )
        if entry.is_dir(follow_symlinks=False):
            _walk(Path(entry.path), (*prefix, entry.name), location, files, total)
            continue
        if not entry.is_file(follow_symlinks=False):
            raise _Refused(
                "NAF388",
                f"location {location} holds {shown}, which is not a regular file",
                "keep only regular files in the folder",
            )
        if len(files) >= MAX_ASSET_FILES.value:
            raise _Refused(
                "NAF389",
                f"location {location} holds more than {MAX_ASSET_FILES.value:,} files",
                MAX_ASSET_FILES.hint(),
            )
        data = _read_file(Path(entry.path), MAX_ASSET_BYTES.value - total[0] + 1)
        total[0] += len(data)
        if total[0] > MAX_ASSET_BYTES.value:
            raise _Refused(
                "NAF389",
                f"location {location} holds more than {MAX_ASSET_BYTES.value:,} bytes in files",
                MAX_ASSET_BYTES.hint(),
            )
        files.append((shown, data))


def _read_file(path: Path, most: int) -> bytes:
    """Up to `most` bytes of a regular file, opened without following a link."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise _Refused("NAF388", f"{path.name} is not a regular file", "")
        return stream.read(max(most, 0))
