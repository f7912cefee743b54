"""resolve/scope.py: findings are located in the document being read; views share the state."""

from __future__ import annotations

from _specs import scope_for

from naftiko_codegen.diagnostics import Severity
from naftiko_codegen.load import load_spec


def test_findings_are_located_and_kept_in_order() -> None:
    scope = scope_for("a: 1\nb:\n  c: 2\n")
    scope.warn(("b", "c"), "NAF399", "second", "hint")
    scope.error(("a",), "NAF301", "first")
    assert [(d.code, d.severity, d.location.line) for d in scope.findings] == [
        ("NAF399", Severity.WARNING, 3),
        ("NAF301", Severity.ERROR, 1),
    ]
    assert scope.findings[0].hint == "hint"
    assert scope.locate(("b", "c")).column == 6


def test_views_share_binds_apis_and_findings() -> None:
    scope = scope_for()
    other = load_spec("x: 1\n\ny: 2\n", "shared.yaml")
    inside = scope.within(other)
    stepped = scope.after_steps(frozenset({"first"}))
    inside.warn(("y",), "NAF326", "in the imported file")
    assert scope.findings[0].location.file == "shared.yaml"
    assert scope.findings[0].location.line == 3
    assert inside.binds is scope.binds and inside.apis is scope.apis
    assert stepped.findings is scope.findings
    assert stepped.earlier_steps == {"first"}
    assert scope.earlier_steps == frozenset()
