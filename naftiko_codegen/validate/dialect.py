"""The catalog dialect's deviations from official Naftiko 1.0.0-alpha2: code → message and hint.

The schema marks each looser rule with an `x-naftiko-official` list naming one of these codes;
`validate.schema` checks the stricter rule and `validate.messages` words the warning.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DIALECT_CODES"]

DIALECT_CODES: Mapping[str, tuple[str, str]] = {
    "NAF260": (
        "consumed parameter carries {keys}, which official 1.0.0-alpha2 does not allow; "
        "accepted (catalog dialect)",
        "official consumed parameters have only `name`, `in` and `value`",
    ),
    "NAF261": (
        "`{field}` is {value}: official 1.0.0-alpha2 allows only letters, digits and `-` here; "
        "accepted (catalog dialect)",
        "use `-` instead of `_` or `.` for files meant for the reference engine",
    ),
    "NAF262": (
        "parameter name {value} is outside official 1.0.0-alpha2 names "
        "(letters, digits, `-`, `_`, `*`); accepted (catalog dialect)",
        "the name is sent upstream exactly as written",
    ),
    "NAF263": (
        "REST adapter carries `description`, which official 1.0.0-alpha2 allows only on "
        "mcp and skill adapters; accepted (catalog dialect)",
        "it becomes the generated FastAPI app description",
    ),
    "NAF264": (
        "`type: {type}` output has `mapping`/`value` but no `{missing}`, which official "
        "1.0.0-alpha2 requires; accepted as a pass-through (catalog dialect)",
        "the node selected by `mapping` is returned unchanged",
    ),
    "NAF265": (
        "`info` uses `title` where official 1.0.0-alpha2 expects `label`; "
        "accepted (catalog dialect)",
        "rename `title` to `label`",
    ),
    "NAF266": (
        "`{field}` is {value}: official 1.0.0-alpha2 allows only `<namespace>.<name>` "
        "with letters, digits and `-`; accepted (catalog dialect)",
        "the name is matched exactly, then with `-` and `_` treated alike",
    ),
    "NAF267": (
        "`method` is {value}, which official 1.0.0-alpha2 does not allow "
        "(GET, POST, PUT, PATCH, DELETE); accepted (catalog dialect)",
        "the reference engine cannot serve or send this method",
    ),
    "NAF268": (
        "operation carries `path`, which official 1.0.0-alpha2 allows only on the resource; "
        "accepted (catalog dialect)",
        "move the path to its own resource for files meant for the reference engine",
    ),
    "NAF269": (
        "`baseUri` is {value}, which official 1.0.0-alpha2 does not allow "
        "(expected `http(s)://host/path` without `{{`); accepted (catalog dialect)",
        "set the real base URL at run time with the `<NAMESPACE>_BASE_URL` environment variable",
    ),
    "NAF270": (
        "exposed parameter carries `required`, which official 1.0.0-alpha2 does not allow; "
        "accepted (catalog dialect)",
        "official exposed parameters have no `required` flag",
    ),
    "NAF271": (
        "exposed parameter has no `description`, which official 1.0.0-alpha2 requires; "
        "accepted (catalog dialect)",
        "add a `description:` line",
    ),
    "NAF272": (
        "operation is named with `id`, where official 1.0.0-alpha2 expects `name`; "
        "accepted (catalog dialect)",
        "rename `id` to `name`",
    ),
    "NAF273": (
        "request `body` has no `data`, which official 1.0.0-alpha2 requires; "
        "accepted: the caller's body is sent (catalog dialect)",
        "add `data:` with the body template, or drop `body` and use an `in: body` parameter",
    ),
    "NAF274": (
        "tool hints use the MCP spelling {keys}; official 1.0.0-alpha2 writes `readOnly`, "
        "`destructive`, `idempotent`, `openWorld`; accepted (catalog dialect)",
        "drop the `Hint` suffix",
    ),
    "NAF275": (
        "body `type` is {keyvalue}, which official 1.0.0-alpha2 does not allow; "
        "read as `formUrlEncoded` (catalog dialect)",
        "write `type: formUrlEncoded`",
    ),
    "NAF276": (
        "parameter `in` is {value} (Swagger 2), which official 1.0.0-alpha2 does not allow; "
        "sent as a form body field (catalog dialect)",
        "write the field in an `in: body` parameter or a `body: {{type: formUrlEncoded}}` block",
    ),
    "NAF277": (
        "parameter `value` is a JSON {jsontype}, where official 1.0.0-alpha2 expects a string; "
        "accepted as a body template (catalog dialect)",
        "write it as `body: {{type: json, data: ...}}` on the operation",
    ),
    "NAF278": (
        "`{field}` is null, where official 1.0.0-alpha2 expects a name; accepted "
        "(the name is not used to serve the API)",
        "give the resource a name, e.g. derived from its path",
    ),
    "NAF279": (
        "`outputRawFormat` is {value}, which official 1.0.0-alpha2 does not allow; the upstream "
        "body is passed through unchanged (catalog dialect)",
        "drop `outputRawFormat` for bodies that are not parsed",
    ),
    "NAF280": (
        "output parameter `type` is {value}, which official 1.0.0-alpha2 does not allow; "
        "accepted (consumed outputs only shape orchestration steps)",
        "use `string` for opaque content",
    ),
    "NAF281": (
        "tool has no `description`, which official 1.0.0-alpha2 requires; the description of "
        "the operation it calls is used (catalog dialect)",
        "describe what the tool does: MCP clients show it to the model",
    ),
    "NAF430": (
        "tool argument carries `pattern`, which official 1.0.0-alpha2 does not allow; "
        "enforced on calls (catalog dialect)",
        "official tool arguments have no `pattern`; the reference engine ignores it",
    ),
}
"""Catalog-dialect deviations: code → (message template, hint). All are warnings."""
