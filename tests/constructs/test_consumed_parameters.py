"""Consumed parameters: resource-level ones, `in: environment`, and `{{key}}` templates whose
key only a `with` entry sets (NAF333 says what becomes of such a key)."""

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
        - path: /tpl/{{id}}
          operations:
            - method: GET
              name: tpl
              call: up.tpl
              with:
                key: svc.id
                unused: 7
        - path: /env
          operations:
            - {method: GET, name: env, call: up.env}
        - path: /chat
          operations:
            - method: POST
              name: chat
              call: up.chat
              with:
                model: gpt-4
  consumes:
    - type: http
      namespace: up
      baseUri: http://example.com
      inputParameters:
        - {name: X-Api, in: header, value: v1}
      resources:
        - path: /tpl
          name: tpl
          inputParameters:
            - {name: X-Res, in: header, value: r1}
          operations:
            - method: GET
              name: tpl
              inputParameters:
                - {name: q, in: query, value: "k-{{key}}"}
        - path: /env
          name: env
          operations:
            - method: GET
              name: env
              inputParameters:
                - {name: REGION, in: environment}
                - {name: region, in: query, value: "{{REGION}}"}
        - path: /chat
          name: chat
          operations:
            - method: POST
              name: chat
              body: {type: json, data: {model: "{{model}}"}}
""")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    folder = tmp_path_factory.mktemp("consumed")
    name, generated = generate_package(SPEC, folder, "consumed-parameters")
    yield name, generated
    forget(name, folder)


def test_parameters_reach_the_upstream(
    package: tuple[str, Any], upstream: RecordingUpstream
) -> None:
    name, _ = package

    async def scenario() -> None:
        environment = {"REGION": "eu-west"}
        async with serve(name, upstream, environment) as url, aiohttp.ClientSession() as s:
            async with s.get(url + "/tpl/42") as response:
                assert response.status == 200
            seen = upstream.requests[-1]
            assert (seen.path, seen.query) == ("/tpl", [("q", "k-42")])
            assert (seen.header("X-Api"), seen.header("X-Res")) == ("v1", "r1")
            async with s.get(url + "/env") as response:
                assert response.status == 200
            assert upstream.requests[-1].query == [("region", "eu-west")]
            async with s.post(url + "/chat") as response:
                assert response.status == 200
            assert json.loads(upstream.requests[-1].body) == {"model": "gpt-4"}

    asyncio.run(scenario())


def test_naf333_says_what_becomes_of_the_key(package: tuple[str, Any]) -> None:
    _, generated = package
    messages = sorted(d.message for d in generated.diagnostics if d.code == "NAF333")
    assert len(messages) == 3
    assert "fills `{{key}}` in the value of 'q'" in messages[0]
    assert "'model'" in messages[1] and "fills `{{model}}` in the body" in messages[1]
    assert "'unused'" in messages[2] and "it is not sent" in messages[2]
    assert not any("sent as a query parameter" in m for m in messages)
