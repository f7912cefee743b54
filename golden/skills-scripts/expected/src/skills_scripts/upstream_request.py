"""Request values for upstream calls: parameters as text, path segments, bodies; and the errors.

Every helper turns a checked argument into what goes on the wire, and refuses with
`InvalidArgument` (answered 422 / `isError`, before any request) what cannot be sent safely: an
empty path segment (it would address the collection, a get acting as a list), NaN or Infinity
(not JSON), a lone surrogate (not Unicode). `UpstreamError` is what the adapters turn into a
problem+json or an `isError` result. `UpstreamApi` joins a consumed API's base URL, an encoded
path and the query (its authentication last). `UpstreamResponse` is what comes back, its body
read as data on demand (`parse_body` for the formats other than JSON).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit

from yarl import URL

__all__ = [
    "SURROGATE",
    "BodyParser",
    "InvalidArgument",
    "UpstreamApi",
    "UpstreamError",
    "UpstreamResponse",
    "basic_credentials",
    "form_fields",
    "forward_path",
    "header_items",
    "json_bytes",
    "path_segment",
    "query_items",
    "text",
    "without_none",
]


def text(value: Any) -> str:
    """Render a parameter value as text: booleans as `true`/`false`, containers as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _json_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument(f"{value} is not a number the upstream can be sent")
    return str(value)


def _json_text(value: Any) -> str:
    """Compact JSON, refusing what JSON cannot carry (NaN, Infinity) with `InvalidArgument`."""
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise InvalidArgument(
            "a value is NaN or Infinity, which JSON cannot carry; send a number or null"
        ) from None


def _segment(value: Any) -> str:
    try:
        encoded = quote(text(value), safe="")
    except UnicodeEncodeError:
        raise InvalidArgument(SURROGATE) from None
    if encoded in (".", ".."):
        return encoded.replace(".", "%2E")
    return encoded


def path_segment(value: Any) -> str:
    """Percent-encode one path segment so `/`, `?`, `#` and `..` cannot change the path.

    An empty value is refused (`InvalidArgument`): `/sessions/` + "" would address the
    collection instead of one item (a get would act as a list).
    """
    encoded = _segment(value)
    if not encoded:
        raise InvalidArgument("a path parameter is empty; give a non-empty value")
    return encoded


def forward_path(tail: str) -> str:
    """Re-encode a forwarded path segment by segment (`..` cannot climb out of the API)."""
    return "/".join(_segment(segment) for segment in tail.split("/"))


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


class UpstreamError(Exception):
    """The upstream API could not be reached, did not answer in time or answered out of bounds."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


class InvalidArgument(UpstreamError):
    """A value that cannot be sent upstream; raised before any request (answers 422)."""

    def __init__(self, detail: str) -> None:
        super().__init__(422, "Invalid argument", detail)


SURROGATE: Final = (
    "a text value holds a lone surrogate (an unpaired \\ud800-\\udfff escape), which is not "
    "valid Unicode; send well-formed text"
)


def json_bytes(value: Any) -> bytes:
    """A JSON body: compact UTF-8; NaN, Infinity and lone surrogates refused."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
    except ValueError as error:
        if isinstance(error, UnicodeEncodeError):
            raise InvalidArgument(SURROGATE) from None
        raise InvalidArgument(
            "the body holds NaN or Infinity, which JSON cannot carry; send a number or null"
        ) from None


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
    timeout_env: str = ""
    """The environment variable that sets `timeout`, named in a 504's detail."""
    digest: tuple[str, str] | None = None
    """`(username, password)` of RFC 7616 digest authentication: answered to the upstream's
    challenge (then sent pre-emptively within its protection space), never in clear."""
    middlewares: tuple[Any, ...] = ()
    """Further aiohttp client middlewares of this API (`oauth_client.ClientCredentials`)."""
    _base_path: str = field(init=False, repr=False)
    _query_suffix: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Derived once: requests only concatenate strings on the hot path.
        object.__setattr__(self, "_base_path", urlsplit(self.base_url).path.rstrip("/"))
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
        pairs = list(query)
        encoded = "&".join(filter(None, (urlencode(pairs) if pairs else "", self._query_suffix)))
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


BodyParser = Callable[[bytes, str, str | None], Any]
"""Reads a body of a declared `outputRawFormat` with the operation's `outputSchema`
(`formats.parse_body`); raises ValueError."""


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
    retry_after: str | None = field(default=None, repr=False, compare=False)
    """The upstream's `Retry-After` header, read by the retry policy."""
    output_schema: str | None = field(default=None, repr=False, compare=False)
    """The operation's `outputSchema`, passed to `parse_body` (selector, filter, schema file)."""

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
            return self.parse_body(self.body, self.raw_format, self.output_schema)
        return self.json()
