"""A planted `.naftiko-gen.json` never makes a build touch anything outside the package.

Packages are committed, so a pull request can change the manifest. Each case plants an entry
(with the right hash, so the old code deleted it) or a whole manifest, rebuilds through the
CLI, and checks the refusal (exit 1, a located NAF412/NAF414 that says what to do) and that the
disk is exactly as before: the sentinel outside, and the package itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from genfaults import cli_run, snapshot, spec_copy

_PACKAGE = "rest-sessions"


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(spec, package folder, sentinel outside the output folder) after a first build."""
    spec = spec_copy(tmp_path / "specs")
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), "-q")
    assert result.exit_code == 0, result.stderr
    sentinel = tmp_path / "outside" / "deep" / "secret.txt"
    sentinel.parent.mkdir(parents=True)
    sentinel.write_text("keep me\n")
    return spec, tmp_path / "out" / _PACKAGE, sentinel


def _plant(package: Path, entries: dict[str, str]) -> None:
    manifest = package / ".naftiko-gen.json"
    data = json.loads(manifest.read_text())
    data["files"].update(entries)
    manifest.write_text(json.dumps(data, indent=2))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rebuild_refused(tmp_path: Path, spec: Path, code: str, *extra: str) -> str:
    before = snapshot(tmp_path)
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), *extra)
    assert result.exit_code == 1, result.stderr
    assert f"error[{code}]" in result.stderr, result.stderr
    assert snapshot(tmp_path) == before, "a refused build changed the disk"
    return result.stderr


@pytest.mark.parametrize(
    "entry",
    [
        lambda sentinel, package: str(sentinel),  # absolute
        lambda sentinel, package: os.path.relpath(sentinel, package),  # ../../outside/…
        lambda sentinel, package: "src/../" + os.path.relpath(sentinel, package),
        lambda sentinel, package: "./README.md",
        lambda sentinel, package: "src//x.py",
        lambda sentinel, package: "C:/Windows/x.py",
        lambda sentinel, package: "src\\..\\..\\x",
        lambda sentinel, package: "a\x00b",
        lambda sentinel, package: ".naftiko-gen.json",
    ],
    ids=[
        "absolute",
        "dotdot",
        "inner-dotdot",
        "dot",
        "empty-segment",
        "drive",
        "backslash",
        "nul",
        "self",
    ],
)
def test_entry_outside_the_package_is_refused(
    built: tuple[Path, Path, Path], tmp_path: Path, entry: Callable[[Path, Path], str]
) -> None:
    spec, package, sentinel = built
    _plant(package, {entry(sentinel, package): _digest(sentinel)})
    stderr = _rebuild_refused(tmp_path, spec, "NAF412", "--force")
    assert ".naftiko-gen.json:" in stderr and "invalid manifest" in stderr
    assert "rebuild into a new folder" in stderr
    assert sentinel.read_text() == "keep me\n"


def test_entry_through_a_link_is_refused_and_not_followed(
    built: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    spec, package, sentinel = built
    (package / "evil").symlink_to(sentinel)
    (package / "evil-folder").symlink_to(sentinel.parent, target_is_directory=True)
    _plant(package, {"evil": _digest(sentinel), "evil-folder/secret.txt": _digest(sentinel)})
    stderr = _rebuild_refused(tmp_path, spec, "NAF414")
    assert "evil is a symbolic link" in stderr and "evil-folder is a symbolic link" in stderr
    # --force drops the listed link from the package, never what it points to; the folder
    # link is not an entry itself, so it stays as it was (a link, still not followed).
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), "--force", "-q")
    assert result.exit_code == 0, result.stderr
    assert sentinel.read_text() == "keep me\n"
    assert not (package / "evil").is_symlink() and (package / "evil-folder").is_symlink()
    assert "evil" not in json.loads((package / ".naftiko-gen.json").read_text())["files"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_entry_naming_a_fifo_or_device_neither_hangs_nor_reads(
    built: tuple[Path, Path, Path], tmp_path: Path, kind: str
) -> None:
    spec, package, _ = built
    special = package / "special"
    if kind == "fifo":
        os.mkfifo(special)
    else:
        special.symlink_to("/dev/zero")
    _plant(package, {"special": "0" * 64})
    outcome: list[str] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_rebuild_refused(tmp_path, spec, "NAF414"))
    )
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the build hung on a planted special file"
    assert outcome and "special is" in outcome[0]


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "not-json", "too-big", "bad-hash"])
def test_planted_manifest_is_refused(
    built: tuple[Path, Path, Path], tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, package, _ = built
    manifest = package / ".naftiko-gen.json"
    if kind == "dev-zero":
        manifest.unlink()
        manifest.symlink_to("/dev/zero")
    elif kind == "fifo":
        manifest.unlink()
        os.mkfifo(manifest)
    elif kind == "not-json":
        manifest.write_text('{\n  "files": {\n    oops\n')
    elif kind == "too-big":
        monkeypatch.setenv("NAFTIKO_GEN_MAX_MANIFEST_BYTES", "100")
    else:
        _plant(package, {"README.md": "not-a-hash"})
    stderr = _rebuild_refused(tmp_path, spec, "NAF412")
    if kind == "bad-hash":
        assert ".naftiko-gen.json:" in stderr and "has no sha256 hash" in stderr
        line = stderr.split(".naftiko-gen.json:", 1)[1].split(":", 1)[0]
        assert line != "1", "the error is located at the entry"
    if kind == "too-big":
        assert "NAFTIKO_GEN_MAX_MANIFEST_BYTES" in stderr


def test_check_reports_a_planted_manifest_without_reading_outside(
    built: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    spec, package, sentinel = built
    _plant(package, {str(sentinel): _digest(sentinel)})
    result = cli_run("check", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "error[NAF412]" in result.stderr and "cannot check" in result.stderr


def test_another_spec_with_the_same_package_name_is_not_replaced(
    built: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, package, _ = built
    other = spec_copy(tmp_path / "elsewhere")
    before = snapshot(package)
    result = cli_run("build", str(other), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "error[NAF413]" in result.stderr and "--force" in result.stderr
    assert snapshot(package) == before
    assert cli_run("build", str(other), "-o", str(tmp_path / "out"), "--force").exit_code == 0
