"""The canonical types of skills and of the folders a build ships (see canonical.py).

Kept apart from `canonical.py` by concept: a skill of a skill adapter has tools and a folder of
files read at build time (skill and script `location`s); the scripting settings of the control
port say how script steps run. `canonical.py` (which holds the
`SkillAdapter` itself) re-exports every name here; this module imports nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["AssetFolder", "ScriptingSettings", "Skill", "SkillTool"]


@dataclass(frozen=True)
class AssetFolder:
    """A folder shipped in the package (a skill's, a script's or an MCP resource's or prompt's
    `location`), read at build time."""

    location: str
    """As the spec writes it."""
    files: tuple[tuple[str, bytes], ...]
    """(path relative to the folder, POSIX separators; content), sorted by path."""
    path: str = "."
    """Where the folder lies below the spec's folder (POSIX; `.` for the spec's folder itself).
    For a single file (an MCP prompt's `location`), the folder that holds it: `files` has one."""


@dataclass(frozen=True)
class ScriptingSettings:
    """The control port's `management.scripting` (digest §2.7), defaults filled in."""

    enabled: bool = True
    timeout_ms: int = 60_000
    statement_limit: int = 100_000
    allowed_languages: tuple[str, ...] = ()
    """Empty: every language."""
    default_language: str = ""
    default_location: str = ""


@dataclass(frozen=True)
class SkillTool:
    """A tool of a skill: derived `from` a sibling adapter's unit, or an `instruction` file."""

    name: str
    description: str
    target_namespace: str = ""
    """`from.sourceNamespace`: the REST or MCP adapter whose unit this is (derived tools)."""
    action: str = ""
    """`from.action`: the MCP tool or REST operation name (derived tools)."""
    mode: str = ""
    """`mcp` or `rest`: the kind of adapter `target_namespace` names (derived tools)."""
    instruction: str = ""
    """The instruction file, relative to the skill's folder (instruction tools)."""


@dataclass(frozen=True)
class Skill:
    """One skill of a skill adapter: Agent Skills metadata, its tools and its folder's files."""

    name: str
    description: str
    tools: tuple[SkillTool, ...]
    metadata: tuple[tuple[str, Any], ...] = ()
    """The optional frontmatter fields set (`license`, `argument-hint`, …), in the engine's order."""
    folder: AssetFolder | None = None
    """The `location` folder's files, when the skill has a location."""
