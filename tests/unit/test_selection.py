"""selection.py: which files a command line names, and the documents a folder walk sets apart."""

from __future__ import annotations

from pathlib import Path

from naftiko_codegen.selection import select_specs

_SPEC = """\
naftiko: 1.0.0-alpha2
binds:
- namespace: env
  location: file:///./shared/secrets.yaml
- namespace: abs
  location: file:///etc/secrets.yaml
- namespace: remote
  location: https://vault.test/x.yaml
capability:
  consumes:
  - import: api
    location: ./shared/api.yaml
"""
_SHARED = "naftiko: 1.0.0-alpha2\nconsumes: []\n"


def test_documents_used_by_a_capability_are_set_apart(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "app.yaml").write_text(_SPEC)
    (tmp_path / "shared" / "api.yaml").write_text(_SHARED)
    (tmp_path / "shared" / "secrets.yaml").write_text("KEY: value\n")
    (tmp_path / "shared" / "other.yml").write_text(_SHARED)
    (tmp_path / "broken.yaml").write_text("location: [\n")
    (tmp_path / "plain.yaml").write_text("consumes: but not a list\n")
    selection = select_specs([tmp_path])
    assert [p.name for p in selection.specs] == ["app.yaml", "broken.yaml", "plain.yaml"]
    assert [(p.name, u.name if u else None, k) for p, u, k in selection.shared] == [
        ("api.yaml", "app.yaml", "consumes"),
        ("other.yml", None, "consumes"),
        ("secrets.yaml", "app.yaml", "binds"),
    ]
    assert [n.code for n in selection.notes] == ["NAF123"] * 3 and selection.nothing is None
    # Named explicitly, a shared document is what the user asked for: it stays a spec.
    explicit = select_specs([tmp_path / "shared" / "api.yaml"])
    assert explicit.specs == (tmp_path / "shared" / "api.yaml",) and not explicit.shared


def test_only_shared_documents_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(_SHARED)
    only_shared = select_specs([tmp_path])
    assert only_shared.nothing is not None and "only documents" in only_shared.nothing.message
    assert len(only_shared.shared) == 1
    nothing = select_specs([tmp_path / "missing-folder"])
    assert nothing.specs == (tmp_path / "missing-folder",)  # a missing file is the build's error
    empty = select_specs([])
    assert empty.nothing is not None and empty.nothing.code == "NAF121"
