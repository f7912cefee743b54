"""Tests for OpenAPI import and `new` scaffolding: the capabilities they write validate and build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.openapi_import import ImportOptions, import_openapi
from naftiko_codegen.pipeline import check_spec, generate
from naftiko_codegen.scaffold import ScaffoldAnswers, parse_operation, scaffold_capability

jupyter_server = pytest.importorskip("jupyter_server")
JUPYTER_API = Path(jupyter_server.__file__).parent / "services" / "api" / "api.yaml"

OPENAPI_31: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Pet Store", "version": "1"},
    "servers": [{"url": "https://{host}/v2", "variables": {"host": {"default": "pets.test"}}}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "parameters": {"id": {"name": "petId", "in": "path", "required": True}},
    },
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets",
                "tags": ["pets"],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "bad.name", "in": "query"},
                ],
            },
            "post": {
                "operationId": "createPet",
                "requestBody": {"content": {"application/json": {}}, "required": True},
            },
            "head": {},
        },
        "/pets/{petId}": {
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "delete": {"operationId": "deletePet"},
        },
    },
}


def _build(tmp_path: Path, text: str, name: str = "imported") -> set[str]:
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(text)
    assert not [d for d in check_spec(spec) if d.is_error]
    package = generate(spec)
    return set(package.files)


def test_openapi_31_document_imports_and_builds(tmp_path: Path) -> None:
    result = import_openapi(json.dumps(OPENAPI_31), "pets.json")
    cap = result.capability
    consumes = cap["capability"]["consumes"][0]
    assert consumes["baseUri"] == "https://pets.test/v2"
    assert consumes["authentication"]["placement"] == "header"
    assert consumes["authentication"]["key"] == "X-Key"
    assert [r["path"] for r in consumes["resources"]] == ["/pets", "/pets/{{petId}}"]
    tools = {t["name"]: t for t in cap["capability"]["exposes"][1]["tools"]}
    assert set(tools) == {"listpets", "createpet", "deletepet"}
    assert tools["deletepet"]["hints"]["destructive"] is True
    assert {d.code for d in result.diagnostics} == {"NAF161"}  # HEAD and bad.name skipped
    files = _build(tmp_path, result.text)
    assert "src/imported/mcp_server.py" in files


def test_jupyter_server_swagger_document_imports_and_builds(tmp_path: Path) -> None:
    options = ImportOptions(base_url="http://127.0.0.1:8888", api_key_query="token")
    result = import_openapi(JUPYTER_API.read_text(), str(JUPYTER_API), options)
    paths = [r["path"] for r in result.capability["capability"]["consumes"][0]["resources"]]
    assert "/api/status" in paths and "/api/sessions/{{session}}" in paths
    assert result.diagnostics == ()
    assert "src/jupyter/rest_app.py" in _build(tmp_path, result.text, "jupyter")


def test_missing_server_url_is_a_warning() -> None:
    document = {"swagger": "2.0", "info": {"title": "T"}, "paths": {"/x": {"get": {}}}}
    result = import_openapi(yaml.safe_dump(document), "t.yaml")
    assert result.capability["capability"]["consumes"][0]["baseUri"] == "http://localhost"
    assert [d.code for d in result.diagnostics] == ["NAF161"]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ({"info": {}}, "NAF160"),
        ({"openapi": "3.0.0", "info": {"title": "x"}, "paths": {}}, "NAF162"),
    ],
)
def test_unusable_documents_are_errors(document: dict[str, Any], code: str) -> None:
    with pytest.raises(DiagnosticError) as caught:
        import_openapi(yaml.safe_dump(document), "x.yaml")
    assert [d.code for d in caught.value.diagnostics] == [code]


def test_scaffolded_capability_builds(tmp_path: Path) -> None:
    answers = ScaffoldAnswers(
        name="weather",
        title="Weather",
        description="Forecasts.",
        base_url="https://weather.test/",
        operations=(parse_operation("get /forecast/{city}"), parse_operation("POST /alerts")),
        api_key_query="key",
    )
    files = _build(tmp_path, scaffold_capability(answers), "weather")
    assert "src/weather/operations.py" in files


def test_parse_operation_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="METHOD /path"):
        parse_operation("FETCH /x")
