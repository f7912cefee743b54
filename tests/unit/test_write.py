"""Tests for stage 7, write: staged creation, no-op rewrites, and refusing to touch others' files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.write import MANIFEST_NAME, plan_write, write_package

FILES = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "src/demo/__init__.py": '"""Demo."""\n',
    "src/demo/extra/helpers.py": "X = 1\n",
    "README.md": "# Demo\n",
}


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` (staging leftovers included) with its bytes and mtime."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(root)) + "/": (b"", 0) for p in root.rglob("*") if p.is_dir()}


def _refused(target: Path, files: dict[str, str], **kwargs: bool) -> DiagnosticError:
    before = _snapshot(target.parent)
    with pytest.raises(DiagnosticError) as caught:
        write_package(target, files, source="demo.yaml", **kwargs)
    assert _snapshot(target.parent) == before, "a refused write changed the disk"
    assert all(d.code == "NAF410" for d in caught.value.diagnostics)
    return caught.value


def test_new_package_is_staged_and_moved_into_place(tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    report = write_package(target, FILES, source="demo.yaml")
    assert sorted(report.created) == sorted([*FILES, MANIFEST_NAME])
    assert report.changed
    for relative, text in FILES.items():
        assert (target / relative).read_text() == text
    # No staging folder is left beside the target.
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["demo"]
    manifest = json.loads((target / MANIFEST_NAME).read_text())
    assert manifest["generator"] == "naftiko-gen"
    assert manifest["source"] == "demo.yaml"
    assert sorted(manifest["files"]) == sorted(FILES)


def test_second_write_touches_nothing(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    before = _snapshot(tmp_path)
    report = write_package(target, FILES, source="demo.yaml")
    assert _snapshot(tmp_path) == before
    assert not report.changed
    assert sorted(report.unchanged) == sorted([*FILES, MANIFEST_NAME])
    assert report.created == report.updated == report.removed == ()


def test_changed_file_is_updated_alone(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    report = write_package(target, {**FILES, "README.md": "# Demo 2\n"}, source="demo.yaml")
    assert sorted(report.updated) == sorted(["README.md", MANIFEST_NAME])
    assert (target / "README.md").read_text() == "# Demo 2\n"
    again = write_package(target, {**FILES, "README.md": "# Demo 2\n"}, source="demo.yaml")
    assert not again.changed


def test_foreign_file_in_the_way_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    (target / "NOTES.md").write_text("mine\n")
    files = {**FILES, "README.md": "# New\n", "NOTES.md": "generated\n"}
    error = _refused(target, files)
    (diagnostic,) = error.diagnostics
    assert diagnostic.location.file == str(target / "NOTES.md")
    assert "did not generate" in diagnostic.message
    assert "--force" in diagnostic.hint
    # With force, it is overwritten and recorded.
    write_package(target, files, source="demo.yaml", force=True)
    assert (target / "NOTES.md").read_text() == "generated\n"
    assert "NOTES.md" in json.loads((target / MANIFEST_NAME).read_text())["files"]


def test_foreign_file_with_the_same_content_is_adopted(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    (target / "NOTES.md").write_text("same\n")
    report = write_package(target, {**FILES, "NOTES.md": "same\n"}, source="demo.yaml")
    assert "NOTES.md" in report.unchanged


def test_hand_edited_file_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    (target / "README.md").write_text("# Edited by hand\n")
    files = {**FILES, "README.md": "# Regenerated\n", "src/demo/new.py": "Y = 2\n"}
    error = _refused(target, files)
    assert [d.location.file for d in error.diagnostics] == [str(target / "README.md")]
    assert "edited by hand" in error.diagnostics[0].message
    assert not (target / "src/demo/new.py").exists()
    report = write_package(target, files, source="demo.yaml", force=True)
    assert "README.md" in report.updated
    assert (target / "README.md").read_text() == "# Regenerated\n"
    assert (target / "src/demo/new.py").read_text() == "Y = 2\n"


def test_every_conflict_is_reported_at_once(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    (target / "README.md").write_text("edited\n")
    (target / "pyproject.toml").write_text("edited\n")
    (target / "LICENSE").write_text("mine\n")
    files = {**FILES, "README.md": "a\n", "pyproject.toml": "b\n", "LICENSE": "c\n"}
    error = _refused(target, files)
    assert len(error.diagnostics) == 3


def test_existing_folder_without_manifest_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    target.mkdir()
    (target / "important.txt").write_text("keep me\n")
    error = _refused(target, FILES)
    (diagnostic,) = error.diagnostics
    assert MANIFEST_NAME in diagnostic.message
    # Even --force does not write into someone else's folder.
    _refused(target, FILES, force=True)


def test_empty_existing_folder_is_used(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    target.mkdir()
    report = write_package(target, FILES, source="demo.yaml")
    assert sorted(report.created) == sorted([*FILES, MANIFEST_NAME])
    assert (target / "src/demo/extra/helpers.py").read_text() == "X = 1\n"


def test_target_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    target.write_text("a file\n")
    error = _refused(target, FILES)
    assert "not a folder" in error.diagnostics[0].message


def test_files_no_longer_generated_are_removed_and_parents_pruned(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    smaller = {k: v for k, v in FILES.items() if k != "src/demo/extra/helpers.py"}
    report = write_package(target, smaller, source="demo.yaml")
    assert report.removed == ("src/demo/extra/helpers.py",)
    assert not (target / "src/demo/extra").exists()
    assert (target / "src/demo").is_dir()
    assert (
        "src/demo/extra/helpers.py" not in json.loads((target / MANIFEST_NAME).read_text())["files"]
    )


def test_edited_stale_file_is_not_removed(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    (target / "src/demo/extra/helpers.py").write_text("X = 2  # mine\n")
    smaller = {k: v for k, v in FILES.items() if k != "src/demo/extra/helpers.py"}
    error = _refused(target, smaller)
    assert "no longer generated" in error.diagnostics[0].message
    report = write_package(target, smaller, source="demo.yaml", force=True)
    assert report.removed == ("src/demo/extra/helpers.py",)
    assert not (target / "src/demo/extra").exists()


def test_stale_file_already_gone_is_ignored(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    write_package(target, FILES, source="demo.yaml")
    (target / "src/demo/extra/helpers.py").unlink()
    smaller = {k: v for k, v in FILES.items() if k != "src/demo/extra/helpers.py"}
    report = write_package(target, smaller, source="demo.yaml")
    assert report.removed == ()


def test_plan_write_does_not_touch_the_disk(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    report = plan_write(target, FILES, source="demo.yaml")
    assert report.changed
    assert not target.exists()
    write_package(target, FILES, source="demo.yaml")
    before = _snapshot(tmp_path)
    report = plan_write(target, {**FILES, "README.md": "changed\n"}, source="demo.yaml")
    assert report.updated == (MANIFEST_NAME, "README.md")
    assert _snapshot(tmp_path) == before
