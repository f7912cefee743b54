"""Model stage, code: spec templates → Python expressions that record what they need.

Every expression the model builds carries its `Needs`: the names it uses from other modules
(`upstream.text`, `typing.Any`…) and the secrets it reads, each with what it is read for. A
module's imports and the secrets table are derived from these facts, never by reading the code
text back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..canonical import BodyLeaf
from ..names import PythonCode, PythonIdentifier, UniqueNames, py_literal
from ..placeholders import Template

__all__ = [
    "NOTHING",
    "UPSTREAM",
    "Expression",
    "Needs",
    "Secrets",
    "all_needs",
    "body_expression",
    "claim_each",
    "dict_expression",
    "helper_call",
    "is_static",
    "literal",
    "optional",
    "plain",
    "py_type",
    "reference_names",
    "text_expression",
    "unique_ids",
    "uses",
    "value_expression",
]

UPSTREAM = "upstream"
"""The generated module holding the helpers unit code calls (`text`, `basic_credentials`…)."""

Secrets = Mapping[str, PythonIdentifier]
"""Bind variable → its attribute on the generated `Secrets` object."""


@dataclass(frozen=True)
class Needs:
    """What a piece of generated code needs besides its own module's names."""

    imports: frozenset[tuple[str, str]] = frozenset()
    """`(module, name)` it uses from elsewhere, e.g. `("upstream", "text")`."""
    secrets: tuple[tuple[str, str], ...] = ()
    """`(bind variable, what it is read for)` per secret it reads, in order of first use."""

    def __or__(self, other: Needs) -> Needs:
        return Needs(
            self.imports | other.imports, tuple(dict.fromkeys((*self.secrets, *other.secrets)))
        )

    def secret_reads(self) -> Needs:
        """Only the secrets: what code generated in another module adds to its caller's needs."""
        return Needs(secrets=self.secrets)

    def names_from(self, module: str) -> tuple[PythonIdentifier, ...]:
        """The names to import from `module`, sorted."""
        return tuple(
            sorted(PythonIdentifier(name) for where, name in self.imports if where == module)
        )


NOTHING = Needs()


def uses(module: str, name: str) -> Needs:
    """The need of one imported name."""
    return Needs(imports=frozenset({(module, name)}))


def all_needs(needs: Iterable[Needs]) -> Needs:
    """Every need of several pieces of code, secrets in the order the pieces come."""
    imports: set[tuple[str, str]] = set()
    secrets: dict[tuple[str, str], None] = {}
    for item in needs:
        imports |= item.imports
        secrets.update(dict.fromkeys(item.secrets))
    return Needs(frozenset(imports), tuple(secrets))


@dataclass(frozen=True)
class Expression:
    """Python code for a value, with what it needs."""

    code: PythonCode
    needs: Needs = NOTHING


def plain(code: str) -> Expression:
    """An expression needing nothing (a local name, a literal)."""
    return Expression(PythonCode(code))


def literal(value: Any) -> Expression:
    """Plain data as a Python literal."""
    return Expression(py_literal(value))


def helper_call(module: str, function: str, *arguments: Expression) -> Expression:
    """A call of `function` imported from `module`."""
    code = f"{function}({', '.join(argument.code for argument in arguments)})"
    needs = all_needs(argument.needs for argument in arguments)
    return Expression(PythonCode(code), needs | uses(module, function))


def dict_expression(items: Iterable[tuple[str, Expression]]) -> Expression:
    """A dict display with string keys."""
    pairs = list(items)
    code = "{" + ", ".join(f"{key!r}: {value.code}" for key, value in pairs) + "}"
    return Expression(PythonCode(code), all_needs(value.needs for _, value in pairs))


# ----------------------------------------------------------------------------- types

_ANY = uses("typing", "Any")
_PY_TYPES = {
    "string": plain("str"),
    "integer": plain("int"),
    "number": plain("float"),
    "boolean": plain("bool"),
    "array": Expression(PythonCode("list[Any]"), _ANY),
    "object": Expression(PythonCode("dict[str, Any]"), _ANY),
}
_ANY_TYPE = Expression(PythonCode("Any"), _ANY)


