"""Facing the network: which requests reach an adapter at all, decided before any route runs.

`ExposureGuard` decides for every adapter served over HTTP (REST, MCP, control port), asked by
`front_door.FrontDoor` before the app runs, and answers for the app, with `application/problem+json` that names the limit and the option that moves it:

- **421** when `Host` names a host that is not allowed, **403** when an `Origin` is present and
  not allowed (DNS-rebinding and cross-site protection, see `HostPolicy`);
- **401** when the deployment requires an inbound API key (`--require-api-key-file`,
  `NAFTIKO_REQUIRE_API_KEY`) and the request does not carry it, as `X-API-Key: KEY` or
  `Authorization: Bearer KEY` (compared in constant time, never echoed);
- **413** when the body is larger than `--max-body-bytes`: at once by `Content-Length`, or, for a
  body without one, as soon as the chunks read so far pass the limit (nothing more is read);
- **503** for a call still running when the shutdown drain ends (`abort_in_flight`).

The guard marks the requests it passed (`GUARDED`, whose value is the adapter's name), so an app
that checks the same things when served on its own (`mcp_http.StreamableHttpApp`) does not check
them twice. Each refusal is counted by `metrics.record_refused` (reasons `host`, `origin`,
`api_key`, `body_size`).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from starlette.types import Message, Receive, Scope, Send

from .metrics import record_refused

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "GUARDED",
    "PROBLEM_JSON",
    "BodyTooLarge",
    "Exchange",
    "ExposureGuard",
    "HostPolicy",
    "is_loopback",
    "problem",
    "send_problem",
]

DEFAULT_MAX_BODY_BYTES: Final = 4 * 1024 * 1024
GUARDED: Final = "naftiko.guarded"
"""Scope key set on every request `ExposureGuard` let through; its value names the adapter."""
_REASONS: Final = {421: "host", 403: "origin", 401: "api_key", 413: "body_size"}
"""The refused-requests metric's reason for each status the guard answers (bounded labels)."""
PROBLEM_JSON: Final = "application/problem+json"

_LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS: Final = frozenset({"0.0.0.0", "::", ""})
_CACHE_SIZE: Final = 512
"""Distinct Host/Origin values whose verdict is remembered (a client may send endless ones)."""

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether an interface name or address reaches this machine only."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(authority: str) -> str:
    """The host of a `Host` value or an origin's authority, lower-cased, without port or []."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1 : authority.find("]")] if "]" in authority else ""
    return authority.rpartition(":")[0] if authority.count(":") == 1 else authority


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _split(values: Iterable[str]) -> list[str]:
    """Comma lists (as `--allowed-hosts a,b` or the environment give them) as one list."""
    return [item.strip().lower() for value in values for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class HostPolicy:
    """Which `Host` and `Origin` values an adapter bound to some interface answers.

    Always allowed: loopback names (`localhost`, `127.0.0.1`, `[::1]`, any port) and the bind
    address itself. A wildcard bind (`0.0.0.0`, `::`) also allows any IP address as `Host`: a
    DNS-rebinding page needs a name, so names other than localhost must be listed in `hosts`
    (entries `name`, `name:port` or `*.domain`; `*` turns the Host check off). Origins: the
    request's own (`http(s)://` + its allowed Host), loopback ones, and those in `origins`
    (`scheme://host[:port]`; `*` turns the Origin check off); `null` never.
    """

    bind: str
    hosts: frozenset[str] = frozenset()
    origins: frozenset[str] = frozenset()
    any_host: bool = False
    any_origin: bool = False
    _verdicts: dict[tuple[bytes, bytes], int] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def for_bind(
        cls, bind: str, hosts: Iterable[str] = (), origins: Iterable[str] = ()
    ) -> HostPolicy:
        """The policy of an adapter bound to `bind`, widened by the deployment's lists."""
        host_list, origin_list = _split(hosts), _split(origins)
        return cls(
            bind=bind.strip("[]").lower(),
            hosts=frozenset(host_list) - {"*"},
            origins=frozenset(origin.rstrip("/") for origin in origin_list) - {"*"},
            any_host="*" in host_list,
            any_origin="*" in origin_list,
        )

    @property
    def wildcard(self) -> bool:
        """Whether the adapter listens on every interface."""
        return self.bind in _WILDCARDS

    def host_allowed(self, host: str) -> bool:
        """Whether a request naming `host` (the `Host` header) may be answered."""
        if self.any_host:
            return True
        name = _host_name(host)
        if not name:
            return False
        if name in _LOOPBACK_NAMES or name == self.bind or host.lower() in self.hosts:
            return True
        if name in self.hosts or any(
            entry.startswith("*.") and name.endswith(entry[1:]) for entry in self.hosts
        ):
            return True
        return self.wildcard and _is_ip(name)

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Whether a request from `origin` (the `Origin` header) to `host` may be answered."""
        origin = origin.strip().lower().rstrip("/")
        if self.any_origin or origin in self.origins:
            return True
        scheme, _, authority = origin.partition("://")
        if scheme not in ("http", "https") or not authority:
            return False  # `null` (sandboxed pages, files) and anything odd
        return authority == host.lower() or _host_name(authority) in _LOOPBACK_NAMES

    def verdict(self, host: bytes, origin: bytes) -> int:
        """0 when allowed, else the status to answer: 421 (Host) or 403 (Origin)."""
        key = (host, origin)
        known = self._verdicts.get(key)
        if known is not None:
            return known
        host_text, origin_text = host.decode("latin-1"), origin.decode("latin-1")
        if not self.host_allowed(host_text):
            status = 421
        elif origin and not self.origin_allowed(origin_text, host_text):
            status = 403
        else:
            status = 0
        if len(self._verdicts) < _CACHE_SIZE:
            # Logged once per value (a client repeating a refused one floods nothing).
            self._verdicts[key] = status
            if status == 421:
                logger.warning("refused Host %r (DNS-rebinding protection)", host_text)
            elif status == 403:
                logger.warning("refused Origin %r (cross-site protection)", origin_text)
        return status

    def refusal(self, host: bytes, origin: bytes) -> tuple[int, str, str] | None:
        """None when allowed, else (status, title, detail) of the answer."""
        status = self.verdict(host, origin)
        if status == 421:
            return (
                421,
                "Invalid Host header",
                f"this adapter does not answer for Host {host.decode('latin-1')!r}; allow "
                "it with --allowed-hosts (env NAFTIKO_ALLOWED_HOSTS)",
            )
        if status == 403:
            return (
                403,
                "Invalid Origin header",
                f"requests from Origin {origin.decode('latin-1')!r} are not answered; allow "
                "it with --allowed-origins (env NAFTIKO_ALLOWED_ORIGINS)",
            )
        return None


def problem(status: int, title: str, detail: str, instance: str) -> bytes:
    """An RFC 9457 problem document."""
    document = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return json.dumps(document, separators=(",", ":")).encode()


async def send_problem(
    send: Send,
    scope: Scope,
    status: int,
    title: str,
    detail: str,
    extra: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Answer with a problem document."""
    body = problem(status, title, detail, scope.get("path", ""))
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _request_headers(
    headers: dict[bytes, bytes], raw: list[tuple[bytes, bytes]]
) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """Host, Origin, Content-Length, X-API-Key, Authorization.

    `headers` is `dict(raw)`: a repeated header keeps its last value, except Host, which is
    refused when repeated (which one would the app read? Neither is trusted).
    """
    host = headers.get(b"host", b"")
    if len(headers) != len(raw) and sum(name == b"host" for name, _ in raw) > 1:
        host = b""
    return (
        host,
        headers.get(b"origin", b""),
        headers.get(b"content-length", b""),
        headers.get(b"x-api-key", b""),
        headers.get(b"authorization", b""),
    )


class BodyTooLarge(Exception):
    """Raised to the app by `ExposureGuard.bounded` once the body passed the limit (413 sent)."""


class Exchange:
    """One request and its answer: the status sent, whether it started, and who may end it.

    The one `send` wrapper of a request (`front_door.FrontDoor` makes it): it notes the status,
    adds the deployment's headers (the request id) to the answer's head, and drops what the app
    sends once the guard answered in its place (413 mid-body, 503 at shutdown).
    """

    __slots__ = ("answered_by_guard", "chunked", "extra_headers", "scope", "send", "status")

    def __init__(
        self, scope: Scope, send: Send, extra_headers: tuple[tuple[bytes, bytes], ...] = ()
    ) -> None:
        self.scope = scope
        self.send = send
        self.extra_headers = extra_headers
        self.status = 0
        """The answer's status once its head was sent, else 0."""
        self.answered_by_guard = False
        self.chunked = False
        """Whether the body comes without a length (counted as it is read)."""

    async def deliver(self, message: Message) -> None:
        """Send `message` on, noting the answer's status and adding the extra headers."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.extra_headers:
                message["headers"] = [*message.get("headers", ()), *self.extra_headers]
        await self.send(message)

    async def send_from_app(self, message: Message) -> None:
        """The app's `send`: as `deliver` (inline: twice per request), dropped once the guard
        answered in the app's place."""
        if self.answered_by_guard:
            return
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.extra_headers:
                message["headers"] = [*message.get("headers", ()), *self.extra_headers]
        await self.send(message)

    async def answer(
        self, status: int, title: str, detail: str, extra: Iterable[tuple[bytes, bytes]] = ()
    ) -> bool:
        """Answer with a problem document unless an answer started; whether this one was sent."""
        if self.status or self.answered_by_guard:
            return False
        self.answered_by_guard = True
        await send_problem(self.deliver, self.scope, status, title, detail, extra=extra)
        return True


