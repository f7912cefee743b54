"""model/paths.py: the literal text of a consumed path is encoded as HTTP sends it."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from naftiko_codegen.model.paths import encode_path_text, sent_path
from naftiko_codegen.placeholders import Part


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("/v1/Invoice Items", "/v1/Invoice%20Items"),
        ("/a/é/日本", "/a/%C3%A9/%E6%97%A5%E6%9C%AC"),
        ("/50%", "/50%25"),
        ("/%zz/%2F", "/%25zz/%2F"),
        ('/<id>/"q"/a\\b|c^`', "/%3Cid%3E/%22q%22/a%5Cb%7Cc%5E%60"),
        ("/a;b=c/@:!$'()*,+&~._-", "/a;b=c/@:!$'()*,+&~._-"),
        ("/x{y", "/x%7By"),
    ],
)
def test_literal_path_text_is_percent_encoded(text: str, sent: str) -> None:
    assert encode_path_text(text) == sent


def test_a_query_keeps_its_delimiters_and_a_fragment_is_dropped() -> None:
    parts = (
        Part("text", "/users/"),
        Part("input", "id"),
        Part("text", "/expire?temp password=false&x=?"),
        Part("input", "q"),
        Part("text", "#frag"),
        Part("input", "never"),
    )
    assert sent_path(parts) == (
        Part("text", "/users/"),
        Part("input", "id"),
        Part("text", "/expire?temp%20password=false&x=?"),
        Part("input", "q"),
    )


def test_a_path_that_is_only_a_fragment_sends_nothing_literal() -> None:
    assert sent_path((Part("text", "#only"),)) == ()


@given(st.text())
def test_encoding_is_reversible_and_leaves_no_unsafe_character(text: str) -> None:
    encoded = encode_path_text(text)
    assert all(ch.isascii() and ch.isprintable() and ch not in ' "<>\\^`{|}#?' for ch in encoded)
    # Only escapes the text already wrote are kept as they are: decoding gives the text back.
    assert unquote(encoded) == unquote(text)
