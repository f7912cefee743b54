"""`script` steps (digest §3.11): generated, started and driven against a real upstream.

An MCP tool and a REST route run `call → script → call`: the script (with a dependency and a
data file of its folder) reads the first call's output and the unit's inputs from `context`, and
its `result` feeds the next call's query and the answer's `mappings`. The upstream must receive
the value the script computed, and the caller must get it back. Escape attempts, each a script
of the same folder behind its own tool: reading `/etc/passwd`, opening a socket, starting a
process, writing a file, an endless loop (stopped at the time limit). `javascript` and `groovy`
steps are refused at build time, located (NAF305).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from servers.recording import RecordingUpstream

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

SCRIPTS = {
    "score.py": (
        "weights = load_weights()\n"
        "order = context['get-order']\n"
        "total = sum(line['price'] * line['qty'] for line in order['lines'])\n"
        "result = {'total': round(total * weights['factor'], 2),\n"
        "          'customer': context['customer'], 'label': context['label']}\n"
    ),
    "lib/helpers.py": (
        "import json\n\n\n"
        "def load_weights():\n"
        "    with open('weights.json') as stream:\n"
        "        return json.load(stream)\n"
    ),
    "weights.json": '{"factor": 1.5}\n',
    "passwd.py": "result = open('/etc/passwd').read()\n",
    "socket.py": (
        "import socket\n"
        "connection = socket.create_connection(('127.0.0.1', context['port']))\n"
        "result = 'connected'\n"
    ),
    "process.py": "import subprocess\nresult = subprocess.run(['id']).returncode\n",
    "write.py": "open('planted.txt', 'w').write('x')\nresult = 'written'\n",
    "loop.py": "while True: pass\n",  # one instruction jumping to itself: no line runs
    "count.py": "n = 0\nwhile True:\n    n += 1\n",
    "untrace.py": "import sys\nsys.settrace(None)\nwhile True:\n    pass\n",
    "double.py": "result = {'doubled': context['n'] * 2}\n",
}

SCORE_STEPS = """\
          steps:
            - name: get-order
              type: call
              call: orders-api.get
              with: {id: "{{id}}"}
            - name: score
              type: script
              language: python
              location: "file:///./scripts"
              file: score.py
              dependencies: [lib/helpers.py]
              with: {label: "order {{id}}"}
            - name: record
              type: call
              call: orders-api.record
              with: {total: "{{score.total}}"}
          mappings:
            - {targetName: total, value: "$.score.total"}
            - {targetName: customer, value: "$.score.customer"}
            - {targetName: label, value: "$.score.label"}
"""


ESCAPES = ("passwd", "socket", "process", "write", "loop", "count", "untrace")


def escape_tool(name: str) -> str:
    return f"""\
        - name: {name}
          description: Escape attempt {name}
          inputParameters: [{{name: port, type: integer, description: A port}}]
          steps:
            - name: get-order
              type: call
              call: orders-api.get
              with: {{id: "1"}}
            - {{name: escape, type: script, language: python, location: "file:///./scripts", file: {name}.py}}
          mappings:
            - {{targetName: got, value: "$.escape"}}
"""


SPEC = f"""\
naftiko: "1.0.0-alpha2"
info: {{label: "Scored orders", description: "A script between two calls"}}
binds:
  - namespace: ops
    keys: {{CONTROL_TOKEN: CONTROL_TOKEN}}
capability:
  consumes:
    - type: http
      namespace: orders-api
      baseUri: "http://orders.example.com/v1"
      resources:
        - name: order
          path: "/orders/{{{{id}}}}"
          operations:
            - {{name: get, method: GET, inputParameters: [{{name: id, in: path}}]}}
        - name: scores
          path: /scores
          operations:
            - {{name: record, method: POST, inputParameters: [{{name: total, in: query}}]}}
  exposes:
    - type: control
      port: 9190
      authentication: {{type: bearer, token: "{{{{CONTROL_TOKEN}}}}"}}
      management:
        scripting: {{timeout: 1000, statementLimit: 20000, allowedLanguages: [python]}}
    - type: rest
      namespace: orders-rest
      port: 9098
      resources:
        - path: "/orders/{{{{id}}}}/score"
          name: score
          description: Score an order
          operations:
            - method: GET
              name: score-order
              inputParameters:
                - {{name: id, in: path, type: string, description: Order id}}
                - {{name: customer, in: query, type: string, description: Customer}}
{SCORE_STEPS.replace("          ", "              ")}
    - type: mcp
      namespace: orders-mcp
      port: 9099
      description: Order tools
      tools:
        - name: score-order
          description: Score one order with a script, then record the score
          inputParameters:
            - {{name: id, type: string, description: Order id}}
            - {{name: customer, type: string, description: Customer name}}
{SCORE_STEPS}
{"".join(escape_tool(name) for name in ESCAPES)}
        - name: double
          description: A script alone, no upstream call
          inputParameters: [{{name: n, type: integer, description: A number}}]
          steps:
            - {{name: calc, type: script, language: python, location: "file:///./scripts", file: double.py}}
          mappings:
            - {{targetName: doubled, value: "$.calc.doubled"}}
