"""resolve/orchestration.py: steps see earlier call steps; the answer is their `mappings`."""

from __future__ import annotations

import textwrap

from _specs import capability, codes, only_operation, resolved

from naftiko_codegen.canonical import CallStep, LookupStep, Orchestration, Output
from naftiko_codegen.placeholders import Part

_API = """\
- type: http
  namespace: demo
  baseUri: https://api.example.com
  resources:
  - name: items
    path: /items/{id}
    operations:
    - name: get-item
      method: GET
    - name: list-owners
      method: GET
      inputParameters:
      - name: filter
        in: query
"""


def _rest(steps: str) -> str:
    unit = "- method: GET\n  steps:\n" + textwrap.indent(textwrap.dedent(steps), "  ")
    return (
        "- type: rest\n  namespace: demo-rest\n  port: 8080\n  resources:\n"
        "  - path: /things/{id}\n    operations:\n" + textwrap.indent(unit, "    ")
    )


def test_path_inputs_reach_the_first_step_and_steps_read_earlier_outputs() -> None:
    steps = """\
    - name: item
      type: call
      call: demo.get-item
    - name: owners
      type: call
      call: demo.list-owners
      with:
        filter: 'owner={{item.owner}}'
    - name: owner
      type: lookup
      index: owners
      match: id
      lookupValue: demo-rest.id
      outputParameters: [name]
    """
    text = capability(consumes=_API, exposes=_rest(steps))
    operation = only_operation(resolved(text))
    assert [(i.name, i.location) for i in operation.inputs] == [("id", "path")]
    assert isinstance(operation.action, Orchestration)
    item, owners, owner = operation.action.steps
    assert isinstance(item, CallStep) and isinstance(owners, CallStep)
    assert item.call.arguments[0].value == (Part("input", "id"),)
    assert owners.call.arguments[0].value == (Part("text", "owner="), Part("step", "item.owner"))
    assert isinstance(owner, LookupStep)
    # `ns.input`, as the spec's docs write it, reads the unit's input.
    assert (owner.source, owner.value) == (None, (Part("input", "id"),))
    assert operation.output == Output(True)


def test_an_orchestration_without_mappings_answers_the_last_reply() -> None:
    steps = "- name: item\n  type: call\n  call: demo.get-item\n"
    found = resolved(capability(consumes=_API, exposes=_rest(steps)))
    assert codes(found) == ["NAF382"]
    action = only_operation(found).action
    assert isinstance(action, Orchestration) and action.mappings == ()


def test_mapping_values_name_steps() -> None:
    steps = """\
    - name: item
      type: call
      call: demo.get-item
    """
    mappings = (
        "  mappings:\n  - {targetName: a.b, value: '{{$.item.name}}'}\n"
        "  - {targetName: c, value: $.}\n"
    )
    exposes = _rest(steps) + textwrap.indent(mappings, "    ")
    found = resolved(capability(consumes=_API, exposes=exposes))
    assert codes(found) == ["NAF381"]
    action = only_operation(found).action
    assert isinstance(action, Orchestration)
    (mapping,) = action.mappings
    assert (mapping.target, mapping.source) == (("a", "b"), ("item", "name"))
