"""resolve/aggregates.py: units reach shared functions by `ref`, and inherit their semantics."""

from __future__ import annotations

import pytest
from _specs import (
    DEMO_API,
    call_of,
    capability,
    codes,
    loaded,
    only_operation,
    rejected,
    resolved,
    scope_for,
)

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve import resolve_spec
from naftiko_codegen.resolve.aggregates import collect_functions, unit_definition

_AGGREGATES = """\
aggregates:
- label: Items
  namespace: catalog
  functions:
  - name: list
    description: List the items.
    semantics:
      safe: true
      idempotent: true
    inputParameters:
    - name: page
      type: string
      description: The page.
    call: demo.list-items
    with:
      page: catalog.page
"""

_API = DEMO_API + "      inputParameters:\n      - name: page\n        in: query\n"

_TOOL = """\
- type: mcp
  namespace: demo-mcp
  port: 9090
  tools:
  - name: list-items
    ref: catalog.list
    hints:
      openWorldHint: true
      destructive: true
"""


def test_a_tool_inherits_the_function() -> None:
    found = resolved(capability(consumes=_API, extra=_AGGREGATES, exposes=_TOOL))
    (tool,) = found.mcp_adapters[0].tools
    assert tool.description == "List the items."
    assert [(i.name, i.declared) for i in tool.inputs] == [("page", True)]
    # The function's `with` names inputs by the aggregate's namespace.
    (argument,) = call_of(tool).arguments
    assert argument.value == (Part("input", "page"),)
    # Semantics become hints; the tool's own hints win.
    assert tool.hints == {
        "readOnly": True,
        "destructive": True,
        "idempotent": True,
        "openWorld": True,
    }
    # The tool is located where it is exposed, not where its function is declared.
    assert tool.location.line == 40
    assert codes(found) == []


def test_a_rest_operation_inherits_the_function() -> None:
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items
        operations:
        - method: GET
          name: list-items
          ref: catalog.list
    """
    operation = only_operation(
        resolved(capability(consumes=_API, extra=_AGGREGATES, exposes=exposes))
    )
    assert (operation.name, operation.description) == ("list-items", "List the items.")
    assert [(i.name, i.location) for i in operation.inputs] == [("page", "query")]


def test_an_unknown_ref_lists_the_functions() -> None:
    text = capability(extra=_AGGREGATES, exposes=_TOOL.replace("catalog.list", "x.y"))
    # The unit is left out (a warning); with nothing left, NAF302 refuses the file.
    assert codes(rejected(text)) == ["NAF302"]
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded(text))
    (unknown,) = [d for d in caught.value.diagnostics if d.code == "NAF340"]
    assert unknown.hint == "declared functions: catalog.list"
    assert "left out" in unknown.message


def test_a_function_declared_twice() -> None:
    twice = _AGGREGATES + "  - name: list\n    description: Again.\n    call: demo.list-items\n"
    errors = rejected(capability(extra=twice, exposes=_TOOL))
    assert codes(errors) == ["NAF341"]


def test_a_unit_with_its_own_call_ignores_ref() -> None:
    scope = scope_for()
    unit = {"ref": "catalog.list", "call": "demo.list-items", "hints": {"readOnlyHint": False}}
    definition = unit_definition(scope, unit, ("u",), frozenset({"mcp"}))
    assert definition == (unit, ("u",), frozenset({"mcp"}), {"readOnly": False})


def test_functions_are_indexed_by_namespace_and_name() -> None:
    scope = scope_for(capability(extra=_AGGREGATES))
    collect_functions(scope, scope.spec.data)
    (function,) = scope.functions.values()
    assert list(scope.functions) == ["catalog.list"]
    assert (function.namespace, function.path) == (
        "catalog",
        ("capability", "aggregates", 0, "functions", 0),
    )
