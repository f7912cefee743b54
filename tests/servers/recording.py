"""A recording upstream: a real HTTP server on loopback that logs every request it receives.

Security and fault probes point a generated adapter at it to see exactly what the adapter sends
upstream (paths, query, headers, body) and to make it answer as a hostile or broken upstream
would. Answers are programmable per path prefix: a status, headers and a body, or a function of
the request (a redirect to another origin, a huge or endless body, a slow answer).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Answer", "RecordedRequest", "RecordingUpstream"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the upstream saw it (the target exactly as sent, headers in order)."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class Answer:
    """What the upstream answers: `body` as bytes, or `chunks` streamed one by one (chunked)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b"{}"
    chunks: Iterator[bytes] | None = None


Responder = Callable[[RecordedRequest], Answer]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test reads `requests`
        return

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(self.command, self.path, list(self.headers.items()), body)
        self.server.upstream.requests.append(request)
        answer = self.server.upstream.answer_for(request)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.chunks is None:
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in answer.chunks:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the adapter gave up reading: that is what some probes want to see
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream: RecordingUpstream
    # Open connections, so `close()` ends the keep-alive ones too: a stopped upstream must look
    # stopped to a client that kept its connection (a readiness check, a pooled client).
    connections: set[socket.socket]

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        self.connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # quiet: a client that hangs up mid-answer is what hostile probes provoke


class RecordingUpstream:
    """Serve on 127.0.0.1:<free port> in a thread until `close()`; record every request.

    `answer(prefix, ...)` sets what requests whose path starts with `prefix` get (the longest
    prefix wins); by default every request gets `200 {}` as JSON.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._answers: dict[str, Answer | Responder] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.upstream = self
        self._server.connections = set()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, prefix: str, answer: Answer | Responder) -> None:
        self._answers[prefix] = answer

    def answer_json(self, prefix: str, value: Any, status: int = 200) -> None:
        self.answer(prefix, Answer(status=status, body=json.dumps(value).encode()))

    def answer_for(self, request: RecordedRequest) -> Answer:
        matches = [p for p in self._answers if request.path.startswith(p)]
        if not matches:
            return Answer()
        chosen = self._answers[max(matches, key=len)]
        return chosen(request) if callable(chosen) else chosen

    def clear(self) -> None:
        self.requests.clear()
        self._answers.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self._server.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
