"""The upstream HTTP client core: one pooled aiohttp session, errors as 502/504, secrets masked.

Responses are passed on as raw bytes (no parsing on the hot path); transport failures become
`UpstreamError` with the status the adapters answer (502 unreachable, 504 timed out). The
generated `upstream.py` describes the capability's APIs and subclasses `HttpClient`.
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from yarl import URL

__all__ = [
    "BodyParser",
    "HttpClient",
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

BodyParser = Callable[[bytes, str], Any]
"""Reads a body of a declared `outputRawFormat` (`formats.parse_body`); raises ValueError."""

_MASK = b"[redacted]"
_SHORTEST_MASKED = 4
"""Shorter secret values would mask innocent bytes (and cannot be guessed from a reply anyway)."""


def text(value: Any) -> str:
    """Render a parameter value as text: booleans as `true`/`false`, containers as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def path_segment(value: Any) -> str:
    """Percent-encode one path segment so `/`, `?`, `#` and `..` cannot change the path."""
    encoded = quote(text(value), safe="")
    if encoded in (".", ".."):
        return encoded.replace(".", "%2E")
    return encoded


def forward_path(tail: str) -> str:
    """Re-encode a forwarded path segment by segment (`..` cannot climb out of the API)."""
    return "/".join(path_segment(segment) for segment in tail.split("/"))


def query_items(*pairs: tuple[str, Any]) -> list[tuple[str, str]]:
    """Build query pairs: `None` is left out, a list repeats its key."""
    items: list[tuple[str, str]] = []
    for name, value in pairs:
        if value is None:
            continue
        if isinstance(value, list | tuple):
            items.extend((name, text(v)) for v in value if v is not None)
        else:
            items.append((name, text(value)))
    return items


def header_items(*pairs: tuple[str, Any]) -> dict[str, str]:
    """Build request headers, leaving out `None` values."""
    return {name: text(value) for name, value in pairs if value is not None}


def basic_credentials(username: str, password: str) -> str:
    """The `Authorization` value of HTTP basic authentication."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def form_fields(values: Any) -> dict[str, str]:
    """Form-encode a body: every field as text, absent optional fields left out."""
    if not isinstance(values, Mapping):
        return {}
    return {key: text(value) for key, value in values.items() if value not in (None, "")}


def without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop absent optional members from a JSON object body."""
    return {key: value for key, value in values.items() if value is not None}


def user_hooks() -> ModuleType | None:
    """Your `hooks` module (created once by naftiko-gen, then yours), or None without one."""
    name = f"{__package__}.hooks"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise  # The hooks module exists but imports something missing: say so.
        return None


class UpstreamError(Exception):
    """The upstream API could not be reached or did not answer in time."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    """An upstream answer, body untouched."""

    status: int
    body: bytes
    content_type: str | None
    raw_format: str = "json"
    """The format the spec declares for this body (`outputRawFormat`), read by `data()`."""
    parse_body: BodyParser | None = field(default=None, repr=False, compare=False)
    """How `data()` reads a body of another format than JSON (None: the package has none)."""

    @property
    def is_json(self) -> bool:
        """Whether the body is declared (or, when undeclared, looks like) JSON."""
        if self.content_type:
            media = self.content_type.split(";", 1)[0].strip().lower()
            return media == "application/json" or media.endswith("+json")
        return self.body[:1] in (b"{", b"[")

    def json(self) -> Any:
        """Parse the body as JSON (`None` when empty)."""
        return json.loads(self.body) if self.body else None

    @property
    def has_data(self) -> bool:
        """Whether output mappings can read the body: JSON, or a format the spec declares."""
        return bool(self.body) and (self.is_json or self.raw_format != "json")

    def data(self) -> Any:
        """The body as data for output mappings; raise ValueError when it is malformed."""
        if self.parse_body is not None and self.raw_format != "json" and not self.is_json:
            return self.parse_body(self.body, self.raw_format)
        return self.json()


@dataclass(frozen=True, slots=True)
class UpstreamApi:
    """One consumed API: where it lives and what every request to it carries."""

    name: str
    base_url: str
    timeout: float
    strip_base_path: bool = False
    """The spec's resource paths repeat the base URL's path: join them once."""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    _base_path: str = field(init=False, repr=False)
    _timeout: aiohttp.ClientTimeout = field(init=False, repr=False)
    _query_suffix: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Derived once: requests only concatenate strings on the hot path.
        object.__setattr__(self, "_base_path", urlsplit(self.base_url).path.rstrip("/"))
        object.__setattr__(self, "_timeout", aiohttp.ClientTimeout(total=self.timeout))
        object.__setattr__(self, "_query_suffix", urlencode(self.query))

    def url(self, path: str, query: Iterable[tuple[str, str]]) -> URL:
        """Join the base URL and an encoded path, then append the query (auth last)."""
        base_path = self._base_path
        if (
            self.strip_base_path
            and base_path
            and (path == base_path or path.startswith(base_path + "/"))
        ):
            path = path[len(base_path) :]
        if path and not path.startswith("/"):
            path = "/" + path
        target = self.base_url + path
        encoded = "&".join(filter(None, (urlencode(list(query)), self._query_suffix)))
        if encoded:
            target += ("&" if "?" in target else "?") + encoded
        return URL(target, encoded=True)

    @property
    def origin(self) -> str:
        """The base URL without credentials, safe to show in an error."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"


