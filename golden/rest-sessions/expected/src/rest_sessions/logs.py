"""Logs and request ids: text or JSON lines, one id per request, and the access log.

`configure_logging` writes every log record to stderr, as text or as JSON lines (one object per
line: time, level, logger, message, request_id; access lines add method, path, status,
duration_ms and adapter). uvicorn's own logging configuration is not used, so its records take
the same form.

`front_door.FrontDoor` gives every HTTP request an id (`request_id_from`): the caller's
`X-Request-ID` when it is at most `MAX_REQUEST_ID` characters of a safe set, else the trace id
of a valid `traceparent`, else a new random one. The id is in every log record written while the
request runs (a context variable), in the `X-Request-ID` header of the answer, and in the
`X-Request-ID` header of every upstream call (`http_client` asks `request_id()`). With
`access_log`, one line per request once it is answered (`write_access_line`): written straight
to the handler `configure_logging` installed, as its formatter would, when nothing else (a
filter, another handler) could see the record, else as a `LogRecord`. A query parameter that carries a
credential (`redact_query_parameter`, registered by inbound authentication) is logged as `***`;
headers are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import sys
import time
from collections.abc import MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any, Final
from urllib.parse import unquote_plus

__all__ = [
    "LOG_FORMATS",
    "MAX_REQUEST_ID",
    "REQUEST_ID",
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "redact_query_parameter",
    "request_id",
    "request_id_from",
    "request_id_of",
    "write_access_line",
]

Scope = MutableMapping[str, Any]

LOG_FORMATS: Final = ("text", "json")
REQUEST_ID_HEADER: Final = "X-Request-ID"
MAX_REQUEST_ID: Final = 128
"""Longest `X-Request-ID` accepted from a caller; a longer one is replaced by a new id."""

# Safe in a header, a log line and a URL: no spaces, quotes, control characters or separators
# a log parser could trip on.
_SAFE_ID: Final = re.compile(rf"[A-Za-z0-9._:+/=@-]{{1,{MAX_REQUEST_ID}}}")
_TRACEPARENT: Final = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?")
_ACCESS_FIELDS: Final = ("method", "path", "status", "duration_ms", "adapter")
_REDACTED_QUERY: set[str] = set()
_ENCODER: Final = json.JSONEncoder(default=str)  # one encoder: json.dumps builds one per call
_ACCESS_MESSAGE: Final = '%s "%s %s HTTP/%s" %d %.1f ms %s'
# Request ids are unique, not secret: drawn from a generator seeded by the OS (again in a forked
# child, or the children would draw the same ids), without a system call per request.
_ids = random.Random()
if hasattr(os, "register_at_fork"):  # not on Windows (which does not fork)
    os.register_at_fork(after_in_child=_ids.seed)

_REQUEST_ID: ContextVar[str | None] = ContextVar("naftiko_request_id", default=None)
REQUEST_ID: Final = _REQUEST_ID
"""The running request's id (set by `front_door.FrontDoor` for the request's lifetime)."""
_access = logging.getLogger(__name__.rpartition(".")[0] + ".access")
_handler: list[logging.StreamHandler[Any] | None] = [None]
"""The handler `configure_logging` installed (access lines may bypass `logging` to reach it)."""


def request_id() -> str | None:
    """The id of the request being served, or None outside any request."""
    return _REQUEST_ID.get()


def request_id_of(headers: list[tuple[bytes, bytes]] | Any) -> str:
    """The id of a request with these (ASGI) headers: the caller's, its trace id, or a new one."""
    given = parent = None
    for name, value in headers:
        if name == b"x-request-id":
            given = value
        elif name == b"traceparent":
            parent = value
    return request_id_from(given, parent)


def request_id_from(given: bytes | None, parent: bytes | None) -> str:
    """The id of a request with `X-Request-ID: given` and `traceparent: parent` (None: absent)."""
    if given is not None:
        text = given.decode("latin-1")
        if _SAFE_ID.fullmatch(text):
            return text
    if parent is not None:
        match = _TRACEPARENT.fullmatch(parent.decode("latin-1").strip())
        if match and match[1] != "ff" and match[2] != "0" * 32:
            return match[2]
    return f"{_ids.getrandbits(128):032x}"


def redact_query_parameter(name: str) -> None:
    """Log the value of query parameter `name` as `***` (it carries a credential)."""
    _REDACTED_QUERY.add(name)


def _target(scope: Scope) -> str:
    """The path and query of a request, credentials in the query replaced by `***`."""
    path: str = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    if not query:
        return path
    pairs = query.decode("latin-1").split("&")
    if _REDACTED_QUERY:
        for index, pair in enumerate(pairs):
            key = pair.partition("=")[0]
            if unquote_plus(key) in _REDACTED_QUERY:  # however the caller spelled the name
                pairs[index] = key + "=***"
    return path + "?" + "&".join(pairs)


