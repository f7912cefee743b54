"""Orchestrated units (`steps` + `mappings`, digest §3.11): resolution, findings, and the
generated `orchestration.py` run against a recording stub upstream."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from _generated import import_generated

from naftiko_codegen.canonical import CallStep, LookupStep, Orchestration
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import generate
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve import CanonicalCapability, resolve_spec
from naftiko_codegen.validate import validate_spec

CONSUMES = """\
naftiko: 1.0.0-alpha2
info:
  label: Orders
  description: Orders and customers.
capability:
  consumes:
  - type: http
    namespace: shop
    baseUri: https://shop.example.com
    resources:
    - name: orders
      path: /orders/{{orderId}}
      operations:
      - name: get-order
        method: GET
        inputParameters:
        - {name: orderId, in: path}
    - name: customers
      path: /customers
      operations:
      - name: list-customers
        method: GET
        outputParameters:
        - {name: key, type: string, value: $.id}
    - name: invoices
      path: /customers/{{customerId}}/invoices
      operations:
      - name: list-invoices
        method: GET
        inputParameters:
        - {name: customerId, in: path}
  exposes:
  - type: mcp
    namespace: shop-tools
    port: 9090
    description: Shop tools.
    tools:
    - name: order-summary
      description: An order with its customer and invoices.
      inputParameters:
      - {name: order, type: string, description: The order id, required: true}
"""
STEPS = """\
      steps:
      - name: order
        type: call
        call: shop.get-order
        with:
          orderId: shop-tools.order
      - name: customers
        type: call
        call: shop.list-customers
      - name: customer
        type: lookup
        index: customers
        match: key
        lookupValue: $.order.customerId
        outputParameters: [name, tier]
      - name: invoices
        type: call
        call: shop.list-invoices
        with:
          customerId: order.customerId
      mappings:
      - {targetName: id, value: $.order.id}
      - {targetName: customer.name, value: $.customer.name}
      - {targetName: customer.tier, value: $.customer.tier}
      - {targetName: invoices, value: $.invoices}
"""


def _resolve(text: str) -> CanonicalCapability:
    spec = load_spec(text, "cap.yaml")
    assert not [d for d in validate_spec(spec) if d.is_error]
    return resolve_spec(spec)


def _tool(capability: CanonicalCapability) -> Any:
    (tool,) = capability.mcp_adapters[0].tools
    return tool


def test_steps_bind_inputs_and_earlier_outputs() -> None:
    tool = _tool(_resolve(CONSUMES + STEPS))
    assert isinstance(tool.action, Orchestration)
    order, customers, customer, invoices = tool.action.steps
    assert isinstance(order, CallStep) and isinstance(invoices, CallStep)
    assert order.call.arguments[0].value == (Part("input", "order"),)
    # A bare `step.field` in `with` reads the earlier step's output.
    assert invoices.call.arguments[0].value == (Part("step", "order.customerId"),)
    assert customers.call.operation.projections == (("key", "$.id"),)
    assert isinstance(customer, LookupStep)
    assert (customer.index, customer.match, customer.source, customer.fields) == (
        "customers",
        "key",
        ("order", "customerId"),
        ("name", "tier"),
    )
    assert [(m.target, m.source) for m in tool.action.mappings] == [
        (("id",), ("order", "id")),
        (("customer", "name"), ("customer", "name")),
        (("customer", "tier"), ("customer", "tier")),
        (("invoices",), ("invoices",)),
    ]
    assert [i.name for i in tool.inputs] == ["order"]


def test_lookup_of_an_unknown_step_is_an_error() -> None:
    text = CONSUMES + STEPS.replace("index: customers", "index: nobody")
    with pytest.raises(DiagnosticError) as caught:
        _resolve(text)
    (error,) = [d for d in caught.value.diagnostics if d.code == "NAF383"]
    assert "nobody" in error.message and "order, customers" in error.hint


def test_repeated_step_name_is_an_error() -> None:
    text = CONSUMES + STEPS.replace("name: customers\n", "name: order\n", 1)
    with pytest.raises(DiagnosticError) as caught:
        _resolve(text)
    assert "NAF380" in [d.code for d in caught.value.diagnostics if d.is_error]


def test_mapping_that_names_no_step_warns_and_is_dropped() -> None:
    tool_text = STEPS.replace("value: $.invoices", "value: $.nothing")
    capability = _resolve(CONSUMES + tool_text)
    findings = [d for d in capability.diagnostics if d.code == "NAF381"]
    assert len(findings) == 1 and "'invoices'" in findings[0].message
    assert len(_tool(capability).action.mappings) == 3


def test_a_javascript_step_is_refused_where_its_language_is_written() -> None:
    script = """\
      steps:
      - name: compute
        type: script
        file: compute.js
        language: javascript
        location: file:///./scripts
