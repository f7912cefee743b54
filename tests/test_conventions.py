"""House conventions (style.md §2, §3, §1): filtered `{{ }}`, `__all__`, who prints, stage order."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import naftiko_codegen
from naftiko_codegen.render import FILTERS

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
PACKAGE = REPO / "naftiko_codegen"

# `{{ … }}` expressions allowed without a filter: pure loop counters, no spec value in them.
UNFILTERED_ALLOWED = frozenset({"loop.index"})

_EXPRESSION = re.compile(r"\{\{-?(.*?)-?\}\}", re.DOTALL)
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_LAST_FILTER = re.compile(r"\|\s*([A-Za-z_]\w*)\s*(\([^|]*\))?\s*$")


def _template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.jinja"))


def unfiltered_expressions(text: str) -> list[tuple[int, str]]:
    """Every `{{ … }}` that does not end with one of our filters, with its line number."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    text = _RAW.sub(lambda m: "\n" * m.group().count("\n"), text)
    found: list[tuple[int, str]] = []
    for match in _EXPRESSION.finditer(text):
        expression = match.group(1).strip()
        line = text.count("\n", 0, match.start()) + 1
        if expression in UNFILTERED_ALLOWED:
            continue
        last = _LAST_FILTER.search(expression)
        if last is None or last.group(1) not in FILTERS:
            found.append((line, expression))
    return found


def test_scanner_catches_what_it_should() -> None:
    assert unfiltered_expressions("{{ a | py }} {{ b | doc(4) }} {{ loop.index }}") == []
    assert unfiltered_expressions("x\n{{ a }}\n{{ b | upper }}") == [(2, "a"), (3, "b | upper")]
    assert unfiltered_expressions("{{ (a + b) | toml }}") == []
    assert unfiltered_expressions("{# {{ a }} #}{% raw %}{{ b }}{% endraw %}") == []


_KNOWN_UNFILTERED: dict[str, str] = {}


@pytest.mark.parametrize(
    "template",
    [
        pytest.param(
            path.relative_to(TEMPLATES).as_posix(),
            marks=(
                [pytest.mark.xfail(strict=True, reason=reason)]
                if (reason := _KNOWN_UNFILTERED.get(path.relative_to(TEMPLATES).as_posix()))
                else []
            ),
        )
        for path in _template_files()
    ],
)
def test_every_expression_ends_with_a_filter(template: str) -> None:
    found = unfiltered_expressions((TEMPLATES / template).read_text(encoding="utf-8"))
    assert found == [], f"{template}: unfiltered {{{{ }}}} at " + ", ".join(
        f"line {line}: {expression!r}" for line, expression in found
    )


def test_templates_exist() -> None:
    assert len(_template_files()) >= 10


# ----------------------------------------------------------------------------- modules


def _module_names() -> list[str]:
    modules = pkgutil.walk_packages(naftiko_codegen.__path__, "naftiko_codegen.")
    return [*sorted(info.name for info in modules), "naftiko_codegen"]


def _source(name: str) -> str:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    return Path(module.__file__).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", _module_names())
def test_module_docstring_and_all(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and module.__doc__.strip(), f"{name} has no module docstring"
    if name == "naftiko_codegen.__main__":
        return
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list | tuple), f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names missing objects: {missing}"


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("print", "exit", "quit"):
            found.append((node.lineno, func.id))
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            dotted = f"{func.value.id}.{func.attr}"
            if dotted in ("click.echo", "click.secho", "sys.exit", "os._exit"):
                found.append((node.lineno, dotted))
    return found


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_only_cli_prints_or_exits(path: Path) -> None:
    found = _calls(ast.parse(path.read_text(encoding="utf-8")))
    if path.name == "cli.py":
        assert found, "cli.py is expected to print"
        return
    assert found == [], f"{path.name} prints or exits: {found}"


_STAGES = ("load", "validate", "resolve", "model", "render", "format")
_LATER = {"cli", "pipeline", "write"}


def _imported_siblings(path: Path) -> set[str]:
    """The top-level modules of naftiko_codegen a module (at any depth) imports."""
    names: set[str] = set()
    package = path.parent.relative_to(PACKAGE).parts
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            # `from ..x import y` in naftiko_codegen/resolve/ names naftiko_codegen.x.
            base = package[: len(package) - (node.level - 1)]
            targets = [node.module] if node.module else [a.name for a in node.names]
            names.update((*base, *t.split("."))[0] for t in targets)
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.module.startswith("naftiko_codegen."):
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("naftiko_codegen."):
                    names.add(alias.name.split(".")[1])
    return names


def _stage_files(stage: str) -> list[Path]:
    """A stage's module, or every module of its package (e.g. `resolve/`)."""
    module = PACKAGE / f"{stage}.py"
    return [module] if module.exists() else sorted((PACKAGE / stage).rglob("*.py"))


@pytest.mark.parametrize("stage", _STAGES)
def test_stages_import_only_earlier_stages(stage: str) -> None:
    files = _stage_files(stage)
    assert files, f"stage {stage} has no module"
    imported = set().union(*(_imported_siblings(path) for path in files)) - {stage}
    assert not imported & _LATER, f"{stage}.py imports {sorted(imported & _LATER)}"
    later_stages = set(_STAGES[_STAGES.index(stage) + 1 :])
    assert (
        not imported & later_stages
    ), f"{stage}.py imports later stages {sorted(imported & later_stages)}"
