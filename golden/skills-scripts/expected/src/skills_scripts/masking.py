"""Masking of secrets in what the adapter relays: every common encoding of every secret value.

An upstream may echo a credential it was sent (in an error page, a JSON `detail`, a header), and
not necessarily as sent: percent-encoded with upper- or lower-case hex and any safe set, with `+`
for spaces, JSON- or HTML-escaped, or base64-encoded. `SecretMasker` precomputes the distinct
byte forms of each secret once (longest first) so masking a response is C-level substring scans,
and a replacement only when one is found. The forms of a secret share an anchor (a run of
letters and digits no encoder changes), so an answer without it costs one scan per family of
forms. Forms shorter than `SHORTEST_MASKED` bytes are left alone: they would mask innocent
bytes, and so short a value is no secret.

Known limit: a percent-encoding that mixes upper- and lower-case hex inside one value is not
recognised (no encoder in common use does that).
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "SHORTEST_MASKED", "SecretMasker", "secret_forms"]

MASK: Final = "[redacted]"
SHORTEST_MASKED: Final = 4
_MASK_BYTES: Final = MASK.encode("ascii")

# The safe sets of the encoders in common use: everything encoded, urllib's default, JavaScript's
# encodeURIComponent, an RFC 3986 path segment and an RFC 3986 query (yarl, browsers).
_SAFE_SETS: Final = ("", "/", "!'()*", ":@!$&'()*+,;=", "/?:@!$'()*,;=")


def _lower_hex(encoded: str) -> str:
    """The same percent-encoding with lower-case hex digits."""
    parts = encoded.split("%")
    return parts[0] + "".join("%" + part[:2].lower() + part[2:] for part in parts[1:])


def _percent_forms(value: str) -> set[str]:
    forms: set[str] = set()
    for safe in _SAFE_SETS:
        for encoded in (quote(value, safe=safe), quote_plus(value, safe=safe)):
            forms.update((encoded, _lower_hex(encoded)))
    return forms


def _json_forms(value: str) -> set[str]:
    forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms |= {form.replace("/", "\\/") for form in forms}  # encoders that escape the solidus
    # `\u00e9` and `\u00E9` are the same escape.
    forms |= {_upper_unicode_escapes(form) for form in forms}
    return forms


def _upper_unicode_escapes(text: str) -> str:
    parts = text.split("\\u")
    return parts[0] + "".join("\\u" + part[:4].upper() + part[4:] for part in parts[1:])


def _base64_forms(value: str) -> set[str]:
    raw = value.encode("utf-8")
    standard = base64.b64encode(raw).decode("ascii")
    urlsafe = base64.urlsafe_b64encode(raw).decode("ascii")
    return {standard, standard.rstrip("="), urlsafe, urlsafe.rstrip("=")}


def secret_forms(value: str) -> set[str]:
    """Every form of `value` the masker looks for (the value itself included)."""
    forms = {value, html.escape(value), html.escape(value).replace("&#x27;", "&#39;")}
    forms |= _percent_forms(value)
    forms |= {escaped for form in tuple(forms) for escaped in _json_forms(form)}
    forms |= _base64_forms(value)
    return forms


def _anchor(text: str) -> str | None:
    """The longest run of ASCII letters and digits: every encoder above leaves it as is."""
    runs = re.findall(r"[A-Za-z0-9]+", text)
    longest = max(runs, key=len, default="")
    return longest if len(longest) >= SHORTEST_MASKED else None


def _families(value: str) -> list[tuple[str | None, set[str]]]:
    """The forms of one secret, grouped under the anchor each group's forms all contain."""
    encoded = _base64_forms(value)
    others = secret_forms(value) - encoded
    standard = base64.b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")
    # Standard and URL-safe base64 differ only in `+/` and `-_`: a run without them is shared.
    shared = max(re.split(r"[+/]", standard), key=len)
    base64_anchor = shared if len(shared) >= SHORTEST_MASKED else None
    return [(_anchor(value), others), (base64_anchor, encoded)]


class SecretMasker:
    """Replaces every known form of the given secrets with `MASK`, in bytes or in text.

    The forms of a secret come in families that share an anchor (a run of letters and digits
    no encoder changes): a body without the anchor is skipped with one scan, so the common
    case, no secret in the answer, costs two scans per secret whatever the number of forms.
    """

    __slots__ = ("_byte_families", "_count", "_text_families")

    def __init__(self, secrets: Iterable[object]) -> None:
        values = {str(secret) for secret in secrets if secret is not None}
        families: dict[str | None, set[str]] = {}
        for value in values:
            if len(value) >= SHORTEST_MASKED:
                for anchor, forms in _families(value):
                    families.setdefault(anchor, set()).update(forms)
        text_families: list[tuple[str | None, tuple[str, ...]]] = []
        for anchor, forms in families.items():
            # Longest first, so that a form containing another is masked whole.
            kept = sorted(
                (f for f in forms if len(f) >= SHORTEST_MASKED), key=lambda f: (-len(f), f)
            )
            if kept:
                text_families.append((anchor, tuple(kept)))
        text_families.sort(key=lambda family: (-len(family[1][0]), family[1][0]))
        self._text_families = tuple(text_families)
        self._byte_families = tuple(
            (None if anchor is None else anchor.encode("ascii"), tuple(f.encode() for f in forms))
            for anchor, forms in text_families
        )
        self._count = len({form for _, forms in text_families for form in forms})

    def __bool__(self) -> bool:
        return bool(self._count)

    def __len__(self) -> int:
        return self._count

    def mask_bytes(self, data: bytes) -> bytes:
        """`data` with every form of every secret replaced by `MASK`."""
        mask = _MASK_BYTES
        for anchor, forms in self._byte_families:
            if anchor is not None and anchor not in data:
                continue  # one C-level scan rules out the whole family
            for form in forms:
                if form in data:
                    data = data.replace(form, mask)
        return data

    def mask_text(self, data: str) -> str:
        """`data` (a header value, an error detail, a log line) with every secret masked."""
        for anchor, forms in self._text_families:
            if anchor is not None and anchor not in data:
                continue
            for form in forms:
                if form in data:
                    data = data.replace(form, MASK)
        return data
