"""Bad inputs are golden too (style.md §5): exact stderr, exit code 1, and nothing written.

`tests/errors/<name>.yaml` holds a broken capability and `<name>.txt` the exact stderr of
`naftiko-gen build tests/errors/<name>.yaml -o <tmp>` run from the repository root.
Regenerate with `pytest tests/test_cli_errors.py --update-golden`.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ERRORS = REPO / "tests" / "errors"
SEED = "examples/rest-sessions.yaml"
CASES = sorted(path.stem for path in ERRORS.glob("*.yaml"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "naftiko_codegen", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )


def test_cases_are_present() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("name", CASES)
def test_error_golden(name: str, tmp_path: Path, update_golden: bool) -> None:
    output = tmp_path / "out"
    result = _run("build", f"tests/errors/{name}.yaml", "-o", str(output))
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    # Any error means nothing is written: not even the output folder.
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir()] == []
    assert "Traceback" not in result.stderr
    golden = ERRORS / f"{name}.txt"
    if update_golden:
        golden.write_text(result.stderr, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if result.stderr != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                result.stderr.splitlines(keepends=True),
                f"tests/errors/{name}.txt",
                "stderr",
            )
        )
        pytest.fail(
            f"stderr differs from the golden file:\n{diff}\n"
            "if the change is intended: pytest tests/test_cli_errors.py --update-golden"
        )


def test_every_golden_has_a_spec() -> None:
    assert sorted(p.stem for p in ERRORS.glob("*.txt")) == CASES


# ----------------------------------------------------------------------------- validate


def test_validate_clean_spec_exits_0(tmp_path: Path) -> None:
    spec = tmp_path / "clean.yaml"
    spec.write_text(
        (ERRORS / "unknown-operation.yaml")
        .read_text(encoding="utf-8")
        .replace("demo.delete-items", "demo.list-items"),
        encoding="utf-8",
    )
    result = _run("validate", str(spec))
    assert result.returncode == 0, result.stderr
    assert f"{spec}: 0 errors" in result.stderr


def test_validate_errors_exit_1() -> None:
    result = _run("validate", "tests/errors/bad-method.yaml")
    assert result.returncode == 1
    # The lenient reader leaves out the operation with the unknown method (NAF286); with
    # nothing left to serve, the file is refused (docs/dialect-policy.md).
    assert "warning[NAF286]" in result.stderr
    assert "error[NAF302]" in result.stderr


def test_validate_warnings_fail_only_under_strict() -> None:
    relaxed = _run("validate", SEED)
    assert relaxed.returncode == 0, relaxed.stderr
    # Dialect deviations are one line per file; --strict fails on them and lists each.
    assert "19 catalog-dialect deviations accepted" in relaxed.stderr
    assert "warning[NAF325]" not in relaxed.stderr
    strict = _run("validate", "--strict", SEED)
    assert strict.returncode == 1 and "warning[NAF325]" in strict.stderr


def test_build_strict_fails_on_warnings_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = _run("build", "--strict", SEED, "-o", str(output))
    assert result.returncode == 1
    assert "0 errors" in result.stderr
    assert "warning[" in result.stderr
    assert not output.exists()


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert _run("build", SEED).returncode == 2
    assert _run("validate", str(tmp_path / "missing.yaml")).returncode == 2


def test_build_help_shows_examples() -> None:
    result = _run("build", "--help")
    assert result.returncode == 0
    assert "Examples:" in result.stdout
    assert "naftiko-gen build" in result.stdout


def test_validate_help_shows_examples() -> None:
    result = _run("validate", "--help")
    assert result.returncode == 0
    assert "Examples:" in result.stdout
    assert "naftiko-gen validate" in result.stdout
