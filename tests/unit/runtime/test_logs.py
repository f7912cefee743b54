"""`runtime/logs.py`: request ids, text and JSON lines, and the access log."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from naftiko_codegen.runtime import logs
from naftiko_codegen.runtime.front_door import FrontDoor
from naftiko_codegen.runtime.http_client import HttpClient
from naftiko_codegen.runtime.logs import (
    MAX_REQUEST_ID,
    JsonFormatter,
    TextFormatter,
    configure_logging,
    redact_query_parameter,
    request_id,
    request_id_of,
)
from naftiko_codegen.runtime.tests.loopback import stub_upstream
from naftiko_codegen.runtime.upstream_request import UpstreamApi

from ._support import call_asgi

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
GENERATED = re.compile(r"[0-9a-f]{32}")
ACCESS = "naftiko_codegen.runtime.access"


def _ids(*headers: tuple[bytes, bytes]) -> str:
    return request_id_of(list(headers))


def test_the_callers_id_is_kept_when_short_and_safe() -> None:
    assert _ids((b"x-request-id", b"abc-123_4.5:6")) == "abc-123_4.5:6"
    assert _ids((b"x-request-id", b"a" * MAX_REQUEST_ID)) == "a" * MAX_REQUEST_ID
    for unsafe in (b"a" * (MAX_REQUEST_ID + 1), b"with space", b'quote"', b"new\nline", b""):
        assert GENERATED.fullmatch(_ids((b"x-request-id", unsafe)))


def test_else_the_trace_id_of_a_valid_traceparent_else_a_new_id() -> None:
    assert _ids((b"traceparent", TRACEPARENT.encode())) == TRACE_ID
    assert _ids((b"x-request-id", b"mine"), (b"traceparent", TRACEPARENT.encode())) == "mine"
    assert _ids((b"x-request-id", b"bad id"), (b"traceparent", TRACEPARENT.encode())) == TRACE_ID
    for invalid in (
        f"ff-{TRACE_ID}-b7ad6b7169203331-01",  # version ff is invalid
        "00-" + "0" * 32 + "-b7ad6b7169203331-01",  # all-zero trace id
        "00-nothex",
    ):
        assert GENERATED.fullmatch(_ids((b"traceparent", invalid.encode())))
    first, second = _ids(), _ids()
    assert GENERATED.fullmatch(first) and first != second


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_draws_other_ids() -> None:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.write(write, _ids().encode())
        os._exit(0)
    os.waitpid(child, 0)
    os.close(write)
    assert os.read(read, 64).decode() != _ids()
    os.close(read)


async def _hello(scope: Scope, receive: Receive, send: Send) -> None:
    logging.getLogger("demo").warning("inside %s", request_id())
    await send({"type": "http.response.start", "status": 201, "headers": [(b"a", b"1")]})
    await send({"type": "http.response.body", "body": b"hi"})


def test_the_id_is_answered_and_set_while_the_request_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FrontDoor(_hello, adapter="rest")
    with caplog.at_level(logging.INFO):
        answer = asyncio.run(call_asgi(app, headers=[("X-Request-ID", "r-1")]))
    assert answer is not None and answer.status == 201
    assert answer.headers[b"x-request-id"] == b"r-1" and answer.headers[b"a"] == b"1"
    assert [r.getMessage() for r in caplog.records] == ["inside r-1"]  # no access line
    assert request_id() is None  # reset once answered


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Any:
        return {}

    async def ignore(message: Any) -> None:
        return None

    asyncio.run(FrontDoor(app, adapter="mcp")({"type": "lifespan"}, nothing, ignore))
    assert seen == ["lifespan"]


def test_access_lines_name_the_request_and_redact_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redact_query_parameter("api_key")
    app = FrontDoor(_hello, adapter="mcp", access_log=True)
    with caplog.at_level(logging.INFO, logger=ACCESS):
        asyncio.run(
            call_asgi(
                app,
                method="GET",
                path="/items",
                query=b"api%5Fkey=s3cret&page=2",
                headers=[("X-Request-ID", "r-2"), ("Authorization", "Bearer s3cret")],
            )
        )
        asyncio.run(call_asgi(app, method="GET", path="/plain"))
    lines = [r for r in caplog.records if r.name == ACCESS]
    assert len(lines) == 2
    record = lines[0]
    assert record.__dict__["path"] == "/items?api%5Fkey=***&page=2"
    assert (record.__dict__["status"], record.__dict__["adapter"]) == (201, "mcp")
    assert record.__dict__["method"] == "GET" and record.__dict__["duration_ms"] >= 0
    assert "s3cret" not in caplog.text
    assert '"GET /items?api%5Fkey=***&page=2 HTTP/1.1" 201' in record.getMessage()
    assert lines[1].__dict__["path"] == "/plain"


def _record(message: str = "hello", **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("demo.x", logging.WARNING, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_the_fields_and_the_request_id() -> None:
    formatter = JsonFormatter()
    entry = json.loads(formatter.format(_record()))
    assert entry.keys() == {"time", "level", "logger", "message", "request_id"}
    assert (entry["level"], entry["logger"], entry["request_id"]) == ("warning", "demo.x", None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    token = logs._REQUEST_ID.set("r-3")
    try:
        access = json.loads(formatter.format(_record(method="GET", status=200, adapter="rest")))
        text = TextFormatter().format(_record("multi\nline"))
    finally:
        logs._REQUEST_ID.reset(token)
    assert (access["request_id"], access["method"], access["status"]) == ("r-3", "GET", 200)
    assert text == "WARNING demo.x: multi\nline [r-3]"
    assert TextFormatter().format(_record()) == "WARNING demo.x: hello"
    try:
        raise ValueError("boom")
    except ValueError:
        failed = _record()
        failed.exc_info = sys.exc_info()
    line = formatter.format(failed)
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]


@pytest.fixture
def _root_kept() -> Iterator[None]:
    """`configure_logging` replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    uvicorn = logging.getLogger("uvicorn")
    uvicorn_state = (list(uvicorn.handlers), uvicorn.propagate)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    uvicorn.handlers[:], uvicorn.propagate = uvicorn_state
    logging.getLogger(ACCESS).setLevel(logging.NOTSET)


