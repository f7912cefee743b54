"""Catalogue NAF35x-NAF37x: the lint rules (`lint/`; `naftiko-gen validate` runs them).

Each entry: code, severity, title, hint, what it means, an example message. A lint finding's hint
also names its rule.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING, _INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

ENTRIES = (
    CatalogueEntry(
        "NAF350",
        _ERROR,
        "namespace used twice",
        "give every consumes, exposes and binds entry its own namespace",
        "Namespaces are unique across `consumes`, `exposes` and `binds`, so every reference "
        "means one thing. (Two `consumes` entries of one namespace are NAF322.)",
        "namespace 'jupyter' is already used by a consumes entry (line 12)",
    ),
    CatalogueEntry(
        "NAF352",
        _WARNING,
        "query string in a consumed path",
        "declare query parameters as `inputParameters` with `in: query`",
        "A consumed resource path carries `?…`; query parameters are declared, not written into "
        "the path.",
        "consumed resource path '/search?q={{q}}' carries a query string",
    ),
    CatalogueEntry(
        "NAF353",
        _WARNING,
        "exposed path ends in '/'",
        "drop the trailing '/'",
        "An exposed REST path other than `/` ends in a slash.",
        "exposed path '/items/' ends in '/'",
    ),
    CatalogueEntry(
        "NAF354",
        _WARNING,
        "query string in an exposed path",
        "declare query inputs as `inputParameters` with `in: query`",
        "An exposed REST path carries `?…`; query inputs are declared, not written into the "
        "path.",
        "exposed path '/items?all=true' carries a query string",
    ),
    CatalogueEntry(
        "NAF355",
        _WARNING,
        "placeholder adapter address",
        "use a real host name, an IP address, or drop `address`",
        "An adapter listens on an `example.com` address, which is a documentation placeholder.",
        "address 'api.example.com' is a placeholder",
    ),
    CatalogueEntry(
        "NAF356",
        _WARNING,
        "aggregate function without description",
        "add `description:`; tools that `ref` it inherit it",
        "Every aggregate function has a description; units that `ref` it inherit it.",
        "aggregate function 'search' has no description",
    ),
    CatalogueEntry(
        "NAF357",
        _WARNING,
        "hints or method contradict the function's semantics",
        "make the tool hints or the REST method agree with the function's `semantics`",
        "A unit that `ref`s an aggregate function says something its `semantics` deny: a tool "
        "hinted `readOnly` for a function that is not safe, or a POST for an idempotent one.",
        "function is safe but the operation is POST (ref tools.search)",
    ),
    CatalogueEntry(
        "NAF358",
        _WARNING,
        "authentication on a stdio MCP adapter",
        "remove `authentication`, or use `transport: http`",
        "An MCP adapter with `transport: stdio` talks to the process that started it; its "
        "`authentication` is never checked.",
        "authentication on an MCP adapter with `transport: stdio` is never checked",
    ),
    CatalogueEntry(
        "NAF359",
        _ERROR,
        "OAuth2 authorization server not https",
        "tokens must be validated against an https authorization server",
        "The `authorizationServerUri` of oauth2 authentication is not an https URL.",
        "authorizationServerUri 'http://auth.internal' is not https",
    ),
    CatalogueEntry(
        "NAF360",
        _WARNING,
        "OAuth2 resource not https",
        "use the https URL of the protected resource",
        "The `resource` of oauth2 authentication is not an https URL.",
        "oauth2 resource 'http://api.internal' is not https",
    ),
    CatalogueEntry(
        "NAF361",
        _WARNING,
        "OAuth2 without scopes",
        "list the scopes callers need in `scopes:`",
        "oauth2 authentication declares no `scopes`.",
        "oauth2 authentication declares no scopes",
    ),
    CatalogueEntry(
        "NAF362",
        _INFO,
        "no info tags",
        "add `tags:` to make the capability easier to find",
        "`info.tags` is missing or empty. Off by default (`validate --all-rules`).",
        "info has no tags",
    ),
    CatalogueEntry(
        "NAF363",
        _WARNING,
        "consumed API without description",
        "add `description:` saying what the API is",
        "A `consumes` entry (other than an import) has no description.",
        "consumed API 'jupyter' has no description",
    ),
    CatalogueEntry(
        "NAF364",
        _WARNING,
        "REST resource without description",
        "add `description:`; it becomes the OpenAPI tag description",
        "An exposed REST resource has no description.",
        "REST resource '/sessions' has no description",
    ),
    CatalogueEntry(
        "NAF365",
        _INFO,
        "REST operation without description",
        "add `description:`",
        "An exposed REST operation has no description. Off by default (`validate --all-rules`).",
        "REST operation GET has no description",
    ),
    CatalogueEntry(
        "NAF366",
        _WARNING,
        "step name with other characters",
        "rename the step, e.g. `get-user`",
        "Step names are letters, digits, `_` and `-`, so `$.<step>.<field>` references stay "
        "unambiguous.",
        "step name 'get user' has characters other than letters, digits, `_` and `-`",
    ),
    CatalogueEntry(
        "NAF367",
        _ERROR,
        "script tag in a description",
        "remove the markup; descriptions are shown to people and agents",
        "A description or label contains `<script`; descriptions end up in documentation, "
        "OpenAPI and MCP tool lists.",
        "description contains a <script> tag: '<script>alert(1)</script>'",
    ),
    CatalogueEntry(
        "NAF368",
        _ERROR,
        "eval( in a description",
        "remove the code from the description",
        "A description or label contains `eval(`.",
        "description contains `eval(`: 'eval(input)'",
    ),
    CatalogueEntry(
        "NAF369",
        _WARNING,
        "placeholder baseUri",
        "write the real API address",
        "A consumed `baseUri` contains `example.com`. Off by default (`validate --all-rules`).",
        "baseUri 'https://api.example.com' is a placeholder address",
    ),
    CatalogueEntry(
        "NAF370",
        _ERROR,
        "control adapter not alone",
        "keep one control adapter, on a port of its own",
        "There is at most one control adapter, and no other adapter shares its port.",
        "control port 8080 is also the port of adapter 'api'",
    ),
    CatalogueEntry(
        "NAF371",
        _WARNING,
        "control adapter not on localhost",
        "bind the control port to localhost unless it is protected",
        "The control adapter serves health and status; it listens on another address than "
        "localhost.",
        "the control adapter listens on '0.0.0.0', not on localhost",
    ),
    CatalogueEntry(
        "NAF372",
        _ERROR,
        "script step without language or location",
        "set them on the step, or under control `management.scripting`",
        "A `script` step has no `language` or `location`, and the control adapter gives no "
        "default for it.",
        "script step 'transform' has no `language` and the control port gives no default",
    ),
    CatalogueEntry(
        "NAF373",
        _WARNING,
        "read-only tool that writes",
        "set `readOnly: false` (and `destructive:` to match), or call a GET",
        "An MCP tool hinted `readOnly: true` calls a POST, PUT, PATCH or DELETE operation, so "
        "clients would run it without asking. A naftiko-gen rule.",
        "tool 'add-item' is hinted readOnly but calls POST demo.add-item",
    ),
    CatalogueEntry(
        "NAF374",
        _WARNING,
        "unused bind variable",
        "remove it, or reference it where the secret is needed",
        "A bind variable is never used by a `{{VARIABLE}}` placeholder. A naftiko-gen rule.",
        "bind variable 'API_KEY' is never used by a `{{API_KEY}}`",
    ),
)
"""The NAF35x-NAF37x codes, in code order."""
