"""Tests for stage 5, render: the filters, the render plan, and template errors as diagnostics."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from _generated import import_generated
from hypothesis import given
from hypothesis import strategies as st

from naftiko_codegen.diagnostics import DiagnosticError, Severity
from naftiko_codegen.model import CapabilityModel
from naftiko_codegen.names import PythonCode, PythonIdentifier
from naftiko_codegen.package_data import runtime_dir
from naftiko_codegen.render import (
    FILTERS,
    RENDER_PLAN,
    RUNTIME_PREFIX,
    create_environment,
    render_package,
)

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)))


# ----------------------------------------------------------------------------- filters


@given(
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), TEXT), st.lists, max_leaves=8)
)
def test_py_is_a_literal(value: object) -> None:
    assert ast.literal_eval(FILTERS["py"](value)) == value


def test_py_set_is_sorted_and_stable() -> None:
    assert FILTERS["py_set"](["b", "a", "b"]) == "{'a', 'b'}"
    assert FILTERS["py_set"]([]) == "set()"
    assert ast.literal_eval(FILTERS["py_set"](["x'", 'y"'])) == {"x'", 'y"'}


def test_doc_indents_continuation_lines_only() -> None:
    assert FILTERS["doc"]("one\ntwo\n\nthree", 4) == "one\n    two\n\n    three"
    assert FILTERS["doc"]('a """ b') == 'a \\"\\"\\" b'
    assert FILTERS["doc"](42) == "42"


def test_ident_accepts_only_identifiers() -> None:
    assert FILTERS["ident"](PythonIdentifier("name")) == "name"
    with pytest.raises(TypeError, match="PythonIdentifier"):
        FILTERS["ident"]("name")
    with pytest.raises(TypeError, match="PythonIdentifier"):
        FILTERS["ident"](PythonCode("name"))


def test_code_accepts_only_code() -> None:
    assert FILTERS["code"](PythonCode("a + 1")) == "a + 1"
    with pytest.raises(TypeError, match="PythonCode"):
        FILTERS["code"]("a + 1")
    with pytest.raises(TypeError, match="PythonCode"):
        FILTERS["code"](PythonIdentifier("a"))


# TOML forbids raw control characters in basic strings; DEL (U+007F) is tested separately below.
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x7f")))
def test_toml_round_trips(text: str) -> None:
    assert tomllib.loads("x = " + FILTERS["toml"](text))["x"] == text


def test_toml_escapes_delete() -> None:
    assert tomllib.loads("x = " + FILTERS["toml"]("a\x7fb"))["x"] == "a\x7fb"


def test_toml_comment_is_one_line() -> None:
    assert FILTERS["toml_comment"]("a\r\nb\nc") == "a b c"


def test_md_escapes_markup_and_folds_whitespace() -> None:
    assert FILTERS["md"]("  *bold*\n[link](x) `code` <b> #1 | a_b  ") == (
        "\\*bold\\* \\[link\\]\\(x\\) \\`code\\` \\<b\\> \\#1 \\| a\\_b"
    )


@given(TEXT)
def test_md_is_one_line_with_no_raw_markup(text: str) -> None:
    out = FILTERS["md"](text)
    assert "\n" not in out
    # Every markup character is preceded by a backslash.
    for index, ch in enumerate(out):
        if ch in "`*_[]<>|" and (index == 0 or out[index - 1] != "\\"):
            pytest.fail(f"unescaped {ch!r} in {out!r}")


@given(TEXT)
def test_md_code_cannot_close_the_span(text: str) -> None:
    out = FILTERS["md_code"](text)
    assert "`" not in out
    assert "\n" not in out
    assert "|" not in out.replace("\\|", "")


@given(TEXT)
def test_md_fence_is_one_line_with_no_backtick(text: str) -> None:
    out = FILTERS["md_fence"](text)
    assert "`" not in out
    assert "\n" not in out
    assert out == out.strip()


def test_md_fence_keeps_markup_as_written() -> None:
    assert FILTERS["md_fence"]("A_B | *c* `d`") == "A_B | *c* 'd'"


