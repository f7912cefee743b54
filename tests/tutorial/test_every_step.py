"""Every step of the spec authors' tutorial builds in its own folder layout, and each generated
package passes its own tests (one pytest process for all eleven).

The corpus gate refuses steps 5 to 11 only because the flattened corpus renamed their `./shared/…`
imports (see `tests/corpus/refusals.tsv`); here they are built where those imports resolve.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_every_step_passes_its_generated_tests(built: dict[str, Path], tutorial: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(folder / "src") for folder in built.values()]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "--rootdir",
            str(next(iter(built.values())).parent),
            *(str(folder / "tests") for folder in built.values()),
        ],
        cwd=tutorial,  # Bind files (`file:///./shared/secrets.yaml`) are relative to the cwd.
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
