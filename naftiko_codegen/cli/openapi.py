"""`naftiko-gen export-openapi` and `import-openapi`: OpenAPI documents out of and into specs."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import click
import yaml

from ..diagnostics import Diagnostic, DiagnosticError, Location, Severity
from ..limits import MAX_SPEC_BYTES
from ..load import decode_text, read_spec_file
from ..openapi_export import export_openapi
from ..openapi_import import ImportOptions, import_openapi
from ..pipeline import generate
from .options import TEMPLATES_OPTION, template_dirs
from .output import echo_diagnostics, fail

__all__ = ["export_openapi_command", "import_openapi_command"]

_EPILOG_EXPORT = """\b
Examples:
  naftiko-gen export-openapi rest-sessions.yaml > openapi.json
  naftiko-gen export-openapi rest-sessions.yaml --format yaml -o openapi.yaml
"""

_EPILOG_IMPORT = """\b
Examples:
  naftiko-gen import-openapi api.yaml -o jupyter.yaml --base-url http://localhost:8888 \\
      --api-key-query token
  naftiko-gen import-openapi petstore.json -o petstore.yaml && naftiko-gen build petstore.yaml -o out/
  naftiko-gen import-openapi https://petstore3.swagger.io/api/v3/openapi.json -o petstore.yaml
  curl -s https://example.com/openapi.yaml | naftiko-gen import-openapi - -o api.yaml
"""

_FETCH_TIMEOUT = 30.0
"""Seconds to wait for an OpenAPI document given as an http(s) URL."""


def _read_document(document: str) -> tuple[str, str]:
    """The document's text and how findings name it: a file, `-` (stdin) or an http(s) URL.

    At most NAFTIKO_GEN_MAX_SPEC_BYTES are read from any of them; a URL is fetched with a
    timeout and no credentials. Raise a located `DiagnosticError` when it cannot be read.
    """
    limit = MAX_SPEC_BYTES.value
    if document == "-":
        data = sys.stdin.buffer.read(limit + 1)
        label = "<stdin>"
    elif document.startswith(("http://", "https://")):
        label = document
        try:
            with urllib.request.urlopen(document, timeout=_FETCH_TIMEOUT) as response:
                data = response.read(limit + 1)
        except (urllib.error.URLError, OSError, ValueError) as error:
            if isinstance(error, urllib.error.HTTPError):
                error.close()  # it holds the answer's connection
            raise _unreadable(label, f"cannot fetch the document: {error}") from None
    else:
        return read_spec_file(Path(document), document), document
    if len(data) > limit:
        raise _unreadable(
            label, f"the document is larger than {limit} bytes ({MAX_SPEC_BYTES.hint()})"
        )
    return decode_text(data, label), label


def _unreadable(label: str, message: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(Location(label), "NAF100", Severity.ERROR, message)])


@click.command("export-openapi", epilog=_EPILOG_EXPORT)
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "yaml"]), default="json", show_default=True
)
@TEMPLATES_OPTION
def export_openapi_command(
    spec: Path, output: Path | None, fmt: str, templates: tuple[Path, ...]
) -> None:
    """Print the OpenAPI 3.1 document the generated REST adapter of SPEC serves.

    The package is generated in a temporary folder and its own app is asked for the document,
    so the result is exactly what GET /openapi.json answers.
    """
    try:
        package = generate(spec, templates=template_dirs(templates))
        document = export_openapi(package.model, package.files)
    except DiagnosticError as error:
        fail(error)
    if fmt == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@click.command("import-openapi", epilog=_EPILOG_IMPORT)
@click.argument("document")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Capability file to write (default: standard output).",
)
@click.option("--base-url", help="The API's base URL (overrides the document's servers/host).")
@click.option("--namespace", help="Consumes namespace (default: from the document's title).")
@click.option("--api-key-query", metavar="NAME", help="Send the API key as query parameter NAME.")
@click.option("--api-key-header", metavar="NAME", help="Send the API key as header NAME.")
@click.option("--bearer", is_flag=True, help="Send a bearer token.")
@click.option("--rest-port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--mcp-port", type=click.IntRange(1, 65535), default=9090, show_default=True)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def import_openapi_command(
    document: str,
    output: Path | None,
    base_url: str | None,
    namespace: str | None,
    api_key_query: str | None,
    api_key_header: str | None,
    bearer: bool,
    rest_port: int,
    mcp_port: int,
    force: bool,
) -> None:
    """Convert an OpenAPI 3.0/3.1 or Swagger 2.0 DOCUMENT into a capability that builds.

    DOCUMENT is a file, `-` for standard input, or an http(s) URL (fetched with a 30 s
    timeout, at most NAFTIKO_GEN_MAX_SPEC_BYTES). Enums, request body schemas and response
    schemas are kept as far as a capability can say them.

    One consumed API, and one REST route plus one MCP tool per operation, with inputs and
    hints filled in. Review the result, then `naftiko-gen build` it.
    """
    if sum(bool(x) for x in (api_key_query, api_key_header, bearer)) > 1:
        raise click.UsageError("choose one of --api-key-query, --api-key-header, --bearer")
    if output is not None and output.exists() and not force:
        raise click.UsageError(f"{output} exists; pass --force to overwrite it")
    options = ImportOptions(
        base_url=base_url,
        namespace=namespace,
        rest_port=rest_port,
        mcp_port=mcp_port,
        api_key_query=api_key_query,
        api_key_header=api_key_header,
        bearer=bearer,
    )
    try:
        text, label = _read_document(document)
        result = import_openapi(text, label, options)
    except DiagnosticError as error:
        fail(error)
    echo_diagnostics(result.diagnostics, quiet=False)
    if output is None:
        click.echo(result.text, nl=False)
    else:
        output.write_text(result.text, encoding="utf-8")
        click.echo(f"wrote {output}; next: naftiko-gen build {output} -o out/", err=True)
