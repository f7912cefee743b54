"""Avro and Protocol Buffers bodies read with the schema file the package ships."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from naftiko_codegen.runtime import binary_formats
from naftiko_codegen.runtime.formats import parse_body
from naftiko_codegen.runtime.proto_schema import file_descriptor

fastavro = pytest.importorskip("fastavro")
pytest.importorskip("google.protobuf")

AVRO = {
    "type": "record",
    "name": "Item",
    "fields": [{"name": "id", "type": "string"}, {"name": "blob", "type": "bytes"}],
}
SHOP = """
syntax = "proto3";
package shop;
option java_package = "x.y";

message Order {
  string id = 1 [json_name = "ID"];
  repeated Line lines = 2;
  map<string, int32> totals = 3;
  Status status = 4;
  oneof payment { string card = 5; string cash_note = 6; }
  bytes raw = 7;
  int64 big = 8;
  reserved 9, 10;
  message Line { string sku = 1; Kind kind = 2; enum Kind { GOOD = 0; GIFT = 1; } }
}
enum Status { NEW = 0; PAID = 1 [deprecated = true]; }
service Shop { rpc Get (Order) returns (Order); }
"""


@pytest.fixture
def schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(binary_formats, "SCHEMA_FOLDER", tmp_path)
    binary_formats._avro_schema.cache_clear()
    binary_formats._protobuf_root.cache_clear()
    (tmp_path / "item.avsc").write_text(json.dumps(AVRO), encoding="utf-8")
    (tmp_path / "shop.proto").write_text(SHOP, encoding="utf-8")
    return tmp_path


def _avro(record: dict[str, object], container: bool = False) -> bytes:
    stream = io.BytesIO()
    parsed = fastavro.parse_schema(AVRO)
    if container:
        fastavro.writer(stream, parsed, [record])
    else:
        fastavro.schemaless_writer(stream, parsed, record)
    return stream.getvalue()


def test_an_avro_datum_with_its_schema_bytes_as_base64(schemas: Path) -> None:
    body = _avro({"id": "a", "blob": b"\x00\xff"})
    assert parse_body(body, "avro", "item.avsc") == {"id": "a", "blob": "AP8="}


def test_an_avro_container_file_needs_no_schema(schemas: Path) -> None:
    body = _avro({"id": "b", "blob": b""}, container=True)
    assert parse_body(body, "avro", None) == {"id": "b", "blob": ""}
    assert parse_body(body, "avro", "item.avsc") == {"id": "b", "blob": ""}
    stream = io.BytesIO()
    fastavro.writer(stream, fastavro.parse_schema(AVRO), [{"id": "1", "blob": b""}] * 2)
    assert parse_body(stream.getvalue(), "avro", None) == [{"id": "1", "blob": ""}] * 2


@pytest.mark.parametrize(
    ("body", "schema", "message"),
    [
        (b"\x02a", None, "needs the schema"),
        (b"\x99", "item.avsc", "malformed Avro body"),
        (b"", "../item.avsc", "not in the package's schemas folder"),
        (b"", "missing.avsc", "not in the package's schemas folder"),
    ],
)
def test_avro_problems_are_value_errors(
    schemas: Path, body: bytes, schema: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_body(body, "avro", schema)


def test_an_unusable_avro_schema_is_a_value_error(schemas: Path) -> None:
    (schemas / "bad.avsc").write_text('{"type": "nope"}', encoding="utf-8")
    with pytest.raises(ValueError, match="unusable Avro schema"):
        parse_body(b"\x00", "avro", "bad.avsc")


def _order_bytes() -> bytes:
    from google.protobuf import descriptor_pool, message_factory

    described, root = file_descriptor(SHOP, "shop.proto")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(described)
    order = message_factory.GetMessageClass(pool.FindMessageTypeByName(root))(
        id="o1", status=1, card="visa", raw=b"\x01", big=2**62
    )
    order.lines.add(sku="s1", kind=1)
    order.lines.add(sku="s2")
    order.totals["eur"] = 3
    return bytes(order.SerializeToString())


def test_a_protobuf_message_of_the_first_type(schemas: Path) -> None:
    assert parse_body(_order_bytes(), "protobuf", "shop.proto") == {
        "id": "o1",
        "lines": [{"sku": "s1", "kind": "GIFT"}, {"sku": "s2"}],
        "totals": {"eur": 3},
        "status": "PAID",
        "card": "visa",
        "raw": "AQ==",
        "big": 2**62,
    }


@pytest.mark.parametrize(
    ("body", "schema", "message"),
    [
        (b"\x00", None, "needs the `.proto` file"),
        (b"\xff\xff", "shop.proto", "malformed Protocol Buffers body"),
    ],
)
def test_protobuf_problems_are_value_errors(
    schemas: Path, body: bytes, schema: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_body(body, "protobuf", schema)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'import "other.proto";\nmessage A { int32 a = 1; }',
            "s.proto:1: `import` is not supported",
        ),
        ("enum E { A = 0; }", "declares no message type"),
        ("message A { Missing m = 1; }", "unknown type 'Missing'"),
        ("message A { .x.Missing m = 1; }", "unknown type '.x.Missing'"),
        ("message A { int32 a = x; }", "needs a field number"),
        ("message A {\n int32 a = 1 }", "s.proto:2: expected ';'"),
        ("message A { int32 a = 1;", "unexpected end of file"),
        ("message A { int32 a = 1; } $", "unexpected character '$'"),
        ("message A { int32 a = 1; } bogus", "unexpected 'bogus' at the top level"),
        ("message A { enum E { X = y; } }", "needs a number"),
    ],
)
def test_a_proto_file_outside_what_is_read_is_a_located_value_error(
    text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        file_descriptor(text, "s.proto")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("message A { B b = 1; }", "unknown type"),
        ("message A { int32 a = 1; int32 b = 1; }", "unusable Protocol Buffers schema"),
    ],
)
def test_an_unusable_proto_file_in_the_package_is_a_value_error(
    schemas: Path, text: str, message: str
) -> None:
    (schemas / "bad.proto").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        parse_body(b"", "protobuf", "bad.proto")


def test_an_enum_number_the_schema_does_not_name_reads_as_the_number(schemas: Path) -> None:
    (schemas / "open.proto").write_text(
        'syntax = "proto3"; message M { E e = 1; } enum E { A = 0; }', encoding="utf-8"
    )
    assert parse_body(b"\x08\x07", "protobuf", "open.proto") == {"e": 7}


def test_types_resolve_innermost_scope_first_and_fully_qualified_names_work() -> None:
    text = """
    syntax = "proto2";
    message Outer {
      message Inner { optional int32 v = 1; }
      optional Inner a = 1;
      optional .Outer.Inner b = 2;
      optional E e = 3 [default = X];
      enum E { X = 0; reserved 2; option allow_alias = true; ; }
      ;
      extensions 100 to 200;
    }
    enum Top { T = 0; }
    ;
    """
    described, root = file_descriptor(text, "o.proto")
    assert root == "Outer"
    fields = {f.name: f.type_name for f in described.message_type[0].field}
    assert fields == {"a": ".Outer.Inner", "b": ".Outer.Inner", "e": ".Outer.E"}
