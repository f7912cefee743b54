"""`runtime/masking.py`: every common encoding of a secret is masked, in bytes and in text."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

from naftiko_codegen.runtime.masking import MASK, SecretMasker, _families, secret_forms

SECRET = "k/+&= y%é'"


def test_every_encoding_of_a_secret_is_masked() -> None:
    masker = SecretMasker([SECRET])
    echoes = [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET, safe="").lower(),
        quote(SECRET),
        quote_plus(SECRET),
        quote_plus(SECRET).lower(),
        json.dumps(SECRET)[1:-1],
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
        json.dumps(SECRET)[1:-1].replace("/", "\\/"),
        html.escape(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
    ]
    for echo in echoes:
        body = f'{{"detail": "bad token {echo}!"}}'
        assert masker.mask_text(body) == f'{{"detail": "bad token {MASK}!"}}', echo
        assert masker.mask_bytes(body.encode()) == f'{{"detail": "bad token {MASK}!"}}'.encode()


def test_the_longest_form_is_masked_whole_and_short_values_are_left_alone() -> None:
    masker = SecretMasker(["abcd", "abcdefgh", "ab", None])
    assert masker.mask_text("xx abcdefgh yy abcd") == f"xx {MASK} yy {MASK}"
    assert masker.mask_text("ab is too short to be a secret") == "ab is too short to be a secret"
    assert bool(masker) and len(masker) > 2
    assert not SecretMasker([]) and not SecretMasker(["abc"])


def test_secret_forms_include_the_value_and_its_hex_cases() -> None:
    forms = secret_forms("a/b c")
    assert {"a/b c", "a%2Fb%20c", "a%2fb%20c", "a%2Fb+c", "a/b+c", "a\\/b c"} <= forms


def test_every_form_of_a_family_contains_its_anchor() -> None:
    for value in ("tok_3f9Xk2-aa/b", "p@ss w0rd+Long!", "é-clé-secrète-42", "Jk/+&= z%q'9"):
        for anchor, forms in _families(value):
            if anchor is not None:
                assert all(anchor in form for form in forms), (value, anchor)
    masker = SecretMasker(["tok_3f9Xk2-aa/b"])
    untouched = b'{"no": "secret here"}'
    assert masker.mask_bytes(untouched) is untouched  # ruled out by the anchors alone
