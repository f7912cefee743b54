"""Helpers of the generator fault tests: the real CLI in a subprocess or in process, the seed.

Every test here feeds the generator a hostile input made in a temporary folder and checks what
it did on disk; `snapshot` records a tree without following links, so a test can prove that
nothing outside the output folder changed.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result

from naftiko_codegen.cli import cli
from naftiko_codegen.pipeline import GeneratedPackage, generate

__all__ = ["REPO", "SEED", "cli_run", "run", "seed_package", "snapshot", "spec_copy"]

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"


def run(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    memory: int | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python -m naftiko_codegen ARGS` in a subprocess; `memory` caps its address space."""

    def _limit() -> None:  # pragma: no cover - runs in the child
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "naftiko_codegen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        preexec_fn=_limit,
    )


def cli_run(*args: str) -> Result:
    """The CLI in this process (the formatting memo makes repeated builds of the seed quick)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@functools.cache
def seed_package() -> GeneratedPackage:
    """The seed spec generated once per test session."""
    return generate(SEED)


def spec_copy(folder: Path, name: str = "rest-sessions.yaml") -> Path:
    """A copy of the seed spec in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    shutil.copyfile(SEED, path)
    return path


def snapshot(root: Path) -> dict[str, tuple[str, bytes, int]]:
    """Every entry under `root` (links not followed): kind, bytes or link text, mode."""
    found: dict[str, tuple[str, bytes, int]] = {}
    for folder, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(folder) / name
            info = path.lstat()
            relative = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                found[relative] = ("link", os.fsencode(path.readlink()), 0)
            elif stat.S_ISREG(info.st_mode):
                found[relative] = ("file", path.read_bytes(), info.st_mode)
            else:
                found[relative] = ("other", b"", info.st_mode)
    return found
