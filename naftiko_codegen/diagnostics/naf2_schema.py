"""Catalogue NAF2xx: the JSON Schema (NAF20x-24x, NAF250) and the catalog dialect (NAF26x-28x).

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

# The dialect warnings share their first sentence.
_DIALECT = (
    "Accepted in the catalog dialect (what the Naftiko capability catalog writes) but not by "
    "the official 1.0.0-alpha2 schema, so the reference engine would refuse the file. "
)

_SCHEMA = (
    CatalogueEntry(
        "NAF201",
        _WARNING,
        "unknown key",
        "remove the key, or spell it as one of the keys the hint lists",
        "The schema does not know this key, and it is not close to a key it knows, so it is "
        "ignored.",
        "unknown key 'comment' is ignored",
    ),
    CatalogueEntry(
        "NAF202",
        _ERROR,
        "misspelt key",
        "rename the key to the one the message suggests",
        "An unknown key is close to a key the schema knows: probably a typo. It is an error "
        "because the value you meant for the real key would be lost.",
        "unknown key 'methd'; did you mean 'method'?",
    ),
    CatalogueEntry(
        "NAF203",
        _ERROR,
        "missing required key",
        "add the key; the hint says what it holds",
        "An object lacks a key the schema requires, e.g. an operation without `method`.",
        "operation is missing required key `method`",
    ),
    CatalogueEntry(
        "NAF204",
        _ERROR,
        "value not allowed",
        "use one of the values the message lists",
        "The key takes one of a fixed set of values, and this one is not among them. Values are "
        "case-sensitive.",
        "`method` is 'FETCH'; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
    ),
    CatalogueEntry(
        "NAF205",
        _ERROR,
        "wrong type",
        "write a value of the expected type (quote text; write numbers and true/false bare)",
        "The value has the wrong JSON type: text where a number is expected, a list where a "
        "mapping is expected, and so on.",
        "`port` is 'eighty' (a string); expected an integer",
    ),
    CatalogueEntry(
        "NAF206",
        _ERROR,
        "value does not match its pattern",
        "write the value in the form the message shows",
        "Names, namespaces, references and bind variables have a fixed form, e.g. namespaces "
        "are letters, digits and `-`, and bind variables are SCREAMING_SNAKE_CASE.",
        "variable name 'api_key' is not SCREAMING_SNAKE_CASE",
    ),
    CatalogueEntry(
        "NAF207",
        _ERROR,
        "number out of range",
        "use a number within the range the message gives",
        "A number is below the minimum or above the maximum the schema allows, e.g. a port "
        "outside 1-65535.",
        "`port` is 70000; expected at most 65535",
    ),
    CatalogueEntry(
        "NAF208",
        _ERROR,
        "empty list",
        "add an entry or remove the key",
        "A list the schema requires to hold at least one entry is empty.",
        "`operations` has 0 item(s); expected at least 1",
    ),
    CatalogueEntry(
        "NAF209",
        _ERROR,
        "text too short or too long",
        "fill in or shorten the value",
        "A text value is shorter or longer than the schema allows, e.g. an empty name.",
        "`name` is 0 characters long; expected at least 1",
    ),
    CatalogueEntry(
        "NAF210",
        _ERROR,
        "keys that do not go together",
        "keep one of the two keys",
        "The schema forbids this key next to another one in the same object, e.g. `port` on an "
        "MCP adapter with `transport: stdio`, or both `call` and `location` on an MCP resource.",
        "`port` is not allowed in this adapter",
    ),
    CatalogueEntry(
        "NAF249",
        _ERROR,
        "invalid value",
        "compare the value with schema/naftiko-capability.schema.json",
        "The schema rejects the value for a reason the codes above do not cover; the message "
        "quotes the schema validator.",
        "`authentication` is invalid: {'type': 'token'} is not valid under any of the given "
        "schemas",
    ),
    CatalogueEntry(
        "NAF250",
        _WARNING,
        "unsupported spec version",
        "write `naftiko: 1.0.0-alpha2`",
        "The `naftiko` key names a version other than the one naftiko-gen supports; the file is "
        "read as that version anyway.",
        "`naftiko` is '0.5', an older version; reading it as 1.0.0-alpha2",
    ),
)

_DIALECT_ENTRIES = (
    CatalogueEntry(
        "NAF260",
        _WARNING,
        "extra keys on a consumed parameter",
        "official consumed parameters have only `name`, `in` and `value`",
        _DIALECT + "Consumed parameters carry only `name`, `in` and `value` there.",
        "consumed parameter carries `type`, `required`, which official 1.0.0-alpha2 does not "
        "allow; accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF261",
        _WARNING,
        "name with `_` or `.`",
        "use `-` instead of `_` or `.` for files meant for the reference engine",
        _DIALECT + "Official names (IdentifierKebab) are letters, digits and `-`.",
        "`name` is 'list_items': official 1.0.0-alpha2 allows only letters, digits and `-` "
        "here; accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF262",
        _WARNING,
        "parameter name outside official names",
        "the name is sent upstream exactly as written",
        _DIALECT + "Official parameter names are letters, digits, `-`, `_` and `*`; upstream "
        "names such as `fields[]` or `TagKey.1` are not.",
        "parameter name 'fields[]' is outside official 1.0.0-alpha2 names (letters, digits, "
        "`-`, `_`, `*`); accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF263",
        _WARNING,
        "description on a REST adapter",
        "it becomes the generated FastAPI app description",
        _DIALECT + "Only MCP and skill adapters take a `description` there.",
        "REST adapter carries `description`, which official 1.0.0-alpha2 allows only on mcp and "
        "skill adapters; accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF264",
        _WARNING,
        "typed output without its shape",
        "the node selected by `mapping` is returned unchanged",
        _DIALECT + "An `object` output needs `properties` and an `array` output `items`.",
        "`type: object` output has `mapping`/`value` but no `properties`, which official "
        "1.0.0-alpha2 requires; accepted as a pass-through (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF265",
        _WARNING,
        "`info.title` instead of `info.label`",
        "rename `title` to `label`",
        _DIALECT + "The capability's human name is `info.label`.",
        "`info` uses `title` where official 1.0.0-alpha2 expects `label`; accepted (catalog "
        "dialect)",
    ),
    CatalogueEntry(
        "NAF266",
        _WARNING,
        "reference with `_` or `.`",
        "the name is matched exactly, then with `-` and `_` treated alike",
        _DIALECT + "A `call` or `ref` is `<namespace>.<name>` with letters, digits and `-`.",
        "`call` is 'github.list_repos': official 1.0.0-alpha2 allows only `<namespace>.<name>` "
        "with letters, digits and `-`; accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF267",
        _WARNING,
        "HTTP method outside the official five",
        "the reference engine cannot serve or send this method",
        _DIALECT + "Operations use GET, POST, PUT, PATCH or DELETE.",
        "`method` is 'HEAD', which official 1.0.0-alpha2 does not allow (GET, POST, PUT, "
        "PATCH, DELETE); accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF268",
        _WARNING,
        "path on an operation",
        "move the path to its own resource for files meant for the reference engine",
        _DIALECT + "The path belongs to the resource, shared by its operations.",
        "operation carries `path`, which official 1.0.0-alpha2 allows only on the resource; "
        "accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF269",
        _WARNING,
        "baseUri that is not a plain URL",
        "set the real base URL at run time with the `<NAMESPACE>_BASE_URL` environment variable",
        _DIALECT + "`baseUri` is `http(s)://host/path`, without placeholders.",
        "`baseUri` is 'https://{{HOST}}/api', which official 1.0.0-alpha2 does not allow "
        "(expected `http(s)://host/path` without `{{`); accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF270",
        _WARNING,
        "`required` on an exposed parameter",
        "official exposed parameters have no `required` flag",
        _DIALECT + "Exposed parameters have no `required` flag there.",
        "exposed parameter carries `required`, which official 1.0.0-alpha2 does not allow; "
        "accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF271",
        _WARNING,
        "exposed parameter without description",
        "add a `description:` line",
        _DIALECT + "Every exposed parameter has a `description` there.",
        "exposed parameter has no `description`, which official 1.0.0-alpha2 requires; "
        "accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF272",
        _WARNING,
        "operation named with `id`",
        "rename `id` to `name`",
        _DIALECT + "Operations are named with `name`.",
        "operation is named with `id`, where official 1.0.0-alpha2 expects `name`; accepted "
        "(catalog dialect)",
    ),
    CatalogueEntry(
        "NAF273",
        _WARNING,
        "request body without data",
        "add `data:` with the body template, or drop `body` and use an `in: body` parameter",
        _DIALECT + "A `body` block carries its template in `data`; without it the caller's body "
        "is sent.",
        "request `body` has no `data`, which official 1.0.0-alpha2 requires; accepted: the "
        "caller's body is sent (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF274",
        _WARNING,
        "MCP spelling of tool hints",
        "drop the `Hint` suffix",
        _DIALECT + "Tool hints are `readOnly`, `destructive`, `idempotent` and `openWorld`.",
        "tool hints use the MCP spelling `readOnlyHint`; official 1.0.0-alpha2 writes "
        "`readOnly`, `destructive`, `idempotent`, `openWorld`; accepted (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF275",
        _WARNING,
        "form body type spelt another way",
        "write `type: formUrlEncoded`",
        _DIALECT + "A form body is `type: formUrlEncoded`.",
        "body `type` is 'form', which official 1.0.0-alpha2 does not allow; read as "
        "`formUrlEncoded` (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF276",
        _WARNING,
        "Swagger 2 form parameter",
        "write the field in an `in: body` parameter or a `body: {type: formUrlEncoded}` block",
        _DIALECT + "There is no `in: formData`; the value is sent as a form body field.",
        "parameter `in` is 'formData' (Swagger 2), which official 1.0.0-alpha2 does not allow; "
        "sent as a form body field (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF277",
        _WARNING,
        "structured parameter value",
        "write it as `body: {type: json, data: ...}` on the operation",
        _DIALECT + "A parameter `value` is a string; a mapping or list is read as a body "
        "template.",
        "parameter `value` is a JSON object, where official 1.0.0-alpha2 expects a string; "
        "accepted as a body template (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF278",
        _WARNING,
        "resource without a name",
        "give the resource a name, e.g. derived from its path",
        _DIALECT + "Consumed resources are named; naftiko-gen does not use the name to serve "
        "the API.",
        "`name` is null, where official 1.0.0-alpha2 expects a name; accepted (the name is not "
        "used to serve the API)",
    ),
    CatalogueEntry(
        "NAF279",
        _WARNING,
        "outputRawFormat outside the official list",
        "drop `outputRawFormat` for bodies that are not parsed",
        _DIALECT + "The upstream body is passed through unchanged.",
        "`outputRawFormat` is 'binary', which official 1.0.0-alpha2 does not allow; the "
        "upstream body is passed through unchanged (catalog dialect)",
    ),
    CatalogueEntry(
        "NAF280",
        _WARNING,
        "consumed output type outside the official list",
        "use `string` for opaque content",
        _DIALECT + "Consumed outputs only shape orchestration steps, so any type is accepted.",
        "output parameter `type` is 'binary', which official 1.0.0-alpha2 does not allow; "
        "accepted (consumed outputs only shape orchestration steps)",
    ),
    CatalogueEntry(
        "NAF281",
        _WARNING,
        "tool without description",
        "describe what the tool does: MCP clients show it to the model",
        _DIALECT + "Every MCP tool has a `description`; the called operation's is used.",
        "tool has no `description`, which official 1.0.0-alpha2 requires; the description of "
        "the operation it calls is used (catalog dialect)",
    ),
    # A dialect deviation numbered in the NAF43x block (the NAF2xx dialect codes are taken).
    CatalogueEntry(
        "NAF430",
        _WARNING,
        "`pattern` on an MCP tool argument",
        "official tool arguments have no `pattern`; the reference engine ignores it",
        _DIALECT + "Official tool arguments have no `pattern` (REST inputs do). naftiko-gen "
        "reads it as on a REST input: it is shown in the tool's `inputSchema` and a string "
        "argument that does not match it is refused with an `isError` result naming both.",
        "tool argument carries `pattern`, which official 1.0.0-alpha2 does not allow; "
        "enforced on calls (catalog dialect)",
    ),
)

ENTRIES = (*_SCHEMA, *_DIALECT_ENTRIES)
"""The NAF2xx codes, in code order."""
