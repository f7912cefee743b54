"""Binds read from files (`location: file:///…`), for capabilities whose spec declares them.

A bind file is JSON or YAML (by its extension), relative to the working directory, and read once
however many binds it holds. An environment variable of the bind's name overrides the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .environment import EnvironmentReader

__all__ = ["BindFileReader"]


class BindFileReader(EnvironmentReader):
    """An `EnvironmentReader` that also reads binds from their files."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        super().__init__(environ)
        self._files: dict[str, Mapping[str, Any] | Exception] = {}

    def file_secret(self, name: str, variable: str, path: str) -> str:
        """A bind read from its file, unless the environment variable `name` is set."""
        given = self.value(name)  # the variable, or the file `name_FILE` names
        if given:
            return given
        loaded = self._load(path)
        if isinstance(loaded, Exception):
            self.problems.append(
                f"cannot read bind file {path!r} ({type(loaded).__name__}) for {name!r} "
                f"(bind variable {variable}); set environment variable {name} instead"
            )
            return ""
        value = loaded.get(name)
        if value is None or value == "":
            self.problems.append(
                f"bind file {path!r} has no value for {name!r} (bind variable {variable})"
            )
            return ""
        return str(value)

    def _load(self, path: str) -> Mapping[str, Any] | Exception:
        # Each file is read once; a failure is kept too, and reported for every bind it holds.
        if path not in self._files:
            try:
                text = Path(path).read_text(encoding="utf-8")
                yml = path.endswith((".yml", ".yaml"))
                data = yaml.safe_load(text) if yml else json.loads(text)
                self._files[path] = data if isinstance(data, dict) else {}
            except (OSError, ValueError, yaml.YAMLError) as error:
                self._files[path] = error
        return self._files[path]
