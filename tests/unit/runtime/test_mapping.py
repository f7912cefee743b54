"""`runtime/mapping.py`: the JSONPath subset, output shapes, coercions and mock answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from naftiko_codegen.runtime.mapping import (
    as_boolean,
    as_number,
    json_path,
    map_output,
    mock_response,
    render,
)

DOCUMENT: dict[str, Any] = {
    "items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}],
    "owner": {"name": "Ada", "odd key": True},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOCUMENT),
        ("$.", DOCUMENT),
        ("{{ $.owner.name }}", "Ada"),
        ("$.owner['odd key']", True),
        ('$["owner"]["name"]', "Ada"),
        ("$.items[0].id", 1),
        ("$.items[-1].id", 2),
        ("$.items[5].id", None),
        ("$.items[*].id", [1, 2]),
        ("$.items.*.id", [1, 2]),
        ("$.owner.*", ["Ada", True]),
        ("$.items[*].tags[*]", ["a", "b"]),
        ("$.missing", None),
        ("$.owner[0]", None),
        ("$.items.name", None),
        ("owner.name", None),
        ("$..name", None),
    ],
)
def test_json_path(path: str, expected: Any) -> None:
    assert json_path(DOCUMENT, path) == expected


def test_wildcards_over_scalars_select_nothing() -> None:
    assert json_path({"a": 1}, "$.a[*]") == []


def test_values_and_mappings_are_coerced_to_their_type() -> None:
    assert map_output(DOCUMENT, {"type": "string", "value": 7}) == "7"
    assert map_output(DOCUMENT, {"type": "string", "mapping": "$.owner"}) == DOCUMENT["owner"]
    assert map_output(DOCUMENT, {"type": "string", "mapping": "$.owner.name"}) == "Ada"
    assert map_output({"n": "4.0"}, {"type": "number", "mapping": "$.n"}) == 4
    assert map_output({"n": "4.5"}, {"type": "number", "mapping": "$.n"}) == 4.5
    assert map_output({"n": "four"}, {"type": "number", "mapping": "$.n"}) == "four"
    assert map_output({"b": " TRUE "}, {"type": "boolean", "mapping": "$.b"}) is True
    assert map_output({"b": 1}, {"type": "boolean", "mapping": "$.b"}) == 1
    assert map_output({"n": 3}, {"mapping": "$.n"}) == 3
    assert map_output({"n": None}, {"type": "string", "mapping": "$.n"}) is None
    assert map_output(DOCUMENT, {"type": "integer"}) is DOCUMENT


def test_objects_map_their_properties_from_the_same_root() -> None:
    shape = {
        "type": "object",
        "properties": {
            "who": {"type": "string", "mapping": "$.owner.name"},
            "first": {"type": "number", "mapping": "$.items[0].id"},
            "skipped": "not a shape",
        },
    }
    assert map_output(DOCUMENT, shape) == {"who": "Ada", "first": 1}
    assert map_output(DOCUMENT, {"type": "object", "mapping": "$.owner"}) == DOCUMENT["owner"]
    assert map_output(DOCUMENT, {"type": "object"}) is DOCUMENT


def test_arrays_map_each_item_or_pass_through() -> None:
    items = {"type": "object", "properties": {"n": {"type": "number", "mapping": "$.id"}}}
    assert map_output(DOCUMENT, {"type": "array", "mapping": "$.items", "items": items}) == [
        {"n": 1},
        {"n": 2},
    ]
    assert map_output(DOCUMENT, {"type": "array", "mapping": "$.items[*].id"}) == [1, 2]
    plain = {"type": "array", "mapping": "$.items[*].id", "items": {"type": "number"}}
    assert map_output(DOCUMENT, plain) == [1, 2]
    mapped = {"type": "array", "mapping": "$.items", "items": {"mapping": "$.id"}}
    assert map_output(DOCUMENT, mapped) == [1, 2]
    assert map_output(DOCUMENT, {"type": "array", "mapping": "$.owner"}) is None
    assert map_output([1, 2], {"type": "array"}) == [1, 2]


def test_xml_objects_read_as_one_item_lists_where_an_array_is_declared() -> None:
    single = {"vessel": {"code": "A"}}
    shape = {"type": "array", "mapping": "$.vessel"}
    assert map_output(single, shape) is None
    assert map_output(single, shape, single_item_lists=True) == [{"code": "A"}]
    assert map_output({"v": "x"}, {"type": "array", "mapping": "$.v"}, single_item_lists=True) == [
        "x"
    ]


def test_mock_values_read_as_numbers_and_booleans_when_they_can() -> None:
    assert (as_number("3"), as_number("3.5"), as_number("n/a")) == (3, 3.5, "n/a")
    assert (as_boolean(" True"), as_boolean("false"), as_boolean("maybe")) == (True, False, "maybe")


def test_mock_response_looks_like_an_upstream_json_answer() -> None:
    reply = mock_response({"ok": [1]})
    assert (reply.status, reply.content_type, json.loads(reply.body)) == (
        200,
        "application/json",
        {"ok": [1]},
    )


# ----------------------------------------------------------------------------- issue 13 fixes


def test_a_mustache_value_renders_the_unit_parameters() -> None:
    shape = {"type": "string", "value": "hello {{who}} {{ missing }}{{user.id}}"}
    params = {"who": "ada", "user": {"id": 7}}
    assert map_output({}, shape, params=params) == "hello ada 7"
    assert map_output({}, shape) == "hello  "
    assert render("{{on}} {{list}}", {"on": True, "list": [1, None]}) == "true [1,null]"


def test_first_of_answers_the_first_output_that_maps() -> None:
    shape = {"first_of": [{"type": "string", "mapping": "$.nope"}, {"mapping": "$.b"}, 3]}
    assert map_output({"b": 2}, shape) == 2
    assert map_output({}, shape) is None
