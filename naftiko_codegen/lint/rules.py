"""Lint rules: the table of every rule — our code, the official rule id, on by default or not.

The severity, title and hint of each code live in the diagnostic catalogue (`diagnostics/`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import CATALOGUE, Severity

__all__ = ["LINT_RULES", "LintRule"]


@dataclass(frozen=True)
class LintRule:
    """One lint rule: our code, the official rule id (or ours), and whether it runs by default."""

    code: str
    rule: str
    default: bool
    summary: str

    @property
    def severity(self) -> Severity:
        """The severity of the rule's findings, as the diagnostic catalogue registers it."""
        return CATALOGUE[self.code].severity


LINT_RULES: tuple[LintRule, ...] = (
    LintRule(
        "NAF350",
        "naftiko-namespaces-unique",
        True,
        "namespaces are unique across consumes, exposes and binds",
    ),
    LintRule(
        "NAF352",
        "naftiko-consumed-resource-no-query-in-path",
        True,
        "a consumed resource path has no `?`",
    ),
    LintRule(
        "NAF353",
        "naftiko-rest-resource-path-no-trailing-slash",
        True,
        "an exposed REST path does not end in `/`",
    ),
    LintRule(
        "NAF354",
        "naftiko-rest-resource-path-no-query",
        True,
        "an exposed REST path has no `?`",
    ),
    LintRule(
        "NAF355",
        "naftiko-address-not-example",
        True,
        "an adapter address does not end in example.com",
    ),
    LintRule(
        "NAF356",
        "naftiko-aggregate-function-description",
        True,
        "every aggregate function has a description",
    ),
    LintRule(
        "NAF357",
        "naftiko-aggregate-semantics-consistency",
        True,
        "a ref'd function's semantics agree with tool hints and the REST method",
    ),
    LintRule(
        "NAF358",
        "naftiko-mcp-auth-stdio-conflict",
        True,
        "no authentication on an MCP adapter with stdio transport",
    ),
    LintRule(
        "NAF359",
        "naftiko-oauth2-https-authserver",
        True,
        "oauth2 authorizationServerUri uses https",
    ),
    LintRule(
        "NAF360",
        "naftiko-oauth2-resource-https",
        True,
        "oauth2 resource uses https",
    ),
    LintRule("NAF361", "naftiko-oauth2-scopes-defined", True, "oauth2 declares scopes"),
    LintRule("NAF362", "naftiko-info-tags", False, "info.tags is present"),
    LintRule(
        "NAF363",
        "naftiko-consumes-description",
        True,
        "every consumes entry has a description",
    ),
    LintRule(
        "NAF364",
        "naftiko-rest-resource-description",
        True,
        "every exposed REST resource has a description",
    ),
    LintRule(
        "NAF365",
        "naftiko-rest-operation-description",
        False,
        "every exposed REST operation has a description",
    ),
    LintRule(
        "NAF366",
        "naftiko-steps-name-pattern",
        True,
        "step names match ^[A-Za-z0-9_-]+$",
    ),
    LintRule(
        "NAF367",
        "naftiko-no-script-tags-in-markdown",
        True,
        "descriptions contain no <script",
    ),
    LintRule(
        "NAF368",
        "naftiko-no-eval-in-markdown",
        True,
        "descriptions contain no eval(",
    ),
    LintRule(
        "NAF369",
        "naftiko-baseuri-not-example",
        False,
        "baseUri does not contain example.com",
    ),
    LintRule(
        "NAF370",
        "naftiko-control-port-singleton-and-unique",
        True,
        "at most one control adapter, on a port of its own",
    ),
    LintRule(
        "NAF371",
        "naftiko-control-address-localhost-warning",
        True,
        "the control adapter listens on localhost",
    ),
    LintRule(
        "NAF372",
        "naftiko-script-defaults-required",
        True,
        "script steps have a language and location, or the control port supplies defaults",
    ),
    LintRule(
        "NAF373",
        "naftiko-gen-read-only-writer",
        True,
        "a tool hinted readOnly does not call POST, PUT, PATCH or DELETE",
    ),
    LintRule(
        "NAF374",
        "naftiko-gen-unused-bind",
        True,
        "every bind variable is used by some `{{VAR}}`",
    ),
)
"""Every lint rule, in code order (`docs/lint-rules.md` lists them with examples)."""
