"""Updating a package is atomic: a build killed at any point leaves the old tree or the new
one, never a mix; the next build completes it without calling anything "edited by hand", and
removes the staging folders killed builds left (only those with the generator's marker).
Folders and files get the umask's permissions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from genfaults import REPO, cli_run, run, seed_package, snapshot, spec_copy

from naftiko_codegen.write import write_package

_SCRIPT = """
import json, sys
from pathlib import Path
from naftiko_codegen.write import apply, write_package
if sys.argv[3] == "no-exchange":
    apply.exchange = lambda first, second: False
files = json.loads(Path(sys.argv[1]).read_text())
write_package(Path(sys.argv[2]), files, source="rest-sessions.yaml")
"""


def _versions() -> tuple[dict[str, str], dict[str, str]]:
    """The seed's files, and a new version: one file changed, one removed, one added."""
    old = dict(seed_package().files)
    new = {
        **old,
        "README.md": old["README.md"] + "\nNew line.\n",
        "src/rest_sessions/extra.py": "X = 1\n",
    }
    del new["tests/test_rest.py"]
    return old, new


def _tree(files: dict[str, str], folder: Path) -> dict[str, tuple[str, bytes, int]]:
    write_package(folder, files, source="rest-sessions.yaml")
    return snapshot(folder)


def _staging(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if ".staging-" in p.name)


@pytest.mark.parametrize(
    ("point", "swap"),
    [
        ("copied", "exchange"),
        ("writing", "exchange"),
        ("staged", "exchange"),
        ("swapped", "exchange"),
        ("aside", "no-exchange"),
    ],
)
def test_killed_update_leaves_old_or_new_and_the_next_build_completes(
    tmp_path: Path, point: str, swap: str
) -> None:
    old, new = _versions()
    expected_old = _tree(old, tmp_path / "ref-old" / "rest-sessions")
    expected_new = _tree(new, tmp_path / "ref-new" / "rest-sessions")
    out = tmp_path / "out"
    package = out / "rest-sessions"
    write_package(package, old, source="rest-sessions.yaml")
    (tmp_path / "new.json").write_text(json.dumps(new))
    killed = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "new.json"), str(package), swap],
        env={**os.environ, "PYTHONPATH": str(REPO), "NAFTIKO_GEN_KILL_AT": point},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _staging(out), "the killed build left its staging folder (the next one removes it)"
    if point == "aside":
        assert not package.exists()  # between the two renames: recovered by the next build
    else:
        state = snapshot(package)
        assert state in (expected_old, expected_new), "a killed update left a mix"
        assert (state == expected_new) == (point == "swapped")
    report = write_package(package, new, source="rest-sessions.yaml")
    assert not report.conflicts
    assert snapshot(package) == expected_new
    assert _staging(out) == []


def test_killed_cli_build_then_a_clean_rebuild(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    assert cli_run("build", str(spec), "-o", str(tmp_path / "out"), "-q").exit_code == 0
    before = snapshot(tmp_path / "out" / "rest-sessions")
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    result = run(
        "build", str(spec), "-o", "out", cwd=tmp_path, env={"NAFTIKO_GEN_KILL_AT": "staged"}
    )
    assert result.returncode == -signal.SIGKILL
    assert snapshot(tmp_path / "out" / "rest-sessions") == before
    result = cli_run("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "edited by hand" not in result.stderr
    assert _staging(tmp_path / "out") == []
    assert cli_run("check", str(spec), "-o", str(tmp_path / "out")).exit_code == 0


def test_only_marked_staging_folders_are_removed(tmp_path: Path) -> None:
    old, new = _versions()
    out = tmp_path / "out"
    write_package(out / "rest-sessions", old, source="rest-sessions.yaml")
    foreign = out / ".rest-sessions.staging-mine"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not the generator's\n")
    forged = out / ".rest-sessions.staging-forged"
    (forged / "tree").mkdir(parents=True)
    (forged / "naftiko-gen-staging").symlink_to(tmp_path / "elsewhere")
    write_package(out / "rest-sessions", new, source="rest-sessions.yaml")
    assert (foreign / "keep.txt").exists() and forged.is_dir()


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_modes_follow_the_umask(tmp_path: Path, umask: int) -> None:
    old, new = _versions()
    package = tmp_path / "out" / "rest-sessions"
    previous = os.umask(umask)
    try:
        write_package(package, old, source="rest-sessions.yaml")
        write_package(package, new, source="rest-sessions.yaml")  # an update rewrites files
    finally:
        os.umask(previous)
    for path in [package, *package.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o777 if path.is_dir() else 0o666) & ~umask, (path, oct(mode))


def test_killed_fresh_build_leaves_no_package_and_the_next_build_cleans_up(tmp_path: Path) -> None:
    _, new = _versions()
    package = tmp_path / "out" / "rest-sessions"
    (tmp_path / "new.json").write_text(json.dumps(new))
    killed = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "new.json"), str(package), "exchange"],
        env={**os.environ, "PYTHONPATH": str(REPO), "NAFTIKO_GEN_KILL_AT": "staged"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not package.exists() and len(_staging(tmp_path / "out")) == 1
    write_package(package, new, source="rest-sessions.yaml")
    assert _staging(tmp_path / "out") == [] and (package / ".naftiko-gen.json").is_file()
