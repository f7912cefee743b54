"""Units that would shadow each other: two REST operations on one route (NAF319), two MCP tools
or prompts of one name, or two MCP resources of one URI (NAF318).

A server answers a route or a name with the first unit only (the reference engine does too), so
the second is unreachable. By the lenient policy (docs/dialect-policy.md: leave out only the unit
concerned) the second is left out with a warning located at it and naming where the first is;
the rest of the capability still builds, and `--strict` refuses it. Catalog files converted from
OpenAPI often repeat a route under another placeholder name. Path and URI-template parameters
are compared by position (`/a/{x}` and `/a/{y}` are one route).
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

__all__ = ["route_key", "unique_mcp_units", "unique_rest_routes"]

_PLACEHOLDER = re.compile(r"\{\{?[^{}]*\}?\}")


def route_key(path: str) -> str:
    """A path or URI template with every placeholder (`{x}` or `{{x}}`) reduced to `{}`."""
    return _PLACEHOLDER.sub("{}", path)


def _where(location: Location) -> str:
    return f"{location.file}:{location.line}:{location.column}"


def unique_rest_routes(scope: Scope, operations: Iterable[RestOperation]) -> list[RestOperation]:
    """The operations, each route's first only; every later one is reported and left out."""
    seen: dict[tuple[str, str], RestOperation] = {}
    kept: list[RestOperation] = []
    for op in operations:
        key = (op.method, route_key(op.path))
        first = seen.setdefault(key, op)
        if first is op:
            kept.append(op)
            continue
        also = f", as {first.path}" if first.path != op.path else ""
        scope.findings.append(
            Diagnostic(
                op.location,
                "NAF319",
                Severity.WARNING,
                f"REST route {op.method} {truncate(op.path, 80)[1:-1]} is declared twice "
                f"(first at {_where(first.location)}{also}); this operation is left out",
                "merge the two operations, or give one of them another method or path",
            )
        )
    return kept


def _duplicate(scope: Scope, location: Location, what: str, first: Location) -> None:
    scope.findings.append(
        Diagnostic(
            location,
            "NAF318",
            Severity.WARNING,
            f"{what} is used twice (first at {_where(first)}); this one is left out",
            "give each tool, resource URI and prompt its own name",
        )
    )


def unique_mcp_units(
    scope: Scope,
    tools: Iterable[McpTool],
    resources: Iterable[McpResource],
    entry: Mapping[str, Any],
    path: NodePath,
) -> tuple[list[McpTool], list[McpResource], list[tuple[int, Mapping[str, Any]]]]:
    """The tools, resources and raw prompts (with their index), each name's (or URI's) first
    only; every later one is reported and left out."""
    named: dict[str, Location] = {}
    kept_tools: list[McpTool] = []
    for tool in tools:
        first = named.setdefault(tool.name, tool.location)
        if first is tool.location:
            kept_tools.append(tool)
        else:
            _duplicate(scope, tool.location, f"MCP tool name {truncate(tool.name)}", first)
    by_uri: dict[str, Location] = {}
    kept_resources: list[McpResource] = []
    for resource in resources:
        first = by_uri.setdefault(route_key(resource.uri), resource.location)
        if first is resource.location:
            kept_resources.append(resource)
        else:
            what = f"MCP resource URI {truncate(resource.uri)}"
            _duplicate(scope, resource.location, what, first)
    prompts: dict[str, Location] = {}
    kept_prompts: list[tuple[int, Mapping[str, Any]]] = []
    for index, raw in enumerate(as_list(entry.get("prompts"))):
        if not isinstance(raw, dict) or not raw.get("name"):
            continue
        location = scope.locate((*path, "prompts", index))
        first = prompts.setdefault(str(raw["name"]), location)
        if first is location:
            kept_prompts.append((index, raw))
        else:
            _duplicate(scope, location, f"MCP prompt name {truncate(str(raw['name']))}", first)
    return kept_tools, kept_resources, kept_prompts
