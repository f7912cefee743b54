"""Inbound oauth2: callers present a JWT bearer token, checked with PyJWT before any request runs.

`RequireJwt` accepts a request only when its `Authorization: Bearer` token is signed by one of
the deploy-time keys (`jwt_keys.KeyStore`) with an allowed asymmetric algorithm, names the
expected issuer and audience, is within exp/nbf (with a small leeway), and carries the required
scopes. Missing or bad tokens get 401 with `WWW-Authenticate: Bearer` (`error="invalid_token"`
when one was sent), missing scopes 403 (`error="insufficient_scope"`), unavailable keys 503; the
answer never echoes the token and no token is logged. Given the spec's `resource`, the guard
also serves its RFC 9728 metadata (`/.well-known/oauth-protected-resource…`, naming the issuer)
without a token and points to it from every challenge, as MCP clients expect.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import jwt
from starlette.types import ASGIApp, Receive, Scope, Send

from .inbound_auth import refuse
from .jwt_keys import JwtSettings, KeyStore, KeysUnavailable

__all__ = ["RequireJwt", "granted_scopes"]

logger = logging.getLogger(__name__)

_SCOPE_TOKEN = re.compile(r"[!#-\[\]-~]+")
"""RFC 6749 §3.3 scope-token characters: safe inside a quoted `WWW-Authenticate` parameter."""
_MAX_TOKEN = 16 * 1024
"""Longer tokens are refused unread (no legitimate JWT comes near it)."""


_WELL_KNOWN = "/.well-known/oauth-protected-resource"
_PLAIN_URL = re.compile(r"https?://[!#-\[\]-~]+")
"""A URL safe inside a quoted header parameter: printable ASCII, no quote or backslash."""


class _Refused(Exception):
    def __init__(self, status: int, error: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


_INVALID = _Refused(401, "invalid_token", "invalid or expired token")


def granted_scopes(claims: dict[str, Any]) -> set[str]:
    """The scopes a token grants: `scope` (space-separated, RFC 8693) or `scp` (list or text)."""
    granted: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            granted.update(value.split())
        elif isinstance(value, list):
            granted.update(str(item) for item in value)
    return granted


class RequireJwt:
    """ASGI middleware admitting only requests with a valid JWT bearer token."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: JwtSettings,
        issuer: str,
        audience: Sequence[str],
        scopes: Sequence[str] = (),
        resource: str = "",
        keys: KeyStore | None = None,
    ) -> None:
        self.app = app
        self._settings = settings
        # Deploy-time settings win over what the spec declares.
        self._issuer = settings.issuer or issuer
        self._audience = list(settings.audience or audience)
        if not self._issuer or not self._audience:
            raise ValueError("JWT validation needs an issuer and an audience")
        self._scopes = tuple(scopes)
        self._keys = keys if keys is not None else KeyStore(settings)
        shown = [scope for scope in self._scopes if _SCOPE_TOKEN.fullmatch(scope)]
        # Scopes are named in the 403 challenge only when all of them can be, safely.
        self._scope_parameter = (
            f'scope="{" ".join(shown)}"' if shown and len(shown) == len(self._scopes) else ""
        )
        self._metadata_paths: frozenset[str] = frozenset()
        self._metadata_parameter = ""
        if _PLAIN_URL.fullmatch(resource):
            self._serve_metadata(resource)

    def _serve_metadata(self, resource: str) -> None:
        """Publish RFC 9728 protected-resource metadata, so clients find the issuer (MCP)."""
        parts = urlsplit(resource)
        path = parts.path.rstrip("/")
        url = f"{parts.scheme}://{parts.netloc}{_WELL_KNOWN}{path}"
        self._metadata_paths = frozenset({_WELL_KNOWN, _WELL_KNOWN + path})
        self._metadata_parameter = f'resource_metadata="{url}"'
        document: dict[str, object] = {
            "resource": resource,
            "authorization_servers": [self._issuer],
            "bearer_methods_supported": ["header"],
        }
        if self._scopes:
            document["scopes_supported"] = list(self._scopes)
        self._metadata = json.dumps(document).encode()

    def _challenge(self, refusal: _Refused) -> str:
        """The `WWW-Authenticate` value of a refusal (none for 503: no credential is at fault)."""
        if refusal.status == 503:
            return ""
        parameters = [f'error="{refusal.error}"'] if refusal.error else []
        if refusal.error == "insufficient_scope" and self._scope_parameter:
            parameters.append(self._scope_parameter)
        if self._metadata_parameter:
            parameters.append(self._metadata_parameter)
        return "Bearer " + ", ".join(parameters) if parameters else "Bearer"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "GET" and scope.get("path") in self._metadata_paths:
            await _send_json(send, self._metadata)
            return
        try:
            await self._check(_bearer_token(scope))
        except _Refused as refusal:
            await refuse(
                send, refusal.status, self._challenge(refusal), refusal.message, scope=scope
            )
            return
        await self.app(scope, receive, send)

    async def _check(self, token: str) -> None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _INVALID from None
        algorithm = header.get("alg")
        if algorithm not in self._settings.algorithms:
            raise _INVALID  # never `none`, never HMAC with the public keys
        kid = header.get("kid")
        try:
            keys = await self._keys.keys(kid if isinstance(kid, str) else None)
        except KeysUnavailable:
            raise _Refused(
                503, None, "the token signing keys are unavailable; retry later"
            ) from None
        claims = self._verify(token, algorithm, keys)
        missing = [name for name in self._scopes if name not in granted_scopes(claims)]
        if missing:
            raise _Refused(403, "insufficient_scope", "the token lacks a required scope")

    def _verify(self, token: str, algorithm: str, keys: Sequence[dict[str, Any]]) -> dict[str, Any]:
        for jwk in keys:
            if jwk.get("alg", algorithm) != algorithm:
                continue
            try:
                key = jwt.PyJWK(jwk, algorithm).key
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=[algorithm],
                    audience=self._audience,
                    issuer=self._issuer,
                    leeway=self._settings.leeway,
                    options={"require": ["exp", "iss", "aud"]},
                )
            except jwt.InvalidSignatureError:
                continue  # maybe the next key (tokens without `kid`)
            except (jwt.PyJWTError, ValueError, TypeError) as error:
                # The reason (expired, wrong audience…) helps operators; the token never appears.
                logger.info("JWT refused: %s", type(error).__name__)
                raise _INVALID from None
            return claims
        logger.info("JWT refused: no key verifies its signature")
        raise _INVALID


def _bearer_token(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    values = [value for name, value in headers if name == b"authorization"]
    if not values:
        raise _Refused(401, None, "a bearer token is required")
    scheme, _, token = values[0].decode("latin-1").strip().partition(" ")
    token = token.strip()
    if len(values) > 1 or scheme.lower() != "bearer" or not token or len(token) > _MAX_TOKEN:
        raise _INVALID
    return token


async def _send_json(send: Send, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
