"""Generated dialect variants of corpus files, and how to judge what naftiko-gen does with them.

`variants(path)` reads one corpus file and yields `Variant`s, each one step past the file:
a key dropped (every key the policy gives a meaning when missing, and every optional key),
each enum value replaced by near misses (case change, synonym, type alias, plural, one-letter
slip where unambiguous, MIME spelling), each list emptied, and each `call` pointed at an
operation its API does not declare. `judge(variant)` runs load → lenient read → validate →
resolve → model → render in memory (no black, nothing written), compiles every generated
`.py` with `compile()`, and says whether the outcome is what docs/dialect-policy.md says:
built with a located warning, or refused with located errors only where the policy refuses.

Used by `tests/dialect/test_variants.py` (a seeded sample) and `bench/dialect_variants.py`
(every variant of many files), and by the corpus gate's report line (`gate_line`).
"""

from __future__ import annotations

import copy
import functools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from naftiko_codegen.customise import create_user_environment
from naftiko_codegen.diagnostics import Diagnostic, DiagnosticError
from naftiko_codegen.load import load_imports, load_spec
from naftiko_codegen.model import build_model
from naftiko_codegen.render import render_package, verbatim_outputs
from naftiko_codegen.resolve import resolve_spec
from naftiko_codegen.validate import read_and_validate
from naftiko_codegen.validate.policy import (
    CHILDREN,
    DEFAULT,
    KEEP,
    UNIT,
    kind_at,
    rule_for,
    synonyms_for,
)
from naftiko_codegen.validate.policy_docs import properties_of
from naftiko_codegen.validate.schema import schema

__all__ = [
    "RESULTS",
    "Outcome",
    "Variant",
    "corpus_files",
    "gate_line",
    "judge",
    "sample",
    "variants",
]

_REPO = Path(__file__).resolve().parents[2]

LENIENT = frozenset({f"NAF{n}" for n in range(282, 289)} | {"NAF330", "NAF331", "NAF332"})
"""Warnings that say the lenient reader changed or left something out."""
NOTHING_LEFT = frozenset({"NAF302"})
"""The refusal the policy allows after leaving units out: nothing is left to serve."""

# Enum fields the variants replace, with their members (from the schema).
_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ConsumedHttpOperation", "method"): ("GET", "POST", "PUT", "PATCH", "DELETE"),
    ("ExposedOperation", "method"): ("GET", "POST", "PUT", "PATCH", "DELETE"),
    ("ConsumedHttpOperation", "outputRawFormat"): ("json", "xml", "csv", "yaml", "html"),
    ("ConsumedInputParameter", "in"): ("query", "header", "path", "body"),
    ("ExposedInputParameter", "in"): ("query", "header", "path", "body"),
    ("ExposedInputParameter", "type"): ("string", "number", "integer", "boolean", "object"),
    ("McpToolInputParameter", "type"): ("string", "number", "integer", "boolean", "object"),
    ("ConsumedOutputParameter", "type"): ("string", "number", "boolean", "object", "array"),
    ("OutputParameter", "type"): ("string", "number", "boolean"),
    ("Authentication", "type"): ("basic", "bearer", "apikey", "digest"),
    ("Authentication", "placement"): ("header", "query"),
    ("RequestBody", "type"): ("json", "formUrlEncoded", "text"),
    ("ExposesMcp", "transport"): ("http", "stdio"),
    ("McpPromptMessage", "role"): ("user", "assistant"),
}
_TYPE_ALIASES = {
    "string": ("str", "String", "date-time", "uuid"),
    "integer": ("int", "Integer", "int64"),
    "number": ("float", "Double", "decimal"),
    "boolean": ("bool", "Boolean"),
    "object": ("dict", "Object"),
    "array": ("list", "Array"),
}
_MIME = {
    "json": "application/json",
    "xml": "application/xml",
    "csv": "text/csv",
    "yaml": "application/x-yaml",
    "html": "text/html",
    "formUrlEncoded": "application/x-www-form-urlencoded",
    "text": "text/plain",
}


