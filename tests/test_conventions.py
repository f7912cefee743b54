"""House conventions (style.md §2, §3, §1): filtered `{{ }}`, `__all__`, who prints (the `cli`
package only), stage order."""

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
_MACRO_DEFINITION = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(")
_MACRO_IMPORT = re.compile(r"\{%-?\s*from\s+.+?\s+import\s+([\w\s,]+?)\s*-?%\}", re.DOTALL)
_MACRO_CALL = re.compile(r"^(\w+)\s*\(.*\)$", re.DOTALL)


def _template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.jinja"))


def unfiltered_expressions(text: str) -> list[tuple[int, str]]:
    """Every `{{ … }}` that does not end with one of our filters, with its line number."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    text = _RAW.sub(lambda m: "\n" * m.group().count("\n"), text)
    macros = set(_MACRO_DEFINITION.findall(text))
    for names in _MACRO_IMPORT.findall(text):
        macros.update(name.strip() for name in names.split(","))
    found: list[tuple[int, str]] = []
    for match in _EXPRESSION.finditer(text):
        expression = match.group(1).strip()
        line = text.count("\n", 0, match.start()) + 1
        if expression in UNFILTERED_ALLOWED:
            continue
        call = _MACRO_CALL.match(expression)
        if call is not None and call.group(1) in macros:
            continue  # A macro's output is built from filtered expressions itself.
        last = _LAST_FILTER.search(expression)
        if last is None or last.group(1) not in FILTERS:
            found.append((line, expression))
    return found


def test_scanner_catches_what_it_should() -> None:
    assert unfiltered_expressions("{{ a | py }} {{ b | doc(4) }} {{ loop.index }}") == []
    assert unfiltered_expressions("x\n{{ a }}\n{{ b | upper }}") == [(2, "a"), (3, "b | upper")]
    assert unfiltered_expressions("{{ (a + b) | toml }}") == []
    assert unfiltered_expressions("{# {{ a }} #}{% raw %}{{ b }}{% endraw %}") == []
    # Calls of macros the template defines or imports explicitly; no other call.
    assert (
        unfiltered_expressions('{% from "_m.jinja" import a, b %}{{ a(x) }}{{ b(y, z=1) }}') == []
    )
    assert unfiltered_expressions("{% macro c(x) %}{% endmacro %}{{ c(1) }}{{ d(1) }}") == [
        (1, "d(1)")
    ]


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


# Choosing, ordering and de-duplicating are the model's decisions: a `.py` template only loops
# and branches over what the model decided (style.md §2).
_BANNED_FILTERS = ("selectattr", "rejectattr", "map", "sort", "unique", "groupby", "join")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_BANNED = re.compile(
    r"\|\s*(" + "|".join(_BANNED_FILTERS) + r")\b|\bfilter\s+(" + "|".join(_BANNED_FILTERS) + r")\b"
)


def banned_filters(text: str) -> list[tuple[int, str]]:
    """Every use of a selecting/sorting filter inside a Jinja tag, with its line number."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    text = _RAW.sub(lambda m: "\n" * m.group().count("\n"), text)
    found: list[tuple[int, str]] = []
    for tag in _TAG.finditer(text):
        for match in _BANNED.finditer(tag.group()):
            line = text.count("\n", 0, tag.start() + match.start()) + 1
            found.append((line, match.group(1) or match.group(2)))
    return found


def test_banned_filter_scanner_catches_what_it_should() -> None:
    assert banned_filters('{{ a | py }}\nx = "; ".join(y)  # generated Python, not Jinja') == []
    assert banned_filters("{% for x in xs | sort %}") == [(1, "sort")]
    assert banned_filters("{{ xs|selectattr('a') }}\n{{ xs\n   |\n  map(attribute='b') }}") == [
        (1, "selectattr"),
        (3, "map"),
    ]
    assert banned_filters("{% set y = xs | rejectattr('f') | list %}{{ y|unique|join(', ') }}") == [
        (1, "rejectattr"),
        (1, "unique"),
        (1, "join"),
    ]
    assert banned_filters("{% filter\tgroupby('a') %}{% endfilter %}") == [(1, "groupby")]
    assert banned_filters("{# {{ xs | sort }} #}{% raw %}{{ xs | sort }}{% endraw %}") == []
    assert banned_filters("{{ xs | sorted_names | py }}{{ mapping | py }}") == []


@pytest.mark.parametrize(
    "template",
    [path.relative_to(TEMPLATES).as_posix() for path in sorted(TEMPLATES.rglob("*.py.jinja"))],
)
def test_py_templates_leave_choosing_and_sorting_to_the_model(template: str) -> None:
    found = banned_filters((TEMPLATES / template).read_text(encoding="utf-8"))
    assert found == [], f"{template}: decide in the model, not with " + ", ".join(
        f"`{name}` (line {line})" for line, name in found
    )


def test_templates_exist() -> None:
    assert len(_template_files()) >= 10


# ----------------------------------------------------------------------------- modules


def _module_names() -> list[str]:
    # Subpackages too (the `cli` package's modules); `runtime/` is code copied into the
    # generated packages, which imports from them and cannot be imported on its own.
    modules = pkgutil.walk_packages(naftiko_codegen.__path__, "naftiko_codegen.")
    names = [info.name for info in modules if not info.name.startswith(_RUNTIME)]
    return [*sorted(names), "naftiko_codegen"]


_RUNTIME = "naftiko_codegen.runtime."


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


def _generator_files() -> list[Path]:
    """Every module of the generator, subpackages included (not the runtime code it copies)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "runtime" not in p.relative_to(PACKAGE).parts)


@pytest.mark.parametrize(
    "path", _generator_files(), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_only_the_cli_package_prints_or_exits(path: Path) -> None:
    found = _calls(ast.parse(path.read_text(encoding="utf-8")))
    if path.relative_to(PACKAGE).parts[0] == "cli":
        return
    assert found == [], f"{path.relative_to(PACKAGE)} prints or exits: {found}"


def test_the_cli_package_prints() -> None:
    printing = [p.name for p in (PACKAGE / "cli").glob("*.py") if _calls(ast.parse(p.read_text()))]
    assert "output.py" in printing, "the cli package is expected to print"


_STAGES = ("load", "validate", "resolve", "model", "render", "format")
_LATER = {"cli", "pipeline", "write"}


def _component(path: Path) -> str:
    """The top-level module or package of the generator a source file belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_components(path: Path) -> set[str]:
    """The generator's top-level modules/packages that one source file imports (not its own)."""
    own = _component(path)
    package = path.parent.relative_to(PACKAGE.parent).parts
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[tuple[str, ...]] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                if node.module:
                    modules.append((*base, *node.module.split(".")))
                else:
                    modules.extend((*base, alias.name) for alias in node.names)
            elif node.module:
                modules.append(tuple(node.module.split(".")))
        elif isinstance(node, ast.Import):
            modules.extend(tuple(alias.name.split(".")) for alias in node.names)
        for parts in modules:
            inside = len(parts) > 1 and parts[0] == "naftiko_codegen" and parts[1] != own
            # A module or subpackage, not a name such as `from . import __version__`.
            if inside and ((PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()):
                names.add(parts[1])
    return names


def _component_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if _component(path) == "runtime":
            continue  # copied into generated packages; checked in test_runtime_is_self_contained
        graph.setdefault(_component(path), set()).update(_imported_components(path))
    graph.pop("__init__", None)
    return graph


@pytest.mark.parametrize("stage", _STAGES)
def test_stages_import_only_earlier_stages(stage: str) -> None:
    imported = _component_imports()[stage]
    assert not imported & _LATER, f"{stage} imports {sorted(imported & _LATER)}"
    later_stages = set(_STAGES[_STAGES.index(stage) + 1 :])
    assert (
        not imported & later_stages
    ), f"{stage} imports later stages {sorted(imported & later_stages)}"


def test_the_generator_imports_one_way() -> None:
    """No cycle between the generator's top-level modules and packages."""
    graph = _component_imports()
    done: set[str] = set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, "import cycle: " + " -> ".join((*trail, node))
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            if target != "__init__":
                visit(target, (*trail, node))
        done.add(node)

    for node in sorted(graph):
        visit(node, ())


def test_runtime_is_self_contained() -> None:
    """Runtime modules import only each other, the standard library and the packages' deps."""
    for path in sorted((PACKAGE / "runtime").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, f"{path.name} reaches outside runtime/: {ast.unparse(node)}"
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                assert not any(
                    str(name).startswith("naftiko_codegen") for name in names
                ), f"{path.name} imports the generator: {ast.unparse(node)}"
