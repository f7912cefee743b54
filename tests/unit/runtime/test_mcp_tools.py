"""`runtime/mcp_tools.py`: tool listings, argument checks, calls and results."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from naftiko_codegen.runtime.mcp_jsonrpc import INVALID_PARAMS, JsonRpcError
from naftiko_codegen.runtime.mcp_tools import Tool, ToolRegistry, text_result, tool_result

from ._support import Reply, Unreachable, reply

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "limit": {"type": "integer"},
        "ratio": {"type": "number"},
        "fresh": {"type": "boolean"},
        "tags": {"type": "array"},
        "body": {"type": "object"},
        "free": {"description": "no type: anything goes"},
        "either": {"type": ["string", "null"]},
        "code": {"type": "string", "pattern": "^[a-z]+$"},
        "loose": {"pattern": "[0-9]"},
        "broken": {"type": "string", "pattern": "[a-"},
    },
    "required": ["id"],
}


async def echo(client: str, arguments: Mapping[str, Any]) -> Reply:
    if arguments.get("id") == "down":
        raise Unreachable(504, "Upstream timeout", "no answer in 5s")
    if arguments.get("id") == "bug":
        raise RuntimeError("a bug")
    return reply({"client": client, "arguments": dict(arguments)})


def tool(**overrides: Any) -> Tool[str]:
    fields: dict[str, Any] = {
        "name": "echo",
        "description": "Echo.",
        "input_schema": SCHEMA,
        "handler": echo,
    }
    return Tool(**{**fields, **overrides})


def first_upper(
    data: Any,
    shape: dict[str, Any],
    /,
    *,
    single_item_lists: bool,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """A stand-in `map_output`: the shape names the key to keep (the tool's arguments come
    as `params`, for a Mustache output value)."""
    if not data:
        return None
    return {"kept": data.get(shape["key"]), "xml": single_item_lists, **dict(params or {})}


# ----------------------------------------------------------------------------- listing


def test_listing_has_mcp_field_names_in_order() -> None:
    full = tool(title="Echo it", annotations={"readOnlyHint": True})
    assert list(full.listing()) == ["name", "title", "description", "inputSchema", "annotations"]
    assert full.listing()["inputSchema"] is SCHEMA
    assert tool().listing() == {"name": "echo", "description": "Echo.", "inputSchema": SCHEMA}


def test_registry_is_a_mapping_in_declaration_order() -> None:
    registry = ToolRegistry(tool(), tool(name="other"), upstream_error=Unreachable)
    assert list(registry) == ["echo", "other"] and len(registry) == 2
    assert registry["other"].name == "other"
    assert [t["name"] for t in registry.listing] == ["echo", "other"]


def test_a_repeated_name_is_listed_twice_and_calls_reach_the_last() -> None:
    registry = ToolRegistry(tool(), tool(description="Second."), upstream_error=Unreachable)
    assert len(registry.listing) == 2 and len(registry) == 1
    assert registry["echo"].description == "Second."


def test_an_output_shape_needs_map_output() -> None:
    with pytest.raises(ValueError, match="map_output"):
        ToolRegistry(tool(output_shape={"key": "a"}), upstream_error=Unreachable)


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"id": "a"}, None),
        ({"id": "a", "limit": 3, "ratio": 2, "fresh": False, "tags": [], "body": {}}, None),
        ({"id": "a", "ratio": 2.5, "free": object(), "either": 3}, None),
        ({"id": "a", "limit": None, "tags": None}, None),  # optional: null is no value
        ({}, "missing required argument 'id'"),
        ({"id": None}, "argument 'id' must be of type string"),
        ({"id": 7}, "argument 'id' must be of type string"),
        ({"id": "a", "limit": "3"}, "argument 'limit' must be of type integer"),
        ({"id": "a", "limit": True}, "argument 'limit' must be of type integer"),
        ({"id": "a", "ratio": False}, "argument 'ratio' must be of type number"),
        ({"id": "a", "fresh": 1}, "argument 'fresh' must be of type boolean"),
        ({"id": "a", "tags": "x"}, "argument 'tags' must be of type array"),
        ({"id": "a", "body": [1]}, "argument 'body' must be of type object"),
        # `pattern`: a search, on strings only; one Python cannot compile is not checked.
        ({"id": "a", "code": "abc", "loose": "a1b", "broken": "x"}, None),
        ({"id": "a", "loose": 7}, None),
        ({"id": "a", "code": "ABC"}, "argument 'code' must match the pattern '^[a-z]+$'"),
        ({"id": "a", "code": 3}, "argument 'code' must be of type string"),
        ({"id": "a", "loose": "ab"}, "argument 'loose' must match the pattern '[0-9]'"),
    ],
)
def test_argument_problem(arguments: dict[str, Any], problem: str | None) -> None:
    assert tool().argument_problem(arguments) == problem


def test_the_first_problem_in_schema_order_is_reported() -> None:
    assert tool().argument_problem({"limit": "x"}) == "missing required argument 'id'"


def test_a_schema_without_properties_takes_anything() -> None:
    assert tool(input_schema={"type": "object"}).argument_problem({"x": 1}) is None


# ----------------------------------------------------------------------------- calls


def call(registry: ToolRegistry[str], name: str, arguments: Mapping[str, Any]) -> Any:
    async def run() -> Any:
        return await registry.caller("the-client")(name, arguments)

    return asyncio.run(run())


def test_a_call_runs_the_handler_with_the_client() -> None:
    result = call(ToolRegistry(tool(), upstream_error=Unreachable), "echo", {"id": "a"})
    expected = {"client": "the-client", "arguments": {"id": "a"}}
    assert result == {
        "content": [{"type": "text", "text": json.dumps(expected)}],
        "isError": False,
        "structuredContent": expected,
    }


def test_an_unknown_tool_is_invalid_params() -> None:
    registry = ToolRegistry(tool(), upstream_error=Unreachable)
    with pytest.raises(JsonRpcError) as caught:
        call(registry, "nope", {})
    assert (caught.value.code, caught.value.message) == (INVALID_PARAMS, "unknown tool 'nope'")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({}, "missing required argument 'id'"),
        ({"id": "a", "code": "A"}, "argument 'code' must match the pattern '^[a-z]+$'"),
    ],
)
def test_refused_arguments_are_a_tool_error_before_any_call(
    arguments: dict[str, Any], problem: str
) -> None:
    calls: list[Mapping[str, Any]] = []

    async def handler(client: str, arguments: Mapping[str, Any]) -> Reply:
        calls.append(arguments)
        return reply({})

    registry = ToolRegistry(tool(handler=handler), upstream_error=Unreachable)
    result = call(registry, "echo", arguments)
    assert result == text_result(
        {"error": "Invalid arguments for echo", "detail": problem}, is_error=True
    )
    assert calls == []


def test_an_unreachable_upstream_is_a_tool_error() -> None:
    result = call(ToolRegistry(tool(), upstream_error=Unreachable), "echo", {"id": "down"})
    assert result == text_result(
        {"status": 504, "error": "Upstream timeout", "detail": "no answer in 5s"}, is_error=True
    )


def test_a_bug_is_logged_and_answered_as_an_internal_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        result = call(ToolRegistry(tool(), upstream_error=Unreachable), "echo", {"id": "bug"})
    assert result["isError"] is True
    assert json.loads(result["content"][0]["text"]) == {
        "status": 500,
        "error": "Internal error",
        "detail": "see the server log",
    }
    assert "tool echo failed" in caplog.text and "a bug" in caplog.text


def test_a_call_maps_its_answer_through_the_output_shape() -> None:
    registry = ToolRegistry(
        tool(output_shape={"key": "client"}), upstream_error=Unreachable, map_output=first_upper
    )
    result = call(registry, "echo", {"id": "a"})
    # The arguments reach the mapper, for a Mustache output `value`.
    assert result["structuredContent"] == {"kept": "the-client", "xml": False, "id": "a"}


def test_a_mustache_output_value_also_sees_the_with_values() -> None:
    def params(client: str, arguments: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"id": "from-with", "greeting": f"hi {arguments['id']} via {client}"}

    registry = ToolRegistry(
        tool(output_shape={"key": "client"}, output_params=params),
        upstream_error=Unreachable,
        map_output=first_upper,
    )
    result = call(registry, "echo", {"id": "a", "limit": 2})
    # Every argument, then the `with` values over them (the engine's parameter map).
    assert result["structuredContent"] == {
        "kept": "the-client",
        "xml": False,
        "id": "from-with",
        "limit": 2,
        "greeting": "hi a via the-client",
    }


# ----------------------------------------------------------------------------- results


@pytest.mark.parametrize(
    ("upstream", "payload"),
    [
        (reply({"message": "gone"}, 404), {"status": 404, "error": {"message": "gone"}}),
        (Reply(500, b"<h1>oops</h1>", is_json=False), {"status": 500, "error": "<h1>oops</h1>"}),
        (Reply(502, b"{not json"), {"status": 502, "error": "{not json"}),
    ],
)
def test_an_upstream_error_status_is_a_tool_error(upstream: Reply, payload: Any) -> None:
    assert tool_result(upstream) == text_result(payload, is_error=True)


def test_an_empty_body_answers_the_status() -> None:
    result = tool_result(Reply(204))
    assert result["structuredContent"] == {"status": 204}
    assert json.loads(result["content"][0]["text"]) == {"status": 204}


def test_a_list_is_wrapped_as_structured_content() -> None:
    assert tool_result(reply([1, 2]))["structuredContent"] == {"result": [1, 2]}


def raw(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


def test_bodies_that_are_not_json_go_out_as_sent() -> None:
    assert tool_result(Reply(200, b"a,b", is_json=False)) == raw("a,b")  # unshaped
    assert tool_result(Reply(200, b"{bad")) == raw("{bad")  # declared JSON, malformed
    text = Reply(200, b"plain", is_json=False)  # shaped, but no format to read it with
    assert tool_result(text, {"key": "a"}, map_output=first_upper) == raw("plain")


def test_a_declared_format_is_read_then_shaped() -> None:
    csv = Reply(200, b"a,b", is_json=False, raw_format="csv")
    result = tool_result(csv, {"key": "x"}, map_output=lambda d, s, /, *, single_item_lists: d)
    assert result["structuredContent"] == {"result": [["a", "b"]]}


def test_xml_bodies_map_lone_elements_as_lists() -> None:
    xml = Reply(200, b'{"a": 1}', is_json=True, raw_format="xml")
    result = tool_result(xml, {"key": "a"}, map_output=first_upper)
    assert result["structuredContent"] == {"kept": 1, "xml": True}


def test_a_shape_that_maps_nothing_relays_the_body() -> None:
    empty = reply({})
    assert tool_result(empty, {"key": "a"}, map_output=first_upper) == raw("{}")


def test_a_shape_without_map_output_is_a_bug() -> None:
    with pytest.raises(ValueError, match="map_output"):
        tool_result(reply({"a": 1}), {"key": "a"})
