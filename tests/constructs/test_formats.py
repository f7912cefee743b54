"""`outputRawFormat` html, markdown, avro and protobuf: each body turned into JSON before mapping.

One capability consumes four operations of a stub upstream (a real aiohttp server on loopback),
each answering in one format: an HTML page with two tables (the CSS selector of `outputSchema`
picks one), a Markdown document (front matter, a table, sections filtered by heading), one Avro
datum of an `.avsc` schema, and one Protocol Buffers message of a `.proto` schema. The package
is generated, served in-process, and the REST answers (and one MCP tool's) are the mapped data.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.proto_schema import file_descriptor
from naftiko_codegen.runtime.tests.loopback import serve_app

fastavro = pytest.importorskip("fastavro")
pytest.importorskip("google.protobuf")

AVRO_SCHEMA = {
    "type": "record",
    "name": "RecordsList",
    "fields": [
        {
            "name": "records",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Record",
                    "fields": [
                        {"name": "id", "type": "string"},
                        {"name": "title", "type": "string"},
                        {"name": "score", "type": "long"},
                    ],
                },
            },
        }
    ],
}
PROTO_SCHEMA = """\
syntax = "proto2";
package test.records;

// The first message type is the body's.
message RecordsList {
  repeated Record records = 1;
}

message Record {
  required string id = 1;
  required string title = 2;
  optional Kind kind = 3;
  enum Kind { PLAIN = 0; SPECIAL = 1; }
}
"""
HTML = """<html><body>
<table id="other"><tr><th>X</th></tr><tr><td>ignored</td></tr></table>
<div class="catalog"><table class="products">
  <thead><tr><th>Name</th><th>Price</th><th>Stock</th></tr></thead>
  <tbody>
    <tr><td>Widget   <b>Pro</b></td><td>9.99</td><td>12</td></tr>
    <tr><td>Gadget</td><td>4.50</td></tr>
  </tbody>
</table></div>
</body></html>"""
MARKDOWN = """---
release: 2.1
---
# Features

| Feature | Status |
|---|---|
| Search | `done` |
| Export | planned |

## Roadmap: Q3

Ship *export*
to everyone.

## Notes

Not selected.
"""

SPEC = """\
naftiko: "1.0.0-alpha2"
info:
  label: "Formats"
  description: "Each outputRawFormat read into JSON"
capability:
  exposes:
    - type: "rest"
      port: 9093
      namespace: "formats"
      resources:
        - path: "/products"
          name: "products"
          operations:
            - method: "GET"
              call: "up.get-products"
              outputParameters:
                - type: "array"
                  mapping: "$.tables[0]"
                  items:
                    type: "object"
                    properties:
                      name: {type: "string", mapping: "$.Name"}
                      stock: {type: "string", mapping: "$.Stock"}
        - path: "/features"
          name: "features"
          operations:
            - method: "GET"
              call: "up.get-readme"
              outputParameters:
                - type: "object"
                  properties:
                    release: {type: "number", mapping: "$.frontMatter.release"}
                    features: {type: "array", mapping: "$.tables[0]"}
                    sections: {type: "array", mapping: "$.sections"}
        - path: "/avro"
          name: "avro"
          operations:
            - method: "GET"
              call: "up.get-avro"
              outputParameters:
                - type: "array"
                  mapping: "$.records"
                  items:
                    type: "object"
                    properties:
                      id: {type: "string", mapping: "$.id"}
                      score: {type: "number", mapping: "$.score"}
        - path: "/proto"
          name: "proto"
          operations:
            - method: "GET"
              call: "up.get-proto"
              outputParameters:
                - type: "array"
                  mapping: "$.records"
  consumes:
    - type: "http"
      namespace: "up"
      baseUri: "http://localhost:8080"
      resources:
        - path: "/products"
          name: "products"
          operations:
            - {method: "GET", name: "get-products", outputRawFormat: "html",
               outputSchema: "div.catalog"}
        - path: "/readme"
          name: "readme"
          operations:
            - {method: "GET", name: "get-readme", outputRawFormat: "markdown",
               outputSchema: "Roadmap"}
        - path: "/avro"
          name: "avro"
          operations:
            - {method: "GET", name: "get-avro", outputRawFormat: "avro",
               outputSchema: "schemas/records.avsc"}
        - path: "/proto"
          name: "proto"
          operations:
            - {method: "GET", name: "get-proto", outputRawFormat: "protobuf",
               outputSchema: "schemas/records.proto"}