def write_access_line(scope: Scope, status: int, started: float, adapter: str) -> None:
    """The access line of a request answered with `status`, begun at `perf_counter` `started`."""
    if not _access.isEnabledFor(logging.INFO):
        return
    duration = round((time.perf_counter() - started) * 1000, 3)
    method: str = scope.get("method", "")
    target = _target(scope)
    client = scope.get("client")
    peer = f"{client[0]}:{client[1]}" if client else "-"
    version = scope.get("http_version", "1.1")
    arguments = (peer, method, target, version, status, duration, adapter)
    handler = _sole_handler()
    if handler is not None:
        # Nothing but our own handler would see the record: the line is written as its
        # formatter would write it, without the record (most of a line's cost).
        if isinstance(handler.formatter, JsonFormatter):
            line = _json_access_line(_ACCESS_MESSAGE % arguments, arguments)
        else:
            level = logging.getLevelName(logging.INFO)
            line = f"{level} {_access.name}: {_ACCESS_MESSAGE % arguments}"
            identifier = _REQUEST_ID.get()
            line = line if identifier is None else f"{line} [{identifier}]"
        handler.acquire()
        try:
            handler.stream.write(line + handler.terminator)
            handler.stream.flush()
            return
        except Exception:  # as `StreamHandler.emit` would: reported, the request goes on
            handler.handleError(_record(arguments))
            return
        finally:
            handler.release()
    _access.handle(_record(arguments))


def _record(arguments: tuple[Any, ...]) -> logging.LogRecord:
    # Built here and handed on: `Logger.info` would also walk the stack to find the caller
    # (a tenth of the line's cost), which no access line shows.
    return _access.makeRecord(
        _access.name,
        logging.INFO,
        __file__,
        0,
        _ACCESS_MESSAGE,
        arguments,
        None,
        extra={
            "method": arguments[1],
            "path": arguments[2],
            "status": arguments[4],
            "duration_ms": arguments[5],
            "adapter": arguments[6],
        },
    )


def _sole_handler() -> logging.StreamHandler[Any] | None:
    """The handler `configure_logging` installed, when an access record would reach it and
    nothing else: no filter, no other handler on the way, its own formatter."""
    handler = _handler[0]
    if (
        handler is None
        or handler.filters
        or handler.level > logging.INFO
        or type(handler.formatter) not in (JsonFormatter, TextFormatter)
        or _access.filters
        or _access.disabled
    ):
        return None
    found = None
    logger: logging.Logger | None = _access
    while logger is not None:  # the walk `Logger.callHandlers` makes
        for other in logger.handlers:
            if other is not handler or found is not None:
                return None
            found = handler
        if not logger.propagate:
            break
        logger = logger.parent
    return found


def _json_access_line(message: str, arguments: tuple[Any, ...]) -> str:
    """`JsonFormatter`'s line for an access record, built directly (the same text)."""
    _, method, target, _, status, duration, adapter = arguments
    identifier = _REQUEST_ID.get()
    text = encode_basestring_ascii
    level = logging.getLevelName(logging.INFO).lower()
    return (
        f'{{"time": "{_timestamp(time.time())}", "level": {text(level)}, "logger": '
        f'{text(_access.name)}, "message": {text(message)}, "request_id": '
        f'{"null" if identifier is None else text(identifier)}, "method": {text(method)}, '
        f'"path": {text(target)}, "status": {int(status)!r}, "duration_ms": '
        f'{float(duration)!r}, "adapter": {text(adapter)}}}'
    )


_second: list[tuple[int, str]] = [(-1, "")]  # the last whole second, formatted once


def _timestamp(created: float) -> str:
    """`created` in UTC, ISO 8601 with milliseconds."""
    whole = int(created)
    second = _second[0]  # read once: another thread may replace it meanwhile
    if second[0] != whole:
        text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        second = _second[0] = (whole, text)
    return f"{second[1]}.{int((created - whole) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ access fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _REQUEST_ID.get(),
        }
        for field in _ACCESS_FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


class TextFormatter(logging.Formatter):
    """`LEVEL logger: message`, with ` [request id]` when written while a request runs."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        identifier = _REQUEST_ID.get()
        return line if identifier is None else f"{line} [{identifier}]"


def configure_logging(level: str, log_format: str = "text", *, access_log: bool = False) -> None:
    """Send every record at `level` or above to stderr as `log_format`; access lines if asked.

    Access lines show whatever the level: asked for, they are wanted.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    _handler[0] = handler
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    _access.setLevel(logging.INFO if access_log else logging.WARNING)
    # The records of uvicorn's loggers reach this handler (no configuration of its own).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
