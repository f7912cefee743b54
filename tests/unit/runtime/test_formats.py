"""`runtime/formats.py`: XML, CSV/TSV/PSV and YAML bodies read as the Naftiko engine reads them."""

from __future__ import annotations

import pytest

from naftiko_codegen.runtime.formats import CONVERTED_FORMATS, parse_body


def test_xml_drops_the_root_lists_repeats_and_keeps_leaves_as_text() -> None:
    body = (
        b'<r xmlns:a="urn:a"><a:item id="7">note<sub>1</sub><sub>2</sub></a:item><e/><s> </s></r>'
    )
    assert parse_body(body, "xml") == {
        "item": {"id": "7", "sub": ["1", "2"], "": "note"},
        "e": "",
        "s": "",
    }


def test_delimited_bodies_become_rows_keyed_by_the_header() -> None:
    assert parse_body(b"\xef\xbb\xbfid,name\n1,Ada\n2,Bob,extra\n", "csv") == [
        {"id": "1", "name": "Ada"},
        {"id": "2", "name": "Bob"},
    ]
    assert parse_body(b"id\tname\n1\tAda\n", "tsv") == [{"id": "1", "name": "Ada"}]
    assert parse_body(b"id|name\n1|Ada\n", "psv") == [{"id": "1", "name": "Ada"}]


def test_yaml_is_parsed_as_is() -> None:
    assert parse_body(b"items:\n- 1\n- two\n", "yaml") == {"items": [1, "two"]}


@pytest.mark.parametrize(
    ("body", "raw_format", "message"),
    [
        (b"<open>", "xml", "malformed XML"),
        (b"a: [1,", "yaml", "malformed YAML"),
        (b"\x00", "avro", "needs the schema"),
        (b"\x00", "thrift", "bodies in 'thrift' are not converted"),
    ],
)
def test_malformed_or_unknown_bodies_raise_value_error(
    body: bytes, raw_format: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_body(body, raw_format)


def test_the_converted_formats_are_listed() -> None:
    assert {
        *("xml", "csv", "tsv", "psv", "yaml", "html", "markdown", "avro", "protobuf")
    } == CONVERTED_FORMATS
