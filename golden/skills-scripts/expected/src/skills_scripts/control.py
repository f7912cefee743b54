"""The control port's endpoints: liveness, readiness and status of a capability's adapters.

`GET /health/live` answers as soon as the process runs. `GET /health/ready` lists the adapters
and answers 503 (`DEGRADED`) until every one of them has started and, when given the upstream
checks (`ops.UpstreamProbe`), while a consumed upstream does not answer. `GET /status` describes the
capability, its package and the adapters. `GET,PUT /scripting` read and patch the scripting
settings (`scripting.ScriptingControl`; the body is read up to `max_bytes`, 413 beyond). The
generated `control_app.py` picks the endpoints the spec enables.
"""

from __future__ import annotations

import ipaddress
import platform
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = [
    "AdapterState",
    "AdapterStates",
    "SettingsEndpoint",
    "UpstreamStates",
    "adapter_states",
    "health_routes",
    "scripting_route",
    "status_route",
]


@dataclass(frozen=True, slots=True)
class AdapterState:
    """One adapter as the control port reports it."""

    type: str
    """`rest` or `mcp`."""
    namespace: str
    port: int | None
    """None for MCP over stdio."""
    state: str
    """`STARTED` or `STOPPED`."""


AdapterStates = Callable[[], Sequence[AdapterState]]
"""Reports the current state of each adapter when called."""

UpstreamStates = Callable[[], Awaitable[Sequence[Mapping[str, Any]]]]
"""Reports whether each consumed upstream answers (`{"namespace", "state": "UP"|"DOWN", …}`)."""


def adapter_states(
    adapters: Sequence[tuple[str, str, int | None, Callable[[], bool]]],
) -> AdapterStates:
    """The states of `(type, namespace, port, is it running?)` rows, asked anew at each call."""

    def states() -> list[AdapterState]:
        return [
            AdapterState(kind, namespace, port, "STARTED" if running() else "STOPPED")
            for kind, namespace, port, running in adapters
        ]

    return states


def health_routes(
    adapters: AdapterStates, upstreams: UpstreamStates | None = None, *, detail: bool = True
) -> list[Route]:
    """`GET /health/live` and `GET /health/ready` (reflecting `upstreams` when given).

    `detail` False: readiness answers the status only (`{"status": "UP"}` or 503 `DEGRADED`),
    for a port that answers anonymous probes beside a control port that requires credentials.
    """

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    async def ready(request: Request) -> JSONResponse:
        states = adapters()
        up = all(adapter.state == "STARTED" for adapter in states)
        body: dict[str, Any] = {"status": "", "adapters": [asdict(a) for a in states]}
        if upstreams is not None:
            checked = list(await upstreams())
            up = up and all(upstream["state"] == "UP" for upstream in checked)
            body["upstreams"] = checked
        body["status"] = "UP" if up else "DEGRADED"
        return JSONResponse(
            body if detail else {"status": body["status"]}, status_code=200 if up else 503
        )

    return [
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
    ]


def status_route(
    adapters: AdapterStates, *, capability: str, spec_version: str, version: str, generator: str
) -> Route:
    """`GET /status`: the capability's label and spec version, the package, the uptime.

    The uptime counts from this call, made when the control app is built.
    """
    started = time.monotonic()

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "capability": {"label": capability, "specVersion": spec_version},
                "package": {"version": version, "generator": f"naftiko-gen {generator}"},
                "runtime": {"python": platform.python_version()},
                "uptimeSeconds": round(time.monotonic() - started, 3),
                "adapters": [asdict(a) for a in adapters()],
            }
        )

    return Route("/status", status, methods=["GET"])


class SettingsEndpoint(Protocol):
    """Settings read and patched over HTTP (`scripting.ScriptingControl`)."""

    def read(self) -> dict[str, Any]:
        """The current settings."""

    def put(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        """Apply a patch: 200 and the settings, or a status and a problem."""


async def _body(request: Request, most: int) -> bytes | None:
    """The request body, or None when it is longer than `most` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > most:
            return None
    return body


def _from_loopback(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def _problem(status: int, title: str, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "about:blank", "title": title, "status": status, "detail": detail}


def scripting_route(
    endpoint: SettingsEndpoint, *, max_bytes: int = 4096, writes_from_loopback_only: bool = False
) -> Route:
    """`GET /scripting` (the effective settings) and `PUT /scripting` (a patch of them).

    `writes_from_loopback_only` is set when the control adapter declares no authentication:
    a patch changes what every later script may do, so without a credential to check only a
    caller on this machine may send one (403 otherwise), whatever address the port binds.
    """

    async def scripting(request: Request) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse(endpoint.read())
        if writes_from_loopback_only and not _from_loopback(request):
            status, answer = _problem(
                403,
                "Forbidden",
                "the control adapter declares no authentication: settings are patched from "
                "loopback only (declare `authentication` on the control adapter to allow more)",
            )
        elif (body := await _body(request, max_bytes)) is None:
            status, answer = _problem(
                413, "Body too large", f"a settings patch is at most {max_bytes} bytes"
            )
        else:
            status, answer = endpoint.put(body, request.headers.get("content-type", ""))
        media = "application/json" if status == 200 else "application/problem+json"
        return JSONResponse(answer, status_code=status, media_type=media)

    return Route("/scripting", scripting, methods=["GET", "PUT"])
