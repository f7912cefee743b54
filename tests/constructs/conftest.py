"""Build a spec (with the folders beside it) into a package and import it, for construct tests.

`built(spec_folder, spec_file)` generates the package, writes it under a temporary folder, puts
its `src/` on `sys.path` and returns the import name; the modules are forgotten afterwards.
`upstream` is a module's `RecordingUpstream` (see support.py for specs given as data).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from naftiko_codegen.pipeline import generate
from tests.servers.recording import RecordingUpstream

Builder = Callable[[Path], str]


@pytest.fixture(scope="module")
def build_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builder]:
    """A factory: generate `spec` into a temporary package and import it; return its name."""
    out = tmp_path_factory.mktemp("packages")
    loaded: list[str] = []

    def build(spec: Path) -> str:
        package = generate(spec)  # Raises on any error.
        folder = out / spec.stem
        for relative, text in package.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text, encoding="utf-8")
        sys.path.insert(0, str(folder / "src"))
        loaded.append(package.model.package)
        return package.model.package

    yield build
    for name in loaded:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(out))]


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    yield server
    server.close()
