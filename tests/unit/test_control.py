"""The control port (`type: control`): resolved from the spec, and served next to the adapters.

The generated package's own tests cover the endpoints one by one; here the real `serve` command
runs REST, MCP and the control port together, and readiness reports both adapters. A second
REST or MCP adapter is reported, never dropped silently.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import generate
from naftiko_codegen.resolve import resolve_spec

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Watched
  description: A capability with a control port.
capability:
  consumes:
  - type: http
    namespace: demo
    baseUri: https://api.example.com
    resources:
    - name: items
      path: /items
      operations:
      - name: list-items
        method: GET
  exposes:
  - type: rest
    namespace: demo-rest
    port: 8080
    resources:
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
  - type: mcp
    namespace: demo-mcp
    port: 9090
    description: Demo tools.
    tools:
    - name: list-items
      description: List the items.
      call: demo.list-items
  - type: control
    port: 9191
    management:
      info: true
      logs: true
    observability:
      enabled: false
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_control_is_resolved_and_unsupported_endpoints_reported() -> None:
    capability = resolve_spec(load_spec(SPEC, "cap.yaml"))
    assert capability.control is not None
    assert (capability.control.port, capability.control.health, capability.control.info) == (
        9191,
        True,
        True,
    )
    (logs,) = [d for d in capability.diagnostics if d.code == "NAF395"]
    assert "`logs`" in logs.message and logs.location.line == 37


def test_serve_runs_the_control_port_beside_the_adapters(tmp_path: Path) -> None:
    spec = tmp_path / "watched.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    for relative, text in generate(spec).files.items():
        (tmp_path / "pkg" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / relative).write_text(text, encoding="utf-8")
    rest, mcp, control = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkg" / "src")}
    command = [sys.executable, "-m", "watched", "serve", "--host", "127.0.0.1"]
    ports = ["--rest-port", str(rest), "--mcp-port", str(mcp), "--control-port", str(control)]
    ports += ["--ready-check-interval", "0"]  # api.example.com is not reachable from the tests
    process = subprocess.Popen([*command, *ports], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{control}/health/ready")
            except OSError:
                status, body = 0, {}
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200, body
        assert body == {
            "status": "UP",
            "adapters": [
                {"type": "rest", "namespace": "demo-rest", "port": rest, "state": "STARTED"},
                {"type": "mcp", "namespace": "demo-mcp", "port": mcp, "state": "STARTED"},
            ],
        }
        status, info = _get(f"http://127.0.0.1:{control}/status")
        assert status == 200
        assert info["capability"] == {"label": "Watched", "specVersion": "1.0.0-alpha2"}
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr.decode()


def test_a_second_adapter_of_a_kind_is_reported() -> None:
    second = SPEC.replace(
        "  - type: control\n",
        "  - type: rest\n    namespace: other-rest\n    port: 8081\n    resources: []\n"
        "  - type: control\n",
    )
    capability = resolve_spec(load_spec(second, "cap.yaml"))
    (finding,) = [d for d in capability.diagnostics if d.code == "NAF304"]
    assert "'other-rest'" in finding.message and "'demo-rest'" in finding.message
    assert [a.namespace for a in capability.rest_adapters] == ["demo-rest"]
