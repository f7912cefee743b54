"""Simple-mode outputs: a Mustache `value`, several named outputs, several unnamed ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import yaml

from tests.servers.recording import RecordingUpstream

from .support import forget, generate_package, serve

SPEC = yaml.safe_load("""
naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: rest
      port: 8081
      namespace: svc
      resources:
        - path: /greet
          operations:
            - method: GET
              name: greet
              call: up.hello
              inputParameters:
                - {name: who, in: query, type: string, description: who}
              outputParameters:
                - type: string
                  value: "hello {{who}}"
        - path: /named
          operations:
            - method: GET
              name: named
              call: up.hello
              outputParameters:
                - {name: a, type: string, mapping: $.a}
                - {name: b, type: number, mapping: $.b}
                - {name: greeting, type: string, value: "hi"}
        - path: /unnamed
          operations:
            - method: GET
              name: unnamed
              call: up.hello
              outputParameters:
                - {type: string, mapping: $.missing}
                - {type: number, mapping: $.b}
    - type: mcp
      port: 8082
      namespace: tools
      tools:
        - name: greet
          description: greet someone
          call: up.hello
          inputParameters:
            - {name: who, type: string, description: who}
          outputParameters:
            - type: string
              value: "hello {{who}}"
  consumes:
    - type: http
      namespace: up
      baseUri: http://example.com
      resources:
        - path: /hello
          name: hello
          operations:
            - {method: GET, name: hello}
""")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    folder = tmp_path_factory.mktemp("outputs")
    name, generated = generate_package(SPEC, folder, "outputs")
    yield name, generated
    forget(name, folder)


def test_outputs_shape_the_answer(package: tuple[str, Any], upstream: RecordingUpstream) -> None:
    name, generated = package
    upstream.answer_json("/hello", {"a": "A", "b": 2})

    async def scenario() -> None:
        async with serve(name, upstream) as url, aiohttp.ClientSession() as session:
            async with session.get(url + "/greet", params={"who": "Ada"}) as response:
                assert (response.status, await response.json()) == (200, "hello Ada")
            assert upstream.requests[-1].path == "/hello"
            async with session.get(url + "/named") as response:
                answer = await response.json()
            assert answer == {"a": "A", "b": 2, "greeting": "hi"}
            async with session.get(url + "/unnamed") as response:
                assert await response.json() == 2  # the first output that maps to a value

    asyncio.run(scenario())
    assert [d.code for d in generated.diagnostics if d.code == "NAF378"] == ["NAF378"]


def test_mcp_tool_renders_its_output_value(
    package: tuple[str, Any], upstream: RecordingUpstream
) -> None:
    import importlib

    name, _ = package
    settings = importlib.import_module(f"{name}.settings")
    client_module = importlib.import_module(f"{name}.upstream")
    mcp_server = importlib.import_module(f"{name}.mcp_server")

    async def scenario() -> dict[str, Any]:
        client = client_module.UpstreamClient(settings.load_settings({"UP_BASE_URL": upstream.url}))
        try:
            result: dict[str, Any] = await mcp_server.TOOLS.call(client, "greet", {"who": "Ada"})
            return result
        finally:
            await client.close()

    result = asyncio.run(scenario())
    assert result["isError"] is False
    assert json.loads(result["content"][0]["text"]) == "hello Ada"
