"""Inbound authentication: callers must present the credential the spec binds, or get 401.

`RequireCredentials` guards an ASGI app with one static secret (a bearer token, an api key or
basic credentials) compared in constant time, and keeps an api key sent in the query out of
uvicorn's access log. `refuse` is the answer every inbound check (`jwt_auth.RequireJwt` too)
sends; it never echoes what the caller presented. Only HTTP is guarded: MCP over stdio is a
local pipe with no inbound authentication.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import parse_qsl, unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from .exposure import GUARDED
from .logs import redact_query_parameter
from .metrics import record_refused

__all__ = ["RequireCredentials", "redact_query", "refuse"]

_TITLES = {401: "unauthorized", 403: "forbidden", 503: "unavailable"}


async def refuse(
    send: Send,
    status: int,
    challenge: str,
    message: str,
    challenges: tuple[str, ...] = (),
    *,
    scope: Scope | None = None,
) -> None:
    """Answer `status` (401, 403 or 503) with `WWW-Authenticate` challenges and a JSON body.

    `challenges` are further `WWW-Authenticate` headers (digest offers SHA-256 and MD5). A 401
    or 403 counts in the refused-requests metric (reason `auth`) under the adapter the
    exposure guard named in `scope`; a 503 (the keys could not be fetched) is no refusal of
    the caller's and counts only as the 5xx it is.
    """
    if status != 503:
        adapter = scope.get(GUARDED, "http") if scope is not None else "http"
        record_refused(str(adapter), "auth")
    body = json.dumps({"error": _TITLES.get(status, "refused"), "message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    for value in (challenge, *challenges):
        if value:
            headers.append((b"www-authenticate", value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def redact_query(target: str, name: str) -> str:
    """`target` (path?query) with every value of the query parameter `name` replaced by `***`."""
    path, separator, query = target.partition("?")
    if not separator:
        return target
    pairs = query.split("&")
    for index, pair in enumerate(pairs):
        key = pair.partition("=")[0]
        if unquote_plus(key) == name:  # however the caller spelled the name
            pairs[index] = key + "=***"
    return path + "?" + "&".join(pairs)


class _RedactAccessLog(logging.Filter):
    """Keeps an api key sent in the query out of uvicorn's access log (`--access-log`)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.parameter = name

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query(arg, self.parameter) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def _redact_access_log(parameter: str) -> None:
    redact_query_parameter(parameter)  # the adapter's own access log
    access = logging.getLogger("uvicorn.access")
    if not any(
        isinstance(f, _RedactAccessLog) and f.parameter == parameter for f in access.filters
    ):
        access.addFilter(_RedactAccessLog(parameter))


class RequireCredentials:
    """ASGI middleware comparing one header or query value with the expected credential.

    The comparison takes constant time; the 401 answer never echoes what was sent.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        expected: str,
        header: str | None = None,
        query: str | None = None,
        challenge: str = "Bearer",
    ) -> None:
        if not expected:
            raise ValueError("inbound authentication needs a non-empty credential")
        self.app = app
        self._expected = expected.encode()
        self._header = header.lower().encode() if header else None
        self._query = query
        self._challenge = challenge
        if query:
            _redact_access_log(query)

    def _presented(self, scope: Scope) -> bytes:
        if self._header is not None:
            headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
            for name, value in headers:
                if name == self._header:
                    return value
            return b""
        query_string: bytes = scope.get("query_string", b"")
        for key, text in parse_qsl(query_string.decode("latin-1")):
            if key == self._query:
                return text.encode()
        return b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or hmac.compare_digest(self._presented(scope), self._expected):
            await self.app(scope, receive, send)
            return
        await refuse(send, 401, self._challenge, "missing or invalid credentials", scope=scope)
