"""`outputRawFormat`: the generated `formats.py` reads XML, CSV/TSV/PSV and YAML bodies the way
the Naftiko engine does, so that a spec's output mappings select the same nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _generated import import_generated

from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import generate
from naftiko_codegen.resolve import resolve_spec

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Formats
  description: Bodies in several formats.
capability:
  consumes:
  - type: http
    namespace: legacy
    baseUri: https://legacy.example.com
    resources:
{resources}  exposes:
  - type: mcp
    namespace: legacy-tools
    port: 9090
    description: Legacy tools.
    tools:
{tools}"""
FORMATS = ("xml", "csv", "tsv", "yaml")


def _spec(formats: tuple[str, ...] = FORMATS) -> str:
    resources = "".join(
        f"    - name: r-{f}\n      path: /{f}\n      operations:\n"
        f"      - name: get-{f}\n        method: GET\n        outputRawFormat: {f}\n"
        for f in formats
    )
    tools = "".join(
        f"    - name: get-{f}\n      description: A {f} body.\n      call: legacy.get-{f}\n"
        for f in formats
    )
    return SPEC.format(resources=resources, tools=tools)


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("formats")
    spec = root / "formats.yaml"
    spec.write_text(_spec(), encoding="utf-8")
    package = generate(spec)
    assert "pyyaml>=6.0,<7" in package.files["pyproject.toml"]
    return import_generated(package.files, "formats.formats", root)


VESSELS = b"""<?xml version="1.0"?>
<vessels>
  <vessel><vesselCode>LEGACY-4012</vesselCode><vesselName>Old Faithful</vesselName></vessel>
  <vessel><vesselCode>LEGACY-2087</vesselCode><vesselName>Iron Maiden</vesselName></vessel>
</vessels>"""


def test_xml_drops_the_root_and_lists_repeated_elements(formats: Any) -> None:
    assert formats.parse_body(VESSELS, "xml") == {
        "vessel": [
            {"vesselCode": "LEGACY-4012", "vesselName": "Old Faithful"},
            {"vesselCode": "LEGACY-2087", "vesselName": "Iron Maiden"},
        ]
    }
    # One element stays an object (the engine's reading), leaves stay strings.
    single = b"<vessels><vessel><tonnage>42000</tonnage><empty/></vessel></vessels>"
    assert formats.parse_body(single, "xml") == {"vessel": {"tonnage": "42000", "empty": ""}}


def test_xml_attributes_namespaces_and_mixed_text(formats: Any) -> None:
    body = b'<r xmlns:a="urn:a"><a:item id="7" kind="x">note<sub>1</sub></a:item></r>'
    assert formats.parse_body(body, "xml") == {
        "item": {"id": "7", "kind": "x", "sub": "1", "": "note"}
    }


def test_malformed_bodies_raise_value_error(formats: Any) -> None:
    with pytest.raises(ValueError, match="malformed XML"):
        formats.parse_body(b"<open>", "xml")
    with pytest.raises(ValueError, match="malformed YAML"):
        formats.parse_body(b"a: [1,", "yaml")
    with pytest.raises(ValueError, match="not converted"):
        formats.parse_body(b"\x00", "thrift")


def test_delimited_and_yaml_bodies(formats: Any) -> None:
    assert formats.parse_body(b"id,name\n1,Ada\n2,Bob\n", "csv") == [
        {"id": "1", "name": "Ada"},
        {"id": "2", "name": "Bob"},
    ]
    assert formats.parse_body(b"id\tname\n1\tAda\n", "tsv") == [{"id": "1", "name": "Ada"}]
    assert formats.parse_body(b"\xef\xbb\xbfid|n\n3|x\n", "psv") == [{"id": "3", "n": "x"}]
    assert formats.parse_body(b"items:\n- 1\n- two\n", "yaml") == {"items": [1, "two"]}


def test_unconverted_formats_are_reported() -> None:
    capability = resolve_spec(load_spec(_spec(("xml", "protobuf")), "cap.yaml"))
    (finding,) = [d for d in capability.diagnostics if d.code == "NAF399"]
    assert "protobuf" in finding.message


def test_no_formats_module_for_json_only(tmp_path: Path) -> None:
    spec = tmp_path / "plain.yaml"
    spec.write_text(_spec(("json",)), encoding="utf-8")
    assert "src/plain/formats.py" not in generate(spec).files
