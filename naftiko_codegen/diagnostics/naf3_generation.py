"""Catalogue NAF38x-NAF39x: orchestration steps (38x) and what is left out of the package (39x).

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

_LEFT_OUT = "The rest of the package is generated; NAF302 follows when nothing is left."

_STEPS = (
    CatalogueEntry(
        "NAF380",
        _ERROR,
        "step name used twice",
        "give every step of a unit its own name",
        "Two steps of one orchestrated unit share a name, so `$.<step>.<field>` could mean "
        "either.",
        "step name 'fetch' is used twice in this unit",
    ),
    CatalogueEntry(
        "NAF381",
        _WARNING,
        "mapping names no step",
        "write `$.<step>.<field>…` naming an earlier step of this unit",
        "A `mappings` value or a `lookupValue` does not name an earlier step of the unit, so it "
        "always selects nothing (null).",
        "mapping value 'result.id' is not `$.<step>.<field>…` naming a step of this unit; 'id' "
        "is always null",
    ),
    CatalogueEntry(
        "NAF382",
        _WARNING,
        "orchestration without mappings",
        "add `mappings: [{targetName: …, value: $.<step>.<field>}]`",
        "An orchestrated unit has no usable `mappings`, so it answers with the reply of its last "
        "call step.",
        "this orchestrated unit has no usable `mappings`; it answers with the last call step's "
        "reply",
    ),
    CatalogueEntry(
        "NAF383",
        _ERROR,
        "lookup index not an earlier call step",
        "set `index` to the name of an earlier call step",
        "A `lookup` step searches the reply of an earlier `call` step, named by `index`.",
        "lookup step 'find-user': index 'users' is not an earlier call step of this unit",
    ),
)

_GAPS = (
    CatalogueEntry(
        "NAF390",
        _WARNING,
        "adapters derived from the consumed operations",
        "declare `exposes` to choose what is served, or build with --no-derive to refuse the "
        "file instead",
        "The capability consumes APIs but exposes no adapter. Instead of refusing it, the "
        "package serves an MCP server (port 9090, one tool per consumed operation, hints from "
        "the HTTP method) and a REST pass-through (port 8080, one route per consumed operation, "
        "the upstream paths mirrored, under `/<namespace>` when several APIs are consumed), as "
        "`call: <namespace>.<operation>` units with every parameter an input. `--no-derive` "
        "(or `derive = false` under `[tool.naftiko-gen]`) turns this off: NAF302 then.",
        "this capability exposes no adapter: derived an MCP server with 3 tool(s) (port 9090) "
        "and a REST pass-through with 3 route(s) (port 8080), one per consumed operation",
    ),
    CatalogueEntry(
        "NAF391",
        _WARNING,
        "unit with steps not generated",
        "express it with `call`, `lookup` and `script` steps, or as a single `call`",
        "Generated orchestrations run `call`, `lookup` and `script` steps; a unit with another "
        "kind of step or with an empty `steps` list is left out. " + _LEFT_OUT,
        "MCP tool 'report' uses a `transform` step, which naftiko-gen does not generate (only "
        "`call`, `lookup` and `script` steps); it is left out of the generated package",
    ),
    CatalogueEntry(
        "NAF392",
        _WARNING,
        "unit with nothing to do",
        "add `call: <namespace>.<operation>`, or outputs with `value` for a mock",
        "A REST operation or MCP tool has no `call`, no `steps` and no static output values, so "
        "there is nothing to generate for it. " + _LEFT_OUT,
        "REST operation GET /items has neither `call` nor static output values; it is left out",
    ),
    CatalogueEntry(
        "NAF393",
        _WARNING,
        "MCP resource with no source",
        "read it through `call: <namespace>.<operation>`, or serve a folder",
        "An MCP resource is read through `call` or `steps`, or served from a `location`; this "
        "one has none. " + _LEFT_OUT,
        "MCP resource 'readme' has none of `call`, `steps` or `location`; it is left out",
    ),
    CatalogueEntry(
        "NAF394",
        _WARNING,
        "adapter type not generated",
        "remove this adapter, or run it with the Naftiko engine",
        "Generated packages serve REST, MCP and skill adapters and one control port; a second "
        "control adapter and unknown types are not generated.",
        "adapter type 'grpc' is not a Naftiko adapter; it is not generated (the package serves "
        "the REST and MCP adapters only)",
    ),
    CatalogueEntry(
        "NAF395",
        _WARNING,
        "control feature not generated",
        "remove the key (or set `enabled: false`) to silence this warning",
        "The generated control port serves health, status, metrics and traces; other "
        "management endpoints and script settings are not generated.",
        "control endpoint `logs` is not generated (the reference engine does not implement it in "
        "1.0.0-alpha2 either); the control port serves health and status only",
    ),
    CatalogueEntry(
        "NAF396",
        _WARNING,
        "exposed path with `#` or `?`",
        "expose a plain path and pass the rest as parameters",
        "`#` and `?` never reach a server as part of a path, so the resource could never be "
        "called; it is left out of the REST adapter.",
        "exposed path '/items?all' contains `#` or `?`, which never reach a server as part of the "
        "path; the resource is left out of the REST adapter",
    ),
    CatalogueEntry(
        "NAF397",
        _WARNING,
        "call into an API not generated",
        "call an operation of an HTTP consumes entry instead",
        "The unit calls a consumes entry that is skipped (NAF321), so it is left out. " + _LEFT_OUT,
        "call 'events.publish' names the `grpc` consumes entry 'events', which is not "
        "generated; this unit is left out",
    ),
    CatalogueEntry(
        "NAF398",
        _WARNING,
        "call to an operation not generated",
        "expose the other operations, or run this one with the Naftiko engine",
        "The called operation needs something generated clients do not do yet, e.g. upload a "
        "file; the unit is left out. " + _LEFT_OUT,
        "call 'files.upload': parameter 'file' of files.upload uploads a file (`type: file`, "
        "multipart/form-data), which naftiko-gen does not generate; this unit is left out",
    ),
    CatalogueEntry(
        "NAF399",
        _WARNING,
        "outputRawFormat not converted",
        "naftiko-gen converts json, xml, csv, tsv, psv and yaml",
        "The upstream body is relayed as sent, so output mappings over it select nothing.",
        "`outputRawFormat: 'protobuf'` is not converted: bodies are relayed as the upstream "
        "sends them, and output mappings over them select nothing",
    ),
)

ENTRIES = (*_STEPS, *_GAPS)
"""The NAF38x-NAF39x codes, in code order."""
