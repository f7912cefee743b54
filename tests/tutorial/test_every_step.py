"""Every step of the spec authors' tutorial builds in its own folder layout, and each generated
package passes its own tests (three pytest processes share the eleven).

The corpus gate refuses steps 5 to 11 only because the flattened corpus renamed their `./shared/…`
imports (see `tests/corpus/refusals.tsv`); here they are built where those imports resolve.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from naftiko_codegen.diagnostics import Severity
from naftiko_codegen.pipeline import generate

STEPS = 11


@pytest.fixture(scope="module")
def built(tutorial: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every step file generated into its own package folder (step file → package folder)."""
    out = tmp_path_factory.mktemp("tutorial-packages")
    packages: dict[str, Path] = {}
    for spec in sorted(tutorial.glob("step-*.y*ml")):
        package = generate(spec)  # Raises on any error.
        assert not [d for d in package.diagnostics if d.severity is Severity.ERROR]
        folder = out / spec.stem
        for relative, text in package.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text, encoding="utf-8")
        packages[spec.name] = folder
    return packages


def test_every_step_builds(built: dict[str, Path]) -> None:
    assert len(built) == STEPS
    orchestrated = [name for name, folder in built.items() if any(folder.rglob("orchestration.py"))]
    # Steps 7, 8, 9 (through its aggregate), 10 and 11 run `steps`.
    assert sorted(orchestrated) == sorted(name for name in built if int(name.split("-")[1]) >= 7)


PROCESSES = 3
"""pytest processes sharing the steps: their tests mostly wait (servers starting and stopping)."""


def test_every_step_passes_its_generated_tests(built: dict[str, Path], tutorial: Path) -> None:
    folders = list(built.values())
    chunks = [folders[index::PROCESSES] for index in range(PROCESSES)]
    running = []
    for chunk in chunks:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(folder / "src") for folder in chunk]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        env.pop("PYTEST_ADDOPTS", None)
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "--rootdir",
            str(folders[0].parent),
            *(str(folder / "tests") for folder in chunk),
        ]
        # Bind files (`file:///./shared/secrets.yaml`) are relative to the working directory.
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            command, cwd=tutorial, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        running.append((process, log))
    for process, log in running:
        try:
            code = process.wait(timeout=600)
        finally:
            process.kill()
            log.seek(0)
            output = log.read()
            log.close()
        assert code == 0, output[-6000:]
        assert " passed" in output.splitlines()[-1]
