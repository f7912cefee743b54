"""Upstream bodies in other formats (`outputRawFormat`), read as JSON-like data before mapping.

The conversions follow the Naftiko engine, so that a spec's mappings select the same nodes:
XML drops the root element, turns repeated elements into lists and keeps every leaf as a string
(attributes become fields); CSV, TSV and PSV become a list of objects keyed by the header row,
all values strings; YAML is parsed as is. HTML tables and Markdown documents
(`document_formats`) and Avro and Protocol Buffers messages (`binary_formats`) take the
operation's `outputSchema` too: a CSS selector, a heading filter or a schema file's name.
"""

from __future__ import annotations

import csv
import importlib
import io
from typing import Any
from xml.etree import ElementTree

__all__ = ["CONVERTED_FORMATS", "SCHEMA_FORMATS", "parse_body"]

_DELIMITERS = {"csv": ",", "tsv": "\t", "psv": "|"}
SCHEMA_FORMATS = frozenset({"avro", "protobuf"})
"""The formats whose `outputSchema` names a schema file the package ships."""
CONVERTED_FORMATS = frozenset({"xml", "yaml", "html", "markdown", *SCHEMA_FORMATS, *_DELIMITERS})
"""The formats `parse_body` reads; any other body is relayed as is."""


def parse_body(body: bytes, raw_format: str, schema: str | None = None) -> Any:
    """Read an upstream body of `raw_format` as JSON-like data; raise ValueError if malformed.

    `schema` is the operation's `outputSchema` as the generated code passes it: a CSS selector
    (html), a heading prefix (markdown) or a schema file in the package (avro, protobuf).
    """
    if raw_format in SCHEMA_FORMATS:
        binary = _sibling("binary_formats")
        return (binary.avro_data if raw_format == "avro" else binary.protobuf_data)(body, schema)
    text = body.decode("utf-8-sig", "replace")
    if raw_format in ("html", "markdown"):
        document = _sibling("document_formats")
        read = document.html_tables if raw_format == "html" else document.markdown_document
        return read(text, schema)
    if raw_format == "xml":
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as error:
            raise ValueError(f"malformed XML: {error}") from None
        return _element(root)
    if raw_format in _DELIMITERS:
        rows = csv.DictReader(io.StringIO(text), delimiter=_DELIMITERS[raw_format])
        return [{key: value for key, value in row.items() if key is not None} for row in rows]
    if raw_format == "yaml":
        return _yaml(text)
    raise ValueError(f"bodies in {raw_format!r} are not converted")


def _sibling(name: str) -> Any:
    # A package ships `binary_formats` / `document_formats` only when its spec declares such a
    # format (they need libraries the others do not depend on): import them by name, lazily.
    return importlib.import_module(f".{name}", __package__)


def _yaml(text: str) -> Any:
    # PyYAML is a dependency only of the packages whose spec declares YAML bodies, and only
    # their operations pass `raw_format="yaml"`: the others never import it.
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"malformed YAML: {error}") from None


def _element(element: ElementTree.Element) -> Any:
    """An element's content: a string for a leaf, else an object of its attributes and children."""
    text = element.text or ""
    children = list(element)
    if not children and not element.attrib:
        return text if text.strip() else ""
    node: dict[str, Any] = dict(element.attrib)
    groups: dict[str, list[Any]] = {}
    for child in children:
        groups.setdefault(_local_name(child.tag), []).append(_element(child))
    for name, values in groups.items():
        node[name] = values if len(values) > 1 else values[0]
    if text.strip():
        node[""] = text.strip()  # Mixed content keeps its text under an empty name.
    return node


def _local_name(tag: str) -> str:
    # `{namespace}name` → `name`: mappings name elements without their namespace.
    return tag.rsplit("}", 1)[-1]
