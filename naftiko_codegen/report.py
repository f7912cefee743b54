"""Reports: diagnostics → text in one of the output formats `--format` offers.

`text` is the human layout of `diagnostics.format_diagnostic`; `json` a stable document;
`sarif` SARIF 2.1.0 for code-scanning tools; `github` workflow commands that GitHub Actions
shows as annotations on the pull request. Each finding links to its code's entry in
docs/diagnostics.md (SARIF: the rule's `helpUri`). Pure functions; the `cli` package prints the result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import __version__
from .diagnostics import CATALOGUE, Diagnostic, Severity, format_diagnostic, format_summary
from .lint import LINT_RULES

__all__ = ["REPORT_FORMATS", "render_report"]

REPORT_FORMATS = ("text", "json", "sarif", "github")
"""The values `--format` accepts."""

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_HELP_URI = "https://github.com/naftiko/framework"


def _as_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    loc = diagnostic.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "url": CATALOGUE[diagnostic.code].url,
    }


def _counts(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    return {
        severity.value + "s": sum(1 for d in diagnostics if d.severity is severity)
        for severity in Severity
    }


def _text(results: Mapping[str, Sequence[Diagnostic]]) -> str:
    lines: list[str] = []
    for source, diagnostics in results.items():
        lines.extend(format_diagnostic(d) for d in diagnostics)
        lines.append(f"{source}: {format_summary(diagnostics)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _json(results: Mapping[str, Sequence[Diagnostic]]) -> str:
    everything = [d for diagnostics in results.values() for d in diagnostics]
    document = {
        "version": 1,
        "generator": f"naftiko-gen {__version__}",
        "files": [
            {"file": source, "diagnostics": [_as_dict(d) for d in diagnostics]}
            for source, diagnostics in results.items()
        ],
        "summary": _counts(everything),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sarif(results: Mapping[str, Sequence[Diagnostic]]) -> str:
    everything = [d for diagnostics in results.values() for d in diagnostics]
    lint = {rule.code: rule for rule in LINT_RULES}
    codes = sorted({d.code for d in everything})
    rules = []
    for code in codes:
        entry = CATALOGUE[code]
        rule: dict[str, Any] = {
            "id": code,
            "shortDescription": {"text": entry.title},
            "fullDescription": {"text": entry.meaning},
            "help": {"text": entry.hint},
            "helpUri": entry.url,
            "defaultConfiguration": {"level": _SARIF_LEVEL[entry.severity]},
        }
        if code in lint:
            rule["name"] = lint[code].rule
        rules.append(rule)
    sarif_results = []
    for diagnostic in everything:
        loc = diagnostic.location
        region = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
        # The link is the rule's `helpUri`; the message keeps what a reader acts on.
        text = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
        sarif_results.append(
            {
                "ruleId": diagnostic.code,
                "ruleIndex": codes.index(diagnostic.code),
                "level": _SARIF_LEVEL[diagnostic.severity],
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": loc.file.replace("\\", "/")},
                            "region": region,
                        }
                    }
                ],
            }
        )
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "naftiko-gen",
                        "version": __version__,
                        "informationUri": _HELP_URI,
                        "rules": rules,
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(results: Mapping[str, Sequence[Diagnostic]]) -> str:
    lines: list[str] = []
    for diagnostics in results.values():
        for diagnostic in diagnostics:
            loc = diagnostic.location
            properties = [f"file={_escape_property(loc.file)}"]
            if loc.line > 0:
                properties += [f"line={loc.line}", f"col={max(loc.column, 1)}"]
            properties.append(f"title={_escape_property(diagnostic.code)}")
            message = diagnostic.message
            if diagnostic.hint:
                message += f"\nhint: {diagnostic.hint}"
            message += f"\nsee: {CATALOGUE[diagnostic.code].url}"
            lines.append(
                f"::{_GITHUB_COMMAND[diagnostic.severity]} {','.join(properties)}::"
                f"{_escape_data(message)}"
            )
    return "\n".join(lines) + ("\n" if lines else "")


def render_report(results: Mapping[str, Sequence[Diagnostic]], fmt: str) -> str:
    """Render the findings of each checked file (`{source: diagnostics}`) in format `fmt`."""
    renderers = {"text": _text, "json": _json, "sarif": _sarif, "github": _github}
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {REPORT_FORMATS}")
    return renderers[fmt](results)
