"""A fast static upstream: raw ASGI on uvicorn (uvloop + httptools) answering a fixed JSON list.

Any GET answers the same bytes (a one-session `/api/sessions` list shaped like Jupyter's), so a
proxy in front of it shows its own cost instead of the upstream's.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from _serve import parse_args, run

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

BODY = json.dumps(
    [
        {
            "id": "2f5f8bc1-4a2e-4a3f-9c7e-0d1f4a7b9e01",
            "path": "bench.ipynb",
            "name": "bench.ipynb",
            "type": "notebook",
            "kernel": {
                "id": "6b0b1c3e-2a57-4f0a-8f7c-3c5e0f9d2a11",
                "name": "python3",
                "last_activity": "2026-01-01T00:00:00.000000Z",
                "execution_state": "idle",
                "connections": 0,
            },
            "notebook": {"path": "bench.ipynb", "name": "bench.ipynb"},
        }
    ]
).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with BODY; handle lifespan trivially."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    args = parse_args(__doc__ or "", upstream=False)
    run(app, args.host, args.port)
