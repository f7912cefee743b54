"""`with` keys that name no consumed parameter, and `with` references that look like typos.

A `with` key that names no parameter of the called operation is not sent on its own: like the
Naftiko engine (spec §3.3, §3.4), it is put in the parameter map that `{{key}}` templates of
the operation's parameter values and body read. NAF333 says which template reads it (or that
none does); NAF377 flags a reference that infers a new input close to a declared one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..canonical import Argument, BodyLeaf, ConsumedOperation
from ..load import NodePath
from ..placeholders import Part, Template
from .scope import Scope

__all__ = ["did_you_mean", "expand", "expand_tree", "report_extras"]


def expand_tree(node: Any, extras: Mapping[str, Argument], used: set[str]) -> Any:
    """A body tree with each leaf's `with`-only keys replaced by their values."""
    if isinstance(node, BodyLeaf):
        return BodyLeaf(expand(node.value, extras, used), node.typed)
    if isinstance(node, dict):
        return {key: expand_tree(value, extras, used) for key, value in node.items()}
    if isinstance(node, list):
        return [expand_tree(value, extras, used) for value in node]
    return node


def expand(
    template: Template, extras: Mapping[str, Argument], used: set[str] | None = None
) -> Template:
    """A template with each `{{key}}` of a `with`-only key replaced by its value (the keys
    replaced are added to `used`)."""
    parts: list[Part] = []
    for part in template:
        extra = extras.get(part.value) if part.kind == "input" else None
        if extra is not None and used is not None:
            used.add(part.value)
        if extra is None:
            parts.append(part)
        elif extra.is_literal and not isinstance(extra.literal, str):
            literal = extra.literal
            text = str(literal).lower() if isinstance(literal, bool) else str(literal)
            parts.append(Part("text", "" if literal is None else text))
        else:
            parts.extend(extra.value)
    return tuple(parts)


def report_extras(
    scope: Scope,
    operation: ConsumedOperation,
    extras: Mapping[str, Argument],
    arguments: Mapping[str, Argument],
    unit_path: NodePath,
    in_body: set[str],
) -> None:
    """NAF333 for each `with` key that names no parameter, saying what becomes of it."""
    for key in extras:
        readers = [
            p.name
            for p in operation.parameters
            if p.value_text is not None
            and re.search(r"\{\{\s*" + re.escape(key) + r"\s*\}\}", p.value_text)
            and p.name in arguments
        ]
        places = [f"the value of {name!r}" for name in readers]
        places += ["the body"] if key in in_body else []
        if key in _output_keys(scope, unit_path):
            places.append("an output `value` of the unit")
        fate = (
            f"it is not sent on its own: it fills `{{{{{key}}}}}` in " + " and ".join(places)
            if places
            else "it is not sent: only `{{" + key + "}}` in a parameter value or the body of "
            "the operation (or an output `value`) would read it, and none does"
        )
        scope.warn(
            (*unit_path, "with", key),
            "NAF333",
            f"`with` key {key!r} is not a parameter of {operation.namespace}.{operation.name}; "
            + fate,
            "declare the parameter on the consumed operation, or remove the key",
        )


def _output_keys(scope: Scope, unit_path: NodePath) -> set[str]:
    """The `{{key}}`s the unit's output `value`s read (they render with its `with` values)."""
    node: Any = scope.spec.data
    for step in unit_path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return set()
    keys: set[str] = set()
    pending = [node.get("outputParameters") if isinstance(node, dict) else None]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            value = item.get("value")
            if isinstance(value, str):
                keys.update(k.strip() for k in re.findall(r"\{\{([^{}]+)\}\}", value))
            properties = item.get("properties")
            pending.extend(properties.values() if isinstance(properties, dict) else ())
            pending.append(item.get("items"))
    return keys


def did_you_mean(scope: Scope, name: str, known: Iterable[str], path: NodePath) -> None:
    """NAF377: a `with` reference inferred a new input whose name is close to a declared input
    or a path placeholder (`rest.sesion_id` beside `{session_id}`): most likely a typo, which
    would otherwise ask callers for a new input and leave the declared one unread."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
    if not close:
        return
    scope.warn(
        path,
        "NAF377",
        f"`with` reference {name!r} names no declared input, so a new input {name!r} is "
        f"inferred; did you mean {close[0]!r}?",
        f"write `{close[0]}` if that is meant, or declare the input {name!r}",
    )
