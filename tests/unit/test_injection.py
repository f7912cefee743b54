"""Spec text is data: hostile descriptions and labels never become code in a generated package.

Hypothesis replaces every free-text field of the seed capability with arbitrary text (quotes,
backslashes, newlines, Jinja and f-string braces, Python payloads, unicode) and checks that the
generated modules parse, have exactly the code structure of the seed's, and carry the text back
as string constants.
"""

from __future__ import annotations

import ast
import copy
import functools
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from naftiko_codegen.pipeline import GeneratedPackage, generate

SEED = Path(__file__).resolve().parents[2] / "examples" / "rest-sessions.yaml"
SEED_DATA: dict[str, Any] = yaml.safe_load(SEED.read_text(encoding="utf-8"))

PAYLOADS = [
    '"""',
    "'''",
    "'",
    '"',
    "\\",
    "\\n",
    "\n",
    "\n\n",
    "{{ model }}",
    "{{",
    "}}",
    "{% if true %}x{% endif %}",
    "{%",
    "{#",
    "#}",
    "__import__('os').system('x')",
    "eval('1')",
    "\"); import os; os.system('x'); (\"",
    "'''); exec('x'); ('''",
    '\\"""',
    "# comment",
    "f'{x}'",
    "{x}",
    "é",
    "Ωμέγα",
    "😀",
    "\u2028",
    "\t",
    "\x00",
    "\r",
]
# DEL is left out: the TOML filter does not escape it (see test_render.test_toml_escapes_delete).
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x7f")
HOSTILE = st.lists(
    st.one_of(st.sampled_from(PAYLOADS), st.text(_CHARS, max_size=6)), max_size=6
).map(lambda parts: "x " + "".join(parts))

Setter = Callable[[dict[str, Any], str], None]


def _text_fields(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Every free-text field of the seed: (kind, owning mapping, key)."""
    yield "label", data["info"], "label"
    yield "info-description", data["info"], "description"
    capability = data["capability"]
    for api in capability["consumes"]:
        yield "api-description", api, "description"
        for resource in api["resources"]:
            for op in resource["operations"]:
                yield "consumed-operation", op, "description"
                for param in op.get("inputParameters", []):
                    yield "parameter", param, "description"
    for adapter in capability["exposes"]:
        yield f"{adapter['type']}-description", adapter, "description"
        for resource in adapter.get("resources", []):
            yield "resource-description", resource, "description"
            for op in resource["operations"]:
                yield "rest-operation", op, "description"
        for tool in adapter.get("tools", []):
            yield "tool", tool, "description"


FIELD_COUNT = sum(1 for _ in _text_fields(SEED_DATA))


def _generate(data: dict[str, Any]) -> GeneratedPackage:
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "rest-sessions.yaml"
        spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return generate(spec)


def _with_texts(texts: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    data = copy.deepcopy(SEED_DATA)
    for (_, owner, key), text in zip(_text_fields(data), texts, strict=True):
        owner[key] = text
    # What the generator sees is the text after a YAML round trip (YAML folds line breaks
    # such as NEL and U+2028 in quoted scalars), so compare with that.
    seen = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    placed = [(kind, owner[key]) for kind, owner, key in _text_fields(seen)]
    return data, placed


class _Blank(ast.NodeTransformer):
    """Replace every constant by a marker, leaving only the code's structure."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        return ast.Constant(value="…")

    def visit_keyword(self, node: ast.keyword) -> ast.keyword | None:
        # A route's `description=` is emitted only when it differs from the summary.
        if node.arg == "description" and isinstance(node.value, ast.Constant):
            return None
        self.generic_visit(node)
        return node


def _shape(text: str) -> str:
    return ast.dump(_Blank().visit(ast.parse(text)))


def _python_files(package: GeneratedPackage) -> dict[str, ast.Module]:
    return {
        path: ast.parse(text, filename=path)
        for path, text in package.files.items()
        if path.endswith(".py")
    }


def _constants(modules: dict[str, ast.Module]) -> set[str]:
    return {
        node.value
        for tree in modules.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _called_names(modules: dict[str, ast.Module]) -> set[str]:
    names: set[str] = set()
    for tree in modules.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    names.add(func.id)
                elif isinstance(func, ast.Attribute) and not _is_regex_compile(func):
                    names.add(func.attr)
    return names


def _is_regex_compile(func: ast.Attribute) -> bool:
    # `re.compile(...)` builds a pattern; it runs no code, unlike the builtin `compile`.
    return func.attr == "compile" and isinstance(func.value, ast.Name) and func.value.id == "re"


def _words(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@functools.cache
def _baseline() -> dict[str, str]:
    data, _ = _with_texts([f"x plain text {index}" for index in range(FIELD_COUNT)])
    package = _generate(data)
    return {path: _shape(text) for path, text in package.files.items() if path.endswith(".py")}


def _check(package: GeneratedPackage, placed: list[tuple[str, str]]) -> None:
    baseline = _baseline()
    modules = _python_files(package)
    # Same modules, same code: the text changed constants only.
    assert set(modules) == set(baseline)
    for path in modules:
        assert _shape(package.files[path]) == baseline[path], path
    assert not {"__import__", "system", "eval", "exec", "compile"} & _called_names(modules)
    constants = _constants(modules)
    docstrings = " ".join(
        doc
        for tree in modules.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and (doc := ast.get_docstring(node, clean=False))
    )
    for kind, text in placed:
        if kind in (
            "label",
            "rest-operation",
            "tool",
            "mcp-description",
            "parameter",
            "rest-description",
        ):
            # These reach the code through the `py` filter: the exact text is a constant.
            assert text in constants, (kind, text)
        elif kind == "consumed-operation":
            # Docstrings of `operations.py`: the text survives, minus control characters.
            assert _words(text) in _words(docstrings), (kind, text)
    pyproject = tomllib.loads(package.files["pyproject.toml"])
    assert pyproject["project"]["description"].endswith(placed[0][1])


# Each example builds a whole package (~0.5 s), so shrinking is skipped: it can run for minutes.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(texts=st.lists(HOSTILE, min_size=FIELD_COUNT, max_size=FIELD_COUNT))
def test_hostile_text_stays_data(texts: list[str]) -> None:
    data, placed = _with_texts(texts)
    _check(_generate(data), placed)


@pytest.mark.parametrize("payload", ["all"])
def test_every_field_nasty_at_once(payload: str) -> None:
    nasty = "x " + "".join(PAYLOADS)
    data, placed = _with_texts([f"{nasty} #{index}" for index in range(FIELD_COUNT)])
    package = _generate(data)
    _check(package, placed)
    readme = package.files["README.md"]
    # Markdown gets one escaped line; Jinja syntax in the text is never evaluated.
    assert "{% if true %}" not in readme
    assert "\\{% if true %\\}x\\{% endif %\\}" in readme


def test_field_walk_covers_the_seed() -> None:
    kinds = {kind for kind, _, _ in _text_fields(SEED_DATA)}
    assert kinds == {
        "label",
        "info-description",
        "api-description",
        "consumed-operation",
        "parameter",
        "rest-description",
        "resource-description",
        "rest-operation",
        "mcp-description",
        "tool",
    }