@given(TEXT)
def test_mermaid_cannot_close_the_label(text: str) -> None:
    out = FILTERS["mermaid"](text)
    assert not set('"<>[](){}|`\n') & set(out)


def test_mermaid_uses_entity_codes() -> None:
    assert FILTERS["mermaid"]('say "hi" <now>') == "say #34;hi#34; #60;now#62;"


def test_regex_escapes() -> None:
    assert FILTERS["regex"]("a.b*") == "a\\.b\\*"


# ----------------------------------------------------------------------------- render plan


def test_render_plan_for_the_seed(seed_model: CapabilityModel) -> None:
    files = render_package(seed_model)
    assert sorted(files) == [
        ".dockerignore",
        ".env.example",
        "Dockerfile",
        "README.md",
        "deploy/kubernetes/configmap.yaml",
        "deploy/kubernetes/deployment.yaml",
        "deploy/kubernetes/hpa.yaml",
        "deploy/kubernetes/kustomization.yaml",
        "deploy/kubernetes/pdb.yaml",
        "deploy/kubernetes/secret.example.yaml",
        "deploy/kubernetes/service.yaml",
        "pyproject.toml",
        "src/rest_sessions/__init__.py",
        "src/rest_sessions/__main__.py",
        "src/rest_sessions/api_docs.py",
        "src/rest_sessions/asgi.py",
        "src/rest_sessions/cli.py",
        "src/rest_sessions/connections.py",
        "src/rest_sessions/control.py",
        "src/rest_sessions/environment.py",
        "src/rest_sessions/exposure.py",
        "src/rest_sessions/front_door.py",
        "src/rest_sessions/http_client.py",
        "src/rest_sessions/logs.py",
        "src/rest_sessions/masking.py",
        "src/rest_sessions/mcp_http.py",
        "src/rest_sessions/mcp_jsonrpc.py",
        "src/rest_sessions/mcp_server.py",
        "src/rest_sessions/mcp_stdio.py",
        "src/rest_sessions/mcp_tools.py",
        "src/rest_sessions/metrics.py",
        "src/rest_sessions/operations.py",
        "src/rest_sessions/ops.py",
        "src/rest_sessions/py.typed",
        "src/rest_sessions/resilience.py",
        "src/rest_sessions/rest_app.py",
        "src/rest_sessions/rest_support.py",
        "src/rest_sessions/serving.py",
        "src/rest_sessions/settings.py",
        "src/rest_sessions/trace_buffer.py",
        "src/rest_sessions/tracing.py",
        "src/rest_sessions/upstream.py",
        "src/rest_sessions/upstream_hooks.py",
        "src/rest_sessions/upstream_request.py",
        "src/rest_sessions/workers.py",
        "tests/conftest.py",
        "tests/loopback.py",
        "tests/support.py",
        "tests/test_mcp.py",
        "tests/test_mcp_http.py",
        "tests/test_ops.py",
        "tests/test_rest.py",
        "tests/test_settings.py",
    ]
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)
    assert tomllib.loads(files["pyproject.toml"])["project"]["name"] == "rest-sessions"
    assert files["README.md"].startswith("# Jupyter Notebook REST API — Sessions\n")


def test_render_plan_templates_exist_and_outputs_are_unique() -> None:
    environment = create_environment()
    outputs = [planned.output for planned in RENDER_PLAN]
    assert len(outputs) == len(set(outputs))
    for planned in RENDER_PLAN:
        if planned.verbatim:
            module = planned.template.removeprefix(RUNTIME_PREFIX)
            assert (runtime_dir() / module).is_file()
            # Test helpers go to the package's `tests/`, runtime modules beside the rendered ones.
            expected = module if module.startswith("tests/") else f"src/{{package}}/{module}"
            assert planned.output == expected
            assert (
                planned.user_template == planned.output.replace("{package}", "package") + ".jinja"
            )
            continue
        assert planned.user_template == planned.template
        environment.get_template(planned.template)
        mirrored = planned.template.removesuffix(".jinja").replace("src/package/", "src/{package}/")
        # A hidden output's template drops the dot (`dockerignore.jinja` → `.dockerignore`).
        assert planned.output in (mirrored, "." + mirrored)


