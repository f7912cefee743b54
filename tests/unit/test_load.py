"""Tests for stage 1, load: plain data, 1-based positions, and located YAML problems."""

from __future__ import annotations

import pytest

from naftiko_codegen.diagnostics import DiagnosticError, Location, Severity
from naftiko_codegen.load import load_spec

TEXT = """\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  created: 2026-05-19
  tags:
  - one
  -   two
capability:
  consumes:
  - type: http
    resources:
    - name: items
      path: /items
"""


def _error(text: str) -> DiagnosticError:
    with pytest.raises(DiagnosticError) as caught:
        load_spec(text, "cap.yaml")
    return caught.value


def test_plain_data_and_source() -> None:
    spec = load_spec(TEXT, "cap.yaml")
    assert spec.source == "cap.yaml"
    assert spec.text == TEXT
    assert spec.data["info"]["label"] == "Demo"
    assert spec.data["capability"]["consumes"][0]["resources"][0]["path"] == "/items"


def test_value_positions() -> None:
    spec = load_spec(TEXT, "cap.yaml")
    assert spec.positions[()] == (1, 1)
    assert spec.positions[("naftiko",)] == (1, 10)
    assert spec.positions[("info", "label")] == (3, 10)
    assert spec.positions[("info", "tags", 0)] == (6, 5)
    assert spec.positions[("info", "tags", 1)] == (7, 7)


def test_nested_list_positions() -> None:
    spec = load_spec(TEXT, "cap.yaml")
    assert spec.positions[("capability", "consumes", 0)] == (10, 5)
    assert spec.positions[("capability", "consumes", 0, "resources", 0)] == (12, 7)
    assert spec.positions[("capability", "consumes", 0, "resources", 0, "path")] == (13, 13)


def test_key_positions() -> None:
    spec = load_spec(TEXT, "cap.yaml")
    assert spec.key_positions[("info", "label")] == (3, 3)
    assert spec.key_positions[("capability", "consumes", 0, "resources", 0, "path")] == (13, 7)


def test_locate_value_key_and_nearest_ancestor() -> None:
    spec = load_spec(TEXT, "cap.yaml")
    path = ("capability", "consumes", 0, "resources", 0, "path")
    assert spec.locate(path) == Location("cap.yaml", 13, 13)
    assert spec.locate(path, key=True) == Location("cap.yaml", 13, 7)
    # A missing child falls back to its nearest located ancestor.
    assert spec.locate(("capability", "consumes", 0, "baseUri")) == Location("cap.yaml", 10, 5)
    # List items have no key: the key lookup falls back to the value position.
    assert spec.locate(("info", "tags", 1), key=True) == Location("cap.yaml", 7, 7)
    assert spec.locate(("nothing", "here")) == Location("cap.yaml", 1, 1)


def test_dates_stay_strings() -> None:
    spec = load_spec(TEXT, "cap.yaml")
    assert spec.data["info"]["created"] == "2026-05-19"
    assert isinstance(spec.data["info"]["created"], str)


def test_scalars_keep_their_yaml_types() -> None:
    spec = load_spec("a: 1\nb: 2.5\nc: true\nd: null\ne: '7'\nf: !custom text\n", "x.yaml")
    assert spec.data == {"a": 1, "b": 2.5, "c": True, "d": None, "e": "7", "f": "text"}


def test_duplicate_key_names_both_lines() -> None:
    error = _error("info:\n  label: A\n  description: d\n  label: B\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF102"
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.location == Location("cap.yaml", 4, 3)
    assert "'label'" in diagnostic.message
    assert "line 2" in diagnostic.message
    assert diagnostic.hint


def test_every_duplicate_key_is_reported() -> None:
    error = _error("a: 1\nb: 2\na: 3\nc:\n  d: 1\n  d: 2\n")
    assert [(d.code, d.location.line) for d in error.diagnostics] == [
        ("NAF102", 3),
        ("NAF102", 6),
    ]
    assert "line 1" in error.diagnostics[0].message
    assert "line 5" in error.diagnostics[1].message


def test_yaml_syntax_error_is_located() -> None:
    error = _error("info:\n  label: [unclosed\n  description: x\nnext: 1\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF101"
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.location.file == "cap.yaml"
    assert diagnostic.message.startswith("YAML syntax error: ")
    assert diagnostic.location.line in (3, 4)
    assert diagnostic.hint


def test_bad_indentation_points_at_the_offending_line() -> None:
    error = _error("info:\n  label: A\n description: B\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF101"
    assert (diagnostic.location.line, diagnostic.location.column) == (3, 2)


def test_tab_indentation_is_a_syntax_error() -> None:
    error = _error("info:\n\tlabel: A\n")
    assert error.diagnostics[0].code == "NAF101"
    assert error.diagnostics[0].location.line == 2


def test_several_documents_are_rejected() -> None:
    error = _error("a: 1\n---\nb: 2\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.code == "NAF101"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    (diagnostic,) = _error(text).diagnostics
    assert diagnostic.code == "NAF103"
    assert diagnostic.location == Location("cap.yaml", 1, 1)


@pytest.mark.parametrize(
    ("text", "kind", "where"),
    [("- a\n- b\n", "list", (1, 1)), ("\n  just text\n", "str", (2, 3)), ("42\n", "int", (1, 1))],
)
def test_non_mapping_document(text: str, kind: str, where: tuple[int, int]) -> None:
    (diagnostic,) = _error(text).diagnostics
    assert diagnostic.code == "NAF104"
    assert kind in diagnostic.message
    assert (diagnostic.location.line, diagnostic.location.column) == where


def test_merge_keys_are_expanded_without_overriding() -> None:
    spec = load_spec("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n", "cap.yaml")
    assert spec.data["thing"] == {"y": 3, "x": 1}
