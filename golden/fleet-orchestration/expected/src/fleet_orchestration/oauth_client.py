"""OAuth 2.0 client credentials (RFC 6749 §4.4) for a consumed API: a bearer token, fetched.

`ClientCredentials` is an aiohttp client middleware on one consumed API. Before a request it
makes sure a token is at hand: it POSTs `grant_type=client_credentials` (with `scope` and
`audience` when the spec gives them) to the token endpoint, authenticating with
`client_secret_basic` (RFC 6749 §2.3.1: both values form-encoded, then HTTP Basic) or, when
`auth_method` says so (`<API>_TOKEN_AUTH_METHOD`: no catalog file declares the method, so it is
a setting), `client_secret_post` (`client_id` and `client_secret` in the form body), caches the
`access_token` and fetches a new one `refresh_margin` seconds before `expires_in` runs out.
Concurrent requests share one fetch (single flight). An upstream 401 is retried once with a fresh
token (the upstream may have revoked the old one); a second 401 is the caller's answer.

The client secret and every token are credentials: `secrets` lists the former for the HTTP
client's masker, and `on_token` (set by the HTTP client) masks each token as it arrives. A token
endpoint that fails answers 502 with what went wrong, never with what was sent (the `error`
code it answered is quoted only when it is a plain RFC 6749 §5.2 code not holding the secret).
The token endpoint is https unless loopback (the generator refuses anything else in the spec,
the settings refuse it in `<API>_TOKEN_URL` at start-up, and a token endpoint found through the
issuer's RFC 8414 metadata is checked the same way); redirects are not followed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus, urlsplit

import aiohttp

from .upstream_request import UpstreamError

__all__ = ["AUTH_METHODS", "ClientCredentials", "acceptable_token_url"]

_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def acceptable_token_url(url: str) -> bool:
    """Whether a token endpoint may receive the client secret: https, or http on loopback."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


_ERROR_CODE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]{1,80}")
"""An RFC 6749 §5.2 `error` value: printable ASCII without quote or backslash."""
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
"""How the client authenticates to the token endpoint (RFC 6749 §2.3.1)."""

_MAX_TOKEN_ANSWER = 64 * 1024
"""Bytes read from the token endpoint at most (a token answer is a small JSON object)."""


class ClientCredentials:
    """aiohttp middleware adding `Authorization: Bearer <token>` from a client credentials grant."""

    def __init__(
        self,
        *,
        token_url: str = "",
        issuer: str = "",
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...] = (),
        audience: str = "",
        timeout: float = 30.0,
        refresh_margin: float = 30.0,
        auth_method: str = AUTH_METHODS[0],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The settings refuse both at start-up; this guards other callers.
        if token_url and not acceptable_token_url(token_url):
            raise ValueError("the oauth2 token endpoint must be https (http only on loopback)")
        if auth_method not in AUTH_METHODS:
            raise ValueError(f"auth_method must be one of {', '.join(AUTH_METHODS)}")
        self.token_url = token_url
        """The token endpoint; empty until discovered from `issuer`'s metadata (RFC 8414)."""
        self._issuer = issuer.rstrip("/")
        self._form = {"grant_type": "client_credentials"}
        if scopes:
            self._form["scope"] = " ".join(scopes)
        if audience:
            self._form["audience"] = audience
        self._headers = {"Accept": "application/json"}
        if auth_method == "client_secret_post":
            self._form |= {"client_id": client_id, "client_secret": client_secret}
        else:
            pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        self.secrets: tuple[str, ...] = (client_secret,)
        """What the HTTP client masks in every output (tokens are added through `on_token`)."""
        self.on_token: Callable[[str], None] | None = None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0
        """How many tokens were fetched (for the tests and the logs)."""

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires - self._margin

    async def token(self, *, rejected: str | None = None) -> str:
        """A usable token; a new one when none is cached, it expires soon, or it is `rejected`."""
        if self._fresh() and self._token != rejected:
            return self._token  # type: ignore[return-value]
        async with self._lock:  # single flight: the waiters find the token the first fetched
            if self._fresh() and self._token != rejected:
                return self._token  # type: ignore[return-value]
            token, lifetime = await self._fetch()
            self._token, self._expires = token, self._clock() + lifetime
            self.fetches += 1
            if self.on_token is not None:
                self.on_token(token)
            return token

    async def _post(self, url: str, form: dict[str, str] | None) -> tuple[int, Any]:
        """POST `form` (GET without one) and read a bounded JSON answer; None if not JSON."""
        headers = self._headers if form is not None else {"Accept": "application/json"}
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.request(
                    "POST" if form is not None else "GET",
                    url,
                    data=form,
                    headers=headers,
                    allow_redirects=False,
                ) as answer,
            ):
                status, body = answer.status, await answer.content.read(_MAX_TOKEN_ANSWER)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise self._failed(url, f"could not be reached ({type(error).__name__})") from None
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    async def _discover(self) -> None:
        """The token endpoint named by the issuer's metadata (RFC 8414 §3)."""
        metadata = f"{self._issuer}/.well-known/oauth-authorization-server"
        status, data = await self._post(metadata, None)
        endpoint = data.get("token_endpoint") if isinstance(data, dict) else None
        if status != 200 or not isinstance(endpoint, str) or not acceptable_token_url(endpoint):
            raise self._failed(metadata, f"answered {status} without an https token_endpoint")
        self.token_url = endpoint

    async def _fetch(self) -> tuple[str, float]:
        if not self.token_url:
            await self._discover()
        status, data = await self._post(self.token_url, self._form)
        if status != 200 or not isinstance(data, dict):
            reason = data.get("error") if isinstance(data, dict) else None
            said = f" ({reason})" if self._quotable(reason) else ""
            raise self._failed(self.token_url, f"answered {status}{said}")
        token, kind = data.get("access_token"), str(data.get("token_type", "bearer"))
        if not isinstance(token, str) or not token or kind.lower() != "bearer":
            raise self._failed(self.token_url, "answered no bearer access_token")
        lifetime = data.get("expires_in")
        if not isinstance(lifetime, int | float) or not math.isfinite(lifetime) or lifetime <= 0:
            lifetime = math.inf  # no lifetime given: kept until the upstream refuses it (401)
        return token, float(lifetime)

    def _quotable(self, reason: Any) -> bool:
        """Whether the token endpoint's `error` may be quoted: a plain code, not the secret."""
        return (
            isinstance(reason, str)
            and bool(_ERROR_CODE.fullmatch(reason))
            and self.secrets[0] not in reason
        )

    @staticmethod
    def _failed(url: str, what: str) -> UpstreamError:
        return UpstreamError(
            502,
            "Upstream token unavailable",
            f"the token endpoint {url} {what}; no request was sent upstream",
        )

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        token = await self.token()
        request.headers["Authorization"] = "Bearer " + token
        response = await handler(request)
        if response.status != 401:
            return response
        response.release()
        request.headers["Authorization"] = "Bearer " + await self.token(rejected=token)
        return await handler(request)
