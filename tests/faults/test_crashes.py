"""Internal errors: exit 70, one line naming the file, the traceback only under --debug, and
a batch that goes on; and the crashes once reproduced, now located errors or clean refusals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from genfaults import REPO, SEED, cli_run, spec_copy

from naftiko_codegen import pipeline
from naftiko_codegen.cli import validate as validate_cli
from naftiko_codegen.write.tree import PackageLock


def _explode_on(name: str, real: object) -> object:
    def generate(spec: Path, **options: object) -> object:
        if spec.name == name:
            raise RuntimeError("boom")
        return real(spec, **options)  # type: ignore[operator]

    return generate


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_crash_is_exit_70_one_line_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    specs = [spec_copy(tmp_path / "specs", f"{name}.yaml") for name in ("a", "b", "c")]
    monkeypatch.setattr(pipeline, "generate", _explode_on("b.yaml", pipeline.generate))
    result = cli_run("build", *map(str, specs), "-o", str(tmp_path / "out"), "-j", jobs)
    assert result.exit_code == 70
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.endswith("report it)")]
    assert lines == [
        f"{specs[1]}: internal error: RuntimeError: boom (this is a bug, rerun with --debug for "
        "the traceback and report it)"
    ]
    assert (tmp_path / "out" / "a").is_dir() and (tmp_path / "out" / "c").is_dir()
    assert not (tmp_path / "out" / "b").exists()
    assert "2 built" in result.stderr and "1 failed (internal error: 1)" in result.stderr


def test_a_worker_that_dies_loses_only_its_own_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = [spec_copy(tmp_path / "specs", f"{name}.yaml") for name in ("a", "b", "c")]
    real = pipeline.generate

    def generate(spec: Path, **options: object) -> object:
        if spec.name == "b.yaml":
            os.kill(os.getpid(), signal.SIGKILL)  # the worker process dies (fork inherits this)
        return real(spec, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "generate", generate)
    result = cli_run("build", *map(str, specs), "-o", str(tmp_path / "out"), "-j", "2")
    assert result.exit_code == 70
    assert f"{specs[1]}: internal error: " in result.stderr
    assert "2 built" in result.stderr
    assert (tmp_path / "out" / "a").is_dir() and (tmp_path / "out" / "c").is_dir()


def test_debug_prints_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_copy(tmp_path, "b.yaml")
    monkeypatch.setattr(pipeline, "generate", _explode_on("b.yaml", pipeline.generate))
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), "--debug")
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    assert 'raise RuntimeError("boom")' in result.stderr


def test_validate_and_check_crash_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = spec_copy(tmp_path, "a.yaml"), spec_copy(tmp_path, "b.yaml")

    def check_spec(spec: Path, **options: object) -> object:
        if spec.name == "b.yaml":
            raise ValueError("validate boom")
        return pipeline.check_spec(spec, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(validate_cli, "check_spec", check_spec)
    result = cli_run("validate", str(good), str(bad))
    assert result.exit_code == 70
    assert f"{bad}: internal error: ValueError: validate boom" in result.stderr
    assert f"{good}: 0 errors" in result.stderr
    monkeypatch.setattr(pipeline, "generate", _explode_on("b.yaml", pipeline.generate))
    result = cli_run("check", str(good), str(bad), "-o", str(tmp_path / "out"))
    assert result.exit_code == 70 and "internal error: RuntimeError: boom" in result.stderr


def test_exit_codes_are_documented_in_help() -> None:
    for command in ((), ("build",), ("check",), ("validate",)):
        result = cli_run(*command, "--help")
        assert "70 internal error" in " ".join(result.output.split())


def test_an_mcp_resource_with_an_unbound_path_placeholder_is_located(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace(
        "    tools:\n",
        "    resources:\n    - name: one-session\n      label: One session\n"
        "      description: A session\n      uri: data://sessions/current\n"
        "      call: rest-sessions.getsession\n    tools:\n",
        1,
    )
    spec = tmp_path / "res.yaml"
    spec.write_text(text, encoding="utf-8")
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"))
    # The resource is left out (lenient policy), the rest builds; the warning is located.
    assert result.exit_code == 0, result.stderr
    resource = text.index("- name: one-session")
    line = text[: text.index("call: rest-sessions.getsession", resource)].count("\n") + 1
    assert f"res.yaml:{line}:13: warning[NAF315]" in result.stderr
    assert "session_id" in result.stderr


def test_a_write_error_is_a_clean_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_copy(tmp_path / "specs")
    assert cli_run("build", str(spec), "-o", str(tmp_path / "out"), "-q").exit_code == 0
    package = tmp_path / "out" / "rest-sessions"
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    from naftiko_codegen.write import apply

    calls: list[Path] = []

    def full_disk(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) > 3:
            raise OSError(28, "No space left on device")
        path.write_bytes(data)

    monkeypatch.setattr(apply, "write_new", full_disk)
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "error[NAF415]" in result.stderr and "No space left on device" in result.stderr
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["rest-sessions"]


def test_concurrent_builds_of_one_package_wait_for_each_other(tmp_path: Path) -> None:
    spec_copy(tmp_path)
    command = [sys.executable, "-m", "naftiko_codegen", "build", "rest-sessions.yaml", "-o", "out"]
    env = {"PYTHONPATH": str(REPO), "PATH": ""}
    both = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [process.communicate(timeout=120)[1] for process in both]
    assert [process.returncode for process in both] == [0, 0], errors
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["rest-sessions"]
    assert (
        cli_run(
            "check", str(tmp_path / "rest-sessions.yaml"), "-o", str(tmp_path / "out")
        ).exit_code
        == 0
    )


def test_a_held_lock_is_a_clear_error_after_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_copy(tmp_path)
    (tmp_path / "out").mkdir()
    monkeypatch.setenv("NAFTIKO_GEN_LOCK_WAIT", "1")
    # flock conflicts between two open files of one process too: this one stands for a build.
    with PackageLock(tmp_path / "out" / "rest-sessions", 1):
        started = time.monotonic()
        result = cli_run("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.stderr
    assert "error[NAF416]" in result.stderr and "NAFTIKO_GEN_LOCK_WAIT" in result.stderr
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []
