"""Avro and Protocol Buffers upstream bodies read as JSON-like data, with the spec's schema file.

`outputSchema` names the schema (an `.avsc` file for Avro, a `.proto` file for Protocol
Buffers); naftiko-gen copies it into the package's `schemas/` folder at build time and the
generated code passes its file name here. Schemas are read once per process.

- **Avro**: the body is one binary-encoded datum of the schema (the engine's reading), decoded
  by fastavro. Without a schema, a body that is an Avro object container file (which carries its
  own schema) is read too: its only record, or the list of its records.
- **Protocol Buffers**: the body is one message of the first message type the `.proto` file
  declares (the engine's reading). The file is parsed by `proto_schema` into a descriptor and the
  message decoded by the protobuf library. Fields keep their `.proto` names; enums read as their
  names, bytes as base64, 64-bit integers as numbers.

Bytes anywhere read as base64 text, so the result is always JSON-serialisable.
"""

from __future__ import annotations

import base64
import functools
import io
import json
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_FOLDER", "avro_data", "protobuf_data"]

SCHEMA_FOLDER = Path(__file__).with_name("schemas")
"""Where the package keeps the schema files its spec names."""

_AVRO_CONTAINER_MAGIC = b"Obj\x01"


def avro_data(body: bytes, schema_name: str | None) -> Any:
    """One Avro datum of the named schema (or an object container file's records)."""
    import fastavro

    stream = io.BytesIO(body)
    try:
        if schema_name is None:
            if not body.startswith(_AVRO_CONTAINER_MAGIC):
                raise ValueError(
                    "an Avro body needs the schema named by `outputSchema` "
                    "(only an object container file carries its own)"
                )
            records = [_plain(record) for record in fastavro.reader(stream)]
            return records[0] if len(records) == 1 else records
        if body.startswith(_AVRO_CONTAINER_MAGIC):
            records = [_plain(record) for record in fastavro.reader(stream)]
            return records[0] if len(records) == 1 else records
        return _plain(fastavro.schemaless_reader(stream, _avro_schema(schema_name), None))
    except ValueError:
        raise
    except Exception as error:  # fastavro raises EOFError, TypeError, … on a bad body
        raise ValueError(f"malformed Avro body: {type(error).__name__}: {error}") from None


@functools.cache
def _avro_schema(schema_name: str) -> Any:
    import fastavro

    try:
        return fastavro.parse_schema(json.loads(_schema_text(schema_name)))
    except Exception as error:
        raise ValueError(f"unusable Avro schema {schema_name}: {error}") from None


def protobuf_data(body: bytes, schema_name: str | None) -> Any:
    """One message of the first type the named `.proto` file declares."""
    if schema_name is None:
        raise ValueError("a Protocol Buffers body needs the `.proto` file named by `outputSchema`")
    message_class = _protobuf_root(schema_name)
    message = message_class()
    try:
        message.ParseFromString(body)
    except Exception as error:  # protobuf's DecodeError and friends
        raise ValueError(f"malformed Protocol Buffers body: {error}") from None
    return _message(message)


@functools.cache
def _protobuf_root(schema_name: str) -> Any:
    from google.protobuf import descriptor_pool, message_factory

    from .proto_schema import file_descriptor

    try:
        described, root = file_descriptor(_schema_text(schema_name), schema_name)
        pool = descriptor_pool.DescriptorPool()
        pool.Add(described)
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(root))
    except ValueError:
        raise
    except Exception as error:
        raise ValueError(f"unusable Protocol Buffers schema {schema_name}: {error}") from None


def _message(message: Any) -> dict[str, Any]:
    """A decoded message as plain data: set fields only, as the engine's mapper returns them."""
    return {field.name: _field(field, value) for field, value in message.ListFields()}


def _field(field: Any, value: Any) -> Any:
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        value_field = entry.fields_by_name["value"]
        return {str(key): _single(value_field, value[key]) for key in sorted(value)}
    if _is_repeated(field):
        return [_single(field, item) for item in value]
    return _single(field, value)


def _is_repeated(field: Any) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf 6+; `label` is deprecated there
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == field.LABEL_REPEATED)  # pragma: no cover - protobuf 5


def _single(field: Any, value: Any) -> Any:
    if field.message_type is not None:
        return _message(value)
    if field.enum_type is not None:
        named = field.enum_type.values_by_number.get(value)
        return named.name if named is not None else value
    return _plain(value)


def _plain(value: Any) -> Any:
    """Bytes as base64 text, recursively; everything else as it is."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _schema_text(schema_name: str) -> str:
    # The name comes from generated code, but stay inside the folder all the same.
    path = SCHEMA_FOLDER / schema_name
    if path.parent != SCHEMA_FOLDER or not path.is_file():
        raise ValueError(f"schema file {schema_name!r} is not in the package's schemas folder")
    return path.read_text(encoding="utf-8")
