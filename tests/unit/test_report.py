"""Tests for the report formats: text, JSON, SARIF 2.1.0 and GitHub workflow commands."""

from __future__ import annotations

import json

import pytest

from naftiko_codegen.diagnostics import DOCS_URL, Diagnostic, Location, Severity
from naftiko_codegen.report import REPORT_FORMATS, render_report

FINDINGS = (
    Diagnostic(Location("a.yaml", 3, 7), "NAF353", Severity.WARNING, "ends in '/'", "drop it"),
    Diagnostic(Location("a.yaml", 9, 1), "NAF204", Severity.ERROR, "bad, really: 100%", ""),
    Diagnostic(Location("a.yaml", 10, 2), "NAF362", Severity.INFO, "no tags", "add tags"),
)
RESULTS = {"a.yaml": FINDINGS, "b.yaml": ()}


def test_text_matches_the_house_layout() -> None:
    text = render_report(RESULTS, "text")
    assert (
        f"a.yaml:3:7: warning[NAF353]: ends in '/'\n  hint: drop it\n  see: {DOCS_URL}#naf353"
        in text
    )
    assert text.endswith("b.yaml: 0 errors, 0 warnings\n")


def test_json_lists_every_field() -> None:
    document = json.loads(render_report(RESULTS, "json"))
    first = document["files"][0]["diagnostics"][0]
    assert first == {
        "file": "a.yaml",
        "line": 3,
        "column": 7,
        "code": "NAF353",
        "severity": "warning",
        "message": "ends in '/'",
        "hint": "drop it",
        "url": f"{DOCS_URL}#naf353",
    }
    assert document["summary"] == {"errors": 1, "warnings": 1, "infos": 1}


def test_sarif_has_rules_levels_and_regions() -> None:
    run = json.loads(render_report(RESULTS, "sarif"))["runs"][0]
    assert run["tool"]["driver"]["name"] == "naftiko-gen"
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == ["NAF204", "NAF353", "NAF362"]
    levels = [r["level"] for r in run["results"]]
    assert levels == ["warning", "error", "note"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 7}
    assert run["results"][0]["ruleIndex"] == ids.index("NAF353")
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["NAF204"]["helpUri"] == f"{DOCS_URL}#naf204"
    assert rules["NAF204"]["shortDescription"] == {"text": "value not allowed"}
    assert rules["NAF204"]["defaultConfiguration"] == {"level": "error"}
    assert rules["NAF353"]["name"] == "naftiko-rest-resource-path-no-trailing-slash"


def test_github_annotations_escape_data_and_properties() -> None:
    lines = render_report(RESULTS, "github").splitlines()
    assert lines[0] == (
        "::warning file=a.yaml,line=3,col=7,title=NAF353::ends in '/'%0Ahint: drop it"
        f"%0Asee: {DOCS_URL}#naf353"
    )
    # No hint of its own: the catalogue's. Data is escaped, so `%` becomes `%25`.
    assert lines[1] == (
        "::error file=a.yaml,line=9,col=1,title=NAF204::bad, really: 100%25"
        f"%0Ahint: use one of the values the message lists%0Asee: {DOCS_URL}#naf204"
    )
    assert lines[2].startswith("::notice ")


def test_unknown_format_is_refused() -> None:
    assert "xml" not in REPORT_FORMATS
    with pytest.raises(ValueError, match="xml"):
        render_report(RESULTS, "xml")
