"""Golden files: each `golden/<case>/capability.yaml` must generate exactly `golden/<case>/expected/`.

Refresh after a deliberate change with `pytest tests/test_golden.py --update-golden`, then review
the diff like code.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from naftiko_codegen.pipeline import generate

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


def _generated(case: str) -> dict[str, bytes]:
    package = generate(GOLDEN / case / "capability.yaml", name=case)
    return {path: text.encode() for path, text in package.files.items()}


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


@pytest.mark.parametrize("case", CASES)
def test_golden_package_passes_mypy_strict_and_ruff(case: str, tmp_path: Path) -> None:
    expected_dir = GOLDEN / case / "expected"
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "src",
            "tests",
        ],
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
