"""The lenient reader: a loaded spec → the spec as the policy reads it, and a warning per change.

`read_leniently` validates a copy of the document against our schema, and repairs each finding
the policy (`validate.policy`, docs/dialect-policy.md) has a decision for: an enum value is
normalised (`validate.normalise`) or given its default meaning, a missing key gets its default,
an empty list is dropped, a lossless type slip is coerced, a misspelt key is renamed, and
anything else that cannot be read leaves out only its unit (a list item such as an operation
or a tool). It repeats until nothing more changes; what is left is the schema's to report as an
error. Every change is a located NAF282-NAF288 warning; positions of the nodes after a removed
unit are shifted, so later findings stay located. The input spec is not modified.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from jsonschema import ValidationError

from ..diagnostics import Diagnostic, Severity, truncate
from ..load import LoadedSpec, NodePath
from . import derive
from .normalise import fold, match_member, scalar_type, within_one_edit
from .policy import DEFAULT, DROP, UNIT, generic_rule, kind_at, rule_for, synonyms_for, unit_path
from .schema import errors_of

__all__ = ["read_leniently"]

_MAX_ROUNDS = 12
_NORMALISED, _DEFAULTED, _FILLED, _EMPTIED, _LEFT_OUT, _COERCED, _RENAMED = (
    "NAF282",
    "NAF283",
    "NAF284",
    "NAF285",
    "NAF286",
    "NAF287",
    "NAF288",
)
_NOTHING_LEFT = "NAF302"
_SERVED = ("consumes", "exposes")
_SERVED_NOUNS = {"consumes": "consumed API", "exposes": "adapter"}
"""What a capability serves (or derives its adapters from), and what NAF302 calls each."""
_SERVING_LISTS = frozenset({"consumes", "exposes", "resources", "operations", "tools", "skills"})
"""Lists of what serves or is derived from: one written empty is a cause NAF302 names."""
_SHOWN = 3
"""How many left-out units NAF302 names (the NAF286 warnings list every one)."""
_HINT = "see docs/dialect-policy.md; write the value the message gives to silence this"


def read_leniently(spec: LoadedSpec) -> tuple[LoadedSpec, list[Diagnostic]]:
    """The spec as the lenient reader reads it, and one warning per change (nothing when the
    document is already valid)."""
    if not isinstance(spec.data, dict):
        return spec, []
    errors = errors_of(spec.data)
    if not errors and not derive.discriminators_to_fix(spec.data):
        return spec, []
    reader = _Reader(spec)
    reader.run(errors)
    reader.check_something_left()
    if not reader.findings:
        return spec, []
    repaired = dataclasses.replace(
        spec,
        data=reader.data,
        positions=reader.positions,
        key_positions=reader.key_positions,
    )
    return repaired, reader.findings


class _Reader:
    """One lenient read: the copy being repaired, its positions, and the warnings so far."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.data: dict[str, Any] = copy.deepcopy(spec.data)
        self.positions = dict(spec.positions)
        self.key_positions = dict(spec.key_positions)
        self.findings: list[Diagnostic] = []
        self._removals: list[NodePath] = []
        self._dropped: list[Diagnostic] = []
        """The warnings of the units left out under `capability` (parameters aside), and of the
        serving lists ignored as written empty, in order: what NAF302 names when nothing is
        left."""
        self._shrunk: set[int] = set()
        """The lists this reader removed items from (an empty one is then not written empty)."""

    def run(self, errors: list[ValidationError]) -> None:
        for _ in range(_MAX_ROUNDS):
            changed = derive.fix_discriminators(self)
            for error in sorted(errors, key=_order):
                changed = self._repair(error) or changed
            changed = self._apply_removals() or changed
            if not changed:
                return
            errors = errors_of(self.data, fresh=True)

    # --- reporting and editing ---------------------------------------------------------------

    def warn(self, path: NodePath, code: str, message: str, hint: str = _HINT) -> None:
        """A located warning at the current (already shifted) position of `path`."""
        where = dataclasses.replace(self.spec, positions=self.positions).locate(path)
        self.findings.append(Diagnostic(where, code, Severity.WARNING, message, hint))

    def get(self, path: NodePath) -> Any:
        node: Any = self.data
        for step in path:
            node = node[step]
        return node

    def set(self, path: NodePath, value: Any) -> None:
        self.get(path[:-1])[path[-1]] = value

    def delete(self, path: NodePath) -> None:
        del self.get(path[:-1])[path[-1]]

    def leave_out(self, path: NodePath, why: str) -> bool:
        """Queue the unit holding `path` for removal; False when no unit holds it."""
        unit = unit_path(self.data, path)
        if unit is None or any(unit[: len(r)] == r for r in self._removals):
            return unit is not None
        kind = kind_at(self.data, unit) or "unit"
        name = self.get(unit).get("name") or self.get(unit).get("namespace")
        shown = f" {truncate(name)}" if name else ""
        self.warn(unit, _LEFT_OUT, f"{why}; this {_noun(kind)}{shown} is left out")
        if unit[:1] == ("capability",) and not kind.endswith(("Parameter", "Argument")):
            self._dropped.append(self.findings[-1])  # what serves, or what it derives from
        self._removals = [r for r in self._removals if r[: len(unit)] != unit] + [unit]
        return True

    def _apply_removals(self) -> bool:
        done = bool(self._removals)
        for path in sorted(self._removals, key=_sort_key, reverse=True):
            self._shrunk.add(id(self.get(path[:-1])))
            self.delete(path)
            self.positions = _shift(self.positions, path)
            self.key_positions = _shift(self.key_positions, path)
        self._removals = []
        return done

    def check_something_left(self) -> None:
        """NAF302 when the written capability consumed or exposed something and, once the units
        that could not be read were left out, no adapter is left and no consumed operation to
        derive one from: the schema would only say a key is missing, and resolve that nothing
        can be derived, while the cause is what was left out (the error names it)."""
        written = self.spec.data.get("capability")
        capability = self.data.get("capability")
        if not isinstance(written, dict) or not isinstance(capability, dict):
            return
        if not any(k in written for k in _SERVED) or capability.get("exposes"):
            return
        if capability.get("consumes") and (_operations_left(capability) or not self._dropped):
            return  # something to derive from, or nothing the reader did: resolve judges it
        causes = [f"line {d.location.line}: {d.message}" for d in self._dropped]
        shown = "; ".join(causes[:_SHOWN]) + (
            f"; and {len(causes) - _SHOWN} more" if len(causes) > _SHOWN else ""
        )
        lost = [_SERVED_NOUNS[k] for k in _SERVED if k in written]
        if capability.get("consumes"):
            lost[:1] = ["consumed operation"]
        where = dataclasses.replace(self.spec, positions=self.positions).locate(("capability",))
        self.findings.append(
            Diagnostic(
                where,
                _NOTHING_LEFT,
                Severity.ERROR,
                f"nothing is left to serve: every {' and every '.join(lost)} of this capability "
                f"was left out or ignored by the lenient reader "
                f"({shown or 'see the warnings above'}); no REST operation, MCP tool or control "
                "port can be generated",
                "give each unit named above what its warning says it lacks (the NAF286 "
                "warnings name every unit left out; docs/dialect-policy.md), or declare "
                "`exposes`",
            )
        )

    # --- repairs by schema keyword -----------------------------------------------------------

    def _repair(self, error: ValidationError) -> bool:
        path: NodePath = tuple(error.absolute_path)
        if any(path[: len(r)] == r for r in self._removals):
            return False
        try:
            current = self.get(path)
        except (KeyError, IndexError, TypeError):
            return False  # an earlier repair of this round changed the node
        if current is not error.instance and current != error.instance:
            return False
        handler = _HANDLERS.get(str(error.validator))
        return handler(self, path, error) if handler is not None else False

    def _enum(self, path: NodePath, error: ValidationError) -> bool:
        value = error.instance
        allowed: Any = error.validator_value
        members = [str(m) for m in (allowed if error.validator == "enum" else [allowed])]
        field_at = path[:-1] if isinstance(path[-1], int) else path
        owner, field = field_at[:-1], str(field_at[-1])
        kind = kind_at(self.data, owner) or ""
        rule = rule_for(kind, field) or generic_rule(False, False)
        if not isinstance(value, str):
            return False
        found = match_member(value, members, synonyms_for(kind, field))
        if found is None and rule.derive in ("type", "output_type"):
            found = scalar_type(value, members)
        if found is not None:
            self.set(path, found)
            self.warn(path, _NORMALISED, f"`{field}` is {truncate(value)}; read as `{found}`")
            return True
        if rule.unknown == DEFAULT:
            meaning = derive.value_for(self, owner, field, rule, unknown=True)
            if meaning is not None and (meaning in members or rule.derive == "in"):
                self.set(path, meaning)
                self.warn(
                    path,
                    _DEFAULTED,
                    f"`{field}` is {truncate(value)}, which is not one of "
                    f"{', '.join(members)}; read as `{meaning}` ({rule.meaning})",
                )
                return True
        if rule.unknown == DROP:
            self.delete(path)
            self.warn(path, _DEFAULTED, f"`{field}` is {truncate(value)}; the key is ignored")
            return True
        if rule.unknown in (UNIT, DEFAULT):
            return self.leave_out(
                path,
                f"`{field}` is {truncate(value)}, which has no sure "
                f"meaning (expected one of {', '.join(members)})",
            )
        return False

    def _required(self, path: NodePath, error: ValidationError) -> bool:
        if not isinstance(error.instance, dict):
            return False
        kind = kind_at(self.data, path) or ""
        changed = False
        wanted: Any = error.validator_value
        for key in [k for k in wanted if k not in error.instance]:
            rule = rule_for(kind, key) or generic_rule(True, False)
            value = None
            if rule.missing == DEFAULT:
                value = derive.value_for(self, path, key, rule, unknown=False)
            if value is not None:
                self.get(path)[key] = value
                self.warn(
                    path,
                    _FILLED,
                    f"{_noun(kind)} has no `{key}`; read as " f"{truncate(value)} ({rule.meaning})",
                )
                changed = True
            elif rule.missing in (UNIT, DEFAULT):
                return self.leave_out(path, f"{_noun(kind)} has no `{key}`") or changed
        return changed

    def _empty(self, path: NodePath, error: ValidationError) -> bool:
        if not isinstance(error.instance, list) or error.instance:
            return False
        kind = kind_at(self.data, path[:-1]) or ""
        field = str(path[-1])
        rule = rule_for(kind, field)
        empty = rule.empty if rule is not None else DROP
        if empty == UNIT:
            return self.leave_out(path, f"`{field}` is an empty list")
        empty_list = self.get(path)
        self.delete(path)
        self.warn(path, _EMPTIED, f"`{field}` is an empty list; the key is ignored")
        if (
            path[:1] == ("capability",)
            and field in _SERVING_LISTS
            and id(empty_list) not in self._shrunk
        ):
            self._dropped.append(self.findings[-1])  # empty as written: the cause itself
        return True

    def _type(self, path: NodePath, error: ValidationError) -> bool:
        expected: Any = error.validator_value
        wanted = [expected] if isinstance(expected, str) else list(expected)
        value = error.instance
        coerced = _coerce(value, wanted)
        if coerced is _NOTHING:
            if value is None and path and isinstance(path[-1], str):
                self.delete(path)
                self.warn(path, _COERCED, f"`{path[-1]}` is null; the key is ignored")
                return True
            return False
        self.set(path, coerced)
        self.warn(
            path,
            _COERCED,
            f"{_field(path)} is {truncate(value)}; read as "
            f"{truncate(coerced)} ({' or '.join(wanted)})",
        )
        return True

    def _blank(self, path: NodePath, error: ValidationError) -> bool:
        if error.instance != "" or not path or not isinstance(path[-1], str):
            return False
        self.delete(path)  # read as missing: the next round applies the missing-key rule
        return True

    def _unknown_key(self, path: NodePath, error: ValidationError) -> bool:
        instance = error.instance
        allowed = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        if not isinstance(instance, dict) or not allowed:
            return False
        changed = False
        for key in [k for k in list(instance) if k not in allowed and isinstance(k, str)]:
            close = [a for a in allowed if fold(a) == fold(key)]
            close = close or [a for a in allowed if len(key) >= 4 and within_one_edit(key, a)]
            if len(close) != 1 or close[0] in instance:
                continue
            instance[close[0]] = instance.pop(key)
            self.positions = _move(self.positions, (*path, key), (*path, close[0]))
            self.key_positions = _move(self.key_positions, (*path, key), (*path, close[0]))
            self.warn((*path, close[0]), _RENAMED, f"key {key!r} is read as `{close[0]}`")
            changed = True
        return changed