class HttpClient:
    """Sends requests to the consumed APIs over one shared, pooled connection set.

    `secrets` are the values masked in every reply: upstreams may echo credentials (Jupyter's
    HTML error pages embed the token it was sent), and such bytes never leave the adapter.
    """

    def __init__(
        self,
        apis: Mapping[str, UpstreamApi],
        *,
        secrets: Iterable[object] = (),
        parse_body: BodyParser | None = None,
        connection_limit: int = 100,
    ) -> None:
        self.apis: dict[str, UpstreamApi] = dict(apis)
        # Longest first, so that a secret containing another is masked whole.
        self._secret_bytes = tuple(
            value.encode()
            for value in sorted({str(secret) for secret in secrets}, key=len, reverse=True)
            if len(value) >= _SHORTEST_MASKED
        )
        self._parse_body = parse_body
        self._connection_limit = connection_limit
        self._session: aiohttp.ClientSession | None = None
        self._hooks = user_hooks()

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use so it binds to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._connection_limit, ttl_dns_cache=300, keepalive_timeout=30
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
    ) -> UpstreamResponse:
        """Send one request and read the whole answer; raise `UpstreamError` on transport failure."""
        api = self.apis[api_name]
        request_headers: Mapping[str, str] = api.headers
        if headers:
            request_headers = {**api.headers, **headers}
        payload: Any = data
        if json_body is not None:
            payload = json.dumps(json_body, separators=(",", ":")).encode()
            request_headers = {"Content-Type": "application/json", **request_headers}
        elif content_type is not None:
            request_headers = {"Content-Type": content_type, **request_headers}
            if isinstance(payload, str):
                payload = payload.encode()
        url = api.url(path, query)
        if self._hooks is not None:
            request_headers = dict(request_headers)
            await self._hooks.on_upstream_request(api.name, method, str(url), request_headers)
        try:
            async with self._open().request(
                method,
                url,
                headers=request_headers,
                data=payload,
                timeout=api._timeout,
            ) as response:
                body = await response.read()
                if self._hooks is not None:
                    body = await self._hooks.on_upstream_response(
                        api.name, method, str(url), response.status, body
                    )
                for secret in self._secret_bytes:
                    if secret in body:  # A C-level scan; replacing is the rare case.
                        body = body.replace(secret, _MASK)
                return UpstreamResponse(
                    response.status,
                    body,
                    response.headers.get("Content-Type"),
                    raw_format,
                    self._parse_body,
                )
        except TimeoutError:
            raise UpstreamError(
                504,
                "Upstream timeout",
                f"the upstream API {api.name!r} at {api.origin} did not answer within "
                f"{api.timeout:g} s",
            ) from None
        except aiohttp.ClientError as error:
            raise UpstreamError(
                502,
                "Upstream unreachable",
                f"the upstream API {api.name!r} at {api.origin} could not be reached "
                f"({type(error).__name__})",
            ) from None
