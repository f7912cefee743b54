"""MCP tools and resources: Mustache output `value`s see the arguments (or the URI's parameters)
and the `with` values (mock tools too); a tool argument's `pattern` is in `inputSchema` and
enforced on calls, and refused arguments are `isError` results.

One adapter is served for the module (in a thread of its own, against a `RecordingUpstream`)
and driven with the official MCP client over Streamable HTTP.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from naftiko_codegen.pipeline import check_spec
from naftiko_codegen.runtime.tests.loopback import serve_app
from tests.servers.recording import RecordingUpstream

from .support import forget, generate_package

SPEC = yaml.safe_load("""
naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: mcp
      port: 8082
      namespace: tools
      description: greetings
      tools:
        - name: greet
          description: greet someone
          call: up.hello
          with:
            salutation: hi
          inputParameters:
            - {name: who, type: string, description: lower-case name, pattern: "^[a-z]+$"}
            - {name: times, type: integer, description: how often, required: false}
          outputParameters:
            - type: string
              value: "{{salutation}} {{who}}"
        - name: greet-mock
          description: greet without the upstream
          with:
            salutation: hey
            name: tools.who
            times: 2
            loud: "true"
          inputParameters:
            - {name: who, type: string, description: name}
          outputParameters:
            - {name: text, type: string, value: "{{salutation}} {{name}} x{{times}}"}
            - {name: loud, type: boolean, value: "{{loud}}"}
            - name: meta
              type: object
              properties:
                by: {type: string, value: "{{salutation}}"}
                tags: {type: array, items: {type: string, value: "{{name}}"}}
      resources:
        - name: greeting
          label: Greeting
          uri: "greet://{who}"
          description: a greeting
          call: up.hello
          with:
            salutation: hello
          outputParameters:
            - type: string
              value: "{{salutation}} {{who}}"
        - name: everyone
          label: Everyone
          uri: "greet://all"
          description: a greeting for all
          call: up.ping
          with:
            salutation: hey
          outputParameters:
            - type: string
              value: "{{salutation}} all"
  consumes:
    - type: http
      namespace: up
      description: the upstream
      baseUri: http://example.com
      resources:
        - path: /hello
          name: hello
          operations:
            - method: GET
              name: hello
              inputParameters:
                - {name: who, in: query}
        - path: /ping
          name: ping
          operations:
            - {method: GET, name: ping}
""")


class _Served:
    """The package's MCP app served on loopback from a thread with its own event loop."""

    def __init__(self, package: str, upstream: RecordingUpstream) -> None:
        self._package = package
        self._upstream = upstream
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.url = ""
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("the MCP app did not start")

    async def _serve(self) -> None:
        settings = importlib.import_module(f"{self._package}.settings")
        client_module = importlib.import_module(f"{self._package}.upstream")
        mcp_server = importlib.import_module(f"{self._package}.mcp_server")
        client = client_module.UpstreamClient(
            settings.load_settings({"UP_BASE_URL": self._upstream.url})
        )
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            async with serve_app(mcp_server.create_http_app(client, host="127.0.0.1")) as url:
                self.url = url + "/mcp"
                self._ready.set()
                await self._stop.wait()
        finally:
            await client.close()

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def adapter(
    tmp_path_factory: pytest.TempPathFactory, upstream: RecordingUpstream
) -> Iterator[tuple[str, Any]]:
    folder = tmp_path_factory.mktemp("mcp-outputs")
    name, generated = generate_package(SPEC, folder, "mcp-outputs")
    served = _Served(name, upstream)
    try:
        yield served.url, generated
    finally:
        served.close()
        forget(name, folder)


def _drive(url: str, scenario: Callable[[Any], Awaitable[None]]) -> None:
    from mcp.client import Client
    from mcp.client.streamable_http import streamable_http_client

    async def run() -> None:
        async with Client(streamable_http_client(url)) as client:
            await scenario(client)

    asyncio.run(run())


def test_tool_output_value_sees_arguments_and_with(
    adapter: tuple[str, Any], upstream: RecordingUpstream
) -> None:
    async def scenario(client: Any) -> None:
        upstream.requests.clear()
        result = await client.call_tool("greet", {"who": "ada"})
        assert not result.is_error, result.content
        assert json.loads(result.content[0].text) == "hi ada"
        assert [(r.path, r.query) for r in upstream.requests] == [("/hello", [("who", "ada")])]
        # A mock tool's templates see its `with` values too (spec §3.9); nothing goes upstream.
        result = await client.call_tool("greet-mock", {"who": "ada"})
        assert json.loads(result.content[0].text) == {
            "text": "hey ada x2",
            "loud": True,
            "meta": {"by": "hey", "tags": ["ada"]},
        }
        assert len(upstream.requests) == 1

    _drive(adapter[0], scenario)
    messages = [d.message for d in adapter[1].diagnostics if d.code == "NAF333"]
    assert len(messages) == 3
    assert all("it fills `{{salutation}}` in an output `value` of the unit" in m for m in messages)


def test_resource_output_values_see_uri_parameters_and_with(
    adapter: tuple[str, Any], upstream: RecordingUpstream
) -> None:
    async def scenario(client: Any) -> None:
        upstream.requests.clear()
        read = await client.read_resource("greet://grace")
        assert (read.contents[0].mime_type, json.loads(read.contents[0].text)) == (
            "application/json",
            "hello grace",
        )
        read = await client.read_resource("greet://all")
        assert json.loads(read.contents[0].text) == "hey all"
        assert [(r.path, r.query) for r in upstream.requests] == [
            ("/hello", [("who", "grace")]),
            ("/ping", []),
        ]

    _drive(adapter[0], scenario)


def test_pattern_is_in_the_input_schema_and_enforced(
    adapter: tuple[str, Any], upstream: RecordingUpstream
) -> None:
    async def scenario(client: Any) -> None:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "greet")
        assert tool.input_schema["properties"]["who"]["pattern"] == "^[a-z]+$"
        assert tool.input_schema["required"] == ["who"]
        upstream.requests.clear()
        for arguments, expected in (
            ({"who": "Ada1"}, "argument 'who' must match the pattern '^[a-z]+$'"),
            ({}, "missing required argument 'who'"),
            ({"who": "ada", "times": "2"}, "argument 'times' must be of type integer"),
        ):
            result = await client.call_tool("greet", arguments)
            assert result.is_error, arguments
            assert json.loads(result.content[0].text) == {
                "error": "Invalid arguments for greet",
                "detail": expected,
            }
        assert upstream.requests == []  # refused before any upstream call

    _drive(adapter[0], scenario)
    _, generated = adapter
    assert [d.code for d in generated.diagnostics if d.code == "NAF430"] == ["NAF430"]


def test_a_tool_pattern_that_is_no_regular_expression_is_an_error(tmp_path: Path) -> None:
    spec = yaml.safe_load(yaml.safe_dump(SPEC))
    spec["capability"]["exposes"][0]["tools"][0]["inputParameters"][0]["pattern"] = "[a-"
    source = tmp_path / "bad-pattern.yaml"
    source.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    found = {d.code: d for d in check_spec(source)}
    assert found["NAF375"].severity.value == "error"
    assert "'[a-'" in found["NAF375"].message and "'who'" in found["NAF375"].message