@pytest.mark.usefixtures("_root_kept")
def test_configure_logging_writes_json_or_text_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger("uvicorn").addHandler(logging.NullHandler())
    configure_logging("error", "json", access_log=True)
    root = logging.getLogger()
    assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter, JsonFormatter)
    assert root.level == logging.ERROR
    assert logging.getLogger(ACCESS).isEnabledFor(logging.INFO)  # whatever the level
    assert logging.getLogger("uvicorn").handlers == []
    logging.getLogger("uvicorn.error").error("from uvicorn")
    assert json.loads(capsys.readouterr().err)["message"] == "from uvicorn"
    configure_logging("warning")
    assert isinstance(root.handlers[0].formatter, TextFormatter)
    assert not logging.getLogger(ACCESS).isEnabledFor(logging.INFO)


def test_upstream_calls_carry_the_request_id() -> None:
    async def exercise() -> list[Any]:
        async with stub_upstream() as stub:
            api = UpstreamApi("demo", stub.url, 5.0, headers={"X-Api": "1"})
            client = HttpClient({"demo": api})
            try:
                await client.send("demo", "GET", "/outside")
                token = logs._REQUEST_ID.set("r-4")
                await client.send("demo", "GET", "/inside")
                await client.send("demo", "GET", "/own", headers={"X-Request-ID": "given"})
                logs._REQUEST_ID.reset(token)
            finally:
                await client.close()
            return stub.requests

    outside, inside, own = asyncio.run(exercise())
    assert "X-Request-ID" not in outside.headers
    assert (inside.headers["X-Request-ID"], inside.headers["X-Api"]) == ("r-4", "1")
    assert own.headers["X-Request-ID"] == "given"  # a header the spec sends wins


def _access_lines(capsys: pytest.CaptureFixture[str], *, direct: bool) -> list[str]:
    """Two access lines as written to stderr: directly, or through a `LogRecord` (a filter on
    the handler makes the record necessary)."""
    handler = logging.getLogger().handlers[0]
    passing = logging.Filter()
    if not direct:
        handler.addFilter(passing)
    assert (logs._sole_handler() is handler) == direct
    app = FrontDoor(_hello, adapter="rest", access_log=True)
    try:
        for path, query in (("/a", b'q="x"&r=%C3%A9&s=\xc3\xa9'), ("/b", b"")):
            headers = [("X-Request-ID", "r" + path)]
            asyncio.run(call_asgi(app, method="GET", path=path, query=query, headers=headers))
    finally:
        handler.removeFilter(passing)
    written = [line for line in capsys.readouterr().err.splitlines() if "access" in line]
    # What may differ between two runs: the time and the duration.
    for pattern, same in (
        (r'"time": "[^"]*"', '"time": "T"'),
        (r'"duration_ms": [\d.e-]+', '"duration_ms": 0'),
        (r" [\d.]+ ms ", " T ms "),
    ):
        written = [re.sub(pattern, same, line) for line in written]
    return written


@pytest.mark.usefixtures("_root_kept")
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_access_lines_written_directly_are_the_formatters_lines(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    configure_logging("error", log_format, access_log=True)
    direct = _access_lines(capsys, direct=True)
    assert len(direct) == 2 and direct == _access_lines(capsys, direct=False)
    if log_format == "json":
        entry = json.loads(direct[0])
        target = '/a?q="x"&r=%C3%A9&s=\xc3\xa9'  # the raw bytes, as latin-1
        assert (entry["request_id"], entry["path"], entry["status"]) == ("r/a", target, 201)
    else:
        assert direct[0].endswith(
            ' "GET /a?q="x"&r=%C3%A9&s=\xc3\xa9 HTTP/1.1" 201 T ms rest [r/a]'
        )


@pytest.mark.usefixtures("_root_kept")
def test_an_access_line_that_cannot_be_written_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("error", "json", access_log=True)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    with Path(os.devnull).open("w") as closed:
        handler.setStream(closed)
    app = FrontDoor(_hello, adapter="rest", access_log=True)
    answer = asyncio.run(call_asgi(app, method="GET", path="/closed"))
    assert answer is not None and answer.status == 201
    assert "Logging error" in capsys.readouterr().err


@pytest.mark.usefixtures("_root_kept")
def test_access_lines_go_through_logging_when_anything_else_could_see_them() -> None:
    configure_logging("error", "text", access_log=True)
    ours, access = logging.getLogger().handlers[0], logging.getLogger(ACCESS)
    assert logs._sole_handler() is ours
    root, other = logging.getLogger(), logging.NullHandler()
    changes: list[tuple[Callable[[], None], Callable[[], None]]] = [
        (lambda: access.addHandler(other), lambda: access.removeHandler(other)),
        (lambda: root.addHandler(other), lambda: root.removeHandler(other)),
        (lambda: setattr(access, "propagate", False), lambda: setattr(access, "propagate", True)),
        (lambda: ours.setLevel(logging.ERROR), lambda: ours.setLevel(logging.NOTSET)),
        (lambda: ours.setFormatter(None), lambda: ours.setFormatter(TextFormatter())),
    ]
    for change, undo in changes:
        change()
        try:
            assert logs._sole_handler() is None
        finally:
            undo()
    assert logs._sole_handler() is ours
