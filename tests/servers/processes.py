"""Processes and HTTP for the suites that run real servers: free ports, one-shot requests, stopping.

Stdlib only (`httpx` is not a test dependency): every request goes to 127.0.0.1, without proxies.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

__all__ = ["HTTP_TIMEOUT", "HttpResponse", "free_port", "http_request", "stop_process", "tail"]

STOP_TIMEOUT = 15.0
HTTP_TIMEOUT = 30.0
LOG_TAIL_CHARS = 6000


def tail(path: Path) -> str:
    """The end of a log file, for a failure report."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return text[-LOG_TAIL_CHARS:] if text else "<empty>"


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago (bind to port 0, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpResponse:
    """Status, headers and raw body of one HTTP exchange; ``json`` parses the body lazily."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.content_type!r}: {self.text[:500]}"


# No proxies: every request in this suite goes to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_request(
    method: str, url: str, body: Any = None, *, timeout: float = HTTP_TIMEOUT
) -> HttpResponse:
    """Send one request (``body`` as JSON when given) and return the response, whatever its status.

    The URL is sent as written: percent-escapes such as ``..%2Fkernels`` are not normalised.
    Connection errors (``OSError``) propagate.
    """
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, error.headers, error.read())


def stop_process(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig``, wait up to STOP_TIMEOUT, then SIGKILL and reap (no zombie, no warning)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()