"""

TOKEN = "c0ntrol-t0ken"
SETTINGS = {
    "enabled": True,
    "timeout": 1000,
    "statementLimit": 20000,
    "allowedLanguages": ["python"],
    "defaultLanguage": None,
    "defaultLocation": None,
}
ORDER = {"id": "7", "lines": [{"price": 10, "qty": 2}, {"price": 4.5, "qty": 2}]}
SCORE = {"total": 43.5, "customer": "Ada", "label": "order 7"}


def write_spec(folder: Path, text: str = SPEC) -> Path:
    for relative, content in SCRIPTS.items():
        target = folder / "scripts" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    spec = folder / "scored.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def package(build_package: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_package(write_spec(tmp_path_factory.mktemp("spec"))))


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    try:
        yield server
    finally:
        server.close()


async def call_tool(client: Any, name: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    result = await client.call_tool(name, arguments)
    return bool(result.is_error), result.content[0].text


def test_a_script_result_flows_into_the_next_step_and_escapes_are_stopped(
    package: str, upstream: RecordingUpstream
) -> None:
    settings = importlib.import_module(f"{package}.settings")
    client_module = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    mcp_server = importlib.import_module(f"{package}.mcp_server")
    control_app = importlib.import_module(f"{package}.control_app")
    scripting = importlib.import_module(f"{package}.scripting")
    upstream.answer_json("/v1/orders/", ORDER)
    upstream.answer_json("/v1/scores", {"recorded": True})
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    async def scenario() -> None:
        client = client_module.UpstreamClient(
            settings.load_settings(
                {"ORDERS_API_BASE_URL": upstream.url + "/v1", "CONTROL_TOKEN": TOKEN}
            )
        )
        try:
            async with (
                serve_app(rest_app.create_app(client)) as rest,
                serve_app(mcp_server.create_http_app(client, host="127.0.0.1")) as mcp,
                serve_app(control_app.create_control_app(client, list)) as control,
            ):
                await drive(rest, mcp + "/mcp", control)
        finally:
            await client.close()

    async def drive(rest: str, url: str, control: str) -> None:
        from mcp.client import Client
        from mcp.client.streamable_http import streamable_http_client

        async with Client(streamable_http_client(url)) as mcp:
            await drive_with(rest, mcp)
            await drive_scripting(control, mcp)

    async def drive_with(rest: str, mcp: Any) -> None:
        # MCP: call → script (reads the order, a dependency and a data file) → call.
        upstream.requests.clear()
        is_error, text = await call_tool(mcp, "score-order", {"id": "7", "customer": "Ada"})
        assert (is_error, json.loads(text)) == (False, SCORE)
        assert [(r.method, r.path, r.query) for r in upstream.requests] == [
            ("GET", "/v1/orders/7", []),
            ("POST", "/v1/scores", [("total", "43.5")]),
        ]
        # REST: the same steps behind GET /orders/{id}/score.
        upstream.requests.clear()
        async with (
            aiohttp.ClientSession() as session,
            session.get(rest + "/orders/7/score", params={"customer": "Ada"}) as response,
        ):
            assert (response.status, await response.json()) == (200, SCORE)
        assert [r.query for r in upstream.requests] == [[], [("total", "43.5")]]
        # A unit of scripts alone answers from its inputs; the upstream hears nothing.
        upstream.requests.clear()
        assert await call_tool(mcp, "double", {"n": 21}) == (False, '{"doubled": 42}')
        assert upstream.requests == []
        # Escapes: each refused inside the child, reported as a tool error naming the refusal.
        for name, expected in (
            ("passwd", "cannot read '/etc/passwd'"),
            ("socket", "PermissionError: socket."),
            ("process", "subprocess.Popen is not allowed"),
            ("write", "cannot write files"),
            ("count", "ran more than 20,000 statements (management.scripting.statementLimit)"),
            ("untrace", "sys.settrace is not allowed"),
        ):
            is_error, text = await call_tool(mcp, name, {"port": port})
            title = "Script statement limit reached" if name == "count" else "Script step failed"
            assert is_error and title in text and expected in text, (name, text)
        started = time.monotonic()
        is_error, text = await call_tool(mcp, "loop", {"port": port})
        assert is_error and "Script step timed out" in text and "1 s" in text
        assert time.monotonic() - started < 10

    async def drive_scripting(control: str, mcp: Any) -> None:
        async with aiohttp.ClientSession() as http:

            async def scripting_call(method: str, body: Any = None, token: str = TOKEN) -> Any:
                headers = {"Authorization": f"Bearer {token}"}
                async with http.request(
                    method, control + "/scripting", json=body, headers=headers
                ) as reply:
                    return reply.status, await reply.json(content_type=None)

            # Behind the control port's authentication, reads and patches alike.
            assert (await scripting_call("GET", token="wrong"))[0] == 401
            assert (await scripting_call("PUT", {"enabled": False}, token="wrong"))[0] == 401
            assert await scripting_call("GET") == (200, SETTINGS)
            # Each patch applies to the next script runs of this process.
            for patch, tool, words in (
                ({"statementLimit": 3}, "score-order", "ran more than 3 statements"),
                (
                    {"statementLimit": 100, "allowedLanguages": ["javascript"]},
                    "double",
                    "is written in python, which management.scripting.allowedLanguages",
                ),
                ({"allowedLanguages": ["python"], "enabled": False}, "double", "enabled is false"),
            ):
                status, answer = await scripting_call("PUT", patch)
                assert status == 200 and all(answer[k] == v for k, v in patch.items()), answer
                is_error, text = await call_tool(mcp, tool, {"id": "7", "customer": "A", "n": 1})
                assert is_error and words in text, (patch, text)
            for refused, status in (({"timeout": 0}, 422), ({"defaultLocation": "file:///"}, 422)):
                assert (await scripting_call("PUT", refused))[0] == status
            assert (await scripting_call("PUT", {"enabled": True}))[0] == 200
            assert await call_tool(mcp, "double", {"n": 2}) == (False, '{"doubled": 4}')
            status, answer = await scripting_call("GET")
            assert answer == SETTINGS | {"statementLimit": 100}

    try:
        asyncio.run(scenario())
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # no script ever reached the listening socket
    finally:
        listener.close()
        scripting._patched.clear()


@pytest.mark.parametrize("language", ["javascript", "groovy"])
def test_scripts_the_package_cannot_run_are_refused_where_written(
    tmp_path: Path, language: str
) -> None:
    text = SPEC.replace("language: python\n", f"language: {language}\n", 1)
    with pytest.raises(DiagnosticError) as caught:
        generate(write_spec(tmp_path, text))
    (error,) = [d for d in caught.value.diagnostics if d.is_error]
    line = text[: text.index(f"language: {language}")].count("\n") + 1
    assert (error.code, error.location.line) == ("NAF305", line)
    assert language in error.message and "Python" in error.hint


def test_a_script_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace("file: score.py", "file: ../scored.yaml", 1)
    with pytest.raises(DiagnosticError) as caught:
        generate(write_spec(tmp_path, text))
    assert [d.code for d in caught.value.diagnostics if d.is_error] == ["NAF307"]


def test_the_script_limits_are_serve_options(
    package: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = importlib.import_module(f"{package}.cli")
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--help"])
    text = capsys.readouterr().out
    variables = re.findall(r"NAFTIKO_SCRIPT[A-Z_]*", text)
    assert {"--script-timeout", "--script-statement-limit", "/scripting"} <= set(text.split())
    root = Path(importlib.import_module(package).__file__ or "").parents[2]
    example = (root / ".env.example").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert len(variables) >= 5 and all(v in example and v in readme for v in variables)
    monkeypatch.setenv("NAFTIKO_SCRIPT_TIMEOUT", "0")
    with pytest.raises(SystemExit) as stopped:
        cli.build_parser().parse_args(["serve"])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and "NAFTIKO_SCRIPT_TIMEOUT" in error and "from 0.001" in error


@pytest.mark.parametrize(
    ("setting", "code"),
    [("enabled: false", "NAF309"), ("allowedLanguages: [javascript]", "NAF421")],
)
def test_scripting_settings_are_checked_at_build_time(
    tmp_path: Path, setting: str, code: str
) -> None:
    text = SPEC.replace("allowedLanguages: [python]", setting, 1)
    line = text[: text.index("language: python")].count("\n") + 1
    if code == "NAF309":  # a warning: the step is generated, and refused at run time (503)
        found = generate(write_spec(tmp_path, text)).diagnostics
    else:
        with pytest.raises(DiagnosticError) as caught:
            generate(write_spec(tmp_path, text))
        found = caught.value.diagnostics
    (diagnostic,) = [d for d in found if d.code == code][:1]
    assert diagnostic.is_error == (code == "NAF421")
    if code == "NAF421":
        assert diagnostic.location.line == line and "allowedLanguages" in diagnostic.message
