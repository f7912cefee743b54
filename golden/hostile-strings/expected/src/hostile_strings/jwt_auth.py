"""Inbound oauth2: callers present a JWT bearer token, checked with PyJWT before any request runs.

`RequireJwt` accepts a request only when its `Authorization: Bearer` token is signed by one of
the deploy-time keys (`jwt_keys.KeyStore`) with an allowed asymmetric algorithm, names the
expected issuer and audience, is within exp/nbf (with a small leeway), and carries the required
scopes. Missing or bad tokens get 401 with `WWW-Authenticate: Bearer` (`error="invalid_token"`
when one was sent), missing scopes 403 (`error="insufficient_scope"`), unavailable keys 503; the
answer never echoes the token and no token is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

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


class _Refused(Exception):
    def __init__(self, status: int, challenge: str, message: str) -> None:
        super().__init__(message)
        self.status, self.challenge, self.message = status, challenge, message


_INVALID = _Refused(401, 'Bearer error="invalid_token"', "invalid or expired token")


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
        self._scope_challenge = 'Bearer error="insufficient_scope"' + (
            f', scope="{" ".join(shown)}"' if shown and len(shown) == len(self._scopes) else ""
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self._check(_bearer_token(scope))
        except _Refused as refusal:
            await refuse(send, refusal.status, refusal.challenge, refusal.message)
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
            raise _Refused(503, "", "the token signing keys are unavailable; retry later") from None
        claims = self._verify(token, algorithm, keys)
        missing = [name for name in self._scopes if name not in granted_scopes(claims)]
        if missing:
            raise _Refused(403, self._scope_challenge, "the token lacks a required scope")

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
        raise _Refused(401, "Bearer", "a bearer token is required")
    scheme, _, token = values[0].decode("latin-1").strip().partition(" ")
    token = token.strip()
    if len(values) > 1 or scheme.lower() != "bearer" or not token or len(token) > _MAX_TOKEN:
        raise _INVALID
    return token
