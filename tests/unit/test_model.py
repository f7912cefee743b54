"""Tests for stage 4, model: names, settings, inputs and samples derived for the templates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from _generated import import_generated

from naftiko_codegen.load import load_spec
from naftiko_codegen.model import CapabilityModel, build_model
from naftiko_codegen.names import PythonCode, PythonIdentifier
from naftiko_codegen.pipeline import generate
from naftiko_codegen.resolve import resolve_spec

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  description: Demo capability.
capability:
  consumes:
  - type: http
    namespace: demo-api
    baseUri: '{base_uri}'
    resources:
    - name: items
      path: /items/{{id}}
      operations:
      - name: get-item
        method: GET
  exposes:
  - type: rest
    namespace: demo-rest
    port: 8080
    resources:
    - path: /items/{{item-id}}
      operations:
      - method: GET
        call: demo-api.get-item
        with:
          id: rest.item-id
"""


def _model(text: str, slug: str = "demo") -> CapabilityModel:
    spec = load_spec(text, "demo.yaml")
    return build_model(resolve_spec(spec), spec_file="demo.yaml", spec_text=text, slug=slug)


def test_seed_names(seed_model: CapabilityModel) -> None:
    assert seed_model.package == "rest_sessions"
    assert isinstance(seed_model.package, PythonIdentifier)
    assert seed_model.distribution == seed_model.script == "rest-sessions"
    assert seed_model.title == "Jupyter Notebook REST API — Sessions"
    assert [op.function for op in seed_model.operations] == [
        "listsessions",
        "createsession",
        "getsession",
        "updatesession",
        "deletesession",
    ]
    assert seed_model.operation_exports == tuple(
        sorted(op.function for op in seed_model.operations)
    )


def test_seed_api_settings_and_auth(seed_model: CapabilityModel) -> None:
    (api,) = seed_model.apis
    assert api.attribute == "rest_sessions"
    assert api.base_url == "http://localhost:8888/api"
    assert api.base_url_env == "REST_SESSIONS_BASE_URL"
    assert api.timeout_env == "REST_SESSIONS_TIMEOUT"
    assert api.strip_base_path
    assert api.auth_query == (("token", "text(secrets.jupyter_notebook_api_key)"),)
    assert api.auth_headers == ()
    (secret,) = seed_model.secrets
    assert (secret.variable, secret.env_var, secret.attribute) == (
        "JUPYTER_NOTEBOOK_API_KEY",
        "JUPYTER_NOTEBOOK_API_KEY",
        "jupyter_notebook_api_key",
    )
    assert secret.used_for == "authentication of rest-sessions"
    assert seed_model.auth_uses_secrets


def test_seed_routes(seed_model: CapabilityModel) -> None:
    assert seed_model.rest is not None
    routes = {route.function: route for route in seed_model.rest.routes}
    get = routes["getsession"]
    assert get.spec_path == "/v1/api/sessions/{session-id}"
    assert get.route_path == "/v1/api/sessions/{session_id}"
    (item,) = get.inputs
    assert (item.name, item.argument, item.fastapi_kind, item.required) == (
        "session-id",
        "session_id",
        "Path",
        True,
    )
    assert item.alias_needed
    assert get.call.arguments == (("session_id", "session_id"),)
    get_test = seed_model.test_plan.routes[get.function]
    assert get_test.expected_upstream_path == "/api/sessions/sample"
    assert get_test.expected_upstream_query == (("token", "test-jupyter-notebook-api-key"),)
    create = routes["createsession"]
    (body,) = create.inputs
    assert (body.fastapi_kind, str(body.annotation)) == ("Body", "dict[str, Any]")
    assert not create.body_embed
    assert seed_model.test_plan.routes[create.function].sample_body == {"sample": "value"}
    assert seed_model.rest.renamed_paths == (
        ("/v1/api/sessions/{session_id}", "/v1/api/sessions/{session-id}"),
    )


