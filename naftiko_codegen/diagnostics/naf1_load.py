"""Catalogue NAF1xx: reading files — the spec, its imports, pyproject.toml, OpenAPI documents.

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

ENTRIES = (
    CatalogueEntry(
        "NAF100",
        _ERROR,
        "unreadable file",
        "check the path and that the file is UTF-8 text",
        "The spec, or the document given to `import-openapi`, could not be read: it is missing, "
        "not readable, not UTF-8 text, or not a regular file (a folder, a FIFO or a device such "
        "as /dev/zero is refused without being read).",
        "cannot read the file: [Errno 2] No such file or directory: 'capability.yaml'",
    ),
    CatalogueEntry(
        "NAF101",
        _ERROR,
        "YAML syntax error",
        "check indentation and quoting around this position",
        "The file is not valid YAML, or holds more than one YAML document. The position is where "
        "the parser gave up; the mistake is often on the line before.",
        "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)",
    ),
    CatalogueEntry(
        "NAF102",
        _ERROR,
        "duplicate key",
        "remove one of the two entries; YAML keeps only the last one",
        "A mapping has the same key twice. YAML parsers silently keep the last value, so "
        "naftiko-gen refuses the file rather than guess which one you meant.",
        "duplicate key 'port' (first defined on line 20)",
    ),
    CatalogueEntry(
        "NAF103",
        _ERROR,
        "empty file",
        "start the file with `naftiko: 1.0.0-alpha2` and a `capability:` block",
        "The file holds no YAML document, or only comments.",
        "the file is empty",
    ),
    CatalogueEntry(
        "NAF104",
        _ERROR,
        "document is not a mapping",
        "a capability file is a YAML mapping with `naftiko:` and `capability:` keys",
        "The top level of the file is a list or a single value; a capability is a mapping.",
        "the document is a list; expected a mapping",
    ),
    CatalogueEntry(
        "NAF105",
        _ERROR,
        "invalid project configuration",
        'fix `[tool.naftiko-gen]` in pyproject.toml, e.g. `templates = "naftiko-templates"`',
        "The nearest pyproject.toml cannot be parsed, or the `templates` setting of its "
        "`[tool.naftiko-gen]` table is not a folder (or list of folders) that exists. Paths are "
        "relative to the pyproject.toml.",
        "[tool.naftiko-gen] templates folder '/work/naftiko-templates' does not exist",
    ),
    CatalogueEntry(
        "NAF106",
        _ERROR,
        "value cannot be read",
        "quote the value to keep it as text, or shorten it",
        "A scalar's YAML type cannot be built: an integer longer than Python's 4,300-digit "
        "limit, or an explicit tag that does not fit the value (`!!int abc`).",
        "cannot read this value as int: Exceeds the limit (4300 digits) for integer string "
        "conversion",
    ),
    CatalogueEntry(
        "NAF107",
        _ERROR,
        "input limit exceeded",
        "raise it with the environment variable NAFTIKO_GEN_MAX_DEPTH (default 100)",
        "A spec is untrusted input, so its cost is bounded: its size "
        "(`NAFTIKO_GEN_MAX_SPEC_BYTES`, default 8 MiB), how deep it nests "
        "(`NAFTIKO_GEN_MAX_DEPTH`, default 100 levels) and what YAML aliases may add to it "
        "(`NAFTIKO_GEN_MAX_ALIAS_NODES`, default 100,000 values, text counted per KiB; a few "
        "hundred bytes of nested aliases otherwise expand to billions of values). The position "
        "is the alias or the nesting that crossed the limit; the message names the limit and "
        "the hint the variable that raises it.",
        "this alias expands to too many values; the limit is 100,000 values produced by "
        "expanding YAML aliases",
    ),
    CatalogueEntry(
        "NAF108",
        _ERROR,
        "not UTF-8 text",
        "save the file as UTF-8, or fix the character at this position",
        "A spec is read as UTF-8. The file holds a byte sequence that is not UTF-8 (the "
        "position is the first one), or starts with the byte-order mark of UTF-16 or UTF-32.",
        "invalid UTF-8: byte 0xff (invalid start byte)",
    ),
    CatalogueEntry(
        "NAF120",
        _ERROR,
        "unreadable imported consumes file",
        "the path is relative to this file's folder, e.g. `./shared/api.yaml`",
        "A `consumes` entry imports a shared-consumes file through `location`, and that file "
        "cannot be read.",
        "cannot read imported consumes file './shared/api.yaml': FileNotFoundError",
    ),
    CatalogueEntry(
        "NAF121",
        _ERROR,
        "no capability file found",
        "check the path; a folder is searched for *.yaml and *.yml files at any depth",
        "`validate`, `build` or `check` was given only empty folders, or folders holding no "
        "capability file (only documents capability files use). Nothing would be checked, so "
        "the command fails rather than succeed silently.",
        "no capability file found in specs/ (no *.yaml or *.yml file)",
    ),
    CatalogueEntry(
        "NAF122",
        Severity.INFO,
        "file named twice",
        "name each file once (a folder already includes the files under it)",
        "The same file (by resolved path) was named twice on the command line, e.g. a folder "
        "and a file in it; it is handled once.",
        "named twice (also as specs/a.yaml); handled once",
    ),
    CatalogueEntry(
        "NAF123",
        Severity.INFO,
        "document used by a capability, not built alone",
        "build the capability files that use it; it is part of their packages",
        "A folder walk found a document that a capability file of the same walk imports "
        "(`consumes[].location`: a shared-consumes document) or reads its binds from "
        "(`binds[].location`). It is not a capability: `validate` checks a shared-consumes "
        "document against the schema and lint rules, and `build`/`check` leave it to the "
        "capabilities that import it.",
        "shared-consumes document used by step-5.yml: checked as such, not built alone",
    ),
    CatalogueEntry(
        "NAF131",
        _ERROR,
        "unreadable output schema file",
        "name a .avsc or .proto file inside this spec's folder, relative to it",
        "An Avro or Protocol Buffers operation names its schema file in `outputSchema`, and that "
        "file cannot be read: it is missing, not UTF-8, too large, outside the spec's folder or "
        "reached through a symbolic link. naftiko-gen copies the file into the package.",
        "cannot read the schema file 'schemas/records.avsc': [Errno 2] No such file or directory",
    ),
    CatalogueEntry(
        "NAF132",
        _ERROR,
        "oauth2 token endpoint not https",
        "use an https:// token endpoint (http:// only for a loopback test server)",
        "A consumed API authenticates with an oauth2 client credentials grant whose token "
        "endpoint is not https (nor loopback): the client secret would travel in clear.",
        "the oauth2 token endpoint 'http://auth.example.com/token' is not https: the client "
        "secret would travel in clear",
    ),
    CatalogueEntry(
        "NAF133",
        _ERROR,
        "oauth2 client credentials incomplete",
        'add `tokenUrl: https://auth.example.com/token`, `clientId: "{{CLIENT_ID}}"` and '
        '`clientSecret: "{{CLIENT_SECRET}}"`',
        "A consumed API authenticates with oauth2, which the generated client sends as a "
        "client credentials grant (RFC 6749 §4.4): it needs a token endpoint (`tokenUrl`, "
        "`tokenEndpoint` or `token_url`; or `authorizationServerUri`, whose RFC 8414 metadata "
        "names it), a client id and a client secret.",
        "oauth2 authentication of a consumed API has no `clientSecret`: the client credentials "
        "grant needs a token endpoint, a client id and a client secret",
    ),
    CatalogueEntry(
        "NAF160",
        _ERROR,
        "not an OpenAPI document",
        "import-openapi reads OpenAPI 3.0/3.1 (JSON or YAML) and Swagger 2.0",
        "`naftiko-gen import-openapi` was given a document with neither an `openapi:` nor a "
        "`swagger: '2.0'` key.",
        "not an OpenAPI document: no `openapi:` or `swagger: '2.0'` key",
    ),
    CatalogueEntry(
        "NAF161",
        _WARNING,
        "part of an OpenAPI document not imported",
        "review the imported capability and add the part by hand",
        "`import-openapi` met something a capability cannot express, or had to guess: no "
        "absolute server URL, a form or file parameter, a parameter name Naftiko does not allow, "
        "a request body that is not JSON, or a method Naftiko operations do not have. The "
        "capability is still written.",
        "HEAD /health is not imported",
    ),
    CatalogueEntry(
        "NAF162",
        _ERROR,
        "no operation to import",
        "an OpenAPI document lists its operations under `paths`",
        "The document's `paths` hold no operation `import-openapi` can turn into a capability.",
        "the document has no operation to import",
    ),
)
"""The NAF1xx codes, in code order."""
