"""resolve/wire.py, resolve/duplicates.py and the checks in calls/consumes/mcp: what would build
into a broken package is refused (or read so it works), located at the node to fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from _specs import call_of, capability, codes, only_operation, rejected, resolved

from naftiko_codegen.diagnostics import Diagnostic
from naftiko_codegen.model.rest import unshadowed
from naftiko_codegen.model.samples import SampleScope, expected_upstream
from naftiko_codegen.pipeline import generate
from naftiko_codegen.resolve.duplicates import route_key


def _api(path: str, params: str = "", op: str = "list-items") -> str:
    """The demo API with one resource and one GET operation with `params` (YAML list items)."""
    text = (
        "- type: http\n  namespace: demo\n  baseUri: https://api.example.com\n  resources:\n"
        f"  - name: items\n    path: '{path}'\n    operations:\n    - name: {op}\n"
        "      method: GET\n"
    )
    if params:
        text += "      inputParameters:\n" + textwrap.indent(textwrap.dedent(params), "      ")
    return text


def _rest(resources: str) -> str:
    return "- type: rest\n  namespace: demo-rest\n  port: 8080\n  resources:\n" + textwrap.indent(
        textwrap.dedent(resources), "  "
    )


def _mcp(body: str) -> str:
    return "- type: mcp\n  namespace: demo-mcp\n  port: 9090\n" + textwrap.indent(
        textwrap.dedent(body), "  "
    )


def _line(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the `nth` line of `text` containing `needle`."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[nth - 1]


def _only(errors: list[Diagnostic], code: str) -> Diagnostic:
    assert [d.code for d in errors] == [code], [(d.code, d.message) for d in errors]
    (error,) = errors
    assert error.location.line > 0 and error.location.column > 0
    return error


# --------------------------------------------------------------------------- NAF313


@pytest.mark.parametrize("kind", ["array", "object"])
def test_a_rest_path_parameter_of_a_list_or_object_type_is_refused(kind: str) -> None:
    resources = f"""\
    - path: /items/{{id}}
      inputParameters:
      - name: id
        in: path
        type: {kind}
        description: The item.
      operations:
      - method: GET
        call: demo.list-items
    """
    text = capability(consumes=_api("/items/{id}"), exposes=_rest(resources))
    error = _only(rejected(text), "NAF313")
    assert f"`type: {kind}`" in error.message
    assert error.location.line == _line(text, f"type: {kind}")


def test_a_scalar_rest_path_parameter_and_a_list_in_the_query_are_fine() -> None:
    resources = """\
    - path: /items/{id}
      inputParameters:
      - name: id
        in: path
        type: integer
        description: The item.
      - name: tags
        in: query
        type: array
        description: Tags.
      operations:
      - method: GET
        call: demo.list-items
    """
    found = resolved(capability(consumes=_api("/items/{id}"), exposes=_rest(resources)))
    assert "NAF313" not in codes(found)


# --------------------------------------------------------------------------- NAF314


def test_a_required_parameter_nothing_sets_becomes_a_required_input() -> None:
    params = """\
    - name: id
      in: path
    - name: ids
      in: query
      required: true
    """
    resources = """\
    - path: /items/{id}
      operations:
      - method: GET
        call: demo.list-items
        with:
          id: demo-rest.id
    """
    found = resolved(capability(consumes=_api("/items/{id}", params), exposes=_rest(resources)))
    assert codes(found).count("NAF314") == 1
    warning = next(d for d in found.diagnostics if d.code == "NAF314")
    assert "'ids' of demo.list-items" in warning.message
    operation = only_operation(found)
    assert ("ids", "query", True) in [(i.name, i.location, i.required) for i in operation.inputs]
    assert "ids" in [a.parameter.name for a in call_of(operation).arguments]


def test_a_required_parameter_with_a_value_or_set_by_with_is_not_asked() -> None:
    params = """\
    - name: fixed
      in: query
      required: true
      value: yes
    - name: bound
      in: header
      required: true
    - name: optional
      in: query
    """
    resources = """\
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
        with:
          bound: fixed-text
    """
    found = resolved(capability(consumes=_api("/items", params), exposes=_rest(resources)))
    assert "NAF314" not in codes(found)
    assert [i.name for i in only_operation(found).inputs] == []


# --------------------------------------------------------------------------- NAF315


def test_an_mcp_resource_whose_call_needs_a_value_its_uri_lacks_is_left_out() -> None:
    mcp = """\
    tools:
    - name: get-item
      description: Get.
      call: demo.list-items
    resources:
    - name: item
      label: Item
      uri: data://items/{other}
      description: An item.
      call: demo.list-items
    """
    found = resolved(capability(consumes=_api("/items/{id}"), exposes=_mcp(mcp)))
    (warning,) = [d for d in found.diagnostics if d.code == "NAF315"]
    assert not warning.is_error
    assert "needs 'id'" in warning.message and "{id}" in warning.message
    assert warning.message.endswith("; this resource is left out")
    (adapter,) = found.mcp_adapters
    assert adapter.resources == () and [t.name for t in adapter.tools] == ["get-item"]


def test_an_mcp_resource_whose_uri_carries_the_path_parameter_is_fine() -> None:
    mcp = """\
    tools:
    - name: get-item
      description: Get.
      call: demo.list-items
    resources:
    - name: item
      label: Item
      uri: data://items/{id}
      description: An item.
      call: demo.list-items
    """
    found = resolved(capability(consumes=_api("/items/{id}"), exposes=_mcp(mcp)))
    assert [r.parameters for r in found.mcp_adapters[0].resources] == [("id",)]


# --------------------------------------------------------------------------- NAF316, NAF317


@pytest.mark.parametrize(
    ("name", "why"),
    [("X Trace", "' '"), ("X:Y", "':'"), ("Ünï", "'Ü'"), ("a(b)", "'('")],
)
def test_a_header_name_that_is_not_a_token_is_refused(name: str, why: str) -> None:
    params = f"""\
    - name: '{name}'
      in: header
      value: fixed
    """
    text = capability(consumes=_api("/items", params))
    error = _only(rejected(text), "NAF316")
    assert why in error.message
    assert (error.location.line, error.location.column) == (_line(text, "in: header") - 1, 17)


def test_a_cookie_name_that_is_not_a_token_is_refused() -> None:
    params = """\
    - name: 'a=b'
      in: cookie
      value: fixed
    """
    assert (
        "cookie name"
        in _only(rejected(capability(consumes=_api("/items", params))), "NAF316").message
    )


@pytest.mark.parametrize("value", ["a\\r\\nInjected: 1", "nul\\0", "bell\\a", "del\\x7f"])
def test_a_control_character_in_a_written_header_value_is_refused(value: str) -> None:
    params = f"""\
    - name: X-Trace
      in: header
      value: "{value}"
    """
    text = capability(consumes=_api("/items", params))
    error = _only(rejected(text), "NAF317")
    assert "control character U+00" in error.message
    assert error.location.line == _line(text, "value:")


def test_a_control_character_set_by_with_is_refused_at_the_with_entry() -> None:
    params = """\
    - name: session
      in: cookie
    """
    resources = """\
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
        with:
          session: "a\\nb"
    """
    text = capability(consumes=_api("/items", params), exposes=_rest(resources))
    assert _only(rejected(text), "NAF317").location.line == _line(text, "session:")


def test_tabs_templates_and_exposed_names_that_are_tokens_are_fine() -> None:
    params = """\
    - name: X-Trace
      in: header
      value: "a\\tb {{TOKEN}}"
    - name: sid
      in: cookie
    """
    resources = """\
    - path: /items
      inputParameters:
      - name: X-Request-Id
        in: header
        type: string
        description: Request id.
      operations:
      - method: GET
        call: demo.list-items
    """
    top = "binds:\n- namespace: env\n  keys:\n    TOKEN: TOKEN\n"
    found = resolved(capability(consumes=_api("/items", params), exposes=_rest(resources), top=top))
    assert not {"NAF316", "NAF317"} & set(codes(found))


def test_an_exposed_header_input_that_is_not_a_token_is_refused() -> None:
    resources = """\
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
        inputParameters:
        - name: 'X Trace'
          in: header
          type: string
          description: Trace.
    """
    _only(rejected(capability(exposes=_rest(resources))), "NAF316")


# --------------------------------------------------------------------------- NAF318, NAF319


def test_route_keys_compare_placeholders_by_position() -> None:
    assert route_key("/a/{x}/b/{{y}}") == route_key("/a/{z}/b/{w}") == "/a/{}/b/{}"
    assert route_key("/a/{x}") != route_key("/a/{x}/")


def test_the_second_rest_operation_on_one_route_is_left_out_naming_both() -> None:
    resources = """\
    - path: /items/{id}
      operations:
      - method: GET
        call: demo.list-items
    - path: /items/{key}
      operations:
      - method: GET
        call: demo.list-items
      - method: DELETE
        call: demo.list-items
    """
    text = capability(consumes=_api("/items/{id}"), exposes=_rest(resources))
    found = resolved(text)
    (warning,) = [d for d in found.diagnostics if d.code == "NAF319"]
    assert not warning.is_error
    first, second = _line(text, "- method: GET", 1), _line(text, "- method: GET", 2)
    assert warning.location.line == second
    assert f"GET /items/{{key}} is declared twice (first at cap.yaml:{first}:" in warning.message
    assert warning.message.endswith(", as /items/{id}); this operation is left out")
    (rest,) = found.rest_adapters
    assert [(op.method, op.path) for op in rest.operations] == [
        ("GET", "/items/{id}"),
        ("DELETE", "/items/{key}"),
    ]


def test_duplicate_mcp_tools_resources_and_prompts_are_left_out_naming_both() -> None:
    mcp = """\
    tools:
    - name: get-item
      description: Get.
      call: demo.list-items
    - name: get-item
      description: Get again.
      call: demo.list-items
    resources:
    - name: one
      label: One
      uri: data://items/{id}
      description: One.
      call: demo.list-items
    - name: two
      label: Two
      uri: data://items/{key}
      description: Two.
      call: demo.list-items
      with:
        id: demo-mcp.key
    prompts:
    - name: greet
      label: Greet
      description: Greet.
      template:
      - {role: user, content: Hi}
    - name: greet
      label: Greet
      description: Greet again.
      template:
      - {role: user, content: Hello}
    """
    text = capability(consumes=_api("/items/{id}"), exposes=_mcp(mcp))
    found = resolved(text)
    warnings = [d for d in found.diagnostics if d.code == "NAF318"]
    assert len(warnings) == 3 and not any(d.is_error for d in warnings)
    assert warnings[0].location.line == _line(text, "name: get-item", 2)
    messages = [d.message for d in warnings]
    first = _line(text, "name: get-item", 1)
    assert f"MCP tool name 'get-item' is used twice (first at cap.yaml:{first}:" in messages[0]
    assert "MCP resource URI 'data://items/{key}'" in messages[1]
    assert "MCP prompt name 'greet'" in messages[2]
    assert all(m.endswith("; this one is left out") for m in messages)
    (mcp,) = found.mcp_adapters
    assert [t.description for t in mcp.tools] == ["Get."]
    assert [r.name for r in mcp.resources] == ["one"]
    assert [p.description for p in mcp.prompts] == ["Greet."]


# --------------------------------------------------------------------------- NAF338, NAF339


def test_a_fragment_in_a_consumed_path_is_dropped_with_a_warning() -> None:
    text = capability(consumes=_api("/items#add_link"))
    warning = next(d for d in resolved(text).diagnostics if d.code == "NAF338")
    assert "('#add_link')" in warning.message
    assert warning.location.line == _line(text, "path: '/items#")


def test_a_control_character_in_a_consumed_path_is_refused() -> None:
    consumes = _api("/items").replace("path: '/items'", 'path: "/items\\r\\n"')
    error = _only(rejected(capability(consumes=consumes)), "NAF339")
    assert "U+000D" in error.message


# --------------------------------------------------------------------------- what the model makes of it


def test_a_route_an_earlier_template_would_shadow_is_registered_first() -> None:
    resources = """\
    - path: /policy/{id}
      operations:
      - method: GET
        call: demo.list-items
      - method: DELETE
        call: demo.list-items
    - path: /policy/by_name
      operations:
      - method: GET
        call: demo.list-items
      - method: POST
        call: demo.list-items
    """
    found = resolved(capability(exposes=_rest(resources)))
    ordered = unshadowed(found.rest_adapters[0].operations)
    assert [(op.method, op.path) for op in ordered] == [
        ("GET", "/policy/by_name"),
        ("GET", "/policy/{id}"),
        ("DELETE", "/policy/{id}"),
        ("POST", "/policy/by_name"),
    ]


def test_an_upstream_cookie_of_a_list_type_is_asked_of_rest_callers_as_text() -> None:
    params = """\
    - name: sid
      in: cookie
      type: array
    """
    found = resolved(capability(consumes=_api("/items", params)))
    assert [(i.name, i.location, i.type) for i in only_operation(found).inputs] == [
        ("sid", "cookie", "string")
    ]


def test_the_spec_value_of_a_parameter_wins_over_with_in_the_expected_request() -> None:
    params = """\
    - name: q
      in: query
      value: fixed
    """
    resources = """\
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
        with:
          q: demo-rest.q
    """
    found = resolved(capability(consumes=_api("/items", params), exposes=_rest(resources)))
    scope = SampleScope(secrets={}, auth_query={})
    _, query = expected_upstream(call_of(only_operation(found)), {"q": "sample"}, scope)
    assert query == (("q", "fixed"),)


def _rest_app(text: str, tmp_path: Path) -> str:
    spec = tmp_path / "demo.yaml"
    spec.write_text(text, encoding="utf-8")
    return generate(spec).files["src/demo/rest_app.py"]


def test_a_rest_route_reads_a_secret_with_sets_from_the_apps_client(tmp_path: Path) -> None:
    params = """\
    - name: limit
      in: query
    """
    resources = """\
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
        with:
          limit: "{{TOKEN}}"
    """
    top = "binds:\n- namespace: env\n  keys:\n    TOKEN: TOKEN\n"
    text = capability(consumes=_api("/items", params), exposes=_rest(resources), top=top)
    assert "limit=_client(request).secrets.token" in _rest_app(text, tmp_path)


def test_a_header_input_with_an_underscore_is_read_under_its_own_name(tmp_path: Path) -> None:
    params = """\
    - name: x_trace
      in: header
      required: true
    """
    app = _rest_app(capability(consumes=_api("/items", params)), tmp_path)
    assert 'Header(alias="x_trace", ' in app