def test_seed_tools(seed_model: CapabilityModel) -> None:
    assert seed_model.mcp is not None
    tools = {tool.name: tool for tool in seed_model.mcp.tools}
    get = tools["jupyter-notebook-get-session"]
    assert get.function == "jupyter_notebook_get_session"
    assert ast.literal_eval(get.input_schema) == {
        "type": "object",
        "properties": {
            "session_id": {"type": "string", "description": "Unique identifier for the session."}
        },
        "required": ["session_id"],
    }
    assert get.call.arguments == (("session_id", "arguments['session_id']"),)
    assert ast.literal_eval(tools["jupyter-notebook-list-running-sessions"].input_schema) == {
        "type": "object",
        "properties": {},
    }
    assert tools["jupyter-notebook-delete-session"].annotations == (
        ("read_only_hint", False),
        ("destructive_hint", True),
        ("idempotent_hint", True),
    )
    assert seed_model.mcp.tool_names == tuple(sorted(tools))


def test_code_fields_are_marked(seed_model: CapabilityModel) -> None:
    for op in seed_model.operations:
        assert isinstance(op.path_expression, PythonCode)
        ast.parse(op.path_expression, mode="eval")
        for _, code in (*op.query, *op.headers, *op.cookies):
            assert isinstance(code, PythonCode)


def test_model_is_deterministic(seed_model: CapabilityModel) -> None:
    text = Path(__file__).resolve().parents[2].joinpath("examples/rest-sessions.yaml").read_text()
    again = build_model(
        resolve_spec(load_spec(text, "examples/rest-sessions.yaml")),
        spec_file="rest-sessions.yaml",
        spec_text=text,
        slug="rest-sessions",
    )
    assert again == seed_model


def test_placeholder_renamed_between_route_and_upstream() -> None:
    model = _model(SPEC.format(base_uri="https://api.example.com"))
    assert model.rest is not None
    (route,) = model.rest.routes
    assert route.route_path == "/items/{item_id}"
    (op,) = model.operations
    # `id` is a builtin, so the argument is `id_`.
    assert op.path_expression == "'/items/' + path_segment(id_)"
    assert route.call.arguments == (("id_", "item_id"),)


def test_empty_base_uri_requires_the_environment(tmp_path: Path) -> None:
    text = SPEC.format(base_uri="")
    model = _model(text)
    (api,) = model.apis
    assert api.base_url is None
    assert api.base_url_env == "DEMO_API_BASE_URL"
    spec = tmp_path / "demo.yaml"
    spec.write_text(text, encoding="utf-8")
    package = generate(spec)
    assert [d.code for d in package.diagnostics if d.code.startswith("NAF3")] == ["NAF324"]
    settings = package.files["src/demo/settings.py"]
    assert "env.base_url('DEMO_API_BASE_URL', None)" in settings.replace('"', "'")
    settings_module = import_generated(package.files, "demo.settings", tmp_path / "pkg")
    with pytest.raises(settings_module.SettingsError, match="DEMO_API_BASE_URL is not set"):
        settings_module.load_settings({})
    loaded = settings_module.load_settings({"DEMO_API_BASE_URL": "https://x.example/"})
    assert loaded.demo_api.base_url == "https://x.example"


@pytest.mark.parametrize("count", [1, 5, 12, 30])
@pytest.mark.parametrize("indent", [0, 4])
def test_import_statements_are_laid_out_as_black_writes_them(count: int, indent: int) -> None:
    import black

    from naftiko_codegen.format import BLACK_MODE
    from naftiko_codegen.model import ImportLine
    from naftiko_codegen.names import PythonCode, PythonIdentifier

    line = ImportLine(
        PythonCode(".http_client"),
        tuple(PythonIdentifier(f"helper_number_{n}") for n in range(count)),
    )
    statement = str(line.statement(indent))
    # With an indent, the statement sits inside `if TYPE_CHECKING:`.
    source = ("if TYPE_CHECKING:\n    " if indent else "") + statement + "\n"
    assert black.format_str(source, mode=BLACK_MODE) == source
