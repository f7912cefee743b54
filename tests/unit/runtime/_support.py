"""Test doubles for the runtime modules: an ASGI driver, an upstream reply and its error."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message


@dataclass
class Answer:
    """What an ASGI app sent back."""

    status: int
    headers: dict[bytes, bytes]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def call_asgi(
    app: ASGIApp,
    *,
    method: str = "POST",
    path: str = "/mcp",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    chunks: Sequence[bytes] | None = None,
    query: bytes = b"",
    disconnect: bool = False,
    guarded: bool = False,
) -> Answer | None:
    """Send one HTTP request to `app`; None when it answered nothing."""
    parts = list(chunks) if chunks is not None else [body]
    incoming: list[Message] = [
        {"type": "http.request", "body": part, "more_body": index < len(parts) - 1}
        for index, part in enumerate(parts)
    ]
    if disconnect:
        incoming = [*incoming[:-1], {"type": "http.disconnect"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "query_string": query,
    }
    if guarded:  # as if `exposure.ExposureGuard` had let the request through
        scope["naftiko.guarded"] = True
    await app(scope, receive, send)
    if not sent:
        return None
    start, *rest = sent
    return Answer(
        start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in rest)
    )


@dataclass(frozen=True)
class Reply:
    """An upstream answer, as the package's `UpstreamResponse` offers it."""

    status: int = 200
    body: bytes = b""
    is_json: bool = True
    raw_format: str = "json"

    @property
    def has_data(self) -> bool:
        return bool(self.body) and (self.is_json or self.raw_format != "json")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def data(self) -> Any:
        if self.raw_format == "csv":  # stands for a format read before mapping
            return [line.split(",") for line in self.body.decode().splitlines()]
        return self.json()


class Unreachable(Exception):
    """The package's `UpstreamError`."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def reply(data: Any, status: int = 200) -> Reply:
    """A JSON reply."""
    return Reply(status, json.dumps(data).encode())