_HANDLERS: dict[str, Callable[[_Reader, NodePath, ValidationError], bool]] = {
    "enum": _Reader._enum,
    "const": _Reader._enum,
    "required": _Reader._required,
    "minItems": _Reader._empty,
    "type": _Reader._type,
    "minLength": _Reader._blank,
    "pattern": _Reader._blank,
    "additionalProperties": _Reader._unknown_key,
}


def _order(error: ValidationError) -> tuple[bool, int, bool]:
    """The consumed APIs first (exposed units derive values from them), deepest first, and a
    misspelt key renamed before a missing one is given its default."""
    path = tuple(error.absolute_path)
    return (
        "consumes" not in path[:2],
        -len(path),
        error.validator != "additionalProperties",
    )


_NOTHING: Any = object()
_TRUE, _FALSE = frozenset({"true", "yes", "on"}), frozenset({"false", "no", "off"})


def _coerce(value: Any, wanted: Iterable[str]) -> Any:
    """`value` as one of the `wanted` JSON types when nothing is lost; else `_NOTHING`."""
    for kind in wanted:
        if kind == "integer" and isinstance(value, str) and value.strip().isdigit():
            return int(value)
        if kind == "boolean" and isinstance(value, str) and value.casefold() in _TRUE | _FALSE:
            return value.casefold() in _TRUE
        if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if kind == "array" and isinstance(value, (str, dict)):
            return [value]
    return _NOTHING


