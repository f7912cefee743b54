"""Catalogue NAF313-NAF319, NAF338 and NAF339: what would otherwise build into a broken package.

Path parameters a path cannot carry, required parameters nothing sets, header and cookie names
and values HTTP forbids, and units two of which answer the same name or route: each would build
with exit 0 into a package that fails at import or on every call (issue 11), so `resolve`
refuses it with a located error, or says how it reads it. Units that shadow others (NAF318,
NAF319) are left out with a warning instead: the first still answers. Each entry: code, severity, title,
hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

ENTRIES = (
    CatalogueEntry(
        "NAF313",
        _ERROR,
        "path or cookie parameter of a list or object type",
        "declare it `type: string` (or integer, number, boolean), or take the list in the query",
        "A path parameter is one segment of text, a cookie one text value. An exposed REST path "
        "parameter declared `type: array` or `type: object` cannot be routed (the generated "
        "package would fail at import), and such a cookie can never be read (every call would "
        "answer 422). An upstream cookie of such a type is asked of REST callers as text.",
        "REST path parameter 'ids' is declared `type: array`; a path segment carries one " "value",
    ),
    CatalogueEntry(
        "NAF314",
        _WARNING,
        "required parameter set by nothing",
        "set it in `with`, give it a `value`, or mark it `required: false`",
        "A consumed parameter marked `required: true` has no `value`, and the unit's `with` "
        "does not set it. Instead of calling the upstream without it on every call, the unit "
        "asks its callers for it: it becomes a required input of the unit.",
        "required query parameter 'ids' of figma.get-images is set by no `with` entry and has "
        "no `value`; callers pass it as the required input 'ids'",
    ),
    CatalogueEntry(
        "NAF315",
        _WARNING,
        "MCP resource needs a value its URI does not carry",
        "add `{name}` to the resource's `uri`, or set the parameter in `with`",
        "An MCP resource is read with the parameters of its URI template only. Its `call` (or a "
        "step) needs a value, a path parameter or a required one, that no URI parameter and no "
        "`with` entry supplies.",
        "MCP resource 'item' calls demo.get-item, which needs 'id'; its uri 'data://items' "
        "has no {id}",
    ),
    CatalogueEntry(
        "NAF316",
        _ERROR,
        "header or cookie name not a token",
        "use letters, digits and ``!#$%&'*+-.^_`|~`` only (e.g. `X-Request-Id`)",
        "HTTP field names and cookie names are tokens (RFC 9110 §5.1, RFC 6265 §4.1.1): no "
        "space, colon, quote, bracket, slash, non-ASCII or control character. Such a name "
        "cannot be sent or received; the HTTP client refuses it on every call.",
        "header name 'X Trace' is not an HTTP token: ' ' is not allowed",
    ),
    CatalogueEntry(
        "NAF317",
        _ERROR,
        "control character in a header or cookie value",
        "remove the control character (a line break cannot be part of one header value)",
        "A header or cookie value written in the spec carries a control character (CR, LF, NUL, "
        "…). HTTP forbids them in field values (RFC 9110 §5.5): CR/LF would split the message, "
        "and the HTTP client refuses the value on every call.",
        "header 'X-Trace' value 'a\\r\\nb' carries control character U+000D",
    ),
    CatalogueEntry(
        "NAF318",
        _WARNING,
        "MCP name used twice",
        "give each tool, resource URI and prompt its own name",
        "Two MCP tools (or prompts) share a name, or two resources share a URI (URI template "
        "parameters compared by position): a client could reach only the first, so the later one "
        "is left out and the rest of the capability builds (`--strict` refuses it).",
        "MCP tool name 'get-item' is used twice (first at cap.yaml:30:7); this one is left out",
    ),
    CatalogueEntry(
        "NAF319",
        _WARNING,
        "REST route declared twice",
        "merge the two operations, or give one of them another method or path",
        "Two REST operations share a method and a path, path parameters compared by position "
        "(`/a/{x}` and `/a/{y}` are one route): requests would reach only the first, so the "
        "later one is left out and the rest of the capability builds (`--strict` refuses it). "
        "Catalog files converted from OpenAPI often repeat a route under another placeholder.",
        "REST route GET /items/{id} is declared twice (first at cap.yaml:24:7, as "
        "/items/{item}); this operation is left out",
    ),
    CatalogueEntry(
        "NAF338",
        _WARNING,
        "fragment in a consumed path",
        "drop the `#…` part (OpenAPI keys sometimes carry one to tell operations apart)",
        "A `#` in a consumed resource path starts a fragment, which an HTTP client never sends: "
        "the generated call drops it, with any placeholder in it. Other literal text of a path "
        "is percent-encoded as needed (a space as `%20`; `%XX` escapes are kept), and a `?` "
        "starts the query.",
        "resource path '/files/{id}#add_shared_link' carries a fragment "
        "('#add_shared_link'), which is never sent; it is dropped",
    ),
    CatalogueEntry(
        "NAF339",
        _ERROR,
        "control character in a consumed path",
        "remove the control character from the resource path",
        "A consumed resource path carries a control character (CR, LF, NUL, tab, …) as literal "
        "text. No API path is meant to; it is a typo or a broken copy, so the call is not "
        "generated.",
        "resource path '/items\\r\\n' carries control character U+000D",
    ),
)
"""The codes of this module, in code order."""
