"""The skill adapter tickets-skills: a read-only catalog of agent skills.

`GET /skills`, `/skills/{name}`, `/skills/{name}/contents`, `/skills/{name}/contents/{file}`
and `/skills/{name}/download` (see `skills.py`). The skills' folders were read when this
package was generated; their files are below, base64-encoded.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.applications import Starlette

from .skills import skill_routes
from .upstream import UpstreamClient

__all__ = ["FOLDERS", "SKILLS", "create_skill_app"]

SKILLS: Final[list[dict[str, Any]]] = [
    {
        "name": "triage",
        "description": "Triage incoming tickets by priority",
        "license": "Apache-2.0",
        "tools": [
            {
                "name": "list-tickets",
                "description": "List open tickets",
                "type": "derived",
                "invocationRef": {
                    "targetNamespace": "tickets-api",
                    "action": "list-tickets",
                    "mode": "rest",
                },
            },
            {
                "name": "score-ticket",
                "description": "Score one ticket",
                "type": "derived",
                "invocationRef": {
                    "targetNamespace": "tickets-mcp",
                    "action": "score-ticket",
                    "mode": "mcp",
                },
            },
            {
                "name": "routing",
                "description": "Where a scored ticket goes",
                "type": "instruction",
                "instruction": "routing.md",
            },
        ],
    }
]
"""Each skill as `GET /skills/{name}` answers it."""

FOLDERS: Final[dict[str, dict[str, str]]] = {
    "triage": {
        "SKILL.md": "LS0tCm5hbWU6IHRyaWFnZQpkZXNjcmlwdGlvbjogVHJpYWdlIGluY29taW5nIHRpY2tldHMgYnkgcHJpb3JpdHkuCi0tLQojIFRyaWFnZQoKUmVhZCB0aGUgdGlja2V0LCBzY29yZSBpdCB3aXRoIGBzY29yZS10aWNrZXRgLCB0aGVuIHJvdXRlIGl0Lgo=",
        "examples/urgent.md": "QSB0aWNrZXQgYWJvdXQgYSBmYWlsZWQgcGF5bWVudCBzY29yZXMgOTogb24tY2FsbC4K",
        "routing.md": "VGlja2V0cyBzY29yaW5nIDggb3IgbW9yZSBnbyB0byB0aGUgb24tY2FsbCB0ZWFtOyB0aGUgcmVzdCB3YWl0IGZvciB0aGUgZGFpbHkgcmV2aWV3Lgo=",
    }
}
"""Skill name → {file path → base64 content}, for the skills that have a `location`."""


def create_skill_app(client: UpstreamClient) -> Starlette:
    """Build the skill adapter's app."""
    app = Starlette(routes=skill_routes(SKILLS, FOLDERS))
    return app
