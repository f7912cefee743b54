"""`runtime/scripting.py` and `control.scripting_route`: effective settings, strict patches."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from starlette.applications import Starlette

from naftiko_codegen.runtime import scripting
from naftiko_codegen.runtime.control import scripting_route
from naftiko_codegen.runtime.scripting import (
    Scripting,
    ScriptingControl,
    effective,
    scripting_options,
)
from naftiko_codegen.runtime.tests.loopback import serve_app

SPEC = Scripting(timeout_ms=2500, statement_limit=500, default_language="python")
JSON = "application/json"


@pytest.fixture(autouse=True)
def _unpatched(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NAFTIKO_SCRIPTING", "NAFTIKO_SCRIPT_TIMEOUT", "NAFTIKO_SCRIPT_STATEMENT_LIMIT"):
        monkeypatch.setenv(name, "")  # empty is unset; teardown removes what options set
    scripting._patched.clear()
    yield
    scripting._patched.clear()


def test_the_environment_comes_over_the_spec() -> None:
    assert effective(SPEC, {}) == SPEC
    got = effective(
        SPEC,
        {
            "NAFTIKO_SCRIPT_TIMEOUT": "0.5",
            "NAFTIKO_SCRIPT_STATEMENT_LIMIT": "9",
            "NAFTIKO_SCRIPTING": "off",
        },
    )
    assert (got.timeout_ms, got.statement_limit, got.enabled) == (500, 9, False)
    for variable, value in (
        ("NAFTIKO_SCRIPTING", "maybe"),
        ("NAFTIKO_SCRIPT_TIMEOUT", "0"),
        ("NAFTIKO_SCRIPT_STATEMENT_LIMIT", "1.5"),
    ):
        with pytest.raises(ValueError, match=variable):
            effective(SPEC, {variable: value})
    assert SPEC.as_json() == {
        "enabled": True,
        "timeout": 2500,
        "statementLimit": 500,
        "allowedLanguages": ["javascript", "python", "groovy"],
        "defaultLanguage": "python",
        "defaultLocation": None,
    }


def _put(control: ScriptingControl, body: Any, content_type: str = JSON) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer = control.put(raw, content_type)
    return status, answer if status == 200 else answer["detail"]


def test_patches_are_strict_and_all_or_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    control = ScriptingControl(SPEC)
    refusals = [
        ({"timeout": 0}, "timeout is 0; expected whole milliseconds from 1 to 3600000"),
        ({"timeout": 3_600_001}, "from 1 to 3600000"),
        ({"timeout": True}, "timeout is true"),
        ({"statementLimit": 1.5}, "statementLimit is 1.5"),
        ({"enabled": "yes"}, 'enabled is "yes"; expected true or false'),
        ({"allowedLanguages": []}, "a non-empty list"),
        ({"allowedLanguages": ["python", "python"]}, "distinct"),
        ({"allowedLanguages": ["cobol"]}, "among javascript, python, groovy"),
        ({"defaultLocation": "file:///x"}, "read when the package was built"),
        ({"timeout": 5, "colour": "red"}, "unknown field 'colour'"),
        ([1], "a JSON object"),
        ({}, "a JSON object"),
        (b"{", "a JSON object"),
    ]
    for body, words in refusals:
        status, detail = _put(control, body)
        assert status == 422 and words in detail, (body, detail)
    assert _put(control, b"x" * 5000)[0] == 413
    assert _put(control, {"timeout": 5}, "text/plain")[0] == 415
    assert control.read() == SPEC.as_json()  # nothing applied
    status, answer = _put(control, {"timeout": 10, "allowedLanguages": ["python"]})
    assert status == 200 and (answer["timeout"], answer["allowedLanguages"]) == (10, ["python"])
    assert effective(SPEC).timeout_ms == 10  # later runs of this process obey it
    monkeypatch.setenv("NAFTIKO_SCRIPTING", "false")
    status, detail = _put(control, {"enabled": True})
    assert status == 409 and "NAFTIKO_SCRIPTING=false" in detail
    status, detail = _put(ScriptingControl(SPEC, writable=False), {"timeout": 5})
    assert status == 409 and "--workers" in detail


def test_the_control_route_bounds_the_body() -> None:
    app = Starlette(routes=[scripting_route(ScriptingControl(SPEC), max_bytes=64)])

    async def exercise() -> list[tuple[int, str, Any]]:
        answers = []
        async with serve_app(app) as url, aiohttp.ClientSession() as session:

            async def chunks() -> Any:  # no Content-Length: the reader counts
                for _ in range(3):
                    yield b" " * 30

            for method, data in (
                ("GET", None),
                ("PUT", b'{"statementLimit": 7}'),
                ("PUT", b" " * 65),
                ("PUT", chunks()),
                ("DELETE", None),
            ):
                headers = {"Content-Type": JSON}
                async with session.request(
                    method, url + "/scripting", data=data, headers=headers
                ) as reply:
                    body = await reply.json() if reply.status != 405 else None
                    answers.append((reply.status, reply.content_type, body))
        return answers

    got, patched, large, chunked, other = asyncio.run(exercise())
    assert got == (200, JSON, SPEC.as_json())
    assert patched[:2] == (200, JSON) and patched[2]["statementLimit"] == 7
    assert large[:2] == (413, "application/problem+json")
    assert "at most 64 bytes" in large[2]["detail"] and chunked[0] == 413
    assert other[0] == 405


def test_without_authentication_only_loopback_callers_patch() -> None:
    route = scripting_route(ScriptingControl(SPEC), writes_from_loopback_only=True)

    async def put(client: str) -> tuple[int, bytes]:
        body = b'{"timeout": 5}'
        sent: list[dict[str, Any]] = []
        scope = {
            "type": "http",
            "method": "PUT",
            "path": "/scripting",
            "raw_path": b"/scripting",
            "query_string": b"",
            "headers": [(b"content-type", JSON.encode()), (b"content-length", b"14")],
            "client": (client, 40000),
            "server": ("0.0.0.0", 9000),
            "scheme": "http",
            "root_path": "",
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await route.handle(scope, receive, send)
        return sent[0]["status"], sent[1]["body"]

    status, body = asyncio.run(put("192.0.2.7"))
    assert status == 403 and b"loopback only" in body
    assert asyncio.run(put("127.0.0.1"))[0] == 200
    assert asyncio.run(put("::1"))[0] == 200


def test_serve_options_check_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    scripting_options(parser, SPEC)
    text = parser.format_help()
    for flag in ("--scripting", "--script-timeout", "--script-statement-limit"):
        assert flag in text
    assert "the spec's timeout, 2.5" in text
    options = parser.parse_args(["--script-timeout", "0.25", "--scripting", "false"])
    assert (options.script_timeout, options.scripting) == (0.25, False)
    assert effective(SPEC).timeout_ms == 250 and not effective(SPEC).enabled
    monkeypatch.setenv("NAFTIKO_SCRIPT_STATEMENT_LIMIT", "0")
    parser = argparse.ArgumentParser(exit_on_error=False)
    scripting_options(parser, SPEC)
    with pytest.raises(argparse.ArgumentError, match="NAFTIKO_SCRIPT_STATEMENT_LIMIT"):
        parser.parse_args([])
    with pytest.raises(argparse.ArgumentError, match="not true or false"):
        parser.parse_args(["--script-statement-limit", "5", "--scripting", ""])
