"""A `.proto` file (proto2 or proto3) read into a protobuf `FileDescriptorProto`, with no protoc.

Covers what a message schema needs: `syntax`, `package`, messages (nested), enums (nested),
fields with `optional`/`required`/`repeated`, scalar types, message and enum types named
relatively or fully, `oneof`, `map<K, V>`. Options, `reserved`, `extensions` and `service`
blocks are read past. `import` is refused: the schema must stand alone (the package ships one
file). Any other text is a ValueError naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["file_descriptor"]

_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|(?P<token>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_][\w.]*|\.[A-Za-z_][\w.]*|-?\d[\w.+-]*|[{}\[\]()<>;=,:])""",
    re.DOTALL,
)
_SCALARS = {
    "double": 1, "float": 2, "int64": 3, "uint64": 4, "int32": 5, "fixed64": 6, "fixed32": 7,
    "bool": 8, "string": 9, "bytes": 12, "uint32": 13, "sfixed32": 15, "sfixed64": 16,
    "sint32": 17, "sint64": 18,
}  # fmt: skip
_TYPE_MESSAGE, _TYPE_ENUM = 11, 14
_LABELS = {"optional": 1, "required": 2, "repeated": 3}


@dataclass
class _Field:
    name: str
    number: int
    label: int
    type_name: str
    oneof: int | None = None


@dataclass
class _Message:
    name: str
    fields: list[_Field] = field(default_factory=list)
    messages: list[_Message] = field(default_factory=list)
    enums: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)
    oneofs: list[str] = field(default_factory=list)
    map_entry: bool = False


class _Tokens:
    def __init__(self, text: str, source: str) -> None:
        self._items: list[tuple[str, int]] = []
        self._source = source
        position, line = 0, 1
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise self._error(line, f"unexpected character {text[position]!r}")
            if match.group("token") is not None:
                self._items.append((match.group("token"), line))
            line += match.group(0).count("\n")
            position = match.end()
        self._index = 0

    def _error(self, line: int, message: str) -> ValueError:
        return ValueError(f"{self._source}:{line}: {message}")

    def peek(self) -> str:
        return self._items[self._index][0] if self._index < len(self._items) else ""

    def take(self, expected: str | None = None) -> str:
        if self._index >= len(self._items):
            raise ValueError(f"{self._source}: unexpected end of file")
        token, line = self._items[self._index]
        if expected is not None and token != expected:
            raise self._error(line, f"expected {expected!r}, found {token!r}")
        self._index += 1
        return token

    def fail(self, message: str) -> ValueError:
        line = self._items[min(self._index, len(self._items) - 1)][1] if self._items else 1
        return self._error(line, message)

    def skip_statement(self) -> None:
        """Read past a statement (to `;`) or a block (balanced `{}`)."""
        depth = 0
        while True:
            token = self.take()
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    return
            elif token == ";" and depth == 0:
                return


def file_descriptor(text: str, source: str) -> tuple[Any, str]:
    """The file's `FileDescriptorProto` and the full name of its first message type."""
    from google.protobuf import descriptor_pb2

    tokens = _Tokens(text, source)
    package, syntax = "", "proto2"
    messages: list[_Message] = []
    enums: list[tuple[str, list[tuple[str, int]]]] = []
    while tokens.peek():
        keyword = tokens.take()
        if keyword == "syntax" or keyword == "edition":
            tokens.take("=")
            syntax = tokens.take().strip("\"'")
            tokens.take(";")
        elif keyword == "package":
            package = tokens.take()
            tokens.take(";")
        elif keyword == "import":
            raise tokens.fail("`import` is not supported: put every type in the one schema file")
        elif keyword == "message":
            messages.append(_message(tokens))
        elif keyword == "enum":
            enums.append(_enum(tokens))
        elif keyword in ("option", "service", "extend"):
            tokens.skip_statement()
        elif keyword != ";":
            raise tokens.fail(f"unexpected {keyword!r} at the top level")
    if not messages:
        raise ValueError(f"{source}: the schema declares no message type")
    proto = descriptor_pb2.FileDescriptorProto(name=source, package=package or None)
    proto.syntax = "proto3" if syntax == "proto3" else "proto2"
    names = _type_names(package, messages, enums)
    scope = f".{package}" if package else ""
    for message in messages:
        _describe(proto.message_type.add(), message, scope, names)
    for name, values in enums:
        _describe_enum(proto.enum_type.add(), name, values)
    root = f"{package}.{messages[0].name}" if package else messages[0].name
    return proto, root


def _message(tokens: _Tokens) -> _Message:
    message = _Message(tokens.take())
    tokens.take("{")
    while tokens.peek() != "}":
        _member(tokens, message, None)
    tokens.take("}")
    return message


