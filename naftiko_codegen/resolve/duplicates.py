"""Units that would shadow each other: two REST operations on one route (NAF319), two MCP tools
or prompts of one name, or two MCP resources of one URI (NAF318).

A generated server answers a route or a name with the first unit only, so the second would be
unreachable while the package builds with exit 0. Each duplicate is an error located at the
second unit and naming where the first is. Path and URI-template parameters are compared by
position (`/a/{x}` and `/a/{y}` are one route).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..canonical import McpResource, McpTool, RestOperation
from ..diagnostics import Diagnostic, Location, Severity, truncate
from ..load import NodePath
from ._values import as_list
from .scope import Scope

__all__ = ["check_mcp_names", "check_rest_routes", "route_key"]

_PLACEHOLDER = re.compile(r"\{\{?[^{}]*\}?\}")


def route_key(path: str) -> str:
    """A path or URI template with every placeholder (`{x}` or `{{x}}`) reduced to `{}`."""
    return _PLACEHOLDER.sub("{}", path)


def _where(location: Location) -> str:
    return f"{location.file}:{location.line}:{location.column}"


def check_rest_routes(scope: Scope, operations: Iterable[RestOperation]) -> None:
    """Two REST operations on one method and route."""
    seen: dict[tuple[str, str], RestOperation] = {}
    for op in operations:
        key = (op.method, route_key(op.path))
        first = seen.setdefault(key, op)
        if first is op:
            continue
        also = f", as {first.path}" if first.path != op.path else ""
        scope.findings.append(
            Diagnostic(
                op.location,
                "NAF319",
                Severity.ERROR,
                f"REST route {op.method} {truncate(op.path, 80)[1:-1]} is declared twice "
                f"(first at {_where(first.location)}{also})",
                "merge the two operations, or give one of them another method or path",
            )
        )


def _duplicate(scope: Scope, location: Location, what: str, first: Location) -> None:
    scope.findings.append(
        Diagnostic(
            location,
            "NAF318",
            Severity.ERROR,
            f"{what} is used twice (first at {_where(first)})",
            "give each tool, resource URI and prompt its own name",
        )
    )


def check_mcp_names(
    scope: Scope,
    tools: Iterable[McpTool],
    resources: Iterable[McpResource],
    entry: Mapping[str, Any],
    path: NodePath,
) -> None:
    """Two MCP tools of one name, resources of one URI, or prompts of one name."""
    named: dict[str, Location] = {}
    for tool in tools:
        first = named.setdefault(tool.name, tool.location)
        if first is not tool.location:
            _duplicate(scope, tool.location, f"MCP tool name {truncate(tool.name)}", first)
    by_uri: dict[str, Location] = {}
    for resource in resources:
        first = by_uri.setdefault(route_key(resource.uri), resource.location)
        if first is not resource.location:
            what = f"MCP resource URI {truncate(resource.uri)}"
            _duplicate(scope, resource.location, what, first)
    prompts: dict[str, Location] = {}
    for index, raw in enumerate(as_list(entry.get("prompts"))):
        if not isinstance(raw, dict) or not raw.get("name"):
            continue
        location = scope.locate((*path, "prompts", index))
        first = prompts.setdefault(str(raw["name"]), location)
        if first is not location:
            _duplicate(scope, location, f"MCP prompt name {truncate(str(raw['name']))}", first)
