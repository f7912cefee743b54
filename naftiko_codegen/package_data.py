"""Where the packaged data lives: templates, runtime modules, the JSON Schema and the example.

An installed wheel carries them inside the package; a source checkout keeps them at the top level.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SCHEMA_FILE", "example_spec", "runtime_dir", "schema_file", "templates_dir"]

SCHEMA_FILE = "naftiko-capability.schema.json"
"""The file name of our JSON Schema for capability documents."""

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def templates_dir() -> Path:
    """The built-in Jinja templates."""
    return _data_dir("templates")


def runtime_dir() -> Path:
    """The runtime modules copied verbatim into generated packages."""
    return _PACKAGE / "runtime"


def schema_file() -> Path:
    """Our JSON Schema for capability documents."""
    return _data_dir("schema") / SCHEMA_FILE


def example_spec() -> Path:
    """The bundled example capability (Jupyter Server sessions)."""
    return _data_dir("examples") / "rest-sessions.yaml"
