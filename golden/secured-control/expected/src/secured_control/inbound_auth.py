"""Inbound authentication: callers must present the credential the spec binds, or get 401."""

from __future__ import annotations

import hmac
import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RequireCredentials"]


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
        body = json.dumps(
            {"error": "unauthorized", "message": "missing or invalid credentials"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", self._challenge.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
