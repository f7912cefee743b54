"""Diagnostic reference: the catalogue → the Markdown of `docs/diagnostics.md`, or one entry.

Rendered from `naftiko_codegen/diagnostics/` (and the lint rule table), so the page cannot drift
from the code; a test compares it with the committed file.
"""

from __future__ import annotations

import re

from .diagnostics import CATALOGUE, RANGES, CatalogueEntry
from .lint import LINT_RULES

__all__ = ["render_diagnostic_entry", "render_diagnostics_reference"]

_CODE = re.compile(r"\bNAF\d{3}\b")
_COMMAND = "naftiko-gen diagnostics --markdown > docs/diagnostics.md"

_INTRO = """\
Every problem naftiko-gen finds is a diagnostic: where, a code, a severity, what was found, how
to fix it, and a link to its entry on this page.

```text
capability.yaml:16:17: error[NAF204]: `method` is 'FETCH'; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
  hint: did you mean `PATCH`?
  see: https://github.com/naftiko/naftiko-gen/blob/main/docs/diagnostics.md#naf204
```

Errors stop a build, warnings only under `--strict`, infos never; nothing is written while any
error stands. `naftiko-gen validate --format json|sarif|github` reports the same findings for
tools (SARIF links each rule here with `helpUri`), and `naftiko-gen diagnostics CODE` prints one
entry in the terminal. Lint rules are also listed in [lint-rules.md](lint-rules.md).
"""


def _lint_line(code: str) -> str:
    for rule in LINT_RULES:
        if rule.code == code:
            default = "on by default" if rule.default else "off by default (`--all-rules`)"
            return f"Lint rule `{rule.rule}`, {default}."
    return ""


def render_diagnostic_entry(entry: CatalogueEntry, *, level: int = 3, links: bool = False) -> str:
    """One code's section: title, severity, what it means, an example and how to fix it.

    With `links`, codes named in the text link to their anchors (for the whole page).
    """
    meaning = entry.meaning
    if links:
        meaning = _CODE.sub(lambda m: f"[{m.group()}](#{m.group().lower()})", meaning)
    lines = [
        f"{'#' * level} {entry.code}",
        "",
        f"**{entry.title}** ({entry.severity.value})",
        "",
        meaning,
        "",
    ]
    lint = _lint_line(entry.code)
    if lint:
        lines += [lint, ""]
    lines += [
        "Example:",
        "",
        "```text",
        f"{entry.severity.value}[{entry.code}]: {entry.example}",
        "```",
        "",
        f"How to fix: {entry.hint.rstrip('.')}.",
        "",
    ]
    return "\n".join(lines)


def render_diagnostics_reference() -> str:
    """The Markdown page of every diagnostic code, in code order, one anchor per code."""
    lines = [
        "# Diagnostics",
        "",
        f"<!-- Generated from naftiko_codegen/diagnostics/ by `{_COMMAND}`; do not edit. -->",
        "",
        _INTRO,
        "| Code | Severity | Title |",
        "|---|---|---|",
    ]
    lines += [
        f"| [{e.code}](#{e.code.lower()}) | {e.severity.value} | {e.title} |"
        for e in CATALOGUE.values()
    ]
    lines.append("")
    for prefix, about in RANGES:
        lines += [f"## {prefix}xx: {about}", ""]
        lines += [
            render_diagnostic_entry(entry, links=True)
            for code, entry in CATALOGUE.items()
            if code.startswith(prefix)
        ]
    return "\n".join(lines)
