"""What one resolve run shares: the spec, its imports, binds, consumed APIs, and the findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..canonical import Api, AssetFolder, Bind
from ..diagnostics import Diagnostic, Location, Severity
from ..load import LoadedSpec, NodePath

__all__ = ["AggregateFunction", "Scope"]


@dataclass(frozen=True)
class AggregateFunction:
    """An aggregate's function, which units reach by `ref: <namespace>.<name>`."""

    namespace: str
    raw: dict[str, Any]
    path: NodePath


@dataclass
class Scope:
    """The state every resolve module reads and adds to; modules are functions taking it.

    `within` and `after_steps` give views that share the collections (binds, APIs, findings)
    and differ only in the document findings point into or in the step outputs in reach.
    """

    spec: LoadedSpec
    """The document being read; findings are located in it."""
    imports: Mapping[str, LoadedSpec] = field(default_factory=dict)
    """The shared-consumes files the capability imports, by `location`."""
    schema_files: Mapping[str, str] = field(default_factory=dict)
    """The schema files avro/protobuf operations name, by `outputSchema` (read by load)."""
    findings: list[Diagnostic] = field(default_factory=list)
    assets: Mapping[str, AssetFolder] = field(default_factory=dict)
    """The folders shipped in the package (skill and script `location`s), by `location`."""
    binds: dict[str, Bind] = field(default_factory=dict)
    """Bind variables by name; the first declaration of a name wins."""
    binds_by_ns: dict[tuple[str, str], Bind] = field(default_factory=dict)
    """Bind variables by (namespace, name), for `{{namespace.VAR}}`."""
    apis: dict[str, Api] = field(default_factory=dict)
    """The consumed HTTP APIs, by namespace."""
    skipped_apis: dict[str, str] = field(default_factory=dict)
    """Consumes namespaces of a type naftiko-gen does not generate: their type, by namespace."""
    functions: dict[str, AggregateFunction] = field(default_factory=dict)
    """Aggregate functions by `namespace.name`."""
    earlier_steps: frozenset[str] = frozenset()
    """The call steps run so far in the orchestration being read: templates and `with` values
    may read their outputs as `step.field`. Empty outside orchestrations."""

    def report(
        self, path: NodePath, code: str, severity: Severity, message: str, hint: str = ""
    ) -> None:
        """Add a finding located at `path` of the document being read."""
        self.findings.append(Diagnostic(self.locate(path), code, severity, message, hint))

    def error(self, path: NodePath, code: str, message: str, hint: str = "") -> None:
        """Add an error: the capability cannot be served."""
        self.report(path, code, Severity.ERROR, message, hint)

    def warn(self, path: NodePath, code: str, message: str, hint: str = "") -> None:
        """Add a warning: something is read differently, or left out."""
        self.report(path, code, Severity.WARNING, message, hint)

    def locate(self, path: NodePath) -> Location:
        """The file, line and column of a node of the document being read."""
        return self.spec.locate(path)

    def within(self, spec: LoadedSpec) -> Scope:
        """The same run, reading another document (an imported shared-consumes file)."""
        return dataclasses.replace(self, spec=spec)

    def after_steps(self, steps: frozenset[str]) -> Scope:
        """The same run, inside an orchestration whose call steps `steps` have run."""
        return dataclasses.replace(self, earlier_steps=steps)
