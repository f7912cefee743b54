"""Catalogue NAF30x-NAF34x: semantic checks of `resolve` — adapters, binds, consumed APIs, calls.

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

_ADAPTERS = (
    CatalogueEntry(
        "NAF301",
        _ERROR,
        "no capability to serve",
        "build the capability file that imports it instead",
        "The file has no `capability` block: it is a shared-consumes file, meant to be imported "
        "by capabilities (`consumes: [{location: …, import: …}]`), not built on its own.",
        "this document has no `capability` (a shared-consumes file); nothing to serve",
    ),
    CatalogueEntry(
        "NAF302",
        _ERROR,
        "nothing to generate",
        "expose at least one REST operation or MCP tool with `call` or `steps`",
        "After leaving out what cannot be generated, no REST operation, MCP tool or control "
        "port is left. The findings before this one say why each unit was left out.",
        "no REST operation, MCP tool or control port can be generated from this capability",
    ),
    CatalogueEntry(
        "NAF303",
        _WARNING,
        "two adapters on one port",
        "give each adapter its own port (both can be overridden at run time)",
        "Two adapters (or an adapter and the control port) declare the same port, so the second "
        "one cannot start unless a port is overridden at run time.",
        "adapters 'api' and 'mcp' share port 8080",
    ),
    CatalogueEntry(
        "NAF304",
        _WARNING,
        "second adapter of a kind",
        "move its units into the first adapter, or split the capability in two",
        "A generated package serves one REST and one MCP adapter; a second one of the same kind "
        "is not generated.",
        "a second REST adapter ('admin') is not generated; the package serves one REST adapter, "
        "'api'",
    ),
)

_BINDS = (
    CatalogueEntry(
        "NAF310",
        _ERROR,
        "unsupported bind location",
        "use a `file:///…` URI to a JSON or YAML file, or drop `location` to read environment "
        "variables",
        "Bind values come from environment variables, or from a JSON or YAML file named by a "
        "`file:` URI; other locations (vaults, remote URLs) are not generated.",
        "bind location 'vault://secrets/api' is not supported",
    ),
    CatalogueEntry(
        "NAF311",
        _WARNING,
        "placeholder names no declared bind",
        "declare it: `binds: [{namespace: env, keys: {API_TOKEN: API_TOKEN}}]`",
        "A `{{env.VARIABLE}}` placeholder names no variable declared in `binds`; the generated "
        "server reads that environment variable directly.",
        "`{{env.API_TOKEN}}` names no declared bind; reading environment variable API_TOKEN "
        "directly",
    ),
    CatalogueEntry(
        "NAF312",
        _WARNING,
        "unbound placeholder",
        "declare the variable in `binds`, or an input parameter of that name",
        "A `{{name}}` placeholder matches no input parameter, bind variable or step output, so "
        "it always renders as an empty string.",
        "placeholder `{{user}}` is bound to nothing and renders as an empty string",
    ),
)

_CONSUMES = (
    CatalogueEntry(
        "NAF320",
        _WARNING,
        "multipart part without a name",
        "give every part a name",
        "A `multipartForm` body lists a part without a `name` (or an item that is not a map); "
        "that part is not sent. The other parts are sent as `multipart/form-data`, each with "
        "its `filename` and `contentType`.",
        "a multipartForm part has no `name`; it is not sent",
    ),
    CatalogueEntry(
        "NAF321",
        _WARNING,
        "consumes type not generated",
        "express it as `type: http` operations, or run it with the Naftiko engine",
        "naftiko-gen consumes HTTP APIs only. The entry is skipped, and every unit that calls "
        "it is left out (NAF397).",
        "consumes type 'grpc' is not generated (naftiko-gen consumes HTTP APIs only); namespace "
        "'events' is skipped, and the units that call it are left out",
    ),
    CatalogueEntry(
        "NAF322",
        _ERROR,
        "consumes namespace declared twice",
        "give each consumed API its own namespace (`as:` renames an imported one)",
        "Two `consumes` entries use one namespace, so a `call` could mean either. A warning "
        "instead when both have the same baseUri and authentication: their resources are "
        "merged into the first.",
        "consumes namespace 'github' is declared twice, with a different baseUri or "
        "authentication",
    ),
    CatalogueEntry(
        "NAF323",
        _WARNING,
        "baseUri ends in '/'",
        "drop the trailing '/'",
        "Official rule `naftiko-consumes-baseuri-no-trailing-slash`. The baseUri and resource "
        "paths are joined with exactly one `/`, so the trailing one is dropped.",
        "baseUri 'https://api.example.com/v1/' ends in '/'; it is joined without it",
    ),
    CatalogueEntry(
        "NAF324",
        _WARNING,
        "baseUri not a fixed URL",
        "write the full URL, e.g. `baseUri: https://api.example.com/v1`",
        "The baseUri is empty, holds placeholders or is not an http(s) URL, so the generated "
        "server has no default: it requires `<NAMESPACE>_BASE_URL` in its environment at "
        "start-up.",
        "baseUri '{{BASE_URL}}' is not a fixed http(s) URL; the generated server requires it "
        "from the environment at start-up",
    ),
    CatalogueEntry(
        "NAF325",
        _WARNING,
        "resource path repeats the baseUri path",
        "drop the repeated segment from the baseUri or from the resource path",
        "The resource path starts with the path already in the baseUri (`/api` + "
        "`/api/sessions`); the segment is joined once.",
        "resource path '/api/sessions' (line 14) repeats the path '/api' of baseUri "
        "'http://localhost:8888/api' (line 9); joined once as 'http://localhost:8888/api/sessions'",
    ),
    CatalogueEntry(
        "NAF326",
        _WARNING,
        "operation name used twice",
        "give each operation of an API a unique name",
        "Two operations of one consumed API share a name; a `call` reaches the first.",
        "operation name 'list' is used twice in 'github'; `call` reaches the first one",
    ),
    CatalogueEntry(
        "NAF328",
        _ERROR,
        "authentication type not for consumed APIs",
        "use apikey, bearer, basic, digest or oauth2 (client credentials)",
        "A consumed API authenticates with an API key, a bearer token, basic or digest "
        "credentials, or an oauth2 client credentials grant; other types cannot be sent by the "
        "generated client.",
        "authentication type 'saml' cannot be used on a consumed API",
    ),
    CatalogueEntry(
        "NAF329",
        _ERROR,
        "API key without a name",
        "add `key: X-API-Key` (and `placement: header` or `query`)",
        "`apikey` authentication needs the header or query parameter that carries the key.",
        "apikey authentication names no header or query parameter",
    ),
)

_CALLS = (
    CatalogueEntry(
        "NAF330",
        _WARNING,
        "call names an undeclared API",
        "call an operation of a declared consumes namespace",
        "A `call: <namespace>.<operation>` names a namespace no `consumes` entry declares. "
        "The unit is left out (docs/dialect-policy.md); NAF302 refuses the file when no unit "
        "is left.",
        "call 'other.list-items' names consumes namespace 'other', which is not declared; this "
        "unit is left out",
    ),
    CatalogueEntry(
        "NAF331",
        _WARNING,
        "ambiguous call",
        "spell the operation name exactly",
        "No operation has exactly the called name, and several match once `-`, `_` and case "
        "are ignored. The unit is left out (docs/dialect-policy.md).",
        "call 'demo.list_items' matches several operations once `-`/`_` and case are ignored: "
        "list-items, list_Items; this unit is left out",
    ),
    CatalogueEntry(
        "NAF332",
        _WARNING,
        "call names an unknown operation",
        "call one of the operations the hint lists",
        "The consumed API exists but has no operation of that name, even ignoring `-`, `_` and "
        "case. The unit is left out (docs/dialect-policy.md); NAF302 refuses the file when no "
        "unit is left.",
        "call 'demo.delete-items': API 'demo' has no operation 'delete-items'; this unit is "
        "left out",
    ),
    CatalogueEntry(
        "NAF333",
        _WARNING,
        "`with` key is not a parameter",
        "declare the parameter on the consumed operation, or remove the key",
        "A `with` entry sets a value the consumed operation does not declare. As in the "
        "reference engine, it is not sent on its own: it only fills the `{{key}}` placeholders "
        "of the operation's parameter values and body, and of the unit's output `value`s. The "
        "message says which of them read it, or that none does.",
        "`with` key 'limit' is not a parameter of github.list-repos; it is not sent: only "
        "`{{limit}}` in a parameter value or the body of the operation (or an output `value`) "
        "would read it, and none does",
    ),
    CatalogueEntry(
        "NAF334",
        _WARNING,
        "request body on a GET",
        "most servers ignore a body on GET; move it to query parameters",
        "The called operation is a GET (or HEAD) with a request body; it is sent anyway.",
        "GET demo.search declares a request body; it is sent anyway",
    ),
    CatalogueEntry(
        "NAF336",
        _WARNING,
        "JSON body template that is not JSON",
        "write the body as YAML data (`body: {type: json, data: {...}}`)",
        "A JSON body written as text is not valid JSON once its placeholders are filled, so it "
        "is sent as text with a JSON content type.",
        "the body template is not JSON once its placeholders are filled; it is sent as text with "
        "a JSON content type",
    ),
    CatalogueEntry(
        "NAF337",
        _WARNING,
        "`with` overrides the authentication",
        "drop this `with` entry (or the consumed API's `authentication`)",
        "A `with` entry sets the parameter the consumed API's authentication supplies; the "
        "authentication wins.",
        "`with` sets 'token', which the authentication of 'jupyter' supplies; the "
        "authentication is sent instead",
    ),
    CatalogueEntry(
        "NAF348",
        _ERROR,
        "baseUri with a query, fragment or user information",
        "write the base URL as scheme://host[:port][/path]; credentials go in `authentication`, "
        "fixed query parameters in the operations",
        "A base URL is joined with every resource path. A query would ride along on every "
        "request, a fragment would silently drop the path and the credential, and "
        "user:password@ would send a credential outside the declared authentication; the "
        "generated server refuses the same base URLs at start-up.",
        "baseUri 'https://api.example.com/v1' has a query ('?…'), which every request would carry",
    ),
)

_REFERENCES = (
    CatalogueEntry(
        "NAF340",
        _WARNING,
        "ref names no aggregate function",
        "ref a declared function, `<aggregate namespace>.<function name>`",
        "A unit's `ref` names a function no aggregate declares. The unit is left out "
        "(docs/dialect-policy.md); NAF302 refuses the file when no unit is left.",
        "ref 'tools.search' names no aggregate function; this unit is left out",
    ),
    CatalogueEntry(
        "NAF341",
        _ERROR,
        "aggregate function declared twice",
        "give each function of an aggregate its own name",
        "Two functions of one aggregate share a name, so a `ref` could mean either.",
        "aggregate function 'tools.search' is declared twice",
    ),
    CatalogueEntry(
        "NAF342",
        _ERROR,
        "imported consumes file not loaded",
        "check the `location` path (relative to this file)",
        "A `consumes` entry imports a file that was not loaded; library callers pass "
        "`load_imports(spec, path)` to `resolve_spec`.",
        "imported consumes file './shared/api.yaml' was not loaded",
    ),
    CatalogueEntry(
        "NAF343",
        _ERROR,
        "imported API not found",
        "import one of the namespaces the hint lists",
        "The shared-consumes file named by `location` declares no API with the `import` "
        "namespace.",
        "'./shared/api.yaml' declares no consumed API 'github'",
    ),
    CatalogueEntry(
        "NAF344",
        _ERROR,
        "inbound authentication cannot be enforced",
        "declare an authentication the adapters enforce: basic, digest, bearer, apikey (one "
        "credential from a bind) or oauth2 with JWKS validation",
        "An adapter declares an `authentication` the generated package could not enforce "
        "(oauth2 token introspection, several api-key headers, or no credential to compare "
        "with). A declared authentication is enforced or the capability is not built: the "
        "adapter is never served without it. Enforced: basic, bearer and apikey (compared in "
        "constant time with a bound value), digest (an RFC 7616 challenge answered with the "
        "bound username and password) and oauth2 (JWT bearer tokens checked against the keys "
        "set at deploy time, `NAFTIKO_JWKS_FILE` or `NAFTIKO_JWKS_URL`).",
        "inbound digest authentication has no `password`: there is no credential to check "
        "callers against",
    ),
    CatalogueEntry(
        "NAF345",
        _WARNING,
        "credentials written in the spec",
        'reference a bind variable, e.g. `token: "{{MCP_SERVER_TOKEN}}"`',
        "An adapter's inbound credentials are literal text in the capability file, so they end "
        "up in the generated package and in version control.",
        "inbound credentials are written in the spec instead of read from a bind",
    ),
    CatalogueEntry(
        "NAF346",
        _WARNING,
        "forward target not a consumed API",
        "forward to a declared consumes namespace",
        "A resource's `forward.targetNamespace` names no `consumes` entry.",
        "forward target 'backend' is not a consumed API",
    ),
    CatalogueEntry(
        "NAF347",
        _WARNING,
        "forward path with several placeholders",
        "a forward takes at most one placeholder, the rest of the path: `/proxy/{path}`",
        "A forwarded resource relays everything under its path; its one placeholder takes the "
        "rest of the path.",
        "forwarded path '/proxy/{a}/{b}' has 2 placeholders",
    ),
)

ENTRIES = (*_ADAPTERS, *_BINDS, *_CONSUMES, *_CALLS, *_REFERENCES)
"""The NAF30x-NAF34x codes, in code order."""
