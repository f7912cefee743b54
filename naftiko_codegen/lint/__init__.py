"""Lint: a loaded spec → NAF35x-NAF37x warnings and errors from the official Naftiko rules.

Re-implements the Spectral ruleset `naftiko-rules.yml` (digest §5) in Python, plus two rules of
our own (read-only hints on a writing tool, unused binds). Works on the raw document, so it
runs even when the schema or resolution fails. Rules that `resolve` already reports are not
repeated here: a trailing `/` on `baseUri` is NAF323, a doubled base path NAF325, a placeholder
bound to nothing NAF312.

`rules.py` holds the rule table, `walk.py` walks the document, `checks.py` holds the rules.
"""

from __future__ import annotations

from .checks import lint_spec
from .rules import LINT_RULES, LintRule

__all__ = ["LINT_RULES", "LintRule", "lint_spec"]
