"""resolve/units.py: the triage REST operations and MCP tools share, mocks, answer shapes."""

from __future__ import annotations

from typing import Any

import pytest
from _specs import capability, codes, only_operation, resolved, scope_for

from naftiko_codegen.canonical import Mock, MockOutput, Orchestration, Output
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve.units import declared_inputs, unit_kind, unit_output


@pytest.mark.parametrize(
    ("unit", "kind", "found"),
    [
        ({"call": "a.b", "steps": []}, "call", []),
        ({"steps": [{"type": "lookup"}, {"name": "c"}]}, "steps", []),
        ({"steps": [{"type": "call"}, {"type": "transform"}]}, None, ["NAF391"]),
        ({"steps": []}, None, ["NAF391"]),
        ({"outputParameters": [{"name": "a", "items": {"value": 1}}]}, "mock", []),
        ({"outputParameters": [{"name": "a", "value": 1, "mapping": "$.a"}]}, None, ["NAF392"]),
    ],
)
def test_unit_kind(unit: dict[str, Any], kind: str | None, found: list[str]) -> None:
    scope = scope_for()
    assert unit_kind(scope, unit, ("u",), "unit") == kind
    assert codes(scope.findings) == found


def test_unsupported_step_is_located_at_the_step() -> None:
    scope = scope_for()
    unit_kind(scope, {"steps": [{"type": "call"}, {"type": "transform"}]}, ("u",), "REST operation")
    (warning,) = scope.findings
    assert "uses a `transform` step" in warning.message


def test_declared_inputs() -> None:
    raw = [
        {"name": "a"},
        {"name": "b", "in": "header", "type": ["integer", "null"], "required": True},
        {"name": "c", "in": "nowhere", "type": "file"},
        "not an input",
    ]
    inputs = declared_inputs(raw, default_location="argument")
    assert [(i.name, i.location, i.type, i.required, i.declared) for i in inputs] == [
        ("a", "argument", "string", True, True),
        ("b", "header", "integer", True, True),
        ("c", "argument", "string", True, True),
    ]


@pytest.mark.parametrize(
    ("outputs", "passthrough"),
    [
        (None, True),
        ([{"type": "object"}], True),
        ([{"type": "object", "mapping": "$."}], True),
        ([{"type": "object", "mapping": "$.items"}], False),
        ([{"type": "string", "mapping": "$"}], False),
        ([{"type": "object", "properties": {}}], False),
    ],
)
def test_unit_output(outputs: Any, passthrough: bool) -> None:
    output = unit_output({"outputParameters": outputs}, Mock(()))
    assert output.passthrough is passthrough
    assert output.shape == (None if passthrough else outputs[0])


def test_orchestrations_answer_their_mappings() -> None:
    unit = {"outputParameters": [{"type": "string", "mapping": "$.x"}]}
    assert unit_output(unit, Orchestration((), ())) == Output(True)


def test_mock_outputs_are_templates_over_the_inputs() -> None:
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items/{id}
        operations:
        - method: GET
          description: A fixed item.
          outputParameters:
          - name: item
            type: object
            properties:
              id:
                type: string
                value: '{{id}}'
              tags:
                type: array
                items:
                - type: string
                  value: new
          - type: string
            value: plain
    """
    operation = only_operation(resolved(capability(exposes=exposes)))
    assert operation.description == "A fixed item."
    assert [i.name for i in operation.inputs] == ["id"]
    assert isinstance(operation.action, Mock)
    item, plain = operation.action.outputs
    assert item == MockOutput(
        "item",
        "object",
        None,
        (
            ("id", MockOutput("id", "string", (Part("input", "id"),))),
            (
                "tags",
                MockOutput(
                    "tags", "array", None, (), MockOutput(None, "string", (Part("text", "new"),))
                ),
            ),
        ),
    )
    assert plain == MockOutput(None, "string", (Part("text", "plain"),))
    assert codes(resolved(capability(exposes=exposes))) == []
