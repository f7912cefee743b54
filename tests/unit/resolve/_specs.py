"""Small capabilities for the resolve tests, and the helpers that resolve them."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pytest

from naftiko_codegen.canonical import Call, CanonicalCapability, McpTool, RestOperation
from naftiko_codegen.diagnostics import Diagnostic, DiagnosticError
from naftiko_codegen.load import LoadedSpec, load_spec
from naftiko_codegen.resolve import resolve_spec
from naftiko_codegen.resolve.scope import Scope
from naftiko_codegen.validate import validate_spec

HEAD = """\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  description: Demo capability.
"""

DEMO_API = """\
- type: http
  namespace: demo
  baseUri: https://api.example.com
  resources:
  - name: items
    path: /items
    operations:
    - name: list-items
      method: GET
"""

LIST_ITEMS = """\
- type: rest
  namespace: demo-rest
  port: 8080
  resources:
  - path: /items
    operations:
    - method: GET
      call: demo.list-items
"""


def capability(
    *, consumes: str = DEMO_API, exposes: str = LIST_ITEMS, top: str = "", extra: str = ""
) -> str:
    """A capability document; each block is YAML written at column 0 (dedented here).

    `top` goes before `capability:` (e.g. `binds`), `extra` inside it (e.g. `aggregates`).
    """

    def block(text: str, indent: str) -> str:
        return textwrap.indent(textwrap.dedent(text), indent)

    return (
        HEAD
        + block(top, "")
        + "capability:\n"
        + block(extra, "  ")
        + "  consumes:\n"
        + block(consumes, "  ")
        + "  exposes:\n"
        + block(exposes, "  ")
    )


def loaded(text: str, source: str = "cap.yaml", *, validate: bool = True) -> LoadedSpec:
    """Load a document; with `validate`, require that it passes validation."""
    spec = load_spec(text, source)
    if validate:
        errors = [d for d in validate_spec(spec) if d.is_error]
        assert errors == [], [f"{d.code} {d.location.line}: {d.message}" for d in errors]
    return spec


def resolved(
    text: str, imports: Mapping[str, LoadedSpec] | None = None, *, validate: bool = True
) -> CanonicalCapability:
    """Resolve a document that resolves (warnings allowed)."""
    return resolve_spec(loaded(text, validate=validate), imports)


def rejected(
    text: str, imports: Mapping[str, LoadedSpec] | None = None, *, validate: bool = True
) -> list[Diagnostic]:
    """Resolve a document that cannot be served; return its errors."""
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded(text, validate=validate), imports)
    return [d for d in caught.value.diagnostics if d.is_error]


def codes(found: CanonicalCapability | list[Diagnostic]) -> list[str]:
    """The codes of a capability's findings (or of a list of diagnostics), in order."""
    diagnostics = found.diagnostics if isinstance(found, CanonicalCapability) else found
    return [d.code for d in diagnostics]


def scope_for(text: str = "a: 1\n") -> Scope:
    """A fresh scope over a document, for calling one resolve function directly."""
    return Scope(load_spec(text, "cap.yaml"))


def call_of(unit: RestOperation | McpTool) -> Call:
    """The call a unit makes (it must make one)."""
    assert isinstance(unit.action, Call)
    return unit.action


def only_operation(found: CanonicalCapability) -> RestOperation:
    """The one REST operation of a capability."""
    (operation,) = found.rest_adapters[0].operations
    return operation
