"""resolve/rest.py: the REST adapter's resources, operations and forwards."""

from __future__ import annotations

import textwrap

import pytest
from _specs import call_of, capability, codes, only_operation, resolved

from naftiko_codegen.canonical import RestForward
from naftiko_codegen.diagnostics import Diagnostic, DiagnosticError
from naftiko_codegen.placeholders import Part


def _rest(resources: str, head: str = "port: 8080\n") -> str:
    return (
        "- type: rest\n  namespace: demo-rest\n"
        + textwrap.indent(head, "  ")
        + "  resources:\n"
        + textwrap.indent(textwrap.dedent(resources), "  ")
    )


def test_paths_get_a_leading_slash_and_implied_path_inputs() -> None:
    resources = """\
    - path: items/{id}/{{id}}
      name: item
      description: One item.
      operations:
      - method: GET
        call: demo.list-items
    """
    operation = only_operation(resolved(capability(exposes=_rest(resources))))
    assert operation.path == "/items/{id}/{{id}}"
    assert (operation.resource, operation.resource_description) == ("item", "One item.")
    assert [(i.name, i.location, i.declared) for i in operation.inputs] == [("id", "path", False)]


def test_declared_inputs_replace_the_implied_ones() -> None:
    resources = """\
    - path: /items/{id}
      inputParameters:
      - name: id
        in: query
        type: integer
        description: The item.
      - name: q
        in: query
        type: string
      operations:
      - method: GET
        call: demo.list-items
        inputParameters:
        - name: page
          in: header
          type: string
    """
    operation = only_operation(resolved(capability(exposes=_rest(resources))))
    assert [(i.name, i.location, i.type, i.required) for i in operation.inputs] == [
        ("id", "path", "integer", True),
        ("q", "query", "string", False),
        ("page", "header", "string", False),
    ]


def test_paths_with_fragments_or_queries_are_left_out() -> None:
    resources = """\
    - path: /items?all=1
      operations:
      - method: GET
        call: demo.list-items
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
    """
    found = resolved(capability(exposes=_rest(resources)))
    assert codes(found) == ["NAF396"]
    assert only_operation(found).path == "/items"


def test_a_forward_sends_undeclared_methods_upstream() -> None:
    resources = """\
    - path: /proxy/{rest}
      name: proxy
      label: Proxy
      forward:
        targetNamespace: Demo
        trustedHeaders: [X-Trace]
      operations:
      - method: get
        call: demo.list-items
    """
    # Without validation: the port defaults, and the method is read in any case.
    found = resolved(capability(exposes=_rest(resources, head="")), validate=False)
    adapter = found.rest_adapters[0]
    assert adapter.port == 8080
    assert adapter.forwards == (
        RestForward(
            resource="proxy",
            path="/proxy/{rest}",
            tail="rest",
            api="demo",
            trusted_headers=("X-Trace",),
            excluded_methods=("GET",),
            label="Proxy",
            description="",
        ),
    )
    (operation,) = adapter.operations
    assert call_of(operation).arguments == ()
    assert operation.inputs[0].name == "rest"


def _all_findings(text: str) -> list[Diagnostic]:
    with pytest.raises(DiagnosticError) as caught:
        resolved(text)
    return list(caught.value.diagnostics)


def test_a_forward_to_an_unknown_api_is_left_out() -> None:
    resources = "- path: /proxy\n  forward:\n    targetNamespace: nope\n"
    found = _all_findings(capability(exposes=_rest(resources)))
    # The forward is the only unit: left out with a warning, nothing is left to serve.
    assert sorted((d.code, d.is_error) for d in found) == [("NAF302", True), ("NAF346", False)]
    (left_out,) = [d for d in found if d.code == "NAF346"]
    assert left_out.hint == "declared consumes namespaces: demo"
    assert left_out.message.endswith("; this forward is left out")


def test_a_forward_takes_one_placeholder() -> None:
    resources = "- path: /proxy/{a}/{b}\n  forward:\n    targetNamespace: demo\n"
    found = _all_findings(capability(exposes=_rest(resources)))
    assert sorted((d.code, d.is_error) for d in found) == [("NAF302", True), ("NAF347", False)]
    assert "2 placeholders" in next(d for d in found if d.code == "NAF347").message


def test_the_description_falls_back_to_the_consumed_operation() -> None:
    consumes = """\
    - type: http
      namespace: demo
      baseUri: https://api.example.com
      resources:
      - name: items
        path: /items
        operations:
        - name: list-items
          method: GET
          description: Lists items.
    """
    resources = "- path: /items\n  operations:\n  - method: GET\n    call: demo.list-items\n"
    operation = only_operation(resolved(capability(consumes=consumes, exposes=_rest(resources))))
    assert operation.description == "Lists items."
    assert call_of(operation).operation.path == (Part("text", "/items"),)
