"""Model stage, upstream paths: the literal text of a consumed path as the call sends it.

The spec writes a path as text, and HTTP sends it percent-encoded: every character a path (or,
after a `?`, a query) may not carry literally — a space, `"`, `<`, `%` not starting an escape,
non-ASCII, control characters — is encoded (UTF-8), an escape already written (`%2F`) is kept,
and a fragment (`#…`, never sent by a client) is dropped with whatever follows it, placeholders
included (resolve warns: NAF338). The generated call and the generated tests' expectations both
use `sent_path`, so they agree.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ..placeholders import Part, Template

__all__ = ["encode_path_text", "sent_path"]

_PATH_SAFE = "/:@!$&'()*+,;=-._~"
"""RFC 3986 `pchar` and `/`: kept literally in a path (letters and digits always are)."""
_QUERY_SAFE = _PATH_SAFE + "?"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def encode_path_text(text: str, *, query: bool = False) -> str:
    """Percent-encode literal path (or query) text, keeping the `%XX` escapes it writes."""
    safe = _QUERY_SAFE if query else _PATH_SAFE
    pieces: list[str] = []
    start = 0
    for escape in _ESCAPE.finditer(text):
        pieces.append(quote(text[start : escape.start()], safe=safe))
        pieces.append(escape.group())
        start = escape.end()
    pieces.append(quote(text[start:], safe=safe))
    return "".join(pieces)


def sent_path(path: Template) -> Template:
    """A consumed path's parts with their literal text encoded and the fragment dropped."""
    sent: list[Part] = []
    in_query = False
    for part in path:
        if part.kind != "text":
            sent.append(part)
            continue
        text, fragment, _ = part.value.partition("#")
        if in_query:
            encoded = encode_path_text(text, query=True)
        else:
            head, mark, tail = text.partition("?")
            encoded = encode_path_text(head)
            if mark:
                in_query = True
                encoded += "?" + encode_path_text(tail, query=True)
        if encoded:
            sent.append(Part("text", encoded))
        if fragment:
            break
    return tuple(sent)
