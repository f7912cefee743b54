"""The skill adapter: a read-only catalog of skills, each with tools and a folder of files.

A tool is derived `from` a sibling adapter's unit (`from.sourceNamespace` a REST or MCP adapter
of this capability, `from.action` one of its REST operations or MCP tools: both must exist,
NAF349, which the engine checks only for the namespace) or is an `instruction` file of its
skill's `location` folder (NAF351). The folders themselves were read at build time by
`assets.py`; a skill whose folder was not loaded has no files.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from ..canonical import AssetFolder, McpAdapter, RestAdapter, Skill, SkillAdapter, SkillTool
from ..diagnostics import truncate
from ..load import NodePath
from ._values import as_dict, as_list, opt_str
from .auth import inbound_auth
from .scope import Scope

__all__ = ["resolve_skills"]

# The optional Agent Skills fields, in the order the engine's detail endpoint writes them.
_METADATA_KEYS = (
    "license",
    "compatibility",
    "argument-hint",
    "allowed-tools",
    "user-invocable",
    "disable-model-invocation",
)


def resolve_skills(
    scope: Scope,
    entry: Mapping[str, Any],
    path: NodePath,
    siblings: Sequence[RestAdapter | McpAdapter],
    assets: Mapping[str, AssetFolder],
) -> SkillAdapter:
    """The skill adapter, its tools bound to the sibling adapters' units."""
    units: dict[str, tuple[str, set[str]]] = {}
    for adapter in siblings:
        if isinstance(adapter, McpAdapter):
            units[adapter.namespace] = ("mcp", {tool.name for tool in adapter.tools})
        else:
            names = {op.name for op in adapter.operations if op.name}
            units[adapter.namespace] = ("rest", names)
    skills: list[Skill] = []
    for index, raw in enumerate(as_list(entry.get("skills"))):
        if isinstance(raw, dict):
            skills.append(_skill(scope, raw, (*path, "skills", index), units, assets))
    port = entry.get("port")
    return SkillAdapter(
        namespace=str(entry.get("namespace") or ""),
        port=int(port) if isinstance(port, int) else None,
        address=opt_str(entry.get("address")),
        description=str(entry.get("description") or ""),
        skills=tuple(skills),
        auth=inbound_auth(scope, entry.get("authentication"), (*path, "authentication")),
    )


def _skill(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    units: Mapping[str, tuple[str, set[str]]],
    assets: Mapping[str, AssetFolder],
) -> Skill:
    name = str(raw.get("name") or "")
    location = raw.get("location")
    folder = assets.get(location) if isinstance(location, str) else None
    tools: list[SkillTool] = []
    for index, tool in enumerate(as_list(raw.get("tools"))):
        if isinstance(tool, dict):
            t_path: NodePath = (*path, "tools", index)
            bound = _tool(scope, tool, t_path, name, units, folder, location)
            if bound is not None:
                tools.append(bound)
    metadata: list[tuple[str, Any]] = [(k, raw[k]) for k in _METADATA_KEYS if k in raw]
    extra = as_dict(raw.get("metadata"))
    if extra:
        metadata.append(("metadata", {str(k): str(v) for k, v in extra.items()}))
    return Skill(
        name=name,
        description=str(raw.get("description") or ""),
        tools=tuple(tools),
        metadata=tuple(metadata),
        folder=folder,
    )


def _tool(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    skill: str,
    units: Mapping[str, tuple[str, set[str]]],
    folder: AssetFolder | None,
    location: Any,
) -> SkillTool | None:
    """One tool; None when it names nothing that exists (reported)."""
    name, description = str(raw.get("name") or ""), str(raw.get("description") or "")
    what = f"skill tool {name!r} of skill {skill!r}"
    source = raw.get("from")
    if isinstance(source, dict):
        # [D]'s older shape `from: {namespace, name}` reads the same (the catalog dialect).
        namespace = str(source.get("sourceNamespace") or source.get("namespace") or "")
        action = str(source.get("action") or source.get("name") or "")
        if namespace not in units:
            known = ", ".join(sorted(units)) or "none"
            scope.warn(
                (*path, "from"),
                "NAF349",
                f"{what}: {truncate(namespace)} is not a REST or MCP adapter of this "
                f"capability (adapters: {known}); the tool is left out",
                _did_you_mean(namespace, units) or "name a sibling REST or MCP adapter",
            )
            return None
        mode, names = units[namespace]
        if action not in names:
            kind = "tool" if mode == "mcp" else "operation"
            scope.warn(
                (*path, "from", "action") if "action" in source else (*path, "from"),
                "NAF349",
                f"{what}: {mode.upper()} adapter {namespace!r} has no {kind} "
                f"{truncate(action)}; the tool is left out",
                _did_you_mean(action, names) or f"its {kind}s: {', '.join(sorted(names))}",
            )
            return None
        return SkillTool(name, description, namespace, action, mode)
    instruction = str(raw.get("instruction") or "")
    files = {file for file, _ in folder.files} if folder else set()
    if not instruction or instruction.removeprefix("./") not in files:
        where = f"a file of {location}" if folder else "readable: the skill has no `location`"
        scope.error(
            (*path, "instruction") if "instruction" in raw else path,
            "NAF351",
            f"{what}: instruction {truncate(instruction)} is not {where}",
            "give the skill a `location` folder and name a file of it in `instruction`",
        )
        return None
    return SkillTool(name, description, instruction=instruction.removeprefix("./"))


def _did_you_mean(name: str, names: Any) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f"did you mean {close[0]!r}?" if close else ""
