"""Stage 3, resolve: validated raw data → the canonical capability, the same for every dialect.

Binds every `call` to a consumed operation, every `with` value to an input, a literal or a
template, every `{{VAR}}` to a bind, and every path placeholder to a value; infers the inputs
the catalog dialect leaves implicit (digest §4.2 to §4.3). Each rewrite of the catalog dialect is
reported with its location; anything that cannot work is an error.

One module per spec concept, each a few functions over the run's shared `Scope` (`scope.py`):
`binds` and `{{…}}` placeholders, `consumes` (APIs and their imports), `auth`, request `bodies`,
`calls`, `aggregates`, `units` (the triage REST operations and MCP tools share),
`orchestration`, and the adapters `rest`, `mcp` and `control`; `derive` (the adapters of a
capability that exposes nothing); `wire` (what HTTP can carry) and
`duplicates` (units that would shadow each other) refuse what would build into a broken package.
This module runs them in order.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from ..canonical import (
    AssetFolder,
    CanonicalCapability,
    ControlAdapter,
    McpAdapter,
    RestAdapter,
    SkillAdapter,
)
from ..diagnostics import Diagnostic, DiagnosticError, truncate
from ..load import LoadedSpec, NodePath
from ._values import as_dict, as_list
from .aggregates import collect_functions
from .binds import collect_binds
from .consumes import collect_apis
from .control import resolve_control
from .derive import derive_adapters, exposes_nothing
from .mcp import resolve_mcp
from .rest import resolve_rest
from .scope import Scope
from .skills import resolve_skills

__all__ = ["CanonicalCapability", "resolve_spec"]

_ADAPTER_TYPES = ("rest", "mcp", "skill", "control")


def resolve_spec(
    spec: LoadedSpec,
    imports: Mapping[str, LoadedSpec] | None = None,
    schema_files: Mapping[str, str] | None = None,
    assets: Mapping[str, AssetFolder] | None = None,
    *,
    derive: bool = True,
) -> CanonicalCapability:
    """Resolve a validated document (with its loaded imports and asset folders, by `location`,
    and the schema files its avro/protobuf operations name, by `outputSchema`).

    A capability that exposes nothing is served through derived adapters (`derive.py`) unless
    `derive` is off. Raise `DiagnosticError` when it cannot be served.
    """
    scope = Scope(spec, imports or {}, schema_files or {}, assets=assets or {})
    data = spec.data
    collect_binds(scope, data)
    collect_apis(scope, data)
    collect_functions(scope, data)
    capability = data.get("capability")
    if not isinstance(capability, dict):
        scope.error(
            (),
            "NAF301",
            "this document has no `capability` (a shared-consumes file); nothing to serve",
            "build the capability file that imports it instead",
        )
        raise DiagnosticError(scope.findings)
    rest, mcp, control = _adapters(scope, capability)
    bare = exposes_nothing(capability)
    derived = derive_adapters(scope, data) if bare and derive else None
    if derived is not None:
        rest, mcp = [derived[0]], [derived[1]]
    skills = _skill_adapter(scope, capability, [*rest, *mcp], scope.assets)
    _check_ports(scope, rest, mcp, control, skills)
    if (
        not any(a.operations or a.forwards for a in rest)
        and not any(a.tools for a in mcp)
        and control is None
        and (skills is None or not skills.skills)  # an empty skill catalog serves nothing
    ):
        _nothing(scope, bare, derive)
    info = as_dict(data.get("info"))
    diagnostics = tuple(sorted(scope.findings, key=Diagnostic.sort_key))
    if any(d.is_error for d in diagnostics):
        raise DiagnosticError(diagnostics)
    return CanonicalCapability(
        label=str(info.get("label") or info.get("title") or ""),
        description=str(info.get("description") or ""),
        tags=tuple(str(t) for t in as_list(info.get("tags"))),
        spec_version=str(data.get("naftiko", "")),
        binds=tuple(scope.binds.values()),
        apis=tuple(scope.apis.values()),
        rest_adapters=tuple(rest),
        mcp_adapters=tuple(mcp),
        diagnostics=diagnostics,
        control=control,
        skills=skills,
    )


def _nothing(scope: Scope, bare: bool, derive: bool) -> None:
    """NAF302: nothing to serve; worded for a capability that exposes no adapter at all."""
    if bare and not derive:
        scope.error(
            ("capability",),
            "NAF302",
            "this capability consumes APIs but exposes no adapter, and derivation is off "
            "(--no-derive): no REST operation, MCP tool or control port can be generated",
            "drop --no-derive (or `derive = false` under [tool.naftiko-gen]) to derive an MCP "
            "server and a REST pass-through from the consumed operations, or declare `exposes`",
        )
        return
    scope.error(
        ("capability", "exposes") if not bare else ("capability",),
        "NAF302",
        "no REST operation, MCP tool or control port can be generated from this capability"
        + (" (it exposes no adapter, and no consumed operation can be derived)" if bare else ""),
        "expose at least one REST operation or MCP tool with `call` or `steps`",
    )


def _adapters(
    scope: Scope, capability: Mapping[str, Any]
) -> tuple[list[RestAdapter], list[McpAdapter], ControlAdapter | None]:
    """The adapters generated: the first REST, the first MCP and the first control adapter."""
    rest: list[RestAdapter] = []
    mcp: list[McpAdapter] = []
    control: ControlAdapter | None = None
    for index, entry in enumerate(as_list(capability.get("exposes"))):
        path: NodePath = ("capability", "exposes", index)
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind in ("rest", "mcp") and (rest if kind == "rest" else mcp):
            first = (rest if kind == "rest" else mcp)[0].namespace
            scope.warn(
                (*path, "type"),
                "NAF304",
                f"a second {kind.upper()} adapter ({truncate(entry.get('namespace'))}) is "
                f"not generated; the package serves one {kind.upper()} adapter, {first!r}",
                "move its units into the first adapter, or split the capability in two",
            )
        elif kind == "rest":
            rest.append(resolve_rest(scope, entry, path))
        elif kind == "mcp":
            mcp.append(resolve_mcp(scope, entry, path))
        elif kind == "control" and control is None:
            control = resolve_control(scope, entry, path)
        elif kind == "skill":
            continue  # after the REST and MCP adapters its tools point at: `_skill_adapter`
        else:
            _not_generated(scope, kind, path)
    return rest, mcp, control


def _skill_adapter(
    scope: Scope,
    capability: Mapping[str, Any],
    siblings: list[RestAdapter | McpAdapter],
    assets: Mapping[str, AssetFolder],
) -> SkillAdapter | None:
    """The first skill adapter (a second one is reported and left out)."""
    skills: SkillAdapter | None = None
    for index, entry in enumerate(as_list(capability.get("exposes"))):
        if not isinstance(entry, dict) or entry.get("type") != "skill":
            continue
        path: NodePath = ("capability", "exposes", index)
        if skills is None:
            skills = resolve_skills(scope, entry, path, siblings, assets)
            continue
        scope.warn(
            (*path, "type"),
            "NAF308",
            f"a second skill adapter ({truncate(entry.get('namespace'))}) is not generated; "
            f"the package serves one, {skills.namespace!r}",
            "move its skills into the first skill adapter",
        )
    return skills


def _not_generated(scope: Scope, kind: Any, path: NodePath) -> None:
    """Report an adapter left out: a second control, or an unknown type."""
    if kind == "control":
        scope.warn(
            (*path, "type"),
            "NAF394",
            "a second `control` adapter is not generated; the package serves one control port",
            "remove this adapter",
        )
        return
    close = difflib.get_close_matches(str(kind), _ADAPTER_TYPES, n=1)
    scope.warn(
        (*path, "type"),
        "NAF394",
        f"adapter type {truncate(kind)} is not a Naftiko adapter; it is not generated "
        "(the package serves the REST and MCP adapters only)",
        (
            f"did you mean `{close[0]}`?"
            if close
            else "Naftiko adapters are " + ", ".join(_ADAPTER_TYPES)
        ),
    )


def _check_ports(
    scope: Scope,
    rest: list[RestAdapter],
    mcp: list[McpAdapter],
    control: ControlAdapter | None,
    skills: SkillAdapter | None,
) -> None:
    """Warn when two adapters listen on one port."""
    seen: dict[int, str] = {}
    adapters: list[RestAdapter | McpAdapter | SkillAdapter] = [*rest, *mcp]
    adapters += [skills] if skills is not None else []
    if control is not None:
        seen[control.port] = "control"
    for adapter in adapters:
        port = adapter.port
        if port is None:
            continue
        if port in seen:
            scope.warn(
                ("capability", "exposes"),
                "NAF303",
                f"adapters {seen[port]!r} and {adapter.namespace!r} share port {port}",
                "give each adapter its own port (both can be overridden at run time)",
            )
        seen[port] = adapter.namespace
