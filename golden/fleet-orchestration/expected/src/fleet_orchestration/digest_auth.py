"""Inbound digest authentication (RFC 7616): callers answer a challenge, the password never travels.

`RequireDigest` guards an ASGI app with one bound username and password. A caller without a
valid `Authorization: Digest …` answer gets 401 with two challenges, SHA-256 first and MD5 for
old clients, both `qop="auth"`. An answer is accepted when its username, realm, opaque and `uri`
(the exact request target) match, its `qop` is `auth` with an `nc` and a `cnonce`, its nonce is
one this credential issued and is at most `max_age` seconds old, and its `response` equals the
one computed per RFC 7616 §3.4.1 (compared in constant time). `max_age` is
`--digest-nonce-seconds` / `NAFTIKO_DIGEST_NONCE_SECONDS` (300 by default, 1 to 86400): a
longer age lets a captured answer's nonce be reused longer (with a new `nc`/`cnonce`, the answer
must still be computed with the password), a shorter one makes clients answer more challenges.

Nonces are stateless so that replicas agree: `<timestamp>-<HMAC(key, timestamp)>`, the key
derived from the bound credential (HMAC-SHA256 keyed by the password's hash over a fixed label),
so any replica bound to the same secret accepts a nonce another issued. A nonce older than
`max_age` is answered with a fresh challenge marked `stale=true` (clients retry without asking
the user again).

Not done: replay tracking (`nc`/`cnonce` reuse) is per process and bounded; a replayed answer
sent to another replica within `max_age` is accepted there. `qop=auth-int`, `userhash` and the
`-sess` algorithms are not offered.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from .environment import bounded, env_option
from .inbound_auth import refuse

__all__ = [
    "DEFAULT_NONCE_SECONDS",
    "NONCE_VARIABLE",
    "RequireDigest",
    "digest_options",
    "digest_response",
    "nonce_seconds",
]

NONCE_VARIABLE: Final = "NAFTIKO_DIGEST_NONCE_SECONDS"
DEFAULT_NONCE_SECONDS: Final = 300
_NONCE_SECONDS = bounded(int, 1, 86_400)


def nonce_seconds(environ: Mapping[str, str] | None = None) -> int:
    """How old a nonce may be (`NAFTIKO_DIGEST_NONCE_SECONDS`); ValueError when malformed."""
    raw = (os.environ if environ is None else environ).get(NONCE_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_NONCE_SECONDS
    try:
        seconds: int = _NONCE_SECONDS(raw)
    except ValueError as error:
        raise ValueError(f"{NONCE_VARIABLE}: {error}") from None
    return seconds


def digest_options(serve_parser: argparse.ArgumentParser) -> None:
    """`--digest-nonce-seconds`: how long a digest challenge's nonce stays valid."""
    group = serve_parser.add_argument_group("digest authentication (RFC 7616)")
    env_option(
        group,
        "--digest-nonce-seconds",
        NONCE_VARIABLE,
        _NONCE_SECONDS,
        DEFAULT_NONCE_SECONDS,
        metavar="SECONDS",
        text=f"how long a nonce answers, 1-86400 (default {DEFAULT_NONCE_SECONDS}); older "
        "answers get a fresh challenge marked stale",
    )


