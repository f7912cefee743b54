"""Golden files: each `golden/<case>/capability.yaml` must generate exactly `golden/<case>/expected/`.

Refresh after a deliberate change with `pytest tests/test_golden.py --update-golden`, then review
the diff like code.
"""

from __future__ import annotations

import difflib
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from naftiko_codegen.pipeline import GeneratedPackage, generate
from naftiko_codegen.render import RENDER_PLAN, planned_files

REPO = Path(__file__).resolve().parent.parent

GOLDEN = REPO / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "capability.yaml").is_file())
UPDATE_HINT = "refresh with: pytest tests/test_golden.py --update-golden (then review the diff)"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@functools.cache
def _package(case: str) -> GeneratedPackage:
    return generate(GOLDEN / case / "capability.yaml", name=case)


def _generated(case: str) -> dict[str, bytes]:
    return {path: text.encode() for path, text in _package(case).files.items()}


@pytest.mark.parametrize("case", CASES)
def test_generated_tree_matches_golden(case: str, update_golden: bool) -> None:
    expected_dir = GOLDEN / case / "expected"
    generated = _generated(case)
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for relative, data in generated.items():
            (expected_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / relative).write_bytes(data)
    expected = _tree(expected_dir)
    assert sorted(generated) == sorted(expected), f"file list differs; {UPDATE_HINT}"
    for relative, data in generated.items():
        if data != expected[relative]:
            diff = "".join(
                difflib.unified_diff(
                    expected[relative].decode().splitlines(keepends=True),
                    data.decode().splitlines(keepends=True),
                    f"golden/{case}/expected/{relative}",
                    "generated",
                )
            )
            pytest.fail(f"{relative} differs from the golden file:\n{diff}\n{UPDATE_HINT}")


def test_every_render_plan_entry_renders_in_some_golden_case() -> None:
    rendered = {
        planned.template for case in CASES for planned, _ in planned_files(_package(case).model)
    }
    missing = [planned.template for planned in RENDER_PLAN if planned.template not in rendered]
    assert missing == [], f"no golden case renders {missing}; add a golden/<case>/capability.yaml"


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every case: the libraries (FastAPI, MCP…) are analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.mark.parametrize("case", CASES)
def test_golden_package_passes_mypy_strict_and_ruff(case: str, mypy_cache: Path) -> None:
    expected_dir = GOLDEN / case / "expected"
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache), "src", "tests"],
        cwd=expected_dir,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": "src"},
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=expected_dir,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_build_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    spec = REPO / "examples" / "rest-sessions.yaml"
    trees = []
    for seed in ("0", "12345"):
        out = tmp_path / f"seed-{seed}"
        subprocess.run(
            [sys.executable, "-m", "naftiko_codegen", "build", str(spec), "-o", str(out), "-q"],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        trees.append(_tree(out / "rest-sessions"))
    assert trees[0] == trees[1]
