"""OpenAPI export: a generated package → the OpenAPI 3.1 document its REST adapter serves.

The package is written to a temporary folder and its own `rest_app.create_app()` is asked
for `app.openapi()` in a subprocess, with placeholder settings in the environment: the
document is the one the running server publishes, byte for byte in content.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .model import CapabilityModel

__all__ = ["export_openapi"]

_SCRIPT = """\
import importlib, json, sys
app = importlib.import_module(sys.argv[1] + ".rest_app").create_app()
json.dump(app.openapi(), sys.stdout)
"""


def _problem(location: str, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError(
        [Diagnostic(Location(location), "NAF420", Severity.ERROR, message, hint)]
    )


def _placeholder_environment(model: CapabilityModel) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "NAFTIKO_"))}
    for secret in model.secrets:
        environ[secret.env_var] = "placeholder"
    for api in model.apis:
        if api.base_url is None:
            environ[api.base_url_env] = "http://127.0.0.1:9"
    return environ


def export_openapi(model: CapabilityModel, files: dict[str, str]) -> dict[str, Any]:
    """Return `app.openapi()` of the generated package (needs fastapi & co. installed here)."""
    if model.rest is None:
        raise _problem(
            model.spec_file,
            "this capability exposes no REST adapter, so there is no OpenAPI document",
            "add an `exposes` entry of `type: rest`",
        )
    with tempfile.TemporaryDirectory(prefix="naftiko-openapi-") as folder:
        root = Path(folder)
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        environ = _placeholder_environment(model)
        environ["PYTHONPATH"] = str(root / "src")
        environ["PYTHONDONTWRITEBYTECODE"] = "1"
        result = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(model.package)],
            capture_output=True,
            text=True,
            env=environ,
            cwd=root,
            timeout=120,
            check=False,
        )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        hint = "install the packages a generated server needs: pip install 'naftiko-gen[test]'"
        if "ModuleNotFoundError" not in last:
            hint = "this is a naftiko-gen or template bug; please report it with the spec"
        raise _problem(model.spec_file, f"the generated app could not be imported: {last}", hint)
    document: dict[str, Any] = json.loads(result.stdout)
    return document
