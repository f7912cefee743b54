"""`runtime/steps.py`: a call step's output, lookups (joins) and the assembled answer."""

from __future__ import annotations

import json
from typing import Any

from naftiko_codegen.runtime.http_client import UpstreamResponse
from naftiko_codegen.runtime.steps import answer, lookup, select, step_output


def _reply(payload: Any, status: int = 200) -> UpstreamResponse:
    return UpstreamResponse(status, json.dumps(payload).encode(), "application/json")


def test_a_call_step_outputs_its_data() -> None:
    assert step_output(_reply({"a": 1})) == {"a": 1}
    assert step_output(UpstreamResponse(204, b"", None)) is None
    assert step_output(UpstreamResponse(200, b"<html>", "text/html")) is None
    assert step_output(UpstreamResponse(200, b"{broken", "application/json")) is None


def test_projections_shape_an_object_or_extend_each_listed_object() -> None:
    projections = {"code": "$.vessel.code"}
    assert step_output(_reply({"vessel": {"code": "A"}}), projections) == {"code": "A"}
    rows = [{"vessel": {"code": "B"}}, "not an object"]
    assert step_output(_reply(rows), projections) == [
        {"vessel": {"code": "B"}, "code": "B"},
        "not an object",
    ]


def test_parse_errors_of_other_formats_give_no_output() -> None:
    def broken(body: bytes, raw_format: str, schema: str | None) -> Any:
        raise ValueError("malformed")

    reply = UpstreamResponse(200, b"<a", "text/xml", "xml", broken)
    assert step_output(reply) is None


def test_select_walks_the_outputs_by_name() -> None:
    outputs = {"ship": {"owner": {"name": "Ada"}}, "list": [1]}
    assert select(outputs, ("ship", "owner", "name")) == "Ada"
    assert select(outputs, ("ship", "missing", "name")) is None
    assert select(outputs, ("list", "0")) is None
    assert select(outputs, ()) == outputs


def test_lookup_joins_on_a_field_compared_as_text() -> None:
    index = [{"id": 7, "name": "first"}, {"id": "7", "name": "second"}, "junk", {"name": "x"}]
    assert lookup(index, "id", "7", ("name",)) == {"name": "first"}
    assert lookup(index, "id", [8, 7, None], ("name", "missing")) == [
        {"name": "first", "missing": None}
    ]
    assert lookup(index, "id", {"id": 7}, ("name",)) is None
    assert lookup({"id": True, "v": 2}, "id", "true", ("v",)) == {"v": 2}
    assert lookup({"id": [1], "v": 2}, "id", [1], ("v",)) == []
    assert lookup(None, "id", 1, ("v",)) is None


def test_answer_assembles_targets_or_falls_back_to_the_last_reply() -> None:
    outputs = {"a": {"x": 1}, "b": None}
    last = _reply({"raw": True}, 201)
    reply = answer(
        outputs,
        (
            (("deep", "x"), ("a", "x")),
            (("deep", "y"), ("a", "x")),
            (("top",), ("a",)),
            (("skipped",), ("b", "q")),
        ),
        last,
    )
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert json.loads(reply.body) == {"deep": {"x": 1, "y": 1}, "top": {"x": 1}}
    assert answer(outputs, ((("x",), ("b", "q")),), last) is last
    clash = answer({"a": 1, "b": 2}, ((("k",), ("a",)), (("k", "sub"), ("b",))), last)
    assert json.loads(clash.body) == {"k": {"sub": 2}}
