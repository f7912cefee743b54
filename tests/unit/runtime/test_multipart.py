"""`runtime/multipart.py`: parts kept with their metadata; a fresh form for every attempt."""

from __future__ import annotations

import aiohttp

from naftiko_codegen.runtime.multipart import MultipartBody, Part, multipart_form


def test_parts_are_rendered_and_absent_values_left_out() -> None:
    body = multipart_form(
        [
            {"name": "n", "value": 3, "filename": None, "contentType": None},
            {"name": "flag", "value": True},
            {"name": "data", "value": {"a": [1]}, "filename": "", "contentType": ""},
            {"name": "raw", "value": b"\x00\xff", "filename": "b.bin", "contentType": "x/y"},
            {"name": "gone", "value": None, "filename": "x.txt"},
        ]
    )
    assert body == MultipartBody(
        (
            Part("n", "3"),
            Part("flag", "true"),
            Part("data", '{"a":[1]}'),
            Part("raw", b"\x00\xff", "b.bin", "x/y"),
        )
    )


def test_each_form_is_new_and_multipart() -> None:
    body = multipart_form([{"name": "f", "value": "v", "filename": "f.txt"}])
    first, second = body.form(), body.form()
    assert isinstance(first, aiohttp.FormData) and first is not second
    assert first.is_multipart
    assert multipart_form([]).form().is_multipart  # no parts: still multipart/form-data
