"""Tests for stage 3, resolve: the seed's canonical form, and located findings for broken links."""

from __future__ import annotations

import textwrap

import pytest

from naftiko_codegen.canonical import Call, RestOperation
from naftiko_codegen.diagnostics import Diagnostic, DiagnosticError, Severity
from naftiko_codegen.load import load_spec
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve import CanonicalCapability, resolve_spec
from naftiko_codegen.validate import validate_spec


def _call(op: RestOperation) -> Call:
    assert isinstance(op.action, Call)
    return op.action


def _spec(
    *,
    base_uri: str = "https://api.example.com",
    operations: str = "",
    auth: str = "",
    binds: str = "",
    call: str = "demo.list-items",
    with_block: str = "",
    tool: str = "",
) -> str:
    """A small capability; the slots are YAML fragments at their natural indentation."""
    text = f"""\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  description: Demo capability.
{binds}capability:
  consumes:
  - type: http
    namespace: demo
    baseUri: '{base_uri}'
{auth}    resources:
    - name: items
      path: /items
      operations:
      - name: list-items
        method: GET
{operations}  exposes:
  - type: rest
    namespace: demo-rest
    port: 8080
    resources:
    - path: /items
      operations:
      - method: GET
        call: {call}
{with_block}{tool}"""
    return text


def _resolve(text: str) -> CanonicalCapability:
    spec = load_spec(text, "cap.yaml")
    assert not [d for d in validate_spec(spec) if d.is_error]
    return resolve_spec(spec)


def _errors(text: str) -> list[Diagnostic]:
    spec = load_spec(text, "cap.yaml")
    assert not [d for d in validate_spec(spec) if d.is_error]
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(spec)
    return [d for d in caught.value.diagnostics if d.is_error]


def _refusal(text: str) -> list[Diagnostic]:
    """Every finding of a document that cannot be served, warnings included."""
    spec = load_spec(text, "cap.yaml")
    with pytest.raises(DiagnosticError) as caught:
        resolve_spec(spec)
    return [d for d in caught.value.diagnostics if d.severity is not Severity.INFO]


def _codes(capability: CanonicalCapability) -> list[str]:
    return [d.code for d in capability.diagnostics]


# ----------------------------------------------------------------------------- the seed


def test_seed_doubled_base_path_names_both_lines(seed_canonical: CanonicalCapability) -> None:
    warnings = [d for d in seed_canonical.diagnostics if d.code == "NAF325"]
    assert [(d.location.line, d.location.column) for d in warnings] == [(23, 13), (48, 13)]
    assert all(d.severity is Severity.WARNING for d in warnings)
    assert "(line 23)" in warnings[0].message
    assert "(line 48)" in warnings[1].message
    assert all("(line 19)" in d.message for d in warnings)
    assert "'http://localhost:8888/api/sessions'" in warnings[0].message
    api = seed_canonical.apis[0]
    assert api.strip_base_path
    assert api.base_uri == "http://localhost:8888/api"


def test_seed_has_no_other_resolve_findings(seed_canonical: CanonicalCapability) -> None:
    assert _codes(seed_canonical) == ["NAF325", "NAF325"]


def test_seed_path_placeholder_spellings_are_matched(seed_canonical: CanonicalCapability) -> None:
    routes = {(op.method, op.path): op for op in seed_canonical.rest_adapters[0].operations}
    get = routes[("GET", "/v1/api/sessions/{session-id}")]
    (argument,) = _call(get).arguments
    assert argument.parameter.name == "session_id"
    assert argument.value == (Part("input", "session-id"),)
    (path_input,) = get.inputs
    assert (path_input.name, path_input.location, path_input.required) == (
        "session-id",
        "path",
        True,
    )
    # The implied input takes the consumed parameter's description.
    assert path_input.description == "Unique identifier for the session."


