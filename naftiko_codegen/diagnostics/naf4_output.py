"""Catalogue NAF4xx: rendering, formatting and writing the package, and exporting OpenAPI.

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR = Severity.ERROR

ENTRIES = (
    CatalogueEntry(
        "NAF401",
        _ERROR,
        "template error",
        "fix the template (a custom one, if you passed --templates)",
        "A template failed to render: a syntax error, or a name the template context does not "
        "have (see docs/template-context.md). The location is the template and its line.",
        "template error: 'naftiko_codegen.context.RouteModel object' has no attribute 'verb'",
    ),
    CatalogueEntry(
        "NAF402",
        _ERROR,
        "generated code does not parse",
        "this is a naftiko-gen or template bug; please report it with the spec",
        "A rendered Python file is not valid Python, so it cannot be formatted. With built-in "
        "templates this is a bug in naftiko-gen; with custom ones, check the template's output.",
        "generated code does not parse: Cannot parse for target version Python 3.11: 12:4: def",
    ),
    CatalogueEntry(
        "NAF403",
        _ERROR,
        "custom template replaces a generated file",
        "name the template after the built-in one to override it instead",
        "An extra template under `--templates` would write a file the built-in templates "
        "already generate, e.g. `src/demo/app.py.jinja` for the built-in "
        "`src/package/app.py.jinja`. To change that file, override the built-in template under "
        "its own name.",
        "custom template 'src/demo/app.py.jinja' would replace the generated file 'src/demo/app.py'",
    ),
    CatalogueEntry(
        "NAF410",
        _ERROR,
        "output not written",
        "move the file away, or pass --force to overwrite it",
        "naftiko-gen only overwrites or removes files it generated and nobody edited since (the "
        "manifest records their hashes). The target is not a folder, is a folder naftiko-gen "
        "did not create, or holds a file that is not ours or was edited by hand.",
        "README.md was edited by hand since it was generated; not overwriting",
    ),
    CatalogueEntry(
        "NAF411",
        _ERROR,
        "two specs, one output folder",
        "rename one of the files (the package is named after the file)",
        "In a batch build, two specs would be written to the same `OUTPUT/<name>/` folder "
        "(files of the same name in different folders). The later one is not built.",
        "this spec would be written to out/api, which specs/api.yaml already builds into; "
        "not built",
    ),
    CatalogueEntry(
        "NAF420",
        _ERROR,
        "no OpenAPI document",
        "add an `exposes` entry of `type: rest`",
        "`export-openapi` asks the generated REST app for its document: the capability exposes "
        "no REST adapter, or the generated app could not be imported.",
        "this capability exposes no REST adapter, so there is no OpenAPI document",
    ),
)
"""The NAF4xx codes, in code order."""
