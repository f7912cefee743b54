"""The resolve package's modules import one way: scope, then concepts, then adapters, then the stage."""

from __future__ import annotations

import ast
from pathlib import Path

import naftiko_codegen.resolve

PACKAGE = Path(naftiko_codegen.resolve.__file__).parent

# Each module imports only modules of earlier layers: no cycles, and a reader can go bottom-up.
LAYERS = (
    ("_values", "scope"),
    ("binds", "wire", "duplicates"),
    ("auth", "bodies", "aggregates", "with_keys"),
    ("consumes", "calls", "scripts", "mcp_files"),
    ("orchestration",),
    ("units",),
    ("rest", "mcp", "control", "derive", "skills"),
    ("__init__",),
)


def _imports(path: Path) -> set[str]:
    """The sibling modules a module of the package imports (`from .x import …`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_module_has_a_layer() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules == {name for layer in LAYERS for name in layer}


def test_modules_import_only_earlier_layers() -> None:
    earlier: set[str] = set()
    for layer in LAYERS:
        for name in layer:
            imported = _imports(PACKAGE / f"{name}.py")
            assert imported <= earlier, f"{name}.py imports {sorted(imported - earlier)}"
        earlier.update(layer)
