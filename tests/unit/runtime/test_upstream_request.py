"""`runtime/upstream_request.py`: values that cannot be sent are refused before any request."""

from __future__ import annotations

import pytest

from naftiko_codegen.runtime.upstream_request import (
    InvalidArgument,
    UpstreamError,
    forward_path,
    json_bytes,
    path_segment,
    text,
)


def test_an_empty_path_value_is_refused() -> None:
    for value in ("", None):
        with pytest.raises(InvalidArgument) as refused:
            path_segment(value)
        assert (refused.value.status, refused.value.title) == (422, "Invalid argument")
        assert "path parameter is empty" in refused.value.detail
    assert isinstance(refused.value, UpstreamError)
    assert forward_path("") == "" and forward_path("a//b") == "a//b"  # a forwarded tail may


def test_nan_and_infinity_are_refused() -> None:
    for value in (float("nan"), float("inf"), {"x": float("-inf")}, [float("nan")]):
        with pytest.raises(InvalidArgument, match=r"NaN or Infinity|not a number"):
            text(value)
    with pytest.raises(InvalidArgument, match="NaN or Infinity"):
        json_bytes({"n": float("nan")})
    assert text(1.5) == "1.5"


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="lone surrogate"):
        path_segment("a\ud800")
    with pytest.raises(InvalidArgument, match="lone surrogate"):
        json_bytes({"s": "\udfff"})


def test_json_bodies_are_compact_utf8() -> None:
    assert json_bytes({"a": ["é", None]}) == '{"a":["é",null]}'.encode()
