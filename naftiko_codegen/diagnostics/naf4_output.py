"""Catalogue NAF4xx: rendering, formatting and writing the package, and exporting OpenAPI.

Each entry: code, severity, title, hint, what it means, an example message.
"""

from __future__ import annotations

from .entry import CatalogueEntry, Severity

__all__ = ["ENTRIES"]

_ERROR = Severity.ERROR
_WARNING = Severity.WARNING

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
        "NAF412",
        _ERROR,
        "invalid manifest",
        "delete the package's .naftiko-gen.json if you trust the folder, or rebuild into a new "
        "folder",
        "The package's `.naftiko-gen.json` is untrusted input (packages are committed, so a pull "
        "request can change it). naftiko-gen refuses a manifest that is not a regular file, is "
        "larger than `NAFTIKO_GEN_MAX_MANIFEST_BYTES` (default 4 MiB), is not JSON, or lists a "
        "path that is not a plain relative path strictly inside the package (absolute, `..`, "
        "`.`, a drive, a backslash, a NUL or control character, not normalised) or a hash that "
        "is not a sha256. Nothing is written or removed.",
        "manifest entry '../../etc/passwd' is not a plain relative path inside the package",
    ),
    CatalogueEntry(
        "NAF413",
        _ERROR,
        "package generated from another spec",
        "build into another -o folder or choose another --name; --force replaces the package",
        "The folder holds a package that another spec generated (the manifest records the spec's "
        "path relative to the package), so two specs with the same package name would replace "
        "each other's package. The spec's path is compared, not its content: a moved output "
        "folder also needs --force once.",
        "out/api was generated from ../specs/v1/api.yaml, not from ../specs/v2/api.yaml",
    ),
    CatalogueEntry(
        "NAF414",
        _ERROR,
        "link or special file in the package",
        "replace the link with a real folder or file, or rebuild into a new folder",
        "naftiko-gen never follows a symbolic link inside a package, nor reads a FIFO, device or "
        "socket: a path it would write, compare or remove passes through a link (or is one), so "
        "writing there could reach outside the output folder.",
        "src/demo is a symbolic link; naftiko-gen does not follow links inside a package",
    ),
    CatalogueEntry(
        "NAF415",
        _ERROR,
        "output could not be written",
        "free space or fix the permissions of the output folder, then build again",
        "Writing the package failed (no space left, permission denied, read-only file system…). "
        "The new tree is staged beside the package and swapped in whole, so the package is left "
        "as it was.",
        "cannot write out/demo: [Errno 28] No space left on device",
    ),
    CatalogueEntry(
        "NAF416",
        _ERROR,
        "another build is writing the package",
        "wait for the other build, or raise NAFTIKO_GEN_LOCK_WAIT (seconds, default 60)",
        "Two builds were writing the same package folder at once. Each build holds a lock "
        "(`.<name>.lock` beside the folder, released when the build ends or dies) and the second "
        "waits for it up to `NAFTIKO_GEN_LOCK_WAIT` seconds.",
        "another naftiko-gen build is writing out/demo (waited 60 s)",
    ),
    CatalogueEntry(
        "NAF417",
        _WARNING,
        "control observability setting not generated",
        "configure OpenTelemetry export with the standard OTEL_* variables; remove the key to "
        "silence this warning",
        "The control port serves `/metrics` and `/traces` as the spec's `observability` block "
        "says (`enabled`, `metrics.local`, `traces.local`), but trace sampling, b3 propagation "
        "and exporters are not read from the spec: the package's OpenTelemetry export, when "
        "installed, is configured by the standard `OTEL_*` environment variables.",
        "control `observability.exporters` is not generated; set OTEL_EXPORTER_OTLP_ENDPOINT "
        "in the environment instead",
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
    CatalogueEntry(
        "NAF421",
        _ERROR,
        "script language not allowed",
        "add the language to `allowedLanguages`, or write the step in an allowed language",
        "The control adapter's `management.scripting.allowedLanguages` lists the languages a "
        "script step may be written in, and this step's language (its own `language`, else "
        "`defaultLanguage`) is not among them, so the engine would refuse every run.",
        "script step 'score' is written in python, which "
        "`management.scripting.allowedLanguages` (javascript) does not allow",
    ),
    CatalogueEntry(
        "NAF441",
        _WARNING,
        "package name taken",
        "name the spec file differently, or pass --name",
        "The package's distribution, import and command name come from the spec file's name "
        "(or --name). A name the standard library, a dependency of generated packages (`mcp`, "
        "`fastapi`, `yaml`, …) or one of their tools already uses would shadow that module, and "
        "`pip install` would replace the dependency: the package takes `<name>-capability`; "
        "the output folder keeps the name asked for.",
        "package name 'mcp' is taken by the standard library, a dependency of generated "
        "packages or one of their tools: the package is named 'mcp-capability' (the output "
        "folder stays 'mcp')",
    ),
)
"""The NAF4xx codes, in code order."""
