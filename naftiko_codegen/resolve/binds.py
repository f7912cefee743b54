"""Binds and `{{…}}` placeholders: collect the binds, and bind each placeholder of a string value."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..canonical import Bind, Input
from ..diagnostics import truncate
from ..load import NodePath
from ..placeholders import Part, Template, split_placeholders
from ._values import as_dict, as_list, match_name, opt_str
from .scope import Scope

__all__ = ["collect_binds", "parse_template"]


def collect_binds(scope: Scope, data: Mapping[str, Any]) -> None:
    """Index the top-level and capability-level binds by variable and by namespace."""
    capability = data.get("capability") or {}
    sources: list[tuple[NodePath, Any]] = [(("binds",), data.get("binds"))]
    sources.append((("capability", "binds"), capability.get("binds")))
    for base, binds in sources:
        for index, bind in enumerate(as_list(binds)):
            if not isinstance(bind, dict):
                continue
            namespace = str(bind.get("namespace", ""))
            for variable, provider in as_dict(bind.get("keys")).items():
                entry = Bind(
                    variable=str(variable),
                    namespace=namespace,
                    provider_key=str(provider),
                    location=opt_str(bind.get("location")),
                    description=str(bind.get("description") or ""),
                )
                scope.binds.setdefault(entry.variable, entry)
                scope.binds_by_ns[(namespace, entry.variable)] = entry
            location = bind.get("location")
            if location is not None and not str(location).startswith("file:"):
                scope.error(
                    (*base, index, "location"),
                    "NAF310",
                    f"bind location {truncate(location)} is not supported",
                    "use a `file:///…` URI to a JSON or YAML file, or drop `location` "
                    "to read environment variables",
                )


def parse_template(
    scope: Scope,
    text: str,
    path: NodePath,
    inputs: Mapping[str, Input] | None = None,
    roots: frozenset[str] = frozenset(),
    *,
    warn: bool = True,
    infer: Callable[[str], str] | None = None,
) -> Template:
    """Bind each `{{…}}` of a string to an input or a bind variable.

    `roots` are the names that qualify the unit's inputs (`ns.input`); `infer` accepts an input
    nobody declared (body templates); `warn=False` reads silently (a consumed parameter's value,
    bound again against the inputs of each unit that calls it).
    """
    parts: list[Part] = []
    for is_placeholder, content in split_placeholders(text):
        if not is_placeholder:
            parts.append(Part("text", content))
            continue
        parts.append(_placeholder(scope, content, path, inputs or {}, roots, warn, infer))
    return tuple(parts)


def _placeholder(
    scope: Scope,
    name: str,
    path: NodePath,
    inputs: Mapping[str, Input],
    roots: frozenset[str],
    warn: bool,
    infer: Callable[[str], str] | None,
) -> Part:
    """One placeholder: `ns.VAR` bind, `<unit root>.input`, a bind variable, an input, or
    (inside an orchestration) `<earlier step>.field`."""
    if name.partition(".")[0] in scope.earlier_steps:
        return Part("step", name)
    if "." in name:
        namespace, _, variable = name.partition(".")
        bind = scope.binds_by_ns.get((namespace, variable))
        if bind is not None:
            return Part("secret", bind.variable)
        if namespace in roots:
            name = variable
        elif namespace == "env" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
            return _environment(scope, name, variable, path, warn)
    if name in scope.binds:
        return Part("secret", name)
    matched = match_name(name, inputs)
    if matched is not None:
        return Part("input", matched)
    if infer is not None and re.fullmatch(r"[A-Za-z0-9_\-\[\].]+", name):
        return Part("input", infer(name))
    if warn:
        scope.warn(
            path,
            "NAF312",
            f"placeholder `{{{{{name}}}}}` is bound to nothing and renders as an empty string",
            "declare the variable in `binds`, or an input parameter of that name",
        )
    return Part("unbound", name)


def _environment(scope: Scope, name: str, variable: str, path: NodePath, warn: bool) -> Part:
    """`{{env.VAR}}` with no bind declared: read the environment variable, as the engine does."""
    if warn:
        scope.warn(
            path,
            "NAF311",
            f"`{{{{{name}}}}}` names no declared bind; reading environment variable "
            f"{variable} directly",
            f"declare it: binds: [{{namespace: env, keys: {{{variable}: {variable}}}}}]",
        )
    scope.binds.setdefault(variable, Bind(variable, "env", variable, None, ""))
    scope.binds_by_ns.setdefault(("env", variable), scope.binds[variable])
    return Part("secret", variable)
