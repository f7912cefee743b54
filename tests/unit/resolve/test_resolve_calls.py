"""resolve/calls.py: `with` values bound to a consumed operation, and the inputs they imply."""

from __future__ import annotations

import textwrap

from _specs import call_of, capability, codes, only_operation, resolved

from naftiko_codegen.canonical import BodyLeaf, CanonicalCapability
from naftiko_codegen.placeholders import Part


def _api(operation: str) -> str:
    """The demo API with one operation (YAML at the operation's own indentation)."""
    return (
        "- type: http\n  namespace: demo\n  baseUri: https://api.example.com\n  resources:\n"
        "  - name: items\n    path: /items/{id}\n    operations:\n"
        + textwrap.indent(textwrap.dedent(operation), "    ")
    )


def _rest(unit: str, *, path: str = "/items") -> str:
    return (
        "- type: rest\n  namespace: demo-rest\n  port: 8080\n  resources:\n"
        f"  - path: {path}\n    operations:\n" + textwrap.indent(textwrap.dedent(unit), "    ")
    )


def _mcp(tool: str) -> str:
    return "- type: mcp\n  namespace: demo-mcp\n  port: 9090\n  tools:\n" + textwrap.indent(
        textwrap.dedent(tool), "  "
    )


_PARAMS = """\
- name: update-item
  method: PATCH
  inputParameters:
  - name: id
    in: path
    description: The item.
  - name: X-Trace
    in: header
  - name: limit
    in: query
    type: integer
    description: How many.
  - name: mode
    in: query
    value: 'fast {{speed}}'
  - name: filter
    in: body
    value: {kind: '{{kind}}', fixed: 1}
  - name: home
    in: environment
"""


def test_a_unit_without_with_takes_every_parameter_as_an_input() -> None:
    found = resolved(
        capability(
            consumes=_api(_PARAMS), exposes=_rest("- method: PATCH\n  call: demo.update-item\n")
        ),
        validate=False,
    )
    operation = only_operation(found)
    assert [(i.name, i.location, i.type, i.required) for i in operation.inputs] == [
        ("id", "query", "string", True),
        ("X-Trace", "header", "string", False),
        ("limit", "query", "integer", False),
        ("kind", "body", "string", False),
    ]
    # An implied input takes the description of the parameter it feeds.
    assert operation.inputs[0].description == "The item."
    arguments = {a.parameter.name: a for a in call_of(operation).arguments}
    assert list(arguments) == ["id", "X-Trace", "limit", "mode", "filter"]
    # The value's placeholder names no input of this unit: it stays unbound (reported).
    assert arguments["mode"].value == (Part("text", "fast "), Part("unbound", "speed"))
    assert arguments["filter"].tree == {
        "kind": BodyLeaf((Part("input", "kind"),), True),
        "fixed": 1,
    }
    assert codes(found) == ["NAF312"]


def test_with_binds_references_literals_and_templates() -> None:
    unit = """\
    - method: PATCH
      inputParameters:
      - name: speed
        in: query
      call: demo.update-item
      with:
        id: demo-rest.item
        limit: 10
        X-Trace: 'trace-{{speed}}'
        mode: '{{speed}}'
        novel: plain
    """
    found = resolved(capability(consumes=_api(_PARAMS), exposes=_rest(unit)), validate=False)
    operation = only_operation(found)
    assert [(i.name, i.location, i.declared) for i in operation.inputs] == [
        ("speed", "query", True),
        ("item", "query", False),
        ("kind", "body", False),
    ]
    arguments = {a.parameter.name: a for a in call_of(operation).arguments}
    # Operation order first; keys the operation does not declare come last.
    assert list(arguments) == ["id", "X-Trace", "limit", "mode", "filter", "novel"]
    assert arguments["id"].value == (Part("input", "item"),)
    assert (arguments["limit"].is_literal, arguments["limit"].literal) == (True, 10)
    assert arguments["limit"].value == ()
    assert arguments["X-Trace"].value == (Part("text", "trace-"), Part("input", "speed"))
    assert arguments["mode"].value == (Part("input", "speed"),)
    assert arguments["novel"].value == (Part("text", "plain"),)
    assert codes(found) == ["NAF333"]


def test_a_parameter_value_names_the_calling_units_input() -> None:
    unit = """\
    - method: PATCH
      inputParameters:
      - name: speed
        in: query
      call: demo.update-item
      with:
        id: '{{speed}}'
    """
    found = resolved(capability(consumes=_api(_PARAMS), exposes=_rest(unit)), validate=False)
    arguments = {a.parameter.name: a for a in call_of(only_operation(found)).arguments}
    assert arguments["mode"].value == (Part("text", "fast "), Part("input", "speed"))
    # With a `with` block, only path parameters are inferred; `limit` is left out.
    assert "limit" not in arguments and "X-Trace" not in arguments
    assert codes(found) == []


def test_mcp_inputs_are_arguments() -> None:
    tool = """\
    - name: update
      description: Update.
      call: demo.update-item
    """
    found = resolved(capability(consumes=_api(_PARAMS), exposes=_mcp(tool)), validate=False)
    (tool_found,) = found.mcp_adapters[0].tools
    assert {i.location for i in tool_found.inputs} == {"argument"}


def _bodies(operation: str, unit: str) -> CanonicalCapability:
    return resolved(capability(consumes=_api(operation), exposes=_rest(unit)), validate=False)


def test_body_modes() -> None:
    whole = "- name: add\n  method: POST\n  inputParameters:\n  - name: payload\n    in: body\n"
    call = call_of(only_operation(_bodies(whole, "- method: POST\n  call: demo.add\n")))
    assert (call.body_mode, call.body_format) == ("whole", "json")
    fields = whole + "    type: string\n  - name: other\n    in: body\n"
    call = call_of(only_operation(_bodies(fields, "- method: POST\n  call: demo.add\n")))
    assert call.body_mode == "properties"
    form = "- name: add\n  method: POST\n  inputParameters:\n  - name: f\n    in: formData\n"
    call = call_of(only_operation(_bodies(form, "- method: POST\n  call: demo.add\n")))
    assert (call.body_mode, call.body_format, call.content_type) == (
        "properties",
        "form",
        "application/x-www-form-urlencoded",
    )
    text = "- name: add\n  method: POST\n  body: {type: text, data: 'hi {{who}}'}\n"
    call = call_of(only_operation(_bodies(text, "- method: POST\n  call: demo.add\n")))
    assert (call.body_mode, call.body_format, call.content_type) == (
        "template",
        "text",
        "text/plain; charset=utf-8",
    )


def test_a_body_on_get_is_sent_with_a_warning() -> None:
    operation = "- name: search\n  method: GET\n  inputParameters:\n  - name: body\n    in: body\n"
    found = _bodies(operation, "- method: GET\n  call: demo.search\n")
    assert codes(found) == ["NAF334"]
    assert call_of(only_operation(found)).body_mode == "whole"


def test_environment_parameters_are_not_inputs() -> None:
    operation = (
        "- name: search\n  method: GET\n  inputParameters:\n  - name: home\n    in: environment\n"
    )
    found = _bodies(operation, "- method: GET\n  call: demo.search\n")
    # Only the path parameter `id` of the consumed resource is asked of callers.
    assert [i.name for i in only_operation(found).inputs] == ["id"]
    assert [a.parameter.name for a in call_of(only_operation(found)).arguments] == ["id"]