"""
    with pytest.raises(DiagnosticError) as caught:  # The package has no JavaScript engine.
        _resolve(CONSUMES + script)
    codes = {d.code: d for d in caught.value.diagnostics}
    assert "written in 'javascript'" in codes["NAF305"].message
    assert codes["NAF305"].is_error and "Python" in codes["NAF305"].hint


# ----------------------------------------------------------------------------- generated code


@pytest.fixture
def orchestration(tmp_path: Path) -> Any:
    spec = tmp_path / "orders.yaml"
    spec.write_text(CONSUMES + STEPS, encoding="utf-8")
    return import_generated(generate(spec).files, "orders.orchestration", tmp_path)


def test_lookup_matches_as_text_and_keeps_the_first(orchestration: Any) -> None:
    index = [
        {"id": 7, "name": "first"},
        {"id": "7", "name": "second"},
        {"id": 8, "name": "eight", "extra": 1},
    ]
    assert orchestration.lookup(index, "id", "7", ("name",)) == {"name": "first"}
    assert orchestration.lookup(index, "id", [8, 9, 7], ("name", "missing")) == [
        {"name": "eight", "missing": None},
        {"name": "first", "missing": None},
    ]
    assert orchestration.lookup(index, "id", 9, ("name",)) is None
    assert orchestration.lookup({"id": 1, "v": 2}, "id", 1, ("v",)) == {"v": 2}
    assert orchestration.lookup(None, "id", 1, ("v",)) is None


def test_answer_nests_dotted_targets(orchestration: Any) -> None:
    outputs = {"a": {"x": 1, "y": {"z": [2]}}, "b": None}
    last = orchestration.UpstreamResponse(201, b"<xml/>", "application/xml")
    reply = orchestration.answer(
        outputs,
        (
            (("route", "from"), ("a", "x")),
            (("route", "to"), ("a", "y", "z")),
            (("missing",), ("b", "q")),
            (("whole",), ("a",)),
        ),
        last,
    )
    assert (reply.status, reply.content_type) == (200, "application/json")
    # Unresolved targets are left out (as the engine does).
    assert json.loads(reply.body) == {
        "route": {"from": 1, "to": [2]},
        "whole": {"x": 1, "y": {"z": [2]}},
    }
    # Nothing resolves: the last call step's reply is the answer.
    assert orchestration.answer(outputs, ((("x",), ("b", "q")),), last) is last


def test_run_against_a_stub(tmp_path: Path) -> None:
    spec = tmp_path / "orders.yaml"
    spec.write_text(CONSUMES + STEPS, encoding="utf-8")
    package = generate(spec)
    mcp = import_generated(package.files, "orders.mcp_server", tmp_path)
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        result = asyncio.run(_run(mcp))
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in [n for n in sys.modules if n == "orders" or n.startswith("orders.")]:
            del sys.modules[name]
    paths, answer, failed_paths, failure = result
    assert paths == ["/orders/o%2F1", "/customers", "/customers/c-2/invoices"]
    assert answer == {
        "id": "o/1",
        "customer": {"name": "Ada", "tier": "gold"},
        "invoices": [{"n": 1}],
    }
    # The first step fails: its status is the answer and no other step runs.
    assert failed_paths == ["/orders/o%2F1"]
    assert failure == (404, {"error": "gone"})


async def _run(mcp: Any) -> tuple[list[str], Any, list[str], tuple[int, Any]]:
    from aiohttp import web
    from orders.settings import load_settings  # type: ignore[import-not-found]
    from orders.upstream import UpstreamClient  # type: ignore[import-not-found]

    seen: list[str] = []
    failing = False

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.rel_url.raw_path)
        if failing:
            return web.json_response({"error": "gone"}, status=404)
        if request.path.startswith("/orders/"):
            return web.json_response({"id": "o/1", "customerId": "c-2"})
        if request.path == "/customers":
            return web.json_response(
                [{"id": "c-1", "name": "Bob"}, {"id": "c-2", "name": "Ada", "tier": "gold"}]
            )
        return web.json_response([{"n": 1}])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = UpstreamClient(load_settings({"SHOP_BASE_URL": f"http://127.0.0.1:{port}"}))
    try:
        handler = mcp.TOOLS["order-summary"].handler
        reply = await handler(client, {"order": "o/1"})
        paths, answer = list(seen), json.loads(reply.body)
        seen.clear()
        failing = True
        failed = await handler(client, {"order": "o/1"})
        return paths, answer, list(seen), (failed.status, json.loads(failed.body))
    finally:
        await client.close()
        await runner.cleanup()


# ----------------------------------------------------------------------------- hostile text

_HOSTILE = [
    '"""',
    "'",
    "\\",
    "\n",
    "{{ model }}",
    "{% if true %}x{% endif %}",
    "__import__('os').system('x')",
    "\"); import os; os.system('x'); (\"",
    "f'{x}'",
    "Ωμέγα 😀",
    "\x00",
]


@pytest.mark.parametrize("payload", _HOSTILE)
def test_hostile_step_fields_stay_data(payload: str, tmp_path: Path) -> None:
    """Copied fields, mapped paths and descriptions reach the code as string constants only (the
    schema keeps step names, `match` and `targetName` to identifier-like text)."""
    import ast

    import yaml

    data = yaml.safe_load(CONSUMES + STEPS)
    tool = data["capability"]["exposes"][0]["tools"][0]
    tool["description"] = f"x {payload}"
    lookup = tool["steps"][2]
    lookup["outputParameters"] = [f"n{payload}", "tier"]
    tool["mappings"][1] = {"targetName": "c.n", "value": f"$.customer.n{payload}"}
    spec = tmp_path / "orders.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    seen = yaml.safe_load(spec.read_text(encoding="utf-8"))["capability"]["exposes"][0]["tools"][0]
    text = generate(spec).files["src/orders/orchestration.py"]
    tree = ast.parse(text)
    constants = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert seen["steps"][2]["outputParameters"][0] in constants
    assert seen["mappings"][1]["value"].split(".", 2)[2] in constants
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not {"__import__", "eval", "exec", "compile"} & called
