"""resolve/bodies.py: a consumed operation's `body:` as literals and templated leaves."""

from __future__ import annotations

from typing import Any

import pytest
from _specs import call_of, capability, codes, only_operation, resolved, scope_for

from naftiko_codegen.canonical import BodyLeaf, Input
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve.bodies import parse_body
from naftiko_codegen.resolve.scope import Scope

_INPUTS = {"name": Input("name", "body", "string", "", True, True)}


def _parse(raw: Any, scope: Scope | None = None) -> Any:
    return parse_body(scope or scope_for(), raw, ("a",), _INPUTS, frozenset(), lambda n: n)


def test_yaml_data_keeps_whole_placeholders_typed() -> None:
    tree, kind, media = _parse({"n": "{{name}}", "greeting": "hi {{name}}", "k": [1, "x"]})
    assert (kind, media) == ("json", None)
    assert tree == {
        "n": BodyLeaf((Part("input", "name"),), True),
        "greeting": BodyLeaf((Part("text", "hi "), Part("input", "name")), False),
        "k": [1, "x"],
    }


def test_empty_body_is_none() -> None:
    assert _parse({"type": "json"}) is None


@pytest.mark.parametrize(
    ("raw", "kind", "media"),
    [
        ({"type": "form", "data": {"a": "b"}}, "form", "application/x-www-form-urlencoded"),
        ({"type": "formUrlEncoded", "data": "a=b"}, "text", "application/x-www-form-urlencoded"),
        ({"type": "text", "data": "plain"}, "text", "text/plain; charset=utf-8"),
        ({"type": "xml", "data": "<a/>"}, "text", "application/xml"),
        ({"type": "sparql", "data": "SELECT *"}, "text", "application/sparql-query"),
    ],
)
def test_declared_formats(raw: Any, kind: str, media: str) -> None:
    tree, found_kind, found_media = _parse(raw)
    assert (found_kind, found_media) == (kind, media)
    assert tree == raw["data"]


def test_multipart_keeps_each_part_and_leaves_out_nameless_ones() -> None:
    scope = scope_for()
    raw = {
        "type": "multipartForm",
        "data": [
            {
                "name": "f",
                "value": "{{name}}",
                "filename": "a.pdf",
                "contentType": "application/pdf",
            },
            "skipped",
            {"value": "no name"},
        ],
    }
    tree, kind, media = _parse(raw, scope)
    assert (kind, media) == ("multipart", None)
    value = BodyLeaf((Part("input", "name"),), True)
    assert tree == [
        {"name": "f", "value": value, "filename": "a.pdf", "contentType": "application/pdf"}
    ]
    assert codes(scope.findings) == ["NAF320", "NAF320"]


def test_multipart_as_a_map_is_name_to_value() -> None:
    tree, kind, _ = _parse({"type": "multipartForm", "data": {"a": "1"}})
    assert (kind, tree) == (
        "multipart",
        [{"name": "a", "value": "1", "filename": None, "contentType": None}],
    )


def test_json_text_fills_values_and_strings() -> None:
    tree, kind, media = _parse('{"n": {{name}}, "s": "a \\" {{name}}", "l": [{{name}}]}')
    assert (kind, media) == ("json", None)
    assert tree == {
        "n": BodyLeaf((Part("input", "name"),), True),
        "s": BodyLeaf((Part("text", 'a " '), Part("input", "name")), False),
        "l": [BodyLeaf((Part("input", "name"),), True)],
    }


@pytest.mark.parametrize("text", ["{{name}", "not json {{name}}"])
def test_text_that_is_not_json_is_sent_as_text(text: str) -> None:
    scope = scope_for()
    tree, kind, media = _parse(text, scope)
    assert (kind, media) == ("text", "application/json")
    assert isinstance(tree, BodyLeaf) or tree == text
    assert codes(scope.findings) == ["NAF336"]


def test_body_fields_nobody_declared_become_optional_inputs() -> None:
    consumes = """\
    - type: http
      namespace: demo
      baseUri: https://api.example.com
      resources:
      - name: items
        path: /items
        operations:
        - name: add-item
          method: POST
          body:
            type: json
            data:
              title: '{{title}}'
              note: 'by {{author}}'
    """
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items
        operations:
        - method: POST
          call: demo.add-item
    """
    operation = only_operation(resolved(capability(consumes=consumes, exposes=exposes)))
    assert [(i.name, i.location, i.required) for i in operation.inputs] == [
        ("title", "body", False),
        ("author", "body", False),
    ]
    call = call_of(operation)
    assert (call.body_mode, call.body_format) == ("template", "json")
    assert call.body_tree["title"] == BodyLeaf((Part("input", "title"),), True)
