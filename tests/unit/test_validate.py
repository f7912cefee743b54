"""Tests for stage 2, validate: schema findings are located, classified and complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from naftiko_codegen import validate
from naftiko_codegen.diagnostics import Diagnostic, DiagnosticError, Severity
from naftiko_codegen.load import load_spec
from naftiko_codegen.resolve import resolve_spec
from naftiko_codegen.validate import DIALECT_CODES, validate_spec

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED = REPO / "examples" / "rest-sessions.yaml"

# Line numbers below refer to this text: line 15 is the consumed `method`,
# line 19 the REST `port`, line 23 the exposed operation.
BASE = """\
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
"""


def _check(text: str) -> list[Diagnostic]:
    return validate_spec(load_spec(text, "cap.yaml"))


def _brief(diagnostics: list[Diagnostic]) -> list[tuple[str, str, str]]:
    return [(str(d.location), d.code, d.severity.value) for d in diagnostics]


def test_exports() -> None:
    assert set(validate.__all__) == {
        "DIALECT_CODES",
        "SCHEMA_FILE",
        "SUPPORTED_VERSION",
        "read_and_validate",
        "read_leniently",
        "validate_spec",
    }


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads((REPO / "schema" / validate.SCHEMA_FILE).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_dialect_codes_all_have_messages() -> None:
    text = (REPO / "schema" / validate.SCHEMA_FILE).read_text(encoding="utf-8")
    codes = {code for code in DIALECT_CODES if f'"{code}"' in text}
    assert codes == set(DIALECT_CODES)
    # NAF260-NAF289 is the dialect block; NAF430 (a tool argument's `pattern`) came later.
    assert all("NAF260" <= code <= "NAF289" or code == "NAF430" for code in DIALECT_CODES)


def test_base_is_clean() -> None:
    assert _check(BASE) == []


def test_missing_method() -> None:
    text = BASE.replace("        method: GET\n  exposes", "  exposes")
    (found,) = _check(text)
    assert _brief([found]) == [("cap.yaml:14:9", "NAF203", "error")]
    assert "`method`" in found.message
    assert found.hint


def test_bad_enum_method() -> None:
    (found,) = _check(
        BASE.replace("        method: GET\n  exposes", "        method: FETCH\n  exposes")
    )
    assert _brief([found]) == [("cap.yaml:15:17", "NAF204", "error")]
    assert "'FETCH'" in found.message
    assert "GET, POST, PUT, PATCH, DELETE" in found.message


def test_bad_enum_hint_suggests_case_fix() -> None:
    (found,) = _check(
        BASE.replace("        method: GET\n  exposes", "        method: get\n  exposes")
    )
    assert found.code == "NAF204"
    assert "`GET`" in found.hint


def test_typo_key_is_an_error_with_suggestion() -> None:
    found = _check(BASE.replace("        method: GET\n  exposes", "        methd: GET\n  exposes"))
    assert _brief(found) == [
        ("cap.yaml:14:9", "NAF203", "error"),
        ("cap.yaml:15:9", "NAF202", "error"),
    ]
    assert "did you mean 'method'?" in found[1].message


def test_wrong_type_port() -> None:
    (found,) = _check(BASE.replace("port: 8080", 'port: "abc"'))
    assert _brief([found]) == [("cap.yaml:19:11", "NAF205", "error")]
    assert "'abc'" in found.message
    assert "integer" in found.message


def test_port_out_of_range() -> None:
    (found,) = _check(BASE.replace("port: 8080", "port: 70000"))
    assert _brief([found]) == [("cap.yaml:19:11", "NAF207", "error")]


def test_unknown_key_far_from_any_is_a_warning() -> None:
    text = BASE.replace(
        "        call: demo.list-items\n", "        call: demo.list-items\n        zzqqxx: 1\n"
    )
    (found,) = _check(text)
    assert _brief([found]) == [("cap.yaml:25:9", "NAF201", "warning")]
    assert found.message == "unknown key 'zzqqxx' is ignored"


def test_unknown_adapter_type_is_left_to_resolve() -> None:
    # Foreign adapters (`graphql`, `agent-skill`…) are reported by resolve (NAF394) and skipped,
    # so the rest of the capability can still be generated.
    assert _check(BASE.replace("type: rest", "type: graphql")) == []
    spec = load_spec(BASE.replace("type: rest", "type: rset"), "cap.yaml")
    with pytest.raises(DiagnosticError) as caught:  # It was the only adapter.
        resolve_spec(spec)
    codes = {d.code: d for d in caught.value.diagnostics}
    assert codes["NAF394"].severity.value == "warning"
    assert "did you mean `rest`?" in codes["NAF394"].hint
    assert codes["NAF302"].is_error


def test_foreign_consumes_type_is_skipped_with_its_callers() -> None:
    foreign = "  - type: workflow\n    namespace: flow\n    steps: []\n"
    text = BASE.replace("  exposes:\n", foreign + "  exposes:\n", 1)
    text += "      - method: POST\n        call: flow.run\n"
    assert [d for d in _check(text) if d.is_error] == []
    capability = resolve_spec(load_spec(text, "cap.yaml"))
    codes = [d.code for d in capability.diagnostics]
    assert "NAF321" in codes and "NAF397" in codes
    assert [op.method for op in capability.rest_adapters[0].operations] == ["GET"]


def test_every_error_is_reported_and_sorted() -> None:
    text = (
        BASE.replace("        method: GET\n  exposes", "        method: FETCH\n  exposes")
        .replace("port: 8080", 'port: "abc"')
        .replace("  label: Demo\n", "")
    )
    found = _check(text)
    assert _brief(found) == [
        ("cap.yaml:3:3", "NAF203", "error"),
        ("cap.yaml:14:17", "NAF204", "error"),
        ("cap.yaml:18:11", "NAF205", "error"),
    ]
    assert found == sorted(found, key=Diagnostic.sort_key)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0.0-alpha2", []),
        ("'0.5'", ["NAF250"]),
        ("1.0.0-alpha1", ["NAF250"]),
        ("'9'", ["NAF250"]),
    ],
)
def test_version_policy(version: str, expected: list[str]) -> None:
    found = _check(BASE.replace("naftiko: 1.0.0-alpha2", f"naftiko: {version}"))
    assert [d.code for d in found] == expected
    assert all(d.severity is Severity.WARNING and str(d.location) == "cap.yaml:1:10" for d in found)


def test_dialect_parameter_extras_are_one_located_warning() -> None:
    text = BASE.replace(
        "        method: GET\n  exposes",
        "        method: GET\n        inputParameters:\n        - name: q\n          in: query\n"
        "          type: string\n          required: false\n  exposes",
    )
    (found,) = _check(text)
    assert _brief([found]) == [("cap.yaml:19:11", "NAF260", "warning")]
    assert "`type`, `required`" in found.message
    assert "1.0.0-alpha2" in found.message


def test_dialect_underscore_name_is_a_warning() -> None:
    text = BASE.replace("name: list-items", "name: list_items")
    found = _check(text.replace("call: demo.list-items", "call: demo.list_items"))
    assert _brief(found) == [
        ("cap.yaml:14:15", "NAF261", "warning"),
        ("cap.yaml:24:15", "NAF266", "warning"),
    ]
    assert "'list_items'" in found[0].message


def test_seed_has_only_dialect_warnings() -> None:
    found = validate_spec(load_spec(SEED.read_text(encoding="utf-8"), str(SEED)))
    assert not [d for d in found if d.is_error]
    assert {d.code for d in found} <= set(DIALECT_CODES)
    # The digest's 17 violations: 1 name, 5 parameters, 1 REST description, 10 outputs.
    counts = {code: sum(d.code == code for d in found) for code in {d.code for d in found}}
    assert counts == {"NAF261": 1, "NAF260": 5, "NAF263": 1, "NAF264": 10}


def _official_files() -> list[Path]:
    return sorted((SHARED / "corpus" / "official").rglob("*.y*ml"))


def test_official_corpus_validates_without_errors() -> None:
    files = _official_files()
    if not files:
        pytest.skip("../shared corpus not available")
    assert len(files) == 50
    failures = {}
    for path in files:
        found = validate_spec(load_spec(path.read_text(encoding="utf-8"), str(path)))
        errors = [d for d in found if d.is_error]
        if errors:
            failures[path.name] = errors
    assert failures == {}


def test_the_command_line_never_builds_the_rfc3987_grammar() -> None:
    """jsonschema's optional `rfc3987_syntax` builds a grammar at import (~1 s of every run)."""
    import subprocess
    import sys

    code = "import sys, naftiko_codegen.cli; print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "False"
