"""Tests for the pipeline's batch calls, used as a library user would: `build_many`, `check_many`."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_codegen.pipeline import (
    BuildOutcome,
    CheckOutcome,
    build_many,
    check_many,
    expand_specs,
)

REPO = Path(__file__).resolve().parents[2]
# A small spec that builds (the golden error case with its one mistake fixed).
CLEAN = (
    (REPO / "tests" / "errors" / "unknown-operation.yaml")
    .read_text(encoding="utf-8")
    .replace("demo.delete-items", "demo.list-items")
)


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.yaml", "sub/a.yaml", "b.yml"):
        (folder / name).write_text(CLEAN, encoding="utf-8")
    (folder / "broken.yaml").write_text("naftiko: [\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a spec\n", encoding="utf-8")
    return folder


def test_expand_specs_finds_yaml_under_folders_and_keeps_files(specs: Path) -> None:
    found = expand_specs([specs, specs / "notes.txt"])
    assert [p.relative_to(specs).as_posix() for p in found] == [
        "a.yaml",
        "b.yml",
        "broken.yaml",
        "sub/a.yaml",
        "notes.txt",
    ]


def test_build_many_refuses_collisions_first_then_builds_the_rest(
    specs: Path, tmp_path: Path
) -> None:
    files = expand_specs([specs])
    out = tmp_path / "out"
    outcomes = list(build_many(files, out, jobs=2))
    assert all(isinstance(o, BuildOutcome) for o in outcomes)
    assert sorted(o.spec for o in outcomes) == sorted(files)
    first = outcomes[0]
    assert first.spec == specs / "sub" / "a.yaml"
    assert [d.code for d in first.diagnostics] == ["NAF411"]
    by_spec = {o.spec.name if o.spec.parent == specs else "sub": o for o in outcomes}
    assert by_spec["a.yaml"].ok and by_spec["b.yml"].ok
    assert by_spec["a.yaml"].target == out / "a"
    assert not by_spec["broken.yaml"].ok
    assert by_spec["broken.yaml"].diagnostics[0].code == "NAF101"
    assert (out / "a" / "pyproject.toml").is_file() and (out / "b" / "pyproject.toml").is_file()


def test_build_many_dry_run_in_process_writes_nothing(specs: Path, tmp_path: Path) -> None:
    (outcome,) = build_many([specs / "a.yaml"], tmp_path / "out", name="custom", dry_run=True)
    assert outcome.ok and outcome.report is not None and outcome.report.created
    assert outcome.target == tmp_path / "out" / "custom"
    assert not (tmp_path / "out").exists()


def test_check_many_reports_fresh_stale_and_broken(specs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert all(o.ok for o in build_many([specs / "a.yaml"], out))
    files = [specs / "a.yaml", specs / "b.yml", specs / "broken.yaml"]
    fresh, missing, broken = check_many(files, out)
    assert isinstance(fresh, CheckOutcome) and fresh.ok
    assert missing.report is not None and not missing.ok
    assert [d.kind for d in missing.report.drifts] == ["missing"]
    assert broken.report is None and not broken.ok
    assert broken.diagnostics[0].code == "NAF101"
    readme = out / "a" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "edit\n", encoding="utf-8")
    (edited,) = check_many([specs / "a.yaml"], out)
    assert edited.report is not None and "edited" in [d.kind for d in edited.report.drifts]
    assert "-edit" in edited.report.diff


@pytest.mark.parametrize("call", [build_many, check_many])
def test_a_package_name_needs_a_single_spec(call: object, specs: Path, tmp_path: Path) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="single spec"):
        call([specs / "a.yaml", specs / "b.yml"], tmp_path, name="x")
