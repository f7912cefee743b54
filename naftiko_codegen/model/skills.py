"""Model stage, skill adapter: the canonical `SkillAdapter` → what `skill_app.py` serves.

Each skill becomes the exact body of `GET /skills/{name}` (plain data, rendered as a literal),
and the files of its `location` folder, read at build time, become base64 text by path. The
endpoints themselves are `runtime/skills.py`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ..canonical import Skill, SkillAdapter
from .auth import InboundAuthModel, inbound_auth
from .code import NOTHING, Needs, Secrets
from .imports import ModuleImports, module_imports

__all__ = ["SkillsModel", "skills_model"]


@dataclass(frozen=True)
class SkillsModel:
    """The skill adapter: its address, its skills and their files."""

    namespace: str
    port: int
    host: str
    description: str
    skills: tuple[dict[str, Any], ...]
    """Each skill as `GET /skills/{name}` answers it (name, description, metadata, tools)."""
    folders: dict[str, dict[str, str]]
    """Skill name → {file path → base64 content}, for the skills that have a `location`."""
    auth: InboundAuthModel | None
    imports: ModuleImports
    """The import block of `skill_app.py`."""


def _detail(skill: Skill) -> dict[str, Any]:
    body: dict[str, Any] = {"name": skill.name, "description": skill.description}
    body.update(skill.metadata)
    tools: list[dict[str, Any]] = []
    for tool in skill.tools:
        entry: dict[str, Any] = {"name": tool.name, "description": tool.description}
        if tool.target_namespace:
            entry["type"] = "derived"
            entry["invocationRef"] = {
                "targetNamespace": tool.target_namespace,
                "action": tool.action,
                "mode": tool.mode,
            }
        else:
            entry["type"] = "instruction"
            entry["instruction"] = tool.instruction
        tools.append(entry)
    body["tools"] = tools
    return body


def skills_model(adapter: SkillAdapter, secrets: Secrets) -> tuple[SkillsModel, Needs]:
    """The skill adapter, and what the code of `skill_app.py` needs."""
    auth, needs = inbound_auth(adapter.auth, f"skill adapter {adapter.namespace!r}", secrets)
    folders = {
        skill.name: {
            path: base64.b64encode(data).decode("ascii") for path, data in skill.folder.files
        }
        for skill in adapter.skills
        if skill.folder is not None
    }
    imports = module_imports(
        Needs(
            imports=frozenset(
                {
                    ("__future__", "annotations"),
                    ("typing", "Any"),
                    ("typing", "Final"),
                    ("starlette.applications", "Starlette"),
                    ("skills", "skill_routes"),
                    ("upstream", "UpstreamClient"),
                }
            )
        )
        | needs
    )
    model = SkillsModel(
        namespace=adapter.namespace,
        port=adapter.port if adapter.port is not None else 9292,
        host=adapter.address or "127.0.0.1",
        description=adapter.description,
        skills=tuple(_detail(skill) for skill in adapter.skills),
        folders=folders,
        auth=auth,
        imports=imports,
    )
    return model, needs if auth else NOTHING
