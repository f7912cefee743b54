"""The files of static MCP resources and of prompts kept in a file, shipped in the package.

A resource's `location` folder and a prompt's `location` file were read at build time, relative
to the spec's folder, by `assets.py` (which refuses what lies outside it, links and oversized
folders). Here each becomes what the package ships below its `mcp_files/`, at the same path it
has below the spec's folder, so the server reads it from its own package and never from its
working directory. They are served as text: a file that is not UTF-8 gets a NAF440 warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from ..canonical import AssetFolder, Folder
from ..diagnostics import truncate
from ..load import NodePath
from .scope import Scope

__all__ = ["prompt_file", "resource_folder", "shipped_path"]


def resource_folder(scope: Scope, raw: Mapping[str, Any], path: NodePath) -> Folder:
    """A static resource's folder; with no files when it was not read (a resolve without a build)."""
    location = str(raw["location"])
    loaded = scope.assets.get(location)
    if loaded is None:
        return Folder(_fallback_path(location))
    _warn_undecodable(scope, raw, path, "resource", loaded)
    return Folder(loaded.path, loaded.files)


def prompt_file(scope: Scope, raw: Mapping[str, Any], path: NodePath) -> tuple[str, bytes]:
    """A prompt file's shipped path (below `mcp_files/`) and its bytes."""
    location = str(raw["location"])
    loaded = scope.assets.get(location)
    if loaded is None or len(loaded.files) != 1:
        return _fallback_path(location), b""
    _warn_undecodable(scope, raw, path, "prompt", loaded)
    ((name, data),) = loaded.files
    return shipped_path(loaded.path, name), data


def shipped_path(folder: str, name: str) -> str:
    """`name` of the folder shipped at `folder` (`.` is the top of `mcp_files/`)."""
    return name if folder == "." else f"{folder}/{name}"


def _fallback_path(location: str) -> str:
    """The path a `location` names below the spec's folder, as written (never above it)."""
    text = location.removeprefix("file://").lstrip("/")
    parts = [p for p in PurePosixPath(text).parts if p not in (".", "..")]
    return "/".join(parts) or "."


def _warn_undecodable(
    scope: Scope, raw: Mapping[str, Any], path: NodePath, kind: str, loaded: AssetFolder
) -> None:
    for name, data in loaded.files:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            scope.warn(
                (*path, "location"),
                "NAF440",
                f"MCP {kind} {truncate(str(raw.get('name') or ''))}: {truncate(loaded.location)} "
                f"holds {truncate(name)}, which is not UTF-8 text; it is served with each "
                "undecodable byte replaced",
                "save the file as UTF-8, or leave it out of the folder",
            )