_PARAM = re.compile(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')
_HASHES = {"SHA-256": "sha256", "MD5": "md5"}
_NC = re.compile(r"[0-9a-fA-F]{8}")
_SEEN_LIMIT = 10_000
"""Answers remembered for replay detection (the oldest are forgotten first)."""


def _hash(algorithm: str, text: str) -> str:
    return hashlib.new(_HASHES[algorithm], text.encode("utf-8")).hexdigest()


def digest_response(
    algorithm: str, credentials: tuple[str, str, str], method: str, fields: dict[str, str]
) -> str:
    """RFC 7616 §3.4.1 `response` for `credentials` (username, realm, password), qop=auth."""
    username, realm, password = credentials
    ha1 = _hash(algorithm, f"{username}:{realm}:{password}")
    ha2 = _hash(algorithm, f"{method}:{fields.get('uri', '')}")
    parts = [fields.get(name, "") for name in ("nonce", "nc", "cnonce", "qop")]
    return _hash(algorithm, ":".join([ha1, *parts, ha2]))


def _parse(header: bytes) -> dict[str, str] | None:
    """The parameters of an `Authorization: Digest …` header, or None for another scheme."""
    text = header.decode("latin-1")
    scheme, _, rest = text.partition(" ")
    if scheme.lower() != "digest":
        return None
    return {
        m[0].lower(): m[2] if m[2] else re.sub(r"\\(.)", r"\1", m[1]) for m in _PARAM.findall(rest)
    }


def _target(scope: Scope) -> str:
    """The request target as the client sent it (path and query, still percent-encoded)."""
    raw: bytes = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    return raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")


class RequireDigest:
    """ASGI middleware demanding an RFC 7616 digest answer for one bound credential."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        username: str,
        password: str,
        realm: str,
        max_age: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not username or not password:
            raise ValueError("inbound digest authentication needs a username and a password")
        self.app = app
        self._credentials = (username, realm, password)
        self._max_age = nonce_seconds() if max_age is None else max_age
        self._clock = clock
        # The nonce key depends only on the credential: every replica bound to it agrees.
        password_hash = hashlib.sha256(f"{username}:{realm}:{password}".encode()).digest()
        self._key = hmac.new(password_hash, b"naftiko-digest-nonce", hashlib.sha256).digest()
        self._opaque = self._mac("opaque")[:32]
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def nonce(self) -> str:
        """A fresh nonce: the issue time and its HMAC under the credential's key."""
        stamp = f"{int(self._clock()):x}"
        return f"{stamp}-{self._mac(stamp)}"

    def _nonce_state(self, nonce: str) -> str:
        """`fresh`, `stale` (ours, but too old) or `bad` (not issued for this credential)."""
        stamp, _, mac = nonce.partition("-")
        if not hmac.compare_digest(mac.encode(), self._mac(stamp).encode()):
            return "bad"
        try:
            age = self._clock() - int(stamp, 16)
        except ValueError:  # pragma: no cover - a valid MAC over a non-hex stamp is never issued
            return "bad"
        return "fresh" if -5 <= age <= self._max_age else "stale"

    def challenges(self, *, stale: bool = False) -> tuple[str, ...]:
        """The `WWW-Authenticate` values of a refusal: SHA-256 first, then MD5."""
        nonce, realm = self.nonce(), self._credentials[1].replace('"', "'")
        flag = ", stale=true" if stale else ""
        return tuple(
            f'Digest realm="{realm}", qop="auth", algorithm={algorithm}, nonce="{nonce}", '
            f'opaque="{self._opaque}"{flag}'
            for algorithm in _HASHES
        )

    def _replayed(self, fields: dict[str, str]) -> bool:
        """Whether this (nonce, nc, cnonce) was accepted before by this process."""
        key = (fields["nonce"], fields["nc"].lower(), fields["cnonce"])
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        return False

    def check(self, method: str, target: str, header: bytes) -> str:
        """`ok`, `stale` or `bad` for one request's `Authorization` header."""
        fields = _parse(header)
        if fields is None:
            return "bad"
        username, realm, _ = self._credentials
        algorithm = fields.get("algorithm", "MD5").upper()
        shape_ok = (
            algorithm in _HASHES
            and fields.get("qop") == "auth"
            and bool(_NC.fullmatch(fields.get("nc", "")))
            and bool(fields.get("cnonce"))
            and fields.get("realm") == realm
            and fields.get("uri") == target
            and hmac.compare_digest(fields.get("opaque", "").encode(), self._opaque.encode())
            and hmac.compare_digest(fields.get("username", "").encode(), username.encode())
        )
        if not shape_ok:
            return "bad"
        expected = digest_response(algorithm, self._credentials, method, fields)
        if not hmac.compare_digest(fields.get("response", "").encode(), expected.encode()):
            return "bad"
        state = self._nonce_state(fields.get("nonce", ""))
        if state != "fresh":
            return state
        return "bad" if self._replayed(fields) else "ok"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        header = next((value for name, value in headers if name == b"authorization"), b"")
        state = self.check(scope["method"], _target(scope), header) if header else "bad"
        if state == "ok":
            await self.app(scope, receive, send)
            return
        await refuse(
            send,
            401,
            "",
            "missing or invalid credentials",
            self.challenges(stale=state == "stale"),
            scope=scope,
        )
