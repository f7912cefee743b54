"""Catalogue of the skill adapter and `script` step codes (NAF305-NAF309, NAF349, NAF351,
NAF387-NAF389, NAF440: the folders and files shipped in the package; NAF421, about script
languages, is with the NAF4xx codes).

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR, _WARNING = Severity.ERROR, Severity.WARNING

ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "NAF305",
        _ERROR,
        "script language the package cannot run",
        "rewrite the script in Python (`language: python`), or run the capability with the "
        "Naftiko engine",
        "A generated package runs `python` script steps in a subprocess; it has no JavaScript "
        "or Groovy interpreter, so a `javascript` or `groovy` step could never run.",
        "script step 'score' is written in javascript, which the generated package cannot run",
    ),
    CatalogueEntry(
        "NAF306",
        _ERROR,
        "script step without file, location or language",
        "give the step `file`, `location` and `language`, or set `management.scripting` "
        "`defaultLocation` / `defaultLanguage` on the control adapter",
        "A script step needs a file to run, the folder it lives in and its language; the "
        "control port's scripting defaults may supply the last two.",
        "script step 'score' has no `location` and the control port sets no `defaultLocation`",
    ),
    CatalogueEntry(
        "NAF307",
        _ERROR,
        "script file not in its location",
        "name a file of the step's `location` folder (relative to it)",
        "A script step's `file` (and each of its `dependencies`) must be a file of the folder "
        "its `location` names; the folder is copied into the package at build time.",
        "script step 'score': file 'score.py' is not in file:///./scripts",
    ),
    CatalogueEntry(
        "NAF308",
        _WARNING,
        "second skill adapter not generated",
        "move its skills into the first skill adapter",
        "A generated package serves one skill adapter; the first one is generated.",
        "a second skill adapter ('more-skills') is not generated; the package serves one, "
        "'shipyard-skills'",
    ),
    CatalogueEntry(
        "NAF309",
        _WARNING,
        "script step disabled",
        "set `management.scripting.enabled: true` on the control adapter, or remove the step",
        "The control adapter turns scripting off (`management.scripting.enabled: false`) while "
        "a unit runs a script step: the step is generated, but answers 503 until "
        "`PUT /scripting` on the control port turns scripting on.",
        "script step 'score' is off: `management.scripting.enabled` is false, so it answers 503 "
        'until `PUT /scripting {"enabled": true}` on the control port turns scripting on',
    ),
    CatalogueEntry(
        "NAF349",
        _WARNING,
        "skill tool names no adapter unit",
        "`from.sourceNamespace` names a sibling REST or MCP adapter and `from.action` one of "
        "its tools or operations",
        "A skill tool derived `from` another adapter must name the namespace of a REST or MCP "
        "adapter of this capability and the name of one of its MCP tools or REST operations; "
        "agents would otherwise be sent to something that does not exist, so the skill tool is "
        "left out (as the lenient reader leaves out any unit that names what is not there).",
        "skill tool 'list' of skill 'orders': MCP adapter 'tools' has no tool 'list-order'; "
        "did you mean 'list-orders'?",
    ),
    CatalogueEntry(
        "NAF351",
        _ERROR,
        "skill instruction file not found",
        "give the skill a `location` folder and name a file of it in `instruction`",
        "An `instruction` tool names a file relative to its skill's `location`; without a "
        "location, or when the folder has no such file, the tool could not be read.",
        "skill tool 'guide' of skill 'orders': instruction 'guide.md' is not a file of "
        "file:///./skills/orders",
    ),
    CatalogueEntry(
        "NAF387",
        _ERROR,
        "asset folder outside the spec's folder",
        "keep skill, script and MCP folders and files inside the spec's folder, without symbolic "
        "links, and write `file:///./<folder>`",
        "Skill, script and MCP resource `location` folders and MCP prompt `location` files are "
        "read at build time and shipped in the package; a folder outside the spec's folder, or reached through a symbolic link, "
        "is refused so a build never copies files it was not meant to.",
        "skill location file:///tmp/skills lies outside the spec's folder",
    ),
    CatalogueEntry(
        "NAF388",
        _ERROR,
        "asset folder cannot be read",
        "check that the `location` names an existing folder of regular files",
        "A skill, script or MCP resource `location` must name a folder that exists and holds "
        "only regular files and folders; an MCP prompt `location` must name a regular file.",
        "cannot read skill location file:///./skills/orders: no such folder",
    ),
    CatalogueEntry(
        "NAF389",
        _ERROR,
        "asset folder too large",
        "trim the folder, or raise the limit the message names",
        "A skill, script or MCP folder (or prompt file) is copied into the generated package, "
        "so its files are "
        "bounded in number and size (`NAFTIKO_GEN_MAX_ASSET_FILES`, "
        "`NAFTIKO_GEN_MAX_ASSET_BYTES`).",
        "skill location file:///./skills/orders holds more than 1,048,576 bytes in files",
    ),
    CatalogueEntry(
        "NAF440",
        _WARNING,
        "MCP file is not UTF-8 text",
        "save the file as UTF-8, or leave it out of the folder",
        "A static MCP resource or prompt is served as text: a file that is not UTF-8 is shipped "
        "with each undecodable byte replaced by U+FFFD, as it would be served.",
        "MCP resource 'notes': file:///./notes holds logo.png, which is not UTF-8 text",
    ),
)
