"""resolve/__init__.py and resolve/control.py: which adapters are generated, ports, control."""

from __future__ import annotations

import textwrap

import pytest
from _specs import LIST_ITEMS, capability, codes, loaded, rejected, resolved

from naftiko_codegen.canonical import ControlAdapter, ScriptingSettings
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.resolve import resolve_spec

_MCP = """\
- type: mcp
  namespace: demo-mcp
  port: 8080
  tools:
  - name: list
    description: List.
    call: demo.list-items
"""


def test_a_shared_consumes_file_has_nothing_to_serve() -> None:
    spec = loaded("naftiko: 1.0.0-alpha2\nconsumes: []\n", validate=False)
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(spec)
    assert codes(list(caught.value.diagnostics)) == ["NAF301"]


def test_one_adapter_of_each_type_and_shared_ports() -> None:
    exposes = LIST_ITEMS + LIST_ITEMS.replace("demo-rest", "second") + _MCP
    found = resolved(capability(exposes=exposes))
    assert codes(found) == ["NAF303", "NAF304"]
    assert [a.namespace for a in found.rest_adapters] == ["demo-rest"]
    ports = found.diagnostics[0]
    assert "'demo-rest' and 'demo-mcp' share port 8080" in ports.message


def test_adapters_that_are_not_generated() -> None:
    skill = "- type: skill\n  namespace: s\n  port: 7000\n  skills: []\n"
    exposes = LIST_ITEMS + skill + skill.replace(": s\n", ": t\n") + "- type: mpc\n  namespace: m\n"
    found = resolved(capability(exposes=exposes), validate=False)
    assert codes(found) == ["NAF308", "NAF394"]
    assert found.skills is not None and found.skills.namespace == "s"
    assert found.diagnostics[1].hint == "did you mean `mcp`?"
    exposes = LIST_ITEMS + "- type: zzz\n"
    (unknown,) = resolved(capability(exposes=exposes), validate=False).diagnostics
    assert unknown.hint == "Naftiko adapters are rest, mcp, skill, control"


_CONTROL = """\
- type: control
  port: 9191
  management:
    info: true
    reload: true
    logs: {stream: true}
    scripting: {enabled: false}
  observability:
    enabled: true
"""


def test_the_control_port_serves_health_and_status() -> None:
    found = resolved(capability(exposes=_CONTROL + _CONTROL.replace("9191", "9192")))
    off = ScriptingSettings(enabled=False)  # served at /scripting, now generated
    assert found.control == ControlAdapter(9191, None, True, True, None, scripting=off)
    assert codes(found) == ["NAF395", "NAF395", "NAF394"]
    assert [d.location.line for d in found.diagnostics] == [21, 22, 26]


def test_the_observability_block_switches_metrics_and_traces() -> None:
    exposes = """\
- type: control
  port: 9191
  observability:
    metrics: {local: {enabled: false}}
    traces: {sampling: 0.5, propagation: b3, local: {buffer-size: 50}}
    exporters: {otlp: {endpoint: "http://collector:4317"}}
"""
    found = resolved(capability(exposes=exposes))
    assert found.control is not None
    assert (found.control.metrics, found.control.trace_buffer) == (False, 50)
    assert codes(found) == ["NAF417", "NAF417", "NAF417"]
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in found.diagnostics[2].message
    off = exposes.replace("  observability:\n", "  observability:\n    enabled: false\n")
    found = resolved(capability(exposes=off))
    assert found.control is not None and codes(found) == []
    assert (found.control.metrics, found.control.trace_buffer) == (False, 0)
    plain = resolved(capability(exposes="- type: control\n  port: 9191\n"))
    assert plain.control is not None
    assert (plain.control.metrics, plain.control.trace_buffer) == (True, 100)


def test_a_control_port_alone_is_enough() -> None:
    found = resolved(
        capability(exposes="- type: control\n  port: 7000\n  management:\n    health: false\n")
    )
    assert found.control == ControlAdapter(7000, None, False, False, None)
    assert found.rest_adapters == () and found.mcp_adapters == ()


def test_a_control_port_clashing_with_an_adapter() -> None:
    exposes = "- type: control\n  port: 8080\n" + LIST_ITEMS
    (warning,) = resolved(capability(exposes=exposes)).diagnostics
    assert "'control' and 'demo-rest' share port 8080" in warning.message


def test_nothing_to_generate() -> None:
    mock_free = textwrap.dedent(LIST_ITEMS).replace("      call: demo.list-items\n", "")
    assert codes(rejected(capability(exposes=mock_free))) == ["NAF302"]