"""


def _avro_body() -> bytes:
    stream = io.BytesIO()
    records = [
        {"id": "r1", "title": "One", "score": 2**40},
        {"id": "r2", "title": "Two", "score": -3},
    ]
    fastavro.schemaless_writer(stream, fastavro.parse_schema(AVRO_SCHEMA), {"records": records})
    return stream.getvalue()


def _proto_body() -> bytes:
    from google.protobuf import descriptor_pool, message_factory

    described, root = file_descriptor(PROTO_SCHEMA, "records.proto")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(described)
    message = message_factory.GetMessageClass(pool.FindMessageTypeByName(root))()
    message.records.add(id="p1", title="First", kind=1)
    message.records.add(id="p2", title="Second")
    return bytes(message.SerializeToString())


def _upstream() -> web.Application:
    bodies = {
        "/products": (HTML.encode(), "text/html"),
        "/readme": (MARKDOWN.encode(), "text/markdown"),
        "/avro": (_avro_body(), "application/avro"),
        "/proto": (_proto_body(), "application/protobuf"),
    }
    app = web.Application()
    for path, (body, media) in bodies.items():

        async def handler(request: web.Request, body: bytes = body, media: str = media) -> Any:
            return web.Response(body=body, content_type=media)

        app.router.add_get(path, handler)
    return app


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("formats")
    (folder / "schemas").mkdir()
    (folder / "schemas" / "records.avsc").write_text(json.dumps(AVRO_SCHEMA), encoding="utf-8")
    (folder / "schemas" / "records.proto").write_text(PROTO_SCHEMA, encoding="utf-8")
    (folder / "formats.yaml").write_text(SPEC, encoding="utf-8")
    generated = generate(folder / "formats.yaml")
    out = folder / "out"
    for relative, text in generated.files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")
    name = generated.model.package
    sys.path.insert(0, str(out / "src"))
    yield name
    sys.path.remove(str(out / "src"))
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


async def _answers(package: str) -> dict[str, Any]:
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    runner = web.AppRunner(_upstream())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = upstream.UpstreamClient(
        settings.load_settings({"UP_BASE_URL": f"http://127.0.0.1:{port}"})
    )
    answers: dict[str, Any] = {}
    try:
        async with serve_app(rest_app.create_app(client)) as url, aiohttp.ClientSession() as http:
            for path in ("/products", "/features", "/avro", "/proto"):
                async with http.get(url + path) as reply:
                    answers[path] = (
                        reply.status,
                        (
                            await reply.json(content_type=None)
                            if reply.content_type.endswith("json")
                            else await reply.read()
                        ),
                    )
    finally:
        await client.close()
        await runner.cleanup()
    return answers


def test_each_format_is_read_into_json_before_mapping(package: str) -> None:
    answers = asyncio.run(_answers(package))
    assert answers["/products"] == (
        200,
        [{"name": "Widget Pro", "stock": "12"}, {"name": "Gadget", "stock": ""}],
    )
    assert answers["/features"] == (
        200,
        {
            "release": 2.1,
            "features": [
                {"Feature": "Search", "Status": "done"},
                {"Feature": "Export", "Status": "planned"},
            ],
            "sections": [
                {"heading": "Roadmap: Q3", "level": 2, "content": "Ship export to everyone."}
            ],
        },
    )
    assert answers["/avro"] == (200, [{"id": "r1", "score": 2**40}, {"id": "r2", "score": -3}])
    assert answers["/proto"] == (
        200,
        [{"id": "p1", "title": "First", "kind": "SPECIAL"}, {"id": "p2", "title": "Second"}],
    )


def test_the_schema_files_ship_in_the_package_and_pull_in_their_libraries(package: str) -> None:
    module = importlib.import_module(f"{package}.binary_formats")
    shipped = sorted(p.suffix for p in module.SCHEMA_FOLDER.iterdir())
    assert shipped == [".avsc", ".proto"]
    pyproject = (module.SCHEMA_FOLDER.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    for library in ("fastavro", "protobuf", "beautifulsoup4", "markdown-it-py", "pyyaml"):
        assert f'"{library}' in pyproject


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("../outside.avsc", "must be relative to the spec's folder and stay inside it"),
        ("schemas/missing.avsc", "No such file"),
        ("/etc/hostname", "must be relative"),
    ],
)
def test_a_schema_file_outside_the_folder_or_missing_is_a_located_error(
    tmp_path: Path, schema: str, message: str
) -> None:
    (tmp_path / "outside.avsc").write_text("{}", encoding="utf-8")
    folder = tmp_path / "spec"
    folder.mkdir()
    spec = SPEC.replace("schemas/records.avsc", schema).replace(
        'outputRawFormat: "protobuf",\n               outputSchema: "schemas/records.proto"',
        'outputRawFormat: "json"',
    )
    (folder / "formats.yaml").write_text(spec, encoding="utf-8")
    with pytest.raises(DiagnosticError) as raised:
        generate(folder / "formats.yaml")
    [problem] = [d for d in raised.value.diagnostics if d.code == "NAF131"]
    assert problem.code == "NAF131" and message in problem.message
    lines = spec.splitlines()
    value = next(n for n, line in enumerate(lines, 1) if f'outputSchema: "{schema}"' in line)
    assert (problem.location.line, problem.location.column) == (
        value,
        lines[value - 1].index(f'"{schema}"') + 1,
    )


def test_a_schema_file_reached_through_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "records.avsc").write_text(json.dumps(AVRO_SCHEMA), encoding="utf-8")
    (tmp_path / "schemas").symlink_to(tmp_path / "real")
    (tmp_path / "formats.yaml").write_text(SPEC, encoding="utf-8")
    with pytest.raises(DiagnosticError) as raised:
        generate(tmp_path / "formats.yaml")
    refused = [d for d in raised.value.diagnostics if d.code == "NAF131"]
    assert len(refused) == 2 and all("symbolic link" in d.message for d in refused)
