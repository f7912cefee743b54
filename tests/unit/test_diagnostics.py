"""Tests for the diagnostic catalogue: every emitted code registered once, documented, linked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from naftiko_codegen.diagnostics import (
    CATALOGUE,
    DOCS_URL,
    RANGES,
    Diagnostic,
    DiagnosticError,
    Location,
    Severity,
    catalogue,
    format_diagnostic,
)
from naftiko_codegen.diagnostics_docs import render_diagnostics_reference
from naftiko_codegen.lint import LINT_RULES
from naftiko_codegen.validate import DIALECT_CODES

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "naftiko_codegen"
DOC = REPO / "docs" / "diagnostics.md"
_CODE = re.compile(r"\bNAF\d{3}\b")


def _emitting_files() -> list[Path]:
    """The generator's sources and its schema, without the catalogue's own data modules."""
    sources = [
        p
        for p in PACKAGE.rglob("*.py")
        if not p.relative_to(PACKAGE).as_posix().startswith("diagnostics/naf")
    ]
    return sorted([*sources, *(REPO / "schema").glob("*.json")])


def _emitted() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _emitting_files():
        for code in _CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(path.relative_to(REPO).as_posix())
    return found


def test_every_emitted_code_is_registered() -> None:
    missing = {code: files for code, files in _emitted().items() if code not in CATALOGUE}
    assert missing == {}, "add these codes to naftiko_codegen/diagnostics/naf*.py"


def test_no_code_is_built_by_formatting() -> None:
    # Codes are written whole, so the scan above sees every one of them.
    built = re.compile(r"""["']NAF["']\s*[+%]|f["']NAF\{|["']NAF\{""")
    offenders = [
        path.relative_to(REPO).as_posix()
        for path in _emitting_files()
        if built.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_registered_code_is_emitted_somewhere() -> None:
    assert sorted(set(CATALOGUE) - set(_emitted())) == []


def test_entries_are_well_formed() -> None:
    assert list(CATALOGUE) == sorted(CATALOGUE)
    prefixes = {prefix for prefix, _ in RANGES}
    for code, entry in CATALOGUE.items():
        assert re.fullmatch(r"NAF[1-4]\d\d", code) and entry.code == code
        assert code[:4] in prefixes, code
        assert entry.title and len(entry.title) <= 60 and not entry.title.endswith("."), code
        assert entry.hint and entry.example and "\n" not in entry.example, code
        assert entry.meaning.endswith((".", ")")), code
        assert entry.url == f"{DOCS_URL}#{code.lower()}"


def test_a_code_is_registered_once() -> None:
    entry = CATALOGUE["NAF204"]
    with pytest.raises(ValueError, match="NAF204 is registered twice"):
        catalogue._register([(entry,), (entry,)])


def test_lint_and_dialect_codes_take_their_severity_from_the_catalogue() -> None:
    for rule in LINT_RULES:
        assert rule.severity is CATALOGUE[rule.code].severity
    assert {CATALOGUE[code].severity for code in DIALECT_CODES} == {Severity.WARNING}


def test_an_unregistered_code_cannot_be_emitted() -> None:
    with pytest.raises(ValueError, match="NAF999"):
        Diagnostic(Location("x.yaml"), "NAF999", Severity.ERROR, "nope")


def test_a_finding_without_hint_gets_the_catalogue_hint() -> None:
    finding = Diagnostic(Location("x.yaml", 3, 1), "NAF207", Severity.ERROR, "too big")
    assert finding.hint == CATALOGUE["NAF207"].hint
    own = Diagnostic(Location("x.yaml", 3, 1), "NAF207", Severity.ERROR, "too big", "smaller")
    assert own.hint == "smaller"


def test_text_links_each_finding_to_its_entry() -> None:
    finding = Diagnostic(Location("x.yaml", 16, 17), "NAF204", Severity.ERROR, "bad", "fix it")
    assert format_diagnostic(finding).splitlines() == [
        "x.yaml:16:17: error[NAF204]: bad",
        "  hint: fix it",
        f"  see: {DOCS_URL}#naf204",
    ]
    assert str(DiagnosticError([finding])) == format_diagnostic(finding)


def test_docs_page_documents_every_code_and_is_up_to_date() -> None:
    page = render_diagnostics_reference()
    for code in CATALOGUE:
        assert f"\n### {code}\n" in page and f"](#{code.lower()})" in page
    committed = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert committed == page, (
        "docs/diagnostics.md is stale; refresh with: "
        "naftiko-gen diagnostics --markdown > docs/diagnostics.md"
    )