def test_seed_body_parameter_is_the_whole_body(seed_canonical: CanonicalCapability) -> None:
    routes = {(op.method, op.name): op for op in seed_canonical.rest_adapters[0].operations}
    assert _call(routes[("POST", "createsession")]).body_mode == "whole"
    assert _call(routes[("PATCH", "updatesession")]).body_mode == "whole"
    assert _call(routes[("GET", "listsessions")]).body_mode == "none"
    (body,) = routes[("POST", "createsession")].inputs
    assert (body.name, body.location, body.type, body.required) == ("body", "body", "object", True)


def test_seed_apikey_in_query_from_bind(seed_canonical: CanonicalCapability) -> None:
    auth = seed_canonical.apis[0].auth
    assert auth is not None
    assert (auth.kind, auth.placement, auth.key) == ("apikey", "query", "token")
    assert auth.value == (Part("secret", "JUPYTER_NOTEBOOK_API_KEY"),)
    (bind,) = seed_canonical.binds
    assert (bind.variable, bind.namespace, bind.provider_key) == (
        "JUPYTER_NOTEBOOK_API_KEY",
        "env",
        "JUPYTER_NOTEBOOK_API_KEY",
    )


def test_seed_mcp_inputs_are_inferred(seed_canonical: CanonicalCapability) -> None:
    tools = {tool.name: tool for tool in seed_canonical.mcp_adapters[0].tools}
    assert tools["jupyter-notebook-list-running-sessions"].inputs == ()
    (session,) = tools["jupyter-notebook-get-session"].inputs
    assert (session.name, session.location, session.type, session.required) == (
        "session_id",
        "argument",
        "string",
        True,
    )
    (body,) = tools["jupyter-notebook-create-new-session"].inputs
    assert (body.name, body.type, body.required) == ("body", "object", True)
    assert [i.name for i in tools["jupyter-notebook-update-session"].inputs] == [
        "session_id",
        "body",
    ]


def test_seed_hints(seed_canonical: CanonicalCapability) -> None:
    tools = {tool.name: tool for tool in seed_canonical.mcp_adapters[0].tools}
    assert tools["jupyter-notebook-delete-session"].hints == {
        "readOnly": False,
        "destructive": True,
        "idempotent": True,
    }
    assert tools["jupyter-notebook-list-running-sessions"].hints["readOnly"] is True


def test_seed_adapters(seed_canonical: CanonicalCapability) -> None:
    (rest,) = seed_canonical.rest_adapters
    (mcp,) = seed_canonical.mcp_adapters
    assert (rest.namespace, rest.port) == ("rest-sessions-rest", 8080)
    assert (mcp.namespace, mcp.port, mcp.transport) == ("rest-sessions-mcp", 9090, "http")
    assert len(rest.operations) == len(mcp.tools) == 5
    assert seed_canonical.label == "Jupyter Notebook REST API — Sessions"
    assert seed_canonical.tags == ("Jupyter Notebook", "Sessions")


# ----------------------------------------------------------------------------- small specs


def test_small_spec_resolves_cleanly() -> None:
    capability = _resolve(_spec())
    assert _codes(capability) == []
    (op,) = capability.rest_adapters[0].operations
    assert _call(op).operation.name == "list-items"


def test_unknown_call_namespace() -> None:
    errors = _refusal(_spec(call="nope.list-items"))
    # The only unit is left out (a warning), so NAF302 (nothing to generate) refuses the file.
    assert [e.code for e in errors] == ["NAF302", "NAF330"]
    error = errors[1]
    assert error.severity is Severity.WARNING
    assert "left out" in error.message
    assert error.location.line == 24
    assert "'nope'" in error.message
    assert "demo" in error.hint


def test_unknown_operation_lists_the_operations() -> None:
    extra = "      - name: get-item\n        method: GET\n"
    errors = _refusal(_spec(call="demo.delete-item", operations=extra))
    assert [e.code for e in errors] == ["NAF302", "NAF332"]
    error = errors[1]
    assert error.location.line == 26
    assert "'delete-item'" in error.message
    assert "list-items" in error.hint
    assert "get-item" in error.hint