def test_optional_outputs_follow_the_model(seed_model: CapabilityModel) -> None:
    conditions = {p.output: p.when(seed_model) for p in RENDER_PLAN}
    assert conditions["src/{package}/mapping.py"] is False
    assert conditions["src/{package}/rest_app.py"] is True
    assert conditions["src/{package}/mcp_server.py"] is True
    assert conditions["src/{package}/mcp_http.py"] is True
    assert conditions["src/{package}/mcp_tools.py"] is True
    assert conditions["src/{package}/mcp_content.py"] is False  # No resources or prompts.


def test_environment_settings() -> None:
    environment = create_environment()
    assert environment.trim_blocks
    assert environment.lstrip_blocks
    assert environment.keep_trailing_newline
    assert not environment.autoescape
    assert set(FILTERS) <= set(environment.filters)


# ----------------------------------------------------------------------------- template errors


def _render_with_override(tmp_path: Path, model: CapabilityModel, text: str) -> DiagnosticError:
    (tmp_path / "README.md.jinja").write_text(text, encoding="utf-8")
    with pytest.raises(DiagnosticError) as caught:
        render_package(model, environment=create_environment([tmp_path]))
    return caught.value


def test_override_templates_win(tmp_path: Path, seed_model: CapabilityModel) -> None:
    (tmp_path / "README.md.jinja").write_text("# {{ model.title | md }}\n", encoding="utf-8")
    files = render_package(seed_model, environment=create_environment([tmp_path]))
    assert files["README.md"] == "# Jupyter Notebook REST API — Sessions\n"


def test_template_syntax_error_is_naf401(tmp_path: Path, seed_model: CapabilityModel) -> None:
    error = _render_with_override(tmp_path, seed_model, "# title\n\n{% if %}\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF401"
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.location.file.endswith("README.md.jinja")
    assert diagnostic.location.line == 3
    assert "--templates" in diagnostic.hint


def test_undefined_name_is_naf401(tmp_path: Path, seed_model: CapabilityModel) -> None:
    error = _render_with_override(tmp_path, seed_model, "# title\n\n{{ model.nope | md }}\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF401"
    assert diagnostic.location.file.endswith("README.md.jinja")
    assert diagnostic.location.line == 3
    assert "nope" in diagnostic.message


def test_filter_misuse_is_naf401(tmp_path: Path, seed_model: CapabilityModel) -> None:
    error = _render_with_override(tmp_path, seed_model, "a\nb\n{{ model.title | ident }}\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF401"
    assert diagnostic.location.file.endswith("README.md.jinja")
    assert diagnostic.location.line == 3
    assert "PythonIdentifier" in diagnostic.message


MAPPED_SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  description: Demo capability.
capability:
  consumes:
  - type: http
    namespace: demo
    baseUri: https://api.example.com
    resources:
    - name: items
      path: /items
      operations:
      - name: list-items
        method: GET
  exposes:
  - type: rest
    namespace: demo-rest
    port: 8080
    resources:
    - path: /items
      operations:
      - method: GET
        call: demo.list-items
        outputParameters:
        - type: object
          properties:
            first:
              type: string
              mapping: $.items[0].name
"""


def _mapping_module(root: Path) -> ModuleType:
    from naftiko_codegen.load import load_spec
    from naftiko_codegen.model import build_model
    from naftiko_codegen.resolve import resolve_spec

    canonical = resolve_spec(load_spec(MAPPED_SPEC, "demo.yaml"))
    model = build_model(canonical, spec_file="demo.yaml", spec_text=MAPPED_SPEC, slug="demo_mapped")
    return import_generated(render_package(model), "demo_mapped.mapping", root)


def test_mapping_module_is_rendered_for_output_shapes(tmp_path: Path) -> None:
    mapping = _mapping_module(tmp_path)
    assert mapping.json_path({"items": [{"name": "a"}]}, "$.items[0].name") == "a"


def test_mapping_unwraps_mustache_paths(tmp_path: Path) -> None:
    mapping = _mapping_module(tmp_path)
    assert mapping.json_path({"a": 1}, "{{$.a}}") == 1
