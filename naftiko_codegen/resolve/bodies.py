"""Request body templates: a consumed operation's `body:` as literals and templated leaves."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..canonical import BodyLeaf, Input
from ..load import NodePath
from ._values import as_list
from .binds import parse_template
from .scope import Scope

__all__ = ["FORM_MEDIA_TYPE", "Body", "parse_body"]

Body = tuple[Any, Literal["json", "form", "text", "multipart"], str | None]
"""A parsed body: its tree of literals and `BodyLeaf`s, its format, and its content type (None:
the format's own)."""

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
_SENTINEL = re.compile(r"__naftiko_(raw|str)_([0-9a-f]+)__")


def parse_body(
    scope: Scope,
    raw: Any,
    path: NodePath,
    inputs: Mapping[str, Input],
    roots: frozenset[str],
    infer: Callable[[str], str],
) -> Body | None:
    """Read a consumed operation's `body:` into a tree of literals and `BodyLeaf`s.

    `body: {type: …, data: …}` names the format; anything else is JSON data. None when empty.
    """
    kind, data = "json", raw
    if isinstance(raw, dict) and isinstance(raw.get("type"), str) and set(raw) <= {"type", "data"}:
        kind, data = str(raw["type"]), raw.get("data")
    if data is None:
        return None
    leaves = _Leaves(scope, path, inputs, roots, infer)
    if kind in ("form", "formUrlEncoded"):
        if isinstance(data, str):
            return leaves.leaf(data), "text", FORM_MEDIA_TYPE
        return leaves.walk(data), "form", FORM_MEDIA_TYPE
    if kind == "multipartForm":
        return _multipart(scope, data, leaves), "multipart", None
    if kind in ("text", "xml", "sparql"):
        # The body is sent as UTF-8 (`http_client.send`): say so for plain text. XML declares its
        # own encoding (UTF-8 by default) and a SPARQL query is UTF-8 by its media type.
        media = {"text": "text/plain; charset=utf-8", "xml": "application/xml"}
        return leaves.leaf(str(data)), "text", media.get(kind, "application/sparql-query")
    if isinstance(data, str):
        return _json_text(scope, data, leaves)
    return leaves.walk(data), "json", None


def _multipart(scope: Scope, data: Any, leaves: _Leaves) -> list[dict[str, Any]]:
    """`multipartForm` parts `{name, value, filename?, contentType?}`; a part without a name is
    left out with a warning (NAF320). A map (catalog dialect) is read as name → value."""
    items = as_list(data)
    if isinstance(data, dict):
        items = [{"name": name, "value": value} for name, value in data.items()]
    parts: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("name") in (None, ""):
            scope.warn(
                (*leaves.path, index),
                "NAF320",
                "a multipartForm part has no `name`; it is not sent",
                'give every part a name: `- {name: "file", value: "{{content}}", filename: …}`',
            )
            continue
        parts.append(
            {
                "name": str(item["name"]),
                "value": leaves.walk(item.get("value")),
                "filename": leaves.walk(item.get("filename")),
                "contentType": leaves.walk(item.get("contentType")),
            }
        )
    return parts


def _json_text(scope: Scope, data: str, leaves: _Leaves) -> Body:
    """A JSON body written as one string; sent as text when it is not JSON once filled."""
    parsed = _json_template(data)
    if parsed is not None:
        return leaves.json_tree(parsed), "json", None
    scope.warn(
        leaves.path,
        "NAF336",
        "the body template is not JSON once its placeholders are filled; it is sent as "
        "text with a JSON content type",
        "write the body as YAML data (`body: {type: json, data: {...}}`)",
    )
    return leaves.leaf(data), "text", "application/json"


@dataclass(frozen=True)
class _Leaves:
    """Turns the strings of one body into leaves bound against the calling unit's inputs."""

    scope: Scope
    path: NodePath
    inputs: Mapping[str, Input]
    roots: frozenset[str]
    infer: Callable[[str], str]

    def template(self, text: str, typed: bool) -> BodyLeaf:
        template = parse_template(
            self.scope, text, self.path, self.inputs, self.roots, infer=self.infer
        )
        return BodyLeaf(template, typed)

    def leaf(self, text: str, *, typed: bool = False) -> Any:
        """A string with placeholders as a leaf; plain text stays a literal."""
        if "{{" not in text:
            return text
        return self.template(text, typed)

    def walk(self, node: Any) -> Any:
        """YAML data: a string that is one whole placeholder keeps the input's JSON type."""
        if isinstance(node, dict):
            return {str(k): self.walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.walk(v) for v in node]
        if isinstance(node, str):
            whole = re.fullmatch(r"\{\{\s*[^{}]+?\s*\}\}", node.strip())
            return self.leaf(node, typed=whole is not None)
        return node

    def json_tree(self, node: Any) -> Any:
        """Turn a JSON body template parsed with sentinels back into literals and leaves."""
        if isinstance(node, dict):
            return {str(k): self.json_tree(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.json_tree(v) for v in node]
        if isinstance(node, str) and _SENTINEL.search(node):
            raw = _SENTINEL.fullmatch(node)
            if raw is not None and raw.group(1) == "raw":
                return self.template("{{" + _unsentinel(raw.group(2)) + "}}", True)
            text = _SENTINEL.sub(lambda m: "{{" + _unsentinel(m.group(2)) + "}}", node)
            return self.template(text, False)
        return node


def _unsentinel(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode()


def _json_template(text: str) -> Any:
    """Parse a JSON body template, placeholders swapped for sentinels; `None` if not JSON.

    A placeholder outside a JSON string stands for a JSON value (a list stays a list); inside a
    string it is text. Filling values in after parsing keeps any input from breaking the JSON.
    """
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(text):
        if text.startswith("{{", index):
            end = text.find("}}", index + 2)
            if end < 0:
                return None
            name = text[index + 2 : end].strip().encode().hex()
            out.append(f"__naftiko_str_{name}__" if in_string else f'"__naftiko_raw_{name}__"')
            index = end + 2
            continue
        char = text[index]
        if in_string and char == "\\":
            out.append(text[index : index + 2])
            index += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        index += 1
    try:
        return json.loads("".join(out))
    except ValueError:
        return None
