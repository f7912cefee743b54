"""Scaffold: answers about a new capability → the text of a capability YAML that builds.

`naftiko-gen new` asks the questions (or takes them as flags); this module only writes text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from .names import env_var_name, slugify

__all__ = ["ScaffoldAnswers", "default_operations", "parse_operation", "scaffold_capability"]

_HINTS = {
    "GET": {"readOnly": True, "destructive": False, "idempotent": True},
    "POST": {"readOnly": False, "destructive": False, "idempotent": False},
    "PUT": {"readOnly": False, "destructive": True, "idempotent": True},
    "PATCH": {"readOnly": False, "destructive": False, "idempotent": False},
    "DELETE": {"readOnly": False, "destructive": True, "idempotent": True},
}


@dataclass(frozen=True)
class ScaffoldAnswers:
    """Everything `naftiko-gen new` needs to know."""

    name: str
    """The capability's slug (file and package name), e.g. `weather`."""
    title: str
    description: str
    base_url: str
    operations: tuple[tuple[str, str], ...]
    """(method, upstream path) pairs, e.g. `("GET", "/forecast/{city}")`."""
    api_key_query: str | None = None
    api_key_header: str | None = None
    rest_port: int = 8080
    mcp_port: int = 9090


def parse_operation(text: str) -> tuple[str, str]:
    """Read `"GET /items/{id}"` as `("GET", "/items/{id}")`; raise ValueError otherwise."""
    match = re.fullmatch(r"\s*(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not `METHOD /path` (GET, POST, PUT, PATCH or DELETE)")
    return match.group(1).upper(), match.group(2)


def _op_name(method: str, path: str, taken: set[str]) -> str:
    base = (method.lower() + "-" + re.sub(r"[^a-zA-Z0-9]+", "-", path).strip("-")).strip("-")
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}-{counter}", counter + 1
    taken.add(name)
    return name


def scaffold_capability(answers: ScaffoldAnswers) -> str:
    """A commented, official 1.0.0-alpha2 capability with one REST route and tool per operation."""
    slug = slugify(answers.name) or "capability"
    rest_ns, mcp_ns = f"{slug}-rest", f"{slug}-mcp"
    taken: set[str] = set()
    resources: dict[str, list[dict[str, Any]]] = {}
    exposed: dict[str, list[dict[str, Any]]] = {}
    tools: list[dict[str, Any]] = []
    for method, path in answers.operations:
        name = _op_name(method, path, taken)
        placeholders = re.findall(r"\{\{?\s*([A-Za-z0-9_*-]+)\s*\}?\}", path)
        params = [{"name": p, "in": "path"} for p in placeholders]
        if method in ("POST", "PUT", "PATCH"):
            params.append({"name": "body", "in": "body"})
        consumed: dict[str, Any] = {
            "name": name,
            "method": method,
            "description": f"{method} {path}",
        }
        if params:
            consumed["inputParameters"] = params
        resources.setdefault(path, []).append(consumed)
        rest_op: dict[str, Any] = {
            "method": method,
            "name": name,
            "description": f"{method} {path}",
            "call": f"{slug}.{name}",
        }
        tool: dict[str, Any] = {
            "name": name,
            "description": f"{method} {path}",
            "hints": dict(_HINTS[method]),
            "call": f"{slug}.{name}",
        }
        if params:
            rest_op["inputParameters"] = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "type": "object" if p["in"] == "body" else "string",
                    "description": (
                        "Request body (JSON)."
                        if p["in"] == "body"
                        else f"The {p['name']} path segment."
                    ),
                }
                for p in params
            ]
            rest_op["with"] = {p["name"]: f"{rest_ns}.{p['name']}" for p in params}
            tool["inputParameters"] = [
                {
                    "name": p["name"],
                    "type": "object" if p["in"] == "body" else "string",
                    "description": (
                        "Request body (JSON)."
                        if p["in"] == "body"
                        else f"The {p['name']} path segment."
                    ),
                    "required": True,
                }
                for p in params
            ]
            tool["with"] = {p["name"]: f"{mcp_ns}.{p['name']}" for p in params}
        exposed.setdefault(path, []).append(rest_op)
        tools.append(tool)
    consumes: dict[str, Any] = {
        "type": "http",
        "namespace": slug,
        "baseUri": answers.base_url.rstrip("/"),
        "description": answers.description,
    }
    document: dict[str, Any] = {
        "naftiko": "1.0.0-alpha2",
        "info": {"label": answers.title, "description": answers.description, "tags": [slug]},
    }
    key = answers.api_key_query or answers.api_key_header
    if key:
        variable = env_var_name(slug, "API_KEY")
        document["binds"] = [{"namespace": f"{slug}-env", "keys": {variable: variable}}]
        consumes["authentication"] = {
            "type": "apikey",
            "key": key,
            "value": "{{" + variable + "}}",
            "placement": "query" if answers.api_key_query else "header",
        }
    consumes["resources"] = [
        {
            "name": re.sub(r"[^a-zA-Z0-9]+", "-", path).strip("-") or "root",
            "path": re.sub(r"\{\{?\s*([A-Za-z0-9_*-]+)\s*\}?\}", r"{{\1}}", path),
            "operations": operations,
        }
        for path, operations in resources.items()
    ]
    document["capability"] = {
        "consumes": [consumes],
        "exposes": [
            {
                "type": "rest",
                "namespace": rest_ns,
                "port": answers.rest_port,
                "resources": [
                    {
                        "path": path,
                        "name": re.sub(r"[^a-zA-Z0-9]+", "-", path).strip("-") or "root",
                        "description": f"{answers.title}: {path}",
                        "operations": operations,
                    }
                    for path, operations in exposed.items()
                ],
            },
            {
                "type": "mcp",
                "namespace": mcp_ns,
                "transport": "http",
                "port": answers.mcp_port,
                "description": answers.description,
                "tools": tools,
            },
        ],
    }
    header = (
        f"# {answers.title}: a Naftiko capability scaffolded by `naftiko-gen new`.\n"
        "# Spec digest: https://github.com/naftiko/framework (1.0.0-alpha2).\n"
        f"# Build: naftiko-gen build {slug}.yaml -o out/\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def default_operations() -> Sequence[tuple[str, str]]:
    """The operation `new` proposes when none is given."""
    return (("GET", "/status"),)
