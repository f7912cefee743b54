"""`assets.py` and `resolve/scripts.py`: the folders a spec ships, and script steps' defaults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from naftiko_codegen.assets import asset_locations, load_assets
from naftiko_codegen.canonical import ScriptStep
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.load import load_spec
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
    - type: control
      port: 9191
      management:
        scripting: {defaultLocation: "LOCATION", defaultLanguage: python, timeout: 2500}
    - type: mcp
      namespace: tools
      port: 9090
      tools:
        - name: t
          description: T
          steps:
            - {name: get, type: call, call: api.get}
            - {name: run, type: script, file: main.py}
          mappings: [{targetName: out, value: "$.run"}]
"""


def _spec(tmp_path: Path, text: str) -> Path:
    (tmp_path / "scripts").mkdir(exist_ok=True)
    (tmp_path / "scripts" / "main.py").write_text("result = 1\n")
    spec = tmp_path / "cap.yaml"
    spec.write_text(text)
    return spec


def _codes(spec: Path) -> list[str]:
    loaded = load_spec(spec.read_text(), str(spec))
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded, {}, assets=load_assets(loaded, spec))
    return [d.code for d in caught.value.diagnostics if d.is_error]


def test_the_control_ports_defaults_complete_a_script_step(tmp_path: Path) -> None:
    absolute = (tmp_path / "scripts").as_uri()  # absolute, but inside the spec's folder
    spec = _spec(tmp_path, SPEC.replace("LOCATION", absolute))
    loaded = load_spec(spec.read_text(), str(spec))
    assert [value for _, value in asset_locations(loaded.data)] == [absolute]
    capability = resolve_spec(loaded, {}, assets=load_assets(loaded, spec))
    step = capability.mcp_adapters[0].tools[0].action.steps[1]  # type: ignore[union-attr]
    assert isinstance(step, ScriptStep)
    assert (step.file, step.timeout, step.folder.files) == (
        "main.py",
        2.5,
        (("main.py", b"result = 1\n"),),
    )


def test_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _codes(_spec(tmp_path, SPEC.replace("LOCATION", "file:///./nowhere"))) == ["NAF388"]
    assert _codes(_spec(tmp_path, SPEC.replace("LOCATION", "file:///./cap.yaml"))) == ["NAF388"]
    os.mkfifo(tmp_path / "scripts" / "pipe")
    assert _codes(_spec(tmp_path, SPEC.replace("LOCATION", "file:///./scripts"))) == ["NAF388"]
    (tmp_path / "scripts" / "pipe").unlink()
    monkeypatch.setenv("NAFTIKO_GEN_MAX_ASSET_FILES", "1")
    (tmp_path / "scripts" / "more.py").write_text("")
    assert _codes(_spec(tmp_path, SPEC.replace("LOCATION", "file:///./scripts"))) == ["NAF389"]
    monkeypatch.delenv("NAFTIKO_GEN_MAX_ASSET_FILES")
    text = SPEC.replace("LOCATION", "file:///./scripts")
    off = _spec(tmp_path, text.replace("timeout: 2500", "enabled: false"))
    loaded = load_spec(off.read_text(), str(off))
    found = resolve_spec(loaded, {}, assets=load_assets(loaded, off)).diagnostics
    # Scripting off is a warning: the step is generated and answers 503 until PUT /scripting.
    assert [(d.code, d.is_error) for d in found if d.code == "NAF309"] == [("NAF309", False)]
    assert _codes(_spec(tmp_path, text.replace("timeout: 2500", "allowedLanguages: [groovy]")))[
        :1
    ] == ["NAF421"]
    assert _codes(_spec(tmp_path, text.replace("file: main.py", "language: python"))) == ["NAF306"]
    no_default = text.replace("defaultLocation", "elsewhere")
    assert _codes(_spec(tmp_path, no_default)) == ["NAF306"]
