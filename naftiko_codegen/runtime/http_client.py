"""The upstream HTTP client core: one pooled aiohttp session, bounded, with secrets masked.

Responses are passed on as raw bytes (no parsing on the hot path); failures become
`UpstreamError` with the status the adapters answer: 502 unreachable, answered a redirect or an
answer larger than `UpstreamLimits.max_response_bytes` (counted after decompression), 503 busy
(no connection slot within the pool wait) or circuit open, 504 timed out; 422
(`InvalidArgument`) for a value that cannot be sent (an empty path segment, NaN, a lone
surrogate) before any request. Policies:

- Redirects are never followed: a 3xx (but 304) answers 502 naming the redirect, so a
  credential never reaches another origin. Set the base URL to the final location instead.
- Retries: only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE), only after a connect
  error or a 502/503/504 answer, `UpstreamLimits.retries` times with capped, jittered
  exponential back-off honouring a bounded `Retry-After`, within the request's timeout.
  Besides these, aiohttp itself resends an idempotent request once when the pooled keep-alive
  connection it used was closed by the upstream (RFC 9112 §9.3.1).
- Every form of every secret (`masking.SecretMasker`) is masked in the body, the relayed
  `Content-Type` and error details.

The generated `upstream.py` describes the capability's APIs and subclasses `HttpClient`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from . import tracing
from .environment import LIMIT_VARIABLES, UpstreamLimits
from .logs import REQUEST_ID_HEADER, request_id
from .masking import SecretMasker
from .metrics import record_breaker, record_upstream
from .resilience import (
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    Bulkhead,
    BulkheadFull,
    CircuitBreaker,
    CircuitOpen,
    retry_delay,
)
from .upstream_hooks import upstream_hook, user_hooks
from .upstream_request import (
    SURROGATE,
    BodyParser,
    InvalidArgument,
    UpstreamApi,
    UpstreamError,
    UpstreamResponse,
    basic_credentials,
    form_fields,
    forward_path,
    header_items,
    json_bytes,
    path_segment,
    query_items,
    text,
    without_none,
)

__all__ = [
    "BodyParser",
    "HttpClient",
    "InvalidArgument",
    "UpstreamApi",
    "UpstreamError",
    "UpstreamResponse",
    "basic_credentials",
    "form_fields",
    "forward_path",
    "header_items",
    "path_segment",
    "query_items",
    "text",
    "user_hooks",
    "without_none",
]

_REDIRECTS: Final = frozenset({300, 301, 302, 303, 305, 307, 308})


class _Answer(NamedTuple):
    """What one attempt read: status, masked body and content type, and any `Retry-After`."""

    status: int
    body: bytes
    content_type: str | None
    retry_after: str | None


@dataclass(slots=True)
class _Guard:
    """What protects one consumed API: its timeouts, bulkhead and circuit breaker (and the
    digest authentication state, whose nonce and count carry over between its requests)."""

    timeout: aiohttp.ClientTimeout
    bulkhead: Bulkhead
    breaker: CircuitBreaker
    middlewares: tuple[aiohttp.DigestAuthMiddleware, ...] = ()
    reported: str = ""
    """The breaker state last given to the metrics (they hear of a change, not of every call)."""

    def report_breaker(self, api: str) -> None:
        state = self.breaker.state
        if state != self.reported:
            self.reported = state
            record_breaker(api, state)


class HttpClient:
    """Sends requests to the consumed APIs over one shared, pooled connection set.

    `secrets` are the values masked in every reply (with the values of the APIs' auth headers
    and query parameters): upstreams may echo credentials (Jupyter's HTML error pages embed the
    token it was sent), and such bytes never leave the adapter in any encoding. `limits` bound
    every API (see the module docstring); each API has its own bulkhead and breaker.
    """

    def __init__(
        self,
        apis: Mapping[str, UpstreamApi],
        *,
        secrets: Iterable[object] = (),
        parse_body: BodyParser | None = None,
        connection_limit: int = 100,
        limits: UpstreamLimits | None = None,
    ) -> None:
        self.apis: dict[str, UpstreamApi] = dict(apis)
        self.limits = limits if limits is not None else UpstreamLimits()
        sent = [value for api in self.apis.values() for value in _credentials(api)]
        self._masked, self._tokens = [*secrets, *sent], list[str]()
        self.masker = SecretMasker(self._masked)
        for hook in (m for api in self.apis.values() for m in api.middlewares):
            hook.on_token = self._mask_token  # oauth2 tokens are learned at run time
        self._parse_body = parse_body
        self._connection_limit = connection_limit
        self._session: aiohttp.ClientSession | None = None
        hooks = user_hooks()  # read once: a hook replaced later is not seen
        self._on_request = upstream_hook(hooks, "on_upstream_request")
        self._on_response = upstream_hook(hooks, "on_upstream_response")
        self._guards = {name: self._guard(api) for name, api in self.apis.items()}

    def _guard(self, api: UpstreamApi) -> _Guard:
        limits = self.limits
        return _Guard(
            aiohttp.ClientTimeout(total=api.timeout, sock_connect=limits.connect_timeout),
            Bulkhead(limits.concurrency, limits.pool_wait),
            CircuitBreaker(api.name, failures=limits.breaker_failures, reset=limits.breaker_reset),
            (
                *((aiohttp.DigestAuthMiddleware(*api.digest),) if api.digest else ()),
                *api.middlewares,
            ),
        )

    def _mask_token(self, token: str) -> None:
        """Mask a token fetched at run time too, from now on (the last few are kept)."""
        self._tokens = [*self._tokens[-3:], token]
        self.masker = SecretMasker([*self._masked, *self._tokens])

    def breaker(self, api_name: str) -> CircuitBreaker:
        """The circuit breaker of one consumed API (its `state` is what the logs report)."""
        return self._guards[api_name].breaker

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use so it binds to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._connection_limit,
                    limit_per_host=self.limits.concurrency,
                    ttl_dns_cache=300,
                    keepalive_timeout=30,
                ),
                skip_auto_headers=("User-Agent",),
                raise_for_status=False,
            )
        return self._session

    async def close(self) -> None:
        """Close pooled connections (idempotent)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _error(self, status: int, title: str, detail: str) -> UpstreamError:
        return UpstreamError(status, title, self.masker.mask_text(detail))

    async def send(
        self,
        api_name: str,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: Any = None,
        content_type: str | None = None,
        raw_format: str = "json",
        output_schema: str | None = None,
        operation: str = "",
    ) -> UpstreamResponse:
        """Send one request and read the whole (bounded) answer; raise `UpstreamError`.

        `operation` names the consumed operation in the metrics (default: the method).
        """
        api = self.apis[api_name]
        request_headers: Mapping[str, str] = api.headers
        if headers:
            request_headers = {**api.headers, **headers}
        payload: Any = data
        try:
            if json_body is not None:
                payload = json_bytes(json_body)
                request_headers = {"Content-Type": "application/json", **request_headers}
            elif content_type is not None:
                request_headers = {"Content-Type": content_type, **request_headers}
                if isinstance(payload, str):
                    payload = payload.encode()
            url = api.url(path, query)
            for value in request_headers.values():
                value.encode("utf-8")  # A lone surrogate fails here, not inside aiohttp.
        except UnicodeEncodeError:
            raise InvalidArgument(SURROGATE) from None
        identifier = request_id()
        if identifier is not None and REQUEST_ID_HEADER not in request_headers:
            request_headers = {REQUEST_ID_HEADER: identifier, **request_headers}
        if self._on_request is not None:
            request_headers = dict(request_headers)
            await self._on_request(api.name, method, str(url), request_headers)
        guard = self._guards[api.name]
        started = time.perf_counter()
        try:
            probe = guard.breaker.before_call()
        except CircuitOpen as error:
            record_upstream(api.name, operation or method, None, time.perf_counter() - started)
            guard.report_breaker(api.name)
            raise self._circuit_open(api, error) from None
        settled = False
        outcome: _Answer | UpstreamError | None = None
        try:
            if tracing.enabled():  # a CLIENT span, its `traceparent` sent upstream
                outcome = await tracing.traced_upstream(
                    api.name,
                    method,
                    url,
                    dict(request_headers),
                    lambda traced: self._attempts(api, guard, method, url, traced, payload),
                )
            else:
                outcome = await self._attempts(api, guard, method, url, request_headers, payload)
            # One verdict per call, retries included: a restart costs a few calls, not the breaker.
            if getattr(outcome, "transport", False):
                guard.breaker.failure()
                settled = True
            elif not getattr(outcome, "local", False):
                guard.breaker.success()
                settled = True
        finally:
            if probe and not settled:
                guard.breaker.abandon()
            status = outcome.status if isinstance(outcome, _Answer) else None
            record_upstream(api.name, operation or method, status, time.perf_counter() - started)
            guard.report_breaker(api.name)
        if isinstance(outcome, UpstreamError):
            raise outcome
        assert outcome is not None  # _attempts returned (else its exception propagated)
        status, body, content_type, retry_after = outcome
        return UpstreamResponse(
            status, body, content_type, raw_format, self._parse_body, retry_after, output_schema
        )

    async def _attempts(
        self,
        api: UpstreamApi,
        guard: _Guard,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        payload: Any,
    ) -> _Answer | UpstreamError:
        """The request, retried as the retry policy allows; the last outcome."""
        retries = self.limits.retries if method in IDEMPOTENT_METHODS else 0
        deadline = asyncio.get_running_loop().time() + api.timeout
        attempt = 0
        while True:
            # Through the API's bulkhead (inline: each await level costs every resumption).
            try:
                await guard.bulkhead.acquire()
            except BulkheadFull:
                outcome: _Answer | UpstreamError = self._busy(api, guard)
            else:
                try:
                    outcome = await self._request(api, guard, method, url, headers, payload)
                finally:
                    guard.bulkhead.release()
            delay = self._retry_delay(outcome, attempt, retries, deadline)
            if delay is None:
                return outcome
            await asyncio.sleep(delay)
            attempt += 1

    def _retry_delay(
        self,
        outcome: _Answer | UpstreamError,
        attempt: int,
        retries: int,
        deadline: float,
    ) -> float | None:
        """Seconds before the next attempt, or None when `outcome` is final."""
        if attempt >= retries:
            return None
        if isinstance(outcome, UpstreamError):
            if not getattr(outcome, "retryable", False):
                return None
            delay = retry_delay(attempt, self.limits.retry_max_delay)
        elif outcome.status in RETRY_STATUSES:
            delay = retry_delay(attempt, self.limits.retry_max_delay, outcome.retry_after)
        else:
            return None
        if delay is None or asyncio.get_running_loop().time() + delay >= deadline:
            return None  # No time left within the request's timeout: answer now.
        return delay

    def _busy(self, api: UpstreamApi, guard: _Guard) -> UpstreamError:
        """The error of a call that found no free connection to `api` within the pool wait."""
        error = self._error(
            503,
            "Upstream busy",
            f"all {guard.bulkhead.limit} connections to the upstream API {api.name!r} are "
            f"in use and none was freed within {guard.bulkhead.wait:g} s "
            f"({LIMIT_VARIABLES['concurrency']}, {LIMIT_VARIABLES['pool_wait']})",
        )
        error.local = True  # type: ignore[attr-defined]  # says nothing of the upstream
        return error

    def _circuit_open(self, api: UpstreamApi, error: CircuitOpen) -> UpstreamError:
        return self._error(
            503,
            "Upstream circuit open",
            f"the upstream API {api.name!r} at {api.origin} failed "
            f"{self.limits.breaker_failures} calls in a row; calls are refused for "
            f"{error.retry_in:.1f} s more, then one probe is sent "
            f"({LIMIT_VARIABLES['breaker_failures']}, {LIMIT_VARIABLES['breaker_reset']})",
        )

    async def _request(
        self,
        api: UpstreamApi,
        guard: _Guard,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        payload: Any,
    ) -> _Answer | UpstreamError:
        try:
            async with self._open().request(
                method,
                url,
                headers=headers,
                # A multipart body (`multipart.MultipartBody`) is encoded anew for each attempt.
                data=payload.form() if hasattr(payload, "form") else payload,
                timeout=guard.timeout,
                allow_redirects=False,  # A credential never follows a redirect elsewhere.
                middlewares=guard.middlewares,
            ) as response:
                if response.status in _REDIRECTS:
                    return self._redirect_error(api, response)
                body = await self._read(api, response)
                if self._on_response is not None:
                    body = await self._on_response(
                        api.name, method, str(url), response.status, body
                    )
                content_type = response.headers.get("Content-Type")
                return _Answer(
                    response.status,
                    self.masker.mask_bytes(body),
                    None if content_type is None else self.masker.mask_text(content_type),
                    response.headers.get("Retry-After"),
                )
        except UpstreamError as error:  # read, but out of bounds: the upstream did answer
            return error
        except aiohttp.ConnectionTimeoutError:
            return self._transport_error(
                api,
                502,
                "Upstream unreachable",
                f"could not be reached within {self.limits.connect_timeout:g} s "
                f"({LIMIT_VARIABLES['connect_timeout']})",
                retryable=True,
            )
        except TimeoutError:
            limit = f" ({api.timeout_env} raises it)" if api.timeout_env else ""
            return self._transport_error(
                api, 504, "Upstream timeout", f"did not answer within {api.timeout:g} s{limit}"
            )
        except aiohttp.ClientError as error:
            return self._transport_error(
                api,
                502,
                "Upstream unreachable",
                f"could not be reached ({type(error).__name__})",
                retryable=isinstance(error, aiohttp.ClientConnectorError),
            )

    def _transport_error(
        self, api: UpstreamApi, status: int, title: str, what: str, *, retryable: bool = False
    ) -> UpstreamError:
        error = self._error(status, title, f"the upstream API {api.name!r} at {api.origin} {what}")
        error.transport = True  # type: ignore[attr-defined]
        error.retryable = retryable  # type: ignore[attr-defined]
        return error

    def _redirect_error(self, api: UpstreamApi, response: aiohttp.ClientResponse) -> UpstreamError:
        location = response.headers.get("Location", "")
        try:
            target = urlsplit(str(response.url.join(URL(location))))
            shown = f"{target.scheme}://{target.netloc.rpartition('@')[2]}{target.path}"
        except ValueError:
            shown = "an unreadable location"
        return self._error(
            502,
            "Upstream redirect",
            f"the upstream API {api.name!r} at {api.origin} answered {response.status}, a "
            f"redirect to {shown}; redirects are not followed so that credentials never reach "
            f"another origin: set the API's base URL to the final location",
        )

    async def _read(self, api: UpstreamApi, response: aiohttp.ClientResponse) -> bytes:
        """The whole body, decompressed, or `UpstreamError` once it passes the size limit."""
        limit = self.limits.max_response_bytes
        declared = response.content_length
        if declared is not None and "Content-Encoding" not in response.headers:
            if declared > limit and response.method != "HEAD":  # HEAD: the length, no body
                raise self._too_large(api, limit)
            return await response.read()  # aiohttp reads exactly the declared length
        chunks: list[bytes] = []
        size = 0
        # aiohttp (>= 3.13.3) inflates gzip/deflate/br by bounded steps as they are read, so
        # counting here bounds the decompressed size, a zip bomb's included.
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise self._too_large(api, limit)
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(self, api: UpstreamApi, limit: int) -> UpstreamError:
        return self._error(
            502,
            "Upstream answer too large",
            f"the upstream API {api.name!r} at {api.origin} answered more than {limit} bytes "
            f"(after decompression); {LIMIT_VARIABLES['max_response_bytes']} raises the limit",
        )


def _credentials(api: UpstreamApi) -> list[str]:
    """The credential values an API sends (auth headers, the token after a scheme, query)."""
    values = [value for _, value in api.query]
    if api.digest:
        values.append(api.digest[1])  # The password; the username is not a secret.
    values += [secret for hook in api.middlewares for secret in getattr(hook, "secrets", ())]
    for value in api.headers.values():
        values.append(value)
        scheme, _, token = value.partition(" ")
        if token and scheme.isalpha():
            values.append(token)
    return values
