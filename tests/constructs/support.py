"""Helpers of the construct tests that build a spec given as data and drive it in process.

`generate_package(spec, folder, name)` generates a package (no install: its `src/` goes on
`sys.path`), `forget` drops it again, and `serve(package, upstream)` serves its REST app on
loopback against a `RecordingUpstream` (a real HTTP server in a thread, the `upstream` fixture
of conftest.py), every consumed API pointed at it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app
from tests.servers.recording import RecordingUpstream


def generate_package(spec: dict[str, Any], folder: Path, name: str) -> tuple[str, Any]:
    """Generate `spec` (as `<name>.yaml`, which names the package) into `folder` and put it
    on `sys.path`; return (package name, the generated package with its diagnostics)."""
    source = folder / f"{name}.yaml"
    source.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    package = generate(source)
    for relative, text in package.files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder / "src"))
    return package.model.package, package


def forget(name: str, folder: Path) -> None:
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(folder))]


@asynccontextmanager
async def serve(
    package: str, upstream: RecordingUpstream, environment: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """The package's REST app on loopback, every consumed API at `upstream`; yield its URL."""
    settings = importlib.import_module(f"{package}.settings")
    client_module = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    names = [f.name for f in settings.Settings.__dataclass_fields__.values()]
    env = {f"{name.upper()}_BASE_URL": upstream.url for name in names}
    env.update(environment or {})
    client = client_module.UpstreamClient(settings.load_settings(env))
    try:
        async with serve_app(rest_app.create_app(client)) as url:
            yield url
    finally:
        await client.close()