def test_normalised_call_match_is_accepted() -> None:
    capability = _resolve(_spec(call="demo.List_Items"))
    assert _call(capability.rest_adapters[0].operations[0]).operation.name == "list-items"


def test_ambiguous_normalised_match() -> None:
    extra = "      - name: list_items\n        method: GET\n"
    errors = _refusal(_spec(call="demo.LIST-ITEMS", operations=extra))
    assert [e.code for e in errors] == ["NAF302", "NAF331"]
    error = errors[1]
    assert "list-items, list_items" in error.message


def test_undeclared_placeholder_warns() -> None:
    auth = "    authentication:\n      type: bearer\n      token: '{{UNDECLARED}}'\n"
    capability = _resolve(_spec(auth=auth))
    (warning,) = capability.diagnostics
    assert (warning.code, warning.severity) == ("NAF312", Severity.WARNING)
    assert "{{UNDECLARED}}" in warning.message
    assert capability.apis[0].auth is not None
    assert capability.apis[0].auth.value == (Part("unbound", "UNDECLARED"),)


def test_undeclared_env_placeholder_reads_the_environment() -> None:
    auth = "    authentication:\n      type: bearer\n      token: '{{env.API_TOKEN}}'\n"
    capability = _resolve(_spec(auth=auth))
    (warning,) = capability.diagnostics
    assert (warning.code, warning.severity) == ("NAF311", Severity.WARNING)
    assert warning.location.line == 12
    assert "API_TOKEN" in warning.hint
    assert capability.apis[0].auth is not None
    assert capability.apis[0].auth.value == (Part("secret", "API_TOKEN"),)
    assert [b.variable for b in capability.binds] == ["API_TOKEN"]


def test_apikey_duplicated_as_query_parameter_is_not_an_input() -> None:
    binds = "binds:\n- namespace: env\n  keys:\n    DEMO_KEY: DEMO_KEY\n"
    auth = (
        "    authentication:\n      type: apikey\n      key: key\n"
        "      value: '{{env.DEMO_KEY}}'\n      placement: query\n"
    )
    operations = textwrap.indent(
        "inputParameters:\n- name: key\n  in: query\n  required: true\n" "- name: q\n  in: query\n",
        " " * 8,
    )
    text = _spec(binds=binds, auth=auth).replace(
        "        method: GET\n", "        method: GET\n" + operations, 1
    )
    capability = _resolve(text)
    (op,) = capability.rest_adapters[0].operations
    assert [i.name for i in op.inputs] == ["q"]
    assert "key" not in {a.parameter.name for a in _call(op).arguments}


def test_empty_base_uri_comes_from_the_environment() -> None:
    capability = _resolve(_spec(base_uri=""))
    (warning,) = capability.diagnostics
    assert (warning.code, warning.severity) == ("NAF324", Severity.WARNING)
    assert warning.location.line == 9
    assert capability.apis[0].base_uri is None


def test_templated_base_uri_comes_from_the_environment() -> None:
    capability = _resolve(_spec(base_uri="https://{{host}}/v1"))
    assert "NAF324" in _codes(capability)
    assert capability.apis[0].base_uri is None


def test_trailing_slash_base_uri_warns() -> None:
    capability = _resolve(_spec(base_uri="https://api.example.com/"))
    assert _codes(capability) == ["NAF323"]
    assert capability.apis[0].base_uri == "https://api.example.com"


def test_unknown_with_key_warns_and_becomes_query() -> None:
    capability = _resolve(_spec(with_block="        with:\n          extra: rest.extra\n"))
    (warning,) = capability.diagnostics
    assert warning.code == "NAF333"
    (op,) = capability.rest_adapters[0].operations
    (argument,) = _call(op).arguments
    assert (argument.parameter.name, argument.parameter.location) == ("extra", "query")


def test_mock_only_spec_is_an_error() -> None:
    text = _spec().replace("        call: demo.list-items\n", "")
    errors = _errors(text)
    assert [e.code for e in errors] == ["NAF302"]
