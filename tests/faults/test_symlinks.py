"""Links inside an existing package are never followed: a rebuild refuses or replaces them.

A folder or file of the package replaced by a link to somewhere outside the output folder:
the rebuild refuses (NAF414, nothing written), `--force` replaces the link with the real
tree, and in both cases everything outside `-o` is byte for byte what it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from genfaults import cli_run, snapshot, spec_copy


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(spec with a changed port, package folder, outside folder) after a first build."""
    spec = spec_copy(tmp_path / "specs")
    assert cli_run("build", str(spec), "-o", str(tmp_path / "out"), "-q").exit_code == 0
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    outside = tmp_path / "outside"
    outside.mkdir()
    return spec, tmp_path / "out" / "rest-sessions", outside


@pytest.mark.parametrize("relative", ["src/rest_sessions", "tests", "README.md"])
def test_link_in_the_package_is_refused_then_replaced_with_force(
    setup: tuple[Path, Path, Path], tmp_path: Path, relative: str
) -> None:
    spec, package, outside = setup
    inside = package / relative
    moved = outside / inside.name
    shutil.move(inside, moved)
    (moved.parent / "sentinel.txt").write_text("mine\n")
    inside.symlink_to(moved, target_is_directory=moved.is_dir())
    before_outside = snapshot(outside)
    before = snapshot(tmp_path)
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{relative} is a symbolic link" in result.stderr and "error[NAF414]" in result.stderr
    assert snapshot(tmp_path) == before
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), "--force", "-q")
    assert result.exit_code == 0, result.stderr
    assert snapshot(outside) == before_outside, "a rebuild wrote or deleted outside -o"
    assert not inside.is_symlink() and inside.exists()
    assert "8181" in (package / "src/rest_sessions/cli.py").read_text()


def test_the_package_folder_itself_as_a_link_is_refused(
    setup: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    spec, package, outside = setup
    shutil.move(package, outside / "real")
    package.symlink_to(outside / "real", target_is_directory=True)
    before = snapshot(tmp_path)
    for extra in ((), ("--force",)):
        result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), *extra)
        assert result.exit_code == 1 and "symbolic link" in result.stderr
        assert snapshot(tmp_path) == before


def test_links_the_generator_does_not_own_are_kept_as_links(
    setup: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    spec, package, outside = setup
    (outside / "venv").mkdir()
    (outside / "venv" / "python").write_text("#!\n")
    (package / ".venv").symlink_to(outside / "venv", target_is_directory=True)
    (package / "notes.md").write_text("my notes\n")
    before_outside = snapshot(outside)
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"), "-q")
    assert result.exit_code == 0, result.stderr
    assert (package / ".venv").is_symlink()
    assert (package / ".venv").readlink() == outside / "venv"
    assert (package / "notes.md").read_text() == "my notes\n"
    assert snapshot(outside) == before_outside
