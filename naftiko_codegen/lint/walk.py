"""Lint walking: a loaded spec's raw document → its entries with their node paths, and findings.

The rules in `checks.py` walk the document through `Walker`, which works on whatever the YAML
holds (lists and mappings are checked, never assumed), so linting runs on invalid documents too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic
from ..load import LoadedSpec, NodePath
from .rules import LINT_RULES

__all__ = ["RULES", "Walker", "as_dict", "as_list"]

RULES = {rule.code: rule for rule in LINT_RULES}
"""Every lint rule by code."""


def as_list(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


class Walker:
    """The entries of a spec's document (consumes, adapters, units…) and the findings so far."""

    def __init__(self, spec: LoadedSpec, enabled: frozenset[str]) -> None:
        self.spec = spec
        self.enabled = enabled
        self.findings: list[Diagnostic] = []
        self.data: dict[str, Any] = as_dict(spec.data)
        self.capability = as_dict(self.data.get("capability"))

    def report(self, code: str, path: NodePath, message: str, hint: str, key: bool = False) -> None:
        """Record a finding of rule `code` at `path` (its key with `key`), if the rule is on."""
        if code not in self.enabled:
            return
        rule = RULES[code]
        self.findings.append(
            Diagnostic(
                self.spec.locate(path, key=key),
                code,
                rule.severity,
                message,
                f"{hint} (rule {rule.rule})",
            )
        )

    # -- walking

    def consumes(self) -> Iterator[tuple[NodePath, dict[str, Any]]]:
        for base, entries in (
            (("consumes",), self.data.get("consumes")),
            (("capability", "consumes"), self.capability.get("consumes")),
        ):
            for index, entry in enumerate(as_list(entries)):
                if isinstance(entry, dict):
                    yield (*base, index), entry

    def exposes(self, kind: str | None = None) -> Iterator[tuple[NodePath, dict[str, Any]]]:
        for index, entry in enumerate(as_list(self.capability.get("exposes"))):
            if isinstance(entry, dict) and (kind is None or entry.get("type") == kind):
                yield ("capability", "exposes", index), entry

    def binds(self) -> Iterator[tuple[NodePath, dict[str, Any]]]:
        for base, entries in (
            (("binds",), self.data.get("binds")),
            (("capability", "binds"), self.capability.get("binds")),
        ):
            for index, entry in enumerate(as_list(entries)):
                if isinstance(entry, dict):
                    yield (*base, index), entry

    def rest_resources(self) -> Iterator[tuple[NodePath, dict[str, Any]]]:
        for path, adapter in self.exposes("rest"):
            for index, resource in enumerate(as_list(adapter.get("resources"))):
                if isinstance(resource, dict):
                    yield (*path, "resources", index), resource

    def rest_operations(self) -> Iterator[tuple[NodePath, dict[str, Any]]]:
        for path, resource in self.rest_resources():
            for index, operation in enumerate(as_list(resource.get("operations"))):
                if isinstance(operation, dict):
                    yield (*path, "operations", index), operation

    def tools(self) -> Iterator[tuple[NodePath, dict[str, Any]]]:
        for path, adapter in self.exposes("mcp"):
            for index, tool in enumerate(as_list(adapter.get("tools"))):
                if isinstance(tool, dict):
                    yield (*path, "tools", index), tool

    def functions(self) -> Iterator[tuple[NodePath, dict[str, Any], str]]:
        for a_index, aggregate in enumerate(as_list(self.capability.get("aggregates"))):
            if not isinstance(aggregate, dict):
                continue
            namespace = str(aggregate.get("namespace", ""))
            for f_index, function in enumerate(as_list(aggregate.get("functions"))):
                if isinstance(function, dict):
                    yield (
                        ("capability", "aggregates", a_index, "functions", f_index),
                        function,
                        namespace,
                    )

    def strings(self, node: Any, path: NodePath) -> Iterator[tuple[NodePath, str]]:
        if isinstance(node, str):
            yield path, node
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from self.strings(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from self.strings(value, (*path, index))

    def value_at(self, path: NodePath) -> Any:
        node: Any = self.data
        for key in path:
            if isinstance(node, dict) and isinstance(key, str):
                node = node.get(key)
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                return None
        return node
