"""Tests for the drift check and safe regeneration: the three kinds of drift, the ignore file,
the hooks module created once, and untouched timestamps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from naftiko_codegen.drift import check_drift
from naftiko_codegen.pipeline import GeneratedPackage, build_spec, check_many, generate, spec_record
from naftiko_codegen.write import IGNORE_NAME, MANIFEST_NAME, is_ignored, write_package

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    shutil.copyfile(SEED, path)
    return path


def _write(package: GeneratedPackage, target: Path, spec: Path) -> None:
    write_package(
        target,
        package.files,
        source=spec.name,
        metadata={**package.metadata, "spec": spec_record(spec, target)},
        user_files=package.user_files,
    )


def _drift(spec: Path, target: Path, **metadata: str) -> list[str]:
    package = generate(spec)
    # The spec's path as build_spec records it in the manifest (NAF413 compares it).
    recorded = {**package.metadata, "spec": spec_record(spec, target), **metadata}
    report = check_drift(target, package.files, source=spec.name, metadata=recorded)
    return [d.kind for d in report.drifts]


def test_fresh_output_has_no_drift(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    _write(generate(spec), target, spec)
    assert _drift(spec, target) == []


def test_missing_output_is_drift(spec: Path, tmp_path: Path) -> None:
    assert _drift(spec, tmp_path / "nowhere") == ["missing"]


def test_changed_spec_is_reported_with_a_diff(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    _write(generate(spec), target, spec)
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    package = generate(spec)
    report = check_drift(target, package.files, source=spec.name, metadata=package.metadata)
    assert [d.kind for d in report.drifts] == ["spec"]
    assert "-" in report.diff and "8181" in report.diff
    assert report.diff.startswith("--- a/")


def test_changed_generator_or_templates_is_reported(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    _write(generate(spec), target, spec)
    assert _drift(spec, target, generator_version="9.9.9") == ["generator"]
    assert _drift(spec, target, templates_sha256="0" * 64) == ["templates"]


def test_hand_edit_is_reported(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    _write(generate(spec), target, spec)
    readme = target / "README.md"
    readme.write_text(readme.read_text() + "my note\n")
    package = generate(spec)
    report = check_drift(target, package.files, source=spec.name, metadata=package.metadata)
    assert [(d.kind, d.path) for d in report.drifts] == [("edited", "README.md")]
    assert "-my note" in report.diff


def test_manifest_records_spec_generator_and_templates(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    package = generate(spec)
    _write(package, target, spec)
    manifest = json.loads((target / MANIFEST_NAME).read_text())
    assert manifest["spec_sha256"] == package.model.spec_sha256
    assert manifest["generator_version"] == package.model.generator_version
    assert len(manifest["templates_sha256"]) == 64
    assert "src/demo/hooks.py" not in manifest["files"]


def test_hooks_module_is_created_once_and_survives_regeneration(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build_spec(spec, out)
    assert first.report is not None and first.report.user_created == ("src/demo/hooks.py",)
    hooks = out / "demo" / "src" / "demo" / "hooks.py"
    assert "async def on_upstream_request" in hooks.read_text()
    hooks.write_text("# mine\n")
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    second = build_spec(spec, out)
    assert second.ok and second.report is not None and second.report.user_created == ()
    assert hooks.read_text() == "# mine\n"
    # build_spec records the spec's path in the manifest; check_many compares with the same.
    (outcome,) = check_many([spec], out)
    assert outcome.ok, outcome.report


def test_ignored_paths_are_never_written_or_removed(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_spec(spec, out)
    target = out / "demo"
    (target / IGNORE_NAME).write_text("# my files\nREADME.md\ntests/\n")
    (target / "README.md").write_text("# My own README\n")
    (target / "tests" / "test_rest.py").write_text("# mine\n")
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    outcome = build_spec(spec, out)
    assert outcome.ok, outcome.diagnostics
    assert outcome.report is not None
    assert "README.md" in outcome.report.ignored
    assert (target / "README.md").read_text() == "# My own README\n"
    assert (target / "tests" / "test_rest.py").read_text() == "# mine\n"
    assert "README.md" not in json.loads((target / MANIFEST_NAME).read_text())["files"]
    assert _drift(spec, target) == []


def test_ignore_file_alone_does_not_make_a_folder_foreign(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo"
    target.mkdir(parents=True)
    (target / IGNORE_NAME).write_text("README.md\n")
    outcome = build_spec(spec, tmp_path / "out")
    assert outcome.ok, outcome.diagnostics
    assert not (target / "README.md").exists()


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("README.md", "README.md", True),
        ("*.md", "docs/x.md", True),
        ("tests/", "tests/test_rest.py", True),
        ("tests/", "tests", False),
        ("src/*/cli.py", "src/demo/cli.py", True),
        ("/src/demo", "src/demo/cli.py", True),
        ("cli.py", "src/demo/operations.py", False),
    ],
)
def test_gitignore_style_patterns(pattern: str, path: str, expected: bool) -> None:
    assert is_ignored(path, [pattern]) is expected


def test_negation_re_includes() -> None:
    assert not is_ignored("tests/test_rest.py", ["tests/", "!tests/test_rest.py"])


def test_unchanged_files_keep_their_timestamps(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_spec(spec, out)
    target = out / "demo"
    before = {p: p.stat().st_mtime_ns for p in target.rglob("*") if p.is_file()}
    spec.write_text(spec.read_text().replace("port: 8080", "port: 8181"))
    outcome = build_spec(spec, out)
    assert outcome.report is not None
    changed = set(outcome.report.updated)
    assert changed and "src/demo/operations.py" not in changed
    for path, mtime in before.items():
        relative = path.relative_to(target).as_posix()
        if relative not in changed:
            assert path.stat().st_mtime_ns == mtime, relative


def test_dry_run_writes_nothing(spec: Path, tmp_path: Path) -> None:
    outcome = build_spec(spec, tmp_path / "out", dry_run=True)
    assert outcome.report is not None and "README.md" in outcome.report.created
    assert not (tmp_path / "out").exists()
