"""`assets.py` and `resolve/mcp_files.py`: MCP resource folders and prompt files, shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_codegen.assets import load_assets, mcp_locations
from naftiko_codegen.canonical import Folder
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.load import load_spec
from naftiko_codegen.model import build_model
from naftiko_codegen.render import render_package, verbatim_outputs
from naftiko_codegen.resolve import resolve_spec

SPEC = """\
naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - type: http
      namespace: api
      baseUri: "http://a.example.com"
      resources:
        - name: r
          path: /r
          operations:
            - {name: get, method: GET}
  exposes:
    - type: mcp
      namespace: tools
      port: 9090
      tools:
        - {name: t, description: T, call: api.get}
      resources:
        - {name: notes, label: Notes, uri: "docs://notes", description: N, location: FOLDER}
      prompts:
        - {name: greet, label: Greet, description: G, location: PROMPT}
"""


def _spec(
    tmp_path: Path, folder: str = "file:///./notes", prompt: str = "file:///./p/greet.md"
) -> Path:
    (tmp_path / "notes" / "deep").mkdir(parents=True, exist_ok=True)
    (tmp_path / "notes" / "a.md").write_text("# A\n")
    (tmp_path / "notes" / "deep" / "b.csv").write_text("x\n1\n")
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "greet.md").write_text("Hi {{who}}\n")
    spec = tmp_path / "cap.yaml"
    spec.write_text(SPEC.replace("FOLDER", folder).replace("PROMPT", prompt))
    return spec


def _codes(spec: Path) -> list[str]:
    loaded = load_spec(spec.read_text(), str(spec))
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded, {}, assets=load_assets(loaded, spec))
    assert {d.location.line for d in caught.value.diagnostics} <= {19, 21}
    return [d.code for d in caught.value.diagnostics if d.is_error]


def test_folders_and_files_are_read_relative_to_the_spec(tmp_path: Path) -> None:
    spec = _spec(tmp_path, folder=(tmp_path / "notes").as_uri())  # absolute, but inside
    loaded = load_spec(spec.read_text(), str(spec))
    assert [(value, folder) for _, value, folder in mcp_locations(loaded.data)] == [
        ((tmp_path / "notes").as_uri(), True),
        ("file:///./p/greet.md", False),
    ]
    mcp = resolve_spec(loaded, {}, assets=load_assets(loaded, spec)).mcp_adapters[0]
    assert mcp.resources[0].action == Folder(
        "notes", (("a.md", b"# A\n"), ("deep/b.csv", b"x\n1\n"))
    )
    assert (mcp.prompts[0].file, mcp.prompts[0].content) == ("p/greet.md", b"Hi {{who}}\n")


def test_a_resolve_without_a_build_ships_no_files() -> None:
    loaded = load_spec(
        SPEC.replace("FOLDER", "file:///./n").replace("PROMPT", "file:///x/../y.md"), "c.yaml"
    )
    mcp = resolve_spec(loaded, {}).mcp_adapters[0]
    assert (mcp.resources[0].action, mcp.prompts[0].file) == (Folder("n"), "x/y.md")


def test_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    for folder, prompt, codes in [
        ("file:///./../notes", "file:///./p/greet.md", ["NAF387"]),
        ("file:///etc", "file:///etc/hostname", ["NAF387", "NAF387"]),
        ("file:///./linked", "file:///./p/greet.md", ["NAF387"]),
        ("file:///./notes/a.md", "file:///./p", ["NAF388", "NAF388"]),
        ("file:///./nowhere", "file:///./p/none.md", ["NAF388", "NAF388"]),
        ("file:///./notes", "file:///./", ["NAF388"]),
    ]:
        assert _codes(_spec(tmp_path, folder, prompt)) == codes, (folder, prompt)
    (tmp_path / "p" / "alias.md").symlink_to(tmp_path / "p" / "greet.md")
    assert _codes(_spec(tmp_path, prompt="file:///./p/alias.md")) == ["NAF387"]
    monkeypatch.setenv("NAFTIKO_GEN_MAX_ASSET_BYTES", "6")
    assert _codes(_spec(tmp_path)) == ["NAF389", "NAF389"]


def test_undecodable_files_are_shipped_as_served_with_a_warning(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    (tmp_path / "notes" / "logo.png").write_bytes(b"\x89PNG\r\n")
    loaded = load_spec(spec.read_text(), str(spec))
    canonical = resolve_spec(loaded, {}, assets=load_assets(loaded, spec))
    (warning,) = canonical.diagnostics
    assert (warning.code, warning.location.line) == ("NAF440", 19)
    model = build_model(canonical, spec_file="cap.yaml", spec_text="", slug="cap")
    shipped = {k: v for k, v in render_package(model).items() if "/mcp_files/" in k}
    assert shipped == {
        "src/cap/mcp_files/notes/a.md": "# A\n",
        "src/cap/mcp_files/notes/deep/b.csv": "x\n1\n",
        "src/cap/mcp_files/notes/logo.png": "\ufffdPNG\r\n",
        "src/cap/mcp_files/p/greet.md": "Hi {{who}}\n",
    }
    assert set(shipped) <= verbatim_outputs(model)  # never formatted
    assert model.mcp is not None
    assert (model.mcp.resources[0].folder, model.mcp.prompts[0].file) == ("notes", "p/greet.md")
