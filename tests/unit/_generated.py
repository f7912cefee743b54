"""Import a generated package's modules in-process, for tests that run generated code."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType


def import_generated(files: dict[str, str], module: str, root: Path) -> ModuleType:
    """Write a generated package's `src/` under `root` and import one of its modules."""
    for relative, text in files.items():
        if relative.startswith("src/"):
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    package = module.split(".")[0]
    sys.path.insert(0, str(root / "src"))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(root / "src"))
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