def py_type(json_type: str | None) -> Expression:
    """The annotation for a JSON Schema type; `Any` for none or an unknown one."""
    return _PY_TYPES.get(json_type or "", _ANY_TYPE)


def optional(annotation: Expression, required: bool) -> Expression:
    """The annotation itself, or `… | None` when the value may be missing."""
    if required:
        return annotation
    return Expression(PythonCode(f"{annotation.code} | None"), annotation.needs)


# ----------------------------------------------------------------------------- templates


def reference_names(
    template: Template, secrets: Secrets, used_for: str, owner: str = "client.secrets"
) -> dict[str, Expression]:
    """Expressions for the secrets (read from `owner`, a `Secrets` object) and the step outputs
    (in an orchestration's coroutine) a template refers to, keyed `kind:value`."""
    names: dict[str, Expression] = {}
    for part in template:
        if part.kind == "secret":
            code = PythonCode(f"{owner}.{secrets[part.value]}")
            names[f"secret:{part.value}"] = Expression(
                code, Needs(secrets=((part.value, used_for),))
            )
        elif part.kind == "step":
            path = py_literal(tuple(part.value.split(".")))
            names[f"step:{part.value}"] = plain(f"select(outputs, {path})")
    return names


def text_expression(template: Template, names: Mapping[str, Expression]) -> Expression:
    """A template rendered as text: literals quoted, inputs and secrets interpolated."""
    pieces: list[str] = []
    needs: list[Needs] = []
    for part in template:
        if part.kind == "text":
            pieces.append(repr(part.value))
        elif part.kind != "unbound":
            name = names[part.kind + ":" + part.value]
            pieces.append(f"text({name.code})")
            needs += [name.needs, uses(UPSTREAM, "text")]
    if not pieces:
        return plain("''")
    return Expression(PythonCode(" + ".join(pieces)), all_needs(needs))


def value_expression(template: Template, names: Mapping[str, Expression]) -> Expression:
    """A value: a lone input, secret or step output keeps its type; anything else becomes text."""
    meaningful = [p for p in template if p.kind != "unbound"]
    if len(meaningful) == 1 and meaningful[0].kind in ("input", "secret", "step"):
        part = meaningful[0]
        return names[part.kind + ":" + part.value]
    return text_expression(template, names)


def is_static(template: Template | None) -> bool:
    """Whether a value needs nothing from the caller (text and secrets only)."""
    # An unbound placeholder may name the inputs of the unit that calls (resolved per unit).
    return template is not None and all(p.kind in ("text", "secret") for p in template)


def body_expression(
    node: Any,
    inputs: Mapping[str, Expression],
    secrets: Secrets,
    used_for: str,
    owner: str = "client.secrets",
) -> Expression:
    """A request body built from its template tree; `inputs` are keyed `input:<name>`, secrets
    are read from `owner`."""
    if isinstance(node, dict):
        return dict_expression(
            (key, body_expression(value, inputs, secrets, used_for, owner))
            for key, value in node.items()
        )
    if isinstance(node, list):
        items = [body_expression(value, inputs, secrets, used_for, owner) for value in node]
        code = "[" + ", ".join(item.code for item in items) + "]"
        return Expression(PythonCode(code), all_needs(item.needs for item in items))
    if isinstance(node, BodyLeaf):
        names = {**reference_names(node.value, secrets, used_for, owner), **inputs}
        if node.typed:
            return value_expression(node.value, names)
        return text_expression(node.value, names)
    return literal(node)


# ----------------------------------------------------------------------------- names


def claim_each(
    texts: Iterable[tuple[str, str]], taken: Iterable[str] = ()
) -> tuple[PythonIdentifier, ...]:
    """Identifiers for `(text, fallback)` pairs, unique among themselves and `taken`, in order."""
    scope = UniqueNames(taken)
    return tuple(scope.claim(text, fallback=fallback) for text, fallback in texts)


def unique_ids(bases: Iterable[str]) -> tuple[str, ...]:
    """The bases, a later repeat suffixed `-2`, `-3`… (operation ids, in order)."""
    ids: dict[str, None] = {}
    for base in bases:
        candidate, counter = base, 2
        while candidate in ids:
            candidate, counter = f"{base}-{counter}", counter + 1
        ids[candidate] = None
    return tuple(ids)
