"""Corpus gate worker: import every module of many generated packages, then build their adapters.

Run as `python import_check.py TODO.json RESULT.json` by `corpus_harness.import_packages`, in a
fresh interpreter. TODO is a list of `[corpus file, src folder, import name]`; RESULT receives a
list of `[corpus file, phase, detail]` failures, phase `import` or `construct`. One package is
checked at a time and forgotten (sys.modules, sys.path) before the next.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

# The heavy dependencies load once, before warnings become errors: their own import-time
# warnings are not the generated code's fault.
import aiohttp  # noqa: F401
import fastapi  # noqa: F401
import mcp  # noqa: F401
import starlette  # noqa: F401
import uvicorn  # noqa: F401
import yaml  # noqa: F401

SKIP = {"__main__"}
"""`__main__` runs the CLI when imported; compileall covers it."""


def _short(error: BaseException) -> str:
    frames = traceback.format_exception(error)
    return "".join(frames[-3:]).strip()[-1500:]


def _forget(package: str, src: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    while src in sys.path:
        sys.path.remove(src)


def _test_support(src: str) -> Any:
    """The package's `tests/support.py` (test secrets, base URL variables), loaded by path."""
    path = Path(src).parent / "tests" / "support.py"
    spec = importlib.util.spec_from_file_location("_naftiko_test_support", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _construct(src: str, modules: dict[str, Any]) -> None:
    """Build the REST app (and its OpenAPI document) and the MCP server, as a server would."""
    settings_module = modules["settings"]
    support = _test_support(src)
    environment = dict(support.TEST_ENVIRONMENT)
    environment.update(dict.fromkeys(support.BASE_URL_VARIABLES, "http://127.0.0.1:9"))
    client = modules["upstream"].UpstreamClient(settings_module.load_settings(environment))
    try:
        if "rest_app" in modules:
            app = modules["rest_app"].create_app(client)
            app.openapi()
        if "mcp_server" in modules:
            modules["mcp_server"].create_server(client)
            modules["mcp_server"].create_http_app(client, host="127.0.0.1")
    finally:
        asyncio.run(client.close())


def check(file: str, src: str, package: str) -> list[list[str]]:
    """Import and construct one package; return its failures."""
    sys.path.insert(0, src)
    failures: list[list[str]] = []
    modules: dict[str, Any] = {}
    try:
        folder = Path(src) / package
        names = sorted(p.stem for p in folder.glob("*.py") if p.stem not in SKIP)
        for name in ["__init__", *[n for n in names if n != "__init__"]]:
            qualified = package if name == "__init__" else f"{package}.{name}"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    modules[name] = importlib.import_module(qualified)
            except BaseException as error:
                failures.append([file, "import", f"{qualified}: {_short(error)}"])
        if not failures:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    _construct(src, modules)
            except BaseException as error:
                failures.append([file, "construct", _short(error)])
    finally:
        _forget(package, src)
    return failures


def main() -> None:
    todo, result = sys.argv[1:3]
    failures: list[list[str]] = []
    for file, src, package in json.loads(Path(todo).read_text()):
        failures.extend(check(file, src, package))
    Path(result).write_text(json.dumps(failures))


if __name__ == "__main__":
    main()
