"""Tests for the lint rules: each NAF35x-NAF37x rule fires on a minimal document, and only there."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from naftiko_codegen.diagnostics import Severity
from naftiko_codegen.lint import LINT_RULES, lint_spec
from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import check_spec

REPO = Path(__file__).resolve().parents[2]

BASE: dict[str, Any] = {
    "naftiko": "1.0.0-alpha2",
    "info": {"label": "Demo", "description": "Demo capability.", "tags": ["demo"]},
    "binds": [{"namespace": "env", "keys": {"DEMO_KEY": "DEMO_KEY"}}],
    "capability": {
        "consumes": [
            {
                "type": "http",
                "namespace": "demo",
                "baseUri": "https://api.demo.test",
                "description": "The demo API.",
                "authentication": {
                    "type": "apikey",
                    "key": "key",
                    "value": "{{DEMO_KEY}}",
                    "placement": "query",
                },
                "resources": [
                    {
                        "name": "items",
                        "path": "/items",
                        "operations": [
                            {"name": "list-items", "method": "GET"},
                            {"name": "add-item", "method": "POST"},
                        ],
                    }
                ],
            }
        ],
        "exposes": [
            {
                "type": "rest",
                "namespace": "demo-rest",
                "port": 8080,
                "resources": [
                    {
                        "path": "/items",
                        "name": "items",
                        "description": "Items.",
                        "operations": [
                            {
                                "method": "GET",
                                "name": "list-items",
                                "description": "List.",
                                "call": "demo.list-items",
                            }
                        ],
                    }
                ],
            },
            {
                "type": "mcp",
                "namespace": "demo-mcp",
                "port": 9090,
                "description": "Tools.",
                "tools": [
                    {
                        "name": "list-items",
                        "description": "List.",
                        "hints": {"readOnly": True},
                        "call": "demo.list-items",
                    }
                ],
            },
        ],
    },
}


def _lint(mutate: Callable[[dict[str, Any]], object], *, all_rules: bool = False) -> list[str]:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    return [
        d.code for d in lint_spec(load_spec(yaml.safe_dump(doc), "x.yaml"), all_rules=all_rules)
    ]


def _cap(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["capability"]
    return result


def _rest(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _cap(doc)["exposes"][0]
    return result


def _tool(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _cap(doc)["exposes"][1]["tools"][0]
    return result


def test_clean_document_has_no_findings() -> None:
    assert _lint(lambda d: None) == []


def test_the_seed_has_no_lint_errors() -> None:
    spec = load_spec((REPO / "examples" / "rest-sessions.yaml").read_text(), "seed.yaml")
    assert not [d for d in lint_spec(spec) if d.is_error]


def _aggregate(doc: dict[str, Any]) -> None:
    _cap(doc)["aggregates"] = [
        {
            "label": "Agg",
            "namespace": "agg",
            "functions": [
                {"name": "fn", "semantics": {"safe": True, "idempotent": True}, "call": "demo.x"}
            ],
        }
    ]
    _tool(doc).pop("call")
    _tool(doc)["ref"] = "agg.fn"
    _tool(doc)["hints"] = {"readOnly": False, "destructive": True, "idempotent": False}
    _rest(doc)["resources"][0]["operations"][0] = {"method": "POST", "ref": "agg.fn"}


def _control(doc: dict[str, Any]) -> None:
    _cap(doc)["exposes"] += [
        {"type": "control", "port": 8080, "address": "0.0.0.0"},
        {"type": "control", "port": 7000},
    ]
    _tool(doc)["steps"] = [{"type": "script", "name": "bad name!", "file": "x.js"}]


CASES: dict[str, tuple[Callable[[dict[str, Any]], object], set[str]]] = {
    "namespaces": (lambda d: _rest(d).update(namespace="demo"), {"NAF350"}),
    "consumed-query": (
        lambda d: _cap(d)["consumes"][0]["resources"][0].update(path="/items?x=1"),
        {"NAF352"},
    ),
    "rest-slash": (lambda d: _rest(d)["resources"][0].update(path="/items/"), {"NAF353"}),
    "rest-query": (lambda d: _rest(d)["resources"][0].update(path="/items?x=1"), {"NAF354"}),
    "address": (lambda d: _rest(d).update(address="api.example.com"), {"NAF355"}),
    "aggregate": (_aggregate, {"NAF356", "NAF357"}),
    "stdio-auth": (
        lambda d: _cap(d)["exposes"][1].update(
            transport="stdio", authentication={"type": "bearer", "token": "{{DEMO_KEY}}"}
        ),
        {"NAF358"},
    ),
    "oauth2": (
        lambda d: _rest(d).update(
            authentication={
                "type": "oauth2",
                "authorizationServerUri": "http://auth",
                "resource": "http://res",
            }
        ),
        {"NAF359", "NAF360", "NAF361"},
    ),
    "descriptions": (
        lambda d: (
            _cap(d)["consumes"][0].pop("description"),
            _rest(d)["resources"][0].pop("description"),
        ),
        {"NAF363", "NAF364"},
    ),
    "markdown": (
        lambda d: d["info"].update(description="<script>alert(1)</script> eval(x)"),
        {"NAF367", "NAF368"},
    ),
    "control": (_control, {"NAF366", "NAF370", "NAF371", "NAF372"}),
    "read-only-writer": (lambda d: _tool(d).update(call="demo.add-item"), {"NAF373"}),
    "unused-bind": (
        lambda d: _cap(d)["consumes"][0]["authentication"].update(value="literal"),
        {"NAF374"},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fires(case: str) -> None:
    mutate, expected = CASES[case]
    assert set(_lint(mutate)) == expected


def test_rules_off_by_default_run_with_all_rules() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["info"].pop("tags")
        _rest(doc)["resources"][0]["operations"][0].pop("description")
        _cap(doc)["consumes"][0]["baseUri"] = "https://example.com"

    assert _lint(mutate) == []
    assert set(_lint(mutate, all_rules=True)) == {"NAF362", "NAF365", "NAF369"}


def test_every_rule_is_documented_once() -> None:
    codes = [rule.code for rule in LINT_RULES]
    assert codes == sorted(set(codes))
    page = (REPO / "docs" / "lint-rules.md").read_text()
    for rule in LINT_RULES:
        assert rule.code in page and rule.rule in page


def test_findings_carry_position_severity_and_hint() -> None:
    doc = copy.deepcopy(BASE)
    _rest(doc)["address"] = "api.example.com"
    (finding,) = lint_spec(load_spec(yaml.safe_dump(doc, sort_keys=False), "x.yaml"))
    assert finding.location.line > 1 and finding.location.column > 0
    assert finding.severity is Severity.WARNING
    assert "naftiko-address-not-example" in finding.hint


def test_validate_reports_schema_semantic_and_lint_findings_together(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    _rest(doc)["resources"][0]["path"] = "/items/"  # lint
    _tool(doc)["call"] = "demo.add-item"  # lint (readOnly on POST)
    _cap(doc)["consumes"][0]["resources"][0]["operations"][0]["methd"] = "GET"  # schema typo
    spec = tmp_path / "demo.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    codes = {d.code for d in check_spec(spec)}
    assert {"NAF353", "NAF373"} <= codes
    assert any(code.startswith("NAF2") for code in codes)