def _operations_left(capability: dict[str, Any]) -> bool:
    """Whether some consumed API still declares an operation (an imported one may)."""
    for entry in capability.get("consumes") or []:
        if isinstance(entry, dict) and ("import" in entry or "location" in entry):
            return True
        resources = entry.get("resources") if isinstance(entry, dict) else None
        if any(isinstance(r, dict) and r.get("operations") for r in resources or []):
            return True
    return False


def _noun(kind: str) -> str:
    words = [c if c.islower() else f" {c.lower()}" for c in kind]
    return "".join(words).strip().replace("exposes ", "").replace("http ", "") or "unit"


def _field(path: NodePath) -> str:
    named = [p for p in path if isinstance(p, str)]
    return f"`{named[-1]}`" if named else "the document"


def _sort_key(path: NodePath) -> tuple[tuple[int, str, int], ...]:
    return tuple((0, p, 0) if isinstance(p, str) else (1, "", p) for p in path)


def _shift(
    table: dict[NodePath, tuple[int, int]], removed: NodePath
) -> dict[NodePath, tuple[int, int]]:
    """Positions after list item `removed` is deleted: its nodes go, later siblings move up."""
    parent, index, depth = removed[:-1], removed[-1], len(removed)
    shifted: dict[NodePath, tuple[int, int]] = {}
    for path, where in table.items():
        if path[:depth] == removed:
            continue
        at = path[depth - 1] if len(path) >= depth else None
        later = isinstance(at, int) and isinstance(index, int) and at > index
        if later and path[: depth - 1] == parent:
            path = (*parent, at - 1, *path[depth:])  # type: ignore[operator]
        shifted[path] = where
    return shifted


def _move(
    table: dict[NodePath, tuple[int, int]], old: NodePath, new: NodePath
) -> dict[NodePath, tuple[int, int]]:
    """Positions after the subtree at `old` is renamed to `new`."""
    depth = len(old)
    return {(*new, *p[depth:]) if p[:depth] == old else p: w for p, w in table.items()}
