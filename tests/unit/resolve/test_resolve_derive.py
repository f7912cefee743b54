"""resolve/derive.py: the adapters of a capability that exposes nothing, and when there are none."""

from __future__ import annotations

import pytest
from _specs import HEAD, codes, loaded

from naftiko_codegen.canonical import Call
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.resolve import resolve_spec
from naftiko_codegen.resolve.derive import derived_hints

_API = """\
  - type: http
    namespace: {ns}
    baseUri: https://api.example.com
    resources:
    - name: items
      path: /items/{{{{id}}}}
      operations:
      - name: get-item
        method: GET
      - name: get-item-again
        method: GET
      - name: upload
        method: POST
        inputParameters:
        - name: file
          in: body
          type: file
    - name: search
      path: /search?q=1#frag
      operations:
      - name: search
        method: GET
"""


def _consumes_only(*namespaces: str, exposes: str = "") -> str:
    return (
        HEAD
        + "capability:\n  consumes:\n"
        + "".join(_API.format(ns=n) for n in namespaces)
        + exposes
    )


def test_hints_follow_the_http_method() -> None:
    assert derived_hints("HEAD") == {"readOnly": True, "destructive": False, "idempotent": True}
    assert derived_hints("PUT") == {"readOnly": False, "destructive": False, "idempotent": True}
    assert derived_hints("DELETE") == {"readOnly": False, "destructive": True, "idempotent": True}
    assert derived_hints("PATCH") == {"readOnly": False}


def test_one_tool_and_route_per_operation_that_can_be_served() -> None:
    found = resolve_spec(loaded(_consumes_only("demo"), validate=False))
    (rest,), (mcp,) = found.rest_adapters, found.mcp_adapters
    assert (rest.port, mcp.port, mcp.transport, rest.namespace) == (8080, 9090, "http", "demo")
    # The file upload is not derivable; the second GET on one path has no route of its own; a
    # path with `?` is no route, but its tool calls the path without the fragment.
    assert [(o.method, o.path) for o in rest.operations] == [("GET", "/items/{id}")]
    assert [t.name for t in mcp.tools] == ["get-item", "get-item-again", "search"]
    assert [i.name for i in mcp.tools[0].inputs] == ["id"]
    assert isinstance(mcp.tools[0].action, Call)
    (warning,) = [d for d in found.diagnostics if d.code == "NAF390"]
    assert "3 tool(s)" in warning.message and "1 route(s)" in warning.message
    assert "(2 operation(s) not derivable on both)" in warning.message


def test_several_apis_prefix_routes_and_clashing_tool_names() -> None:
    found = resolve_spec(loaded(_consumes_only("one", "two"), validate=False))
    (rest,), (mcp,) = found.rest_adapters, found.mcp_adapters
    assert rest.namespace == "derived"
    assert [o.path for o in rest.operations] == ["/one/items/{id}", "/two/items/{id}"]
    assert [t.name for t in mcp.tools][3:] == ["two-get-item", "two-get-item-again", "two-search"]


def test_nothing_derivable_or_derivation_off_is_refused() -> None:
    uploads_only = HEAD + (
        "capability:\n  consumes:\n  - type: http\n    namespace: d\n"
        "    baseUri: https://x.test\n    resources:\n    - name: r\n      path: /r\n"
        "      operations:\n      - name: up\n        method: POST\n        inputParameters:\n"
        "        - {name: f, in: body, type: file}\n"
    )
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded(uploads_only, validate=False))
    (error,) = [d for d in caught.value.diagnostics if d.is_error]
    assert "no consumed operation can be derived" in error.message
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded(_consumes_only("demo"), validate=False), derive=False)
    assert [d.code for d in caught.value.diagnostics if d.is_error] == ["NAF302"]
    # A capability that declares adapters is never derived, even when they serve nothing.
    skill = "  exposes:\n  - type: skill\n    namespace: s\n"
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(loaded(_consumes_only("demo", exposes=skill), validate=False))
    assert "NAF390" not in codes(list(caught.value.diagnostics))