@dataclass(frozen=True)
class Variant:
    """One generated file: its origin, what was changed, where; `text` is made on demand."""

    origin: str
    source: Path
    """The corpus file it was made from (imports are read relative to it)."""
    change: str
    """`drop`, `near-miss`, `unknown`, `empty` or `undeclared-call`."""
    path: tuple[Any, ...]
    detail: str
    base: Any = field(repr=False, compare=False)
    value: Any = field(repr=False, compare=False)
    policy_case: bool = True
    """Whether the policy (not the spec) decides it: then a located warning is required."""

    @property
    def text(self) -> str:
        """The variant as YAML: the corpus file with the one change applied."""
        copied = copy.deepcopy(self.base)
        parent = _get(copied, self.path[:-1])
        if self.value is _DROP:
            del parent[self.path[-1]]
        else:
            parent[self.path[-1]] = self.value
        return yaml.dump(copied, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=4096)


_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Outcome:
    """What naftiko-gen did with a variant, and whether the policy allows it."""

    variant: Variant
    built: bool
    ok: bool
    why: str = ""
    codes: list[str] = field(default_factory=list)


def variants(path: Path, root: Path | None = None) -> Iterator[Variant]:
    """Every variant of one corpus file (see the module docstring)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    origin = str(path.relative_to(root)) if root else str(path)
    source = path
    if not isinstance(data, dict):
        return
    for node_path, kind, node in _objects(data):
        for key in list(node):
            yield from _dropped(origin, source, data, node_path, kind, key)
            yield from _near_misses(origin, source, data, node_path, kind, key, node[key])
            value = node[key]
            if isinstance(value, list) and value and _children_marks(kind, key).startswith("["):
                # Only a list the schema wants non-empty is the policy's case (a warning due).
                policy = key in _min_items(kind)
                target = (*node_path, key)
                yield _variant(origin, source, data, target, "empty", "emptied", [], policy)
        if isinstance(node.get("call"), str) and "." in node["call"]:
            call = node["call"].partition(".")[0] + ".no-such-operation"
            yield _variant(
                origin, source, data, (*node_path, "call"), "undeclared-call", call, call, True
            )


@functools.cache
def _min_items(kind: str) -> frozenset[str]:
    """The fields of a schema object that hold a list of at least one item."""
    node = schema()["$defs"].get(kind, {})
    return frozenset(f for f, p in properties_of(node) if isinstance(p, dict) and "minItems" in p)


def _children_marks(kind: str, key: str) -> str:
    family = "ExposesEntry" if kind.startswith("Exposes") else kind
    return CHILDREN.get(kind, CHILDREN.get(family, {})).get(key, "")


def _objects(data: Any) -> Iterator[tuple[tuple[Any, ...], str, dict[str, Any]]]:
    """Every object of a known schema kind, with its path, parents first."""
    stack: list[tuple[Any, ...]] = [()]
    while stack:
        path = stack.pop(0)
        kind = kind_at(data, path)
        node = _get(data, path)
        if kind is None or not isinstance(node, dict):
            continue
        yield path, kind, node
        for key, mark in CHILDREN.get(kind, {}).items():
            child = node.get(key)
            if mark.startswith("[") and isinstance(child, list):
                stack.extend((*path, key, i) for i in range(len(child)))
            elif mark.startswith("{") and isinstance(child, dict):
                stack.extend((*path, key, k) for k in child)
            elif isinstance(child, dict):
                stack.append((*path, key))


def _get(data: Any, path: Sequence[Any]) -> Any:
    for step in path:
        data = data[step]
    return data


def _variant(
    origin: str,
    source: Path,
    data: Any,
    path: tuple[Any, ...],
    change: str,
    detail: str,
    value: Any,
    policy_case: bool,
) -> Variant:
    return Variant(origin, source, change, path, detail, data, value, policy_case)


_DROP: Any = object()


def _dropped(
    origin: str, source: Path, data: Any, path: tuple[Any, ...], kind: str, key: str
) -> Iterator[Variant]:
    rule = rule_for(kind, key)
    if rule is not None and rule.missing in (DEFAULT, UNIT):
        # A unit with `ref` inherits what it leaves out from the aggregate function: no warning.
        inherits = "ref" in _get(data, path)
        yield _variant(
            origin, source, data, (*path, key), "drop", f"dropped `{key}`", _DROP, not inherits
        )

    elif key in ("description", "label", "with", "outputParameters", "hints", "address"):
        yield _variant(origin, source, data, (*path, key), "drop", f"dropped `{key}`", _DROP, False)


def _near_misses(
    origin: str, source: Path, data: Any, path: tuple[Any, ...], kind: str, key: str, value: Any
) -> Iterator[Variant]:
    family = "ExposesEntry" if kind.startswith("Exposes") else kind
    members = _ENUMS.get((kind, key)) or _ENUMS.get((family, key))
    if not members or not isinstance(value, str) or value not in members:
        return
    target = (*path, key)
    for spelling in _spellings(kind, key, value):
        yield _variant(
            origin, source, data, target, "near-miss", f"{value!r} → {spelling!r}", spelling, True
        )
    rule = rule_for(kind, key)
    if rule is not None and rule.unknown == DEFAULT and rule.derive in ("type", "output_type"):
        yield _variant(
            origin, source, data, target, "unknown", "unknown type", "money-amount", True
        )


def _spellings(kind: str, key: str, value: str) -> list[str]:
    """Near misses of an enum value that the policy must read back as `value`."""
    found = [value.upper() if value.islower() else value.lower(), value[:1].upper() + value[1:]]
    found.append(value + "s")
    if len(value) >= 5:
        middle = len(value) // 2
        found.append(value[: middle - 1] + value[middle] + value[middle - 1] + value[middle + 1 :])
    found += [s for s, m in synonyms_for(kind, key).items() if m == value][:2]
    found += list(_TYPE_ALIASES.get(value, ()) if key == "type" else ())
    if value in _MIME and key in ("outputRawFormat", "type") and kind != "OutputParameter":
        found.append(_MIME[value])
    return [s for s in dict.fromkeys(found) if s != value]


def judge(variant: Variant, *, render: bool = True) -> Outcome:
    """Run a variant through the stages in memory and check the outcome against the policy."""
    text = variant.text
    findings: list[Diagnostic] = []
    try:
        written = load_spec(text, f"{variant.origin}#{variant.change}")
        spec, findings = read_and_validate(written)
        errors = [d for d in findings if d.is_error]
        if not errors:
            canonical = resolve_spec(spec, load_imports(spec, variant.source))
            findings += canonical.diagnostics
            model = build_model(canonical, spec_file="capability.yaml", spec_text=text, slug="v")
            if render:
                _compile_rendered(model)
    except DiagnosticError as error:
        findings = [*findings, *error.diagnostics]
    except Exception as error:
        return Outcome(variant, False, False, f"crash: {type(error).__name__}: {error}")
    return _verdict(variant, findings)


def _compile_rendered(model: Any) -> None:
    """Render the package in memory and compile what the templates made of this variant (the
    runtime modules are copied verbatim and tested on their own)."""
    environment = create_user_environment(())
    copied = verbatim_outputs(model, environment)
    for name, module in render_package(model, environment=environment).items():
        if name.endswith(".py") and name not in copied:
            compile(module, name, "exec")


def _verdict(variant: Variant, findings: list[Diagnostic]) -> Outcome:
    codes = sorted({d.code for d in findings})
    errors = [d for d in findings if d.is_error]
    unlocated = [d for d in findings if d.location.line < 1]
    if unlocated:
        return Outcome(variant, not errors, False, f"unlocated {unlocated[0].code}", codes)
    if not errors:
        warned = any(d.code in LENIENT or d.code.startswith("NAF2") for d in findings)
        if variant.policy_case and not warned:
            return Outcome(variant, True, False, "built without a located warning", codes)
        return Outcome(variant, True, True, "", codes)
    if variant.change in ("drop", "empty") and _refused_by_the_table(variant, errors):
        return Outcome(variant, False, True, "refused: the table says so", codes)
    if {d.code for d in errors} <= NOTHING_LEFT and variant.change in (
        "drop",
        "empty",
        "undeclared-call",
    ):
        return Outcome(variant, False, True, "refused: nothing left to serve", codes)
    shown = "; ".join(f"{d.code} {d.message}" for d in errors[:2])
    return Outcome(variant, False, False, f"refused against policy: {shown}", codes)


def _refused_by_the_table(variant: Variant, errors: list[Diagnostic]) -> bool:
    """A required key the table refuses to do without (e.g. `exposes` with no `consumes`)."""
    key = str(variant.path[-1])
    rule = rule_for(kind_at(variant.base, variant.path[:-1]) or "", key)
    if rule is not None and rule.missing != KEEP:
        return False  # the table gives it a meaning or leaves out its unit: no refusal
    return all(d.code == "NAF203" and f"`{key}`" in d.message for d in errors)


def sample(files: Sequence[Path], count: int, seed: int, root: Path | None = None) -> list[Variant]:
    """A deterministic sample of `count` variants, spread over `files` and the kinds of change."""
    every = [v for path in files for v in variants(path, root)]
    by_change: dict[str, list[Variant]] = {}
    for v in every:
        by_change.setdefault(v.change, []).append(v)
    rng = random.Random(seed)
    picked: list[Variant] = []
    share = max(1, count // max(1, len(by_change)))
    for change in sorted(by_change):
        pool = by_change[change]
        picked += rng.sample(pool, min(share, len(pool)))
    rest = [v for v in every if v not in picked]
    picked += rng.sample(rest, min(max(0, count - len(picked)), len(rest)))
    return picked


def corpus_files(corpus: Path, *, every: bool = False) -> list[Path]:
    """The files the sample draws from: official, jupyter, the smallest file of each catalog
    provider (`every`: all of them); files the corpus gate lists as reviewed refusals are left
    out."""
    refusals = _REPO / "tests" / "corpus" / "refusals.tsv"
    refused = {
        line.split("\t", 1)[0]
        for line in refusals.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    files = sorted((corpus / "official").glob("*.y*ml")) + sorted(corpus.glob("jupyter/*/*.y*ml"))
    for provider in sorted(p for p in (corpus / "catalog").iterdir() if p.is_dir()):
        found = sorted(provider.glob("*.y*ml"), key=lambda p: (p.stat().st_size, p.name))
        files += found if every else found[:1]
    return [f for f in files if str(f.relative_to(corpus)) not in refused]


RESULTS: dict[str, list[Outcome]] = {}
"""Outcomes of this process's seeded sample (`tests/dialect/test_variants.py` stores them), so
the corpus gate's report reuses them instead of judging the sample again."""


def gate_line(root: Path, count: int = 100, seed: int = 13) -> str:
    """The corpus gate's report line: how many dialect-policy cases were generated and passed
    (the test's sample when it ran in this process, else a seeded sample of `count`)."""
    outcomes = RESULTS.get("sample") or [
        judge(v, render=False) for v in sample(corpus_files(root), count, seed, root)
    ]
    passed = sum(o.ok for o in outcomes)
    return (
        f"dialect policy (docs/dialect-policy.md): {len(outcomes)} generated variants, "
        f"{passed} passed "
        f"({sum(o.built for o in outcomes)} built, "
        f"{sum(o.ok and not o.built for o in outcomes)} refused as the policy says)"
    )
