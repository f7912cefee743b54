"""`forward`: the official `http-forward-value` fixture (API-level parameters go upstream),
and a forward beside an operation of the same method (no 405 on a deeper path)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.servers.recording import RecordingUpstream

from .support import forget, generate_package, serve

OFFICIAL = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "official"

BESIDE = yaml.safe_load("""
naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: rest
      port: 8083
      namespace: sample
      resources:
        - path: "/forward/{{path}}"
          description: both
          forward: {targetNamespace: external}
          operations:
            - method: GET
              name: get-one
              call: external.one
  consumes:
    - type: http
      namespace: external
      baseUri: "https://api.example.com/v1"
      inputParameters:
        - {name: X-API-Version, in: header, value: "2026-03-03"}
      resources:
        - path: /one/{{path}}
          name: one
          operations:
            - {method: GET, name: one}
""")


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("forward")
    text = (OFFICIAL / "test__http__http-forward-value-capability.yaml").read_text("utf-8")
    name, _ = generate_package(yaml.safe_load(text), folder, "forward-value")
    yield name
    forget(name, folder)


def test_forward_sends_the_api_parameters(official: str, upstream: RecordingUpstream) -> None:
    async def scenario() -> None:
        async with serve(official, upstream) as url, aiohttp.ClientSession() as session:
            headers = {"X-API-Key": "from-caller", "Authorization": "Bearer caller"}
            async with session.post(
                url + "/forward/a/b", json={"k": 1}, headers=headers
            ) as response:
                assert response.status == 200
        seen = upstream.requests[-1]
        assert (seen.method, seen.path, json.loads(seen.body)) == ("POST", "/a/b", {"k": 1})
        assert seen.header("X-API-Version") == "2026-03-03"
        assert seen.header("X-API-Key") == "secret-key-123"  # the API's own value wins
        assert seen.header("Authorization") is None  # not a trusted header

    asyncio.run(scenario())


def test_forward_beside_an_operation(tmp_path: Path, upstream: RecordingUpstream) -> None:
    name, _ = generate_package(BESIDE, tmp_path, "forward-beside")

    async def scenario() -> None:
        async with serve(name, upstream) as url, aiohttp.ClientSession() as session:
            async with session.get(url + "/forward/x/y") as response:
                assert response.status == 200  # the GET operation, not a 405
            assert upstream.requests[-1].path == "/one/x%2Fy"
            async with session.delete(url + "/forward/x/y") as response:
                assert response.status == 200
            seen = upstream.requests[-1]
            assert (seen.method, seen.path) == ("DELETE", "/x/y")
            assert seen.header("X-API-Version") == "2026-03-03"

    try:
        asyncio.run(scenario())
    finally:
        forget(name, tmp_path)