def _member(tokens: _Tokens, message: _Message, oneof: int | None) -> None:
    word = tokens.peek()
    if word == "message" and oneof is None:
        tokens.take()
        message.messages.append(_message(tokens))
    elif word == "enum" and oneof is None:
        tokens.take()
        message.enums.append(_enum(tokens))
    elif word == "oneof" and oneof is None:
        tokens.take()
        message.oneofs.append(tokens.take())
        tokens.take("{")
        while tokens.peek() != "}":
            _member(tokens, message, len(message.oneofs) - 1)
        tokens.take("}")
    elif word in ("option", "reserved", "extensions", "extend"):
        tokens.skip_statement()
    elif word == ";":
        tokens.take()
    elif word == "map":
        _map_field(tokens, message)
    else:
        label = _LABELS.get(word)
        if label is not None:
            tokens.take()
        type_name = tokens.take()
        name, number = _field_rest(tokens)
        message.fields.append(_Field(name, number, label or 1, type_name, oneof))


def _field_rest(tokens: _Tokens) -> tuple[str, int]:
    """`name = number [options];`: the field's name and number."""
    name = tokens.take()
    tokens.take("=")
    number = tokens.take()
    if not number.isdigit():
        raise tokens.fail(f"field {name!r} needs a field number, found {number!r}")
    if tokens.peek() == "[":
        while tokens.take() != "]":
            pass
    tokens.take(";")
    return name, int(number)


def _map_field(tokens: _Tokens, message: _Message) -> None:
    tokens.take("map")
    tokens.take("<")
    key = tokens.take()
    tokens.take(",")
    value = tokens.take()
    tokens.take(">")
    name, number = _field_rest(tokens)
    entry = "".join(part[:1].upper() + part[1:] for part in name.split("_")) + "Entry"
    message.messages.append(
        _Message(entry, [_Field("key", 1, 1, key), _Field("value", 2, 1, value)], map_entry=True)
    )
    message.fields.append(_Field(name, number, 3, entry))


def _enum(tokens: _Tokens) -> tuple[str, list[tuple[str, int]]]:
    name = tokens.take()
    values: list[tuple[str, int]] = []
    tokens.take("{")
    while tokens.peek() != "}":
        if tokens.peek() in ("option", "reserved"):
            tokens.skip_statement()
            continue
        if tokens.peek() == ";":
            tokens.take()
            continue
        label = tokens.take()
        tokens.take("=")
        number = tokens.take()
        if not number.lstrip("-").isdigit():
            raise tokens.fail(f"enum value {label!r} needs a number, found {number!r}")
        values.append((label, int(number)))
        if tokens.peek() == "[":
            while tokens.take() != "]":
                pass
        tokens.take(";")
    tokens.take("}")
    return name, values


def _type_names(
    package: str, messages: list[_Message], enums: list[tuple[str, list[tuple[str, int]]]]
) -> dict[str, int]:
    """Every declared type's full name (`.pkg.Outer.Inner`) and whether message or enum."""
    names: dict[str, int] = {}
    prefix = f".{package}" if package else ""

    def walk(scope: str, message: _Message) -> None:
        full = f"{scope}.{message.name}"
        names[full] = _TYPE_MESSAGE
        for name, _ in message.enums:
            names[f"{full}.{name}"] = _TYPE_ENUM
        for inner in message.messages:
            walk(full, inner)

    for message in messages:
        walk(prefix, message)
    for name, _ in enums:
        names[f"{prefix}.{name}"] = _TYPE_ENUM
    return names


def _resolve(type_name: str, scope: str, names: dict[str, int]) -> str:
    """A type reference resolved as protoc does: innermost scope first."""
    if type_name.startswith("."):
        if type_name in names:
            return type_name
        raise ValueError(f"unknown type {type_name!r}")
    for candidate in _scopes(scope):
        full = f"{candidate}.{type_name}"
        if full in names:
            return full
    raise ValueError(f"unknown type {type_name!r} (in {scope.lstrip('.') or 'the file'})")


def _scopes(scope: str) -> Iterator[str]:
    parts = scope.split(".")
    for end in range(len(parts), 0, -1):
        yield ".".join(parts[:end])


def _describe(proto: Any, message: _Message, scope: str, names: dict[str, int]) -> None:
    full = f"{scope}.{message.name}"
    proto.name = message.name
    if message.map_entry:
        proto.options.map_entry = True
    for oneof in message.oneofs:
        proto.oneof_decl.add(name=oneof)
    for item in message.fields:
        described = proto.field.add(name=item.name, number=item.number, label=item.label)
        if item.type_name in _SCALARS:
            described.type = _SCALARS[item.type_name]
        else:
            resolved = _resolve(item.type_name, full, names)
            described.type = names[resolved]
            described.type_name = resolved
        if item.oneof is not None:
            described.oneof_index = item.oneof
    for inner in message.messages:
        _describe(proto.nested_type.add(), inner, full, names)
    for name, values in message.enums:
        _describe_enum(proto.enum_type.add(), name, values)


def _describe_enum(proto: Any, name: str, values: list[tuple[str, int]]) -> None:
    proto.name = name
    for label, number in values:
        proto.value.add(name=label, number=number)
