"""Stage 7's file-system primitives in process: probing without following, mirroring a tree,
the atomic exchange and its fallback, the package lock, and write errors."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from naftiko_codegen.cli import build as build_cli
from naftiko_codegen.cli import cli
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.write import apply, probe, read_manifest, write_package
from naftiko_codegen.write.tree import LockBusy, PackageLock, copy_tree, exchange

FILES = {"README.md": "# Demo\n", "src/demo/__init__.py": "X = 1\n"}


def test_probe_reports_links_and_special_files_without_following(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "file.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "folder", target_is_directory=True)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file").write_text("abc")
    assert probe(tmp_path, "link/file.txt").kind == "link"
    assert probe(tmp_path, "link/file.txt").where == "link"
    assert probe(tmp_path, "fifo").kind == "special"
    assert probe(tmp_path, "file/below").kind == "file"  # a file where a folder is expected
    assert probe(tmp_path, "folder").kind == "folder"
    assert probe(tmp_path, "nothing/here").kind == "missing"
    assert probe(tmp_path / "link", "").kind == "link"
    assert probe(tmp_path / "file", "").kind == "special"
    found = probe(tmp_path, "file", limit=2)
    assert found.kind == "file" and found.data is None and len(found.digest) == 64


def test_copy_tree_keeps_links_fifos_and_falls_back_to_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "a.txt").write_text("a")
    (source / "link").symlink_to("/etc/passwd")
    os.mkfifo(source / "fifo")

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    copy.mkdir()
    copy_tree(source, copy, lambda relative, kind: False)
    assert (copy / "sub" / "a.txt").read_text() == "a"
    assert (copy / "link").readlink() == Path("/etc/passwd")
    assert probe(copy, "fifo").kind == "special"


def test_exchange_swaps_and_reports_errors(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "in-a").touch()
    assert exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "in-a").exists()
    with pytest.raises(OSError):
        exchange(tmp_path / "a", tmp_path / "missing")


def test_the_two_rename_fallback_restores_the_old_package_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    monkeypatch.setattr(apply, "exchange", lambda first, second: False)
    write_package(target, {**FILES, "README.md": "# Two\n"}, source="demo.yaml")
    assert (target / "README.md").read_text() == "# Two\n"
    real_rename = Path.rename

    def failing(self: Path, other: Path) -> Path:
        if self.name == "tree":
            raise OSError(errno.EIO, "I/O error")
        return real_rename(self, other)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(DiagnosticError) as caught:
        write_package(target, {**FILES, "README.md": "# Three\n"}, source="demo.yaml")
    assert caught.value.diagnostics[0].code == "NAF415"
    assert (target / "README.md").read_text() == "# Two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_a_held_lock_is_naf416(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    monkeypatch.setenv("NAFTIKO_GEN_LOCK_WAIT", "1")
    with PackageLock(target, 1):
        with pytest.raises(LockBusy), PackageLock(target, 0.1):
            pass
        with pytest.raises(DiagnosticError) as caught:
            write_package(target, {**FILES, "README.md": "# Two\n"}, source="demo.yaml")
    assert caught.value.diagnostics[0].code == "NAF416"
    assert not (tmp_path / ".demo.lock").exists()


def test_a_manifest_that_is_a_folder_or_not_an_object_is_invalid(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    manifest = target / ".naftiko-gen.json"
    manifest.write_text("[]")
    with pytest.raises(DiagnosticError, match='no "files" object'):
        read_manifest(target)
    manifest.unlink()
    manifest.mkdir()
    with pytest.raises(DiagnosticError, match="is a folder"):
        read_manifest(target)


def test_an_escaping_exception_in_a_command_is_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(paths: object) -> list[Path]:
        raise RuntimeError("broken")

    monkeypatch.setattr(build_cli, "select_specs", broken)
    with CliRunner().isolated_filesystem():
        Path("x.yaml").write_text("a: 1\n")
        result = CliRunner().invoke(cli, ["build", "x.yaml", "-o", "out"])
        assert result.exit_code == 70
        assert "naftiko-gen: internal error: RuntimeError: broken" in result.stderr
        assert "Traceback" not in result.stderr
        result = CliRunner().invoke(cli, ["--debug", "build", "x.yaml", "-o", "out"])
        assert result.exit_code == 70 and "Traceback" in result.stderr
