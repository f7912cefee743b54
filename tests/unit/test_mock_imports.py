"""Mock units answering a number or boolean built from an input: the generated modules import
`as_number`/`as_boolean` (their imports come from the code's needs, not the template)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from _generated import import_generated

from naftiko_codegen.pipeline import generate

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Mocky
  description: Mock units with templated typed outputs.
capability:
  consumes:
  - type: http
    namespace: shop
    baseUri: https://shop.example.com
    resources:
    - name: orders
      path: /orders
      operations:
      - name: list-orders
        method: GET
  exposes:
  - type: rest
    namespace: mocky-rest
    port: 8080
    resources:
    - name: echo
      path: /echo
      operations:
      - name: echo-typed
        method: GET
        inputParameters:
        - {name: n, in: query, type: string, description: A value.}
        outputParameters:
        - {name: count, type: number, value: "{{n}}"}
        - {name: flag, type: boolean, value: "{{n}}"}
  - type: mcp
    namespace: mocky-mcp
    port: 9090
    description: Mock tools.
    tools:
    - name: echo-typed
      description: Echo typed.
      inputParameters:
      - {name: n, type: string, description: A value.}
      outputParameters:
      - {name: count, type: number, value: "{{n}}"}
      - {name: flag, type: boolean, value: "{{n}}"}
"""


def _package(tmp_path: Path) -> dict[str, str]:
    spec = tmp_path / "mocky.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    files = generate(spec).files
    for relative, text in files.items():
        path = tmp_path / "out" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return files


def test_typed_templated_mock_outputs_import_their_helpers(tmp_path: Path) -> None:
    files = _package(tmp_path)
    for module in ("rest_app", "mcp_server"):
        text = files[f"src/mocky/{module}.py"]
        assert "as_number(text(" in text and "as_boolean(text(" in text
        assert "from .mapping import as_boolean, as_number, map_output" in text
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "src"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_typed_templated_mock_outputs_answer_typed_values(tmp_path: Path) -> None:
    files = _package(tmp_path)
    rest = import_generated(files, "mocky.rest_app", tmp_path / "rest")
    assert rest.create_app is not None
    mcp = import_generated(files, "mocky.mcp_server", tmp_path / "mcp")
    assert {tool["name"] for tool in mcp.TOOLS.listing} == {"echo-typed"}
    # Run the handler: a missing import would be a NameError here.
    reply = asyncio.run(mcp.echo_typed(None, {"n": "3"}))
    assert json.loads(reply.body)["count"] == 3  # `as_boolean` keeps text that is no boolean