class ExposureGuard:
    """Host/Origin, an optional inbound API key, a body limit, and the calls in flight.

    Not middleware of its own: `front_door.FrontDoor` asks `admit` before the app runs, reads
    the body through `bounded`, and keeps each running call in `calls` for the shutdown drain.
    """

    def __init__(
        self,
        *,
        policy: HostPolicy,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        api_key: str | None = None,
        adapter: str = "http",
    ) -> None:
        if api_key is not None and not api_key:
            raise ValueError("an inbound API key must not be empty")
        self.adapter = adapter
        """Names the adapter in the refused-requests metric."""
        self.policy = policy
        self.max_body_bytes = max_body_bytes
        self._api_key = api_key.encode() if api_key else None
        self.calls: set[Exchange] = set()
        """The calls the app is handling now."""
        self.aborting = False
        """Whether `abort_in_flight` ran: a call cancelled now ends quietly."""

    def admit(
        self, exchange: Exchange, headers: dict[bytes, bytes], raw: list[tuple[bytes, bytes]]
    ) -> tuple[int, str, str] | None:
        """None when the request may reach the app, else (status, title, detail) to answer.

        `headers` is `dict(raw)`, the request's headers read once by the caller.
        """
        host, origin, length, api_key, authorization = _request_headers(headers, raw)
        # The common case costs a dict lookup (verdicts are remembered per Host/Origin).
        refusal = self.policy.refusal(host, origin) if self.policy.verdict(host, origin) else None
        if (
            self._api_key is not None
            and refusal is None
            and not self._key_presented(api_key, authorization)
        ):
            refusal = (
                401,
                "Unauthorized",
                "this adapter requires an API key: send it as X-API-Key or as a bearer token",
            )
        if refusal is None and length.isdigit() and int(length) > self.max_body_bytes:
            refusal = self._too_large()
        if refusal is None:
            exchange.scope[GUARDED] = self.adapter
            exchange.chunked = b"transfer-encoding" in headers
        return refusal

    async def refuse(self, exchange: Exchange, refusal: tuple[int, str, str]) -> None:
        """Answer a request `admit` refused, and count it."""
        record_refused(self.adapter, _REASONS[refusal[0]])
        extra = [(b"www-authenticate", b"Bearer")] if refusal[0] == 401 else []
        await exchange.answer(*refusal, extra=extra)

    def _key_presented(self, api_key: bytes, authorization: bytes) -> bool:
        """Whether no key is required, or either header carries it (constant-time compare)."""
        if self._api_key is None:
            return True
        bearer = authorization[7:].strip() if authorization[:7].lower() == b"bearer " else b""
        # Both compared, always: the time taken says nothing about which header came close.
        by_header = hmac.compare_digest(api_key, self._api_key)
        by_bearer = hmac.compare_digest(bearer, self._api_key)
        return by_header or by_bearer

    def _too_large(self) -> tuple[int, str, str]:
        return (
            413,
            "Request body too large",
            f"the request body is larger than {self.max_body_bytes} bytes; raise the limit "
            "with --max-body-bytes (env NAFTIKO_MAX_BODY_BYTES)",
        )

    def bounded(self, receive: Receive, exchange: Exchange) -> Receive:
        """`receive` for a body of unknown length: stop at the limit and answer 413."""
        size = 0

        async def counted_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.max_body_bytes:
                    record_refused(self.adapter, "body_size")
                    await exchange.answer(*self._too_large())
                    raise BodyTooLarge
            return message

        return counted_receive

    @property
    def requires_key(self) -> bool:
        """Whether callers must present the deployment's API key."""
        return self._api_key is not None

    @property
    def in_flight(self) -> int:
        """How many requests the app is handling now."""
        return len(self.calls)

    async def abort_in_flight(self, drain_seconds: float) -> int:
        """Answer 503 for every call still running whose answer has not started.

        Return how many calls are still running; the caller then cancels their tasks (the
        server's), and the front door ends them quietly.
        """
        self.aborting = True
        detail = (
            f"the adapter is shutting down and this call did not finish within the "
            f"{drain_seconds:g} s drain (--shutdown-timeout, env NAFTIKO_SHUTDOWN_TIMEOUT); "
            "retry it"
        )
        calls = list(self.calls)
        for call in calls:
            await call.answer(503, "Service shutting down", detail)
        return len(calls)
