"""REST inputs: a body JSONPath `value`, a constant `value`, `pattern`, and a `with` typo.

Official fixtures `http-body` and `http-header-query` declare body inputs read with
`$.user.id`: the caller posts the nested shape, the upstream must get the values.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from naftiko_codegen.pipeline import check_spec
from tests.servers.recording import RecordingUpstream

from .support import forget, generate_package, serve

OFFICIAL = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "official"

SPEC: dict[str, Any] = {
    "naftiko": "1.0.0-alpha2",
    "capability": {
        "exposes": [
            {
                "type": "rest",
                "address": "localhost",
                "port": 8081,
                "namespace": "svc",
                "resources": [
                    {
                        "path": "/users",
                        "operations": [
                            {
                                "method": "POST",
                                "name": "create-user",
                                "call": "up.create",
                                "inputParameters": [
                                    {
                                        "name": "userId",
                                        "in": "body",
                                        "type": "string",
                                        "description": "id",
                                        "value": "$.user.id",
                                    },
                                    {
                                        "name": "userName",
                                        "in": "body",
                                        "type": "string",
                                        "description": "name",
                                        "value": "$.user.name",
                                    },
                                ],
                            }
                        ],
                    },
                    {
                        "path": "/items",
                        "operations": [
                            {
                                "method": "GET",
                                "name": "list-items",
                                "call": "up.items",
                                "inputParameters": [
                                    {
                                        "name": "code",
                                        "in": "query",
                                        "type": "string",
                                        "description": "lower-case letters",
                                        "pattern": "^[a-z]+$",
                                    },
                                    {
                                        "name": "mode",
                                        "in": "query",
                                        "type": "string",
                                        "description": "a constant",
                                        "value": "fixed",
                                    },
                                ],
                            }
                        ],
                    },
                ],
            }
        ],
        "consumes": [
            {
                "type": "http",
                "namespace": "up",
                "baseUri": "http://example.com",
                "resources": [
                    {
                        "path": "/create",
                        "name": "create",
                        "operations": [
                            {
                                "method": "POST",
                                "name": "create",
                                "body": '{"id":"{{userId}}","name":"{{userName}}"}',
                            }
                        ],
                    },
                    {
                        "path": "/items",
                        "name": "items",
                        "operations": [
                            {
                                "method": "GET",
                                "name": "items",
                                "inputParameters": [
                                    {"name": "code", "in": "query"},
                                    {"name": "mode", "in": "query"},
                                ],
                            }
                        ],
                    },
                ],
            }
        ],
    },
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("rest-inputs")
    name, _ = generate_package(SPEC, folder, "rest-inputs")
    yield name
    forget(name, folder)


async def _send(url: str, method: str, path: str, **options: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url + path, **options) as response,
    ):
        return response.status, await response.read()


def test_body_jsonpath_constant_and_pattern(package: str, upstream: RecordingUpstream) -> None:
    async def scenario() -> None:
        async with serve(package, upstream) as url:
            nested = {"user": {"id": "u-1", "name": "Ada"}}
            status, _ = await _send(url, "POST", "/users", json=nested)
            assert status == 200
            seen = upstream.requests[-1]
            assert (seen.method, seen.path) == ("POST", "/create")
            assert json.loads(seen.body) == {"id": "u-1", "name": "Ada"}
            # The constant is sent whatever the caller says; the pattern is enforced.
            status, _ = await _send(url, "GET", "/items", params={"code": "abc", "mode": "x"})
            assert status == 200
            assert sorted(upstream.requests[-1].query) == [("code", "abc"), ("mode", "fixed")]
            count = len(upstream.requests)
            status, _ = await _send(url, "GET", "/items", params={"code": "ABC1"})
            assert status == 422
            assert len(upstream.requests) == count  # refused before any upstream call

    asyncio.run(scenario())


def test_official_header_query_fixture(tmp_path: Path, upstream: RecordingUpstream) -> None:
    spec = yaml.safe_load(
        (OFFICIAL / "test__http__http-header-query-capability.yaml").read_text(encoding="utf-8")
    )
    name, _ = generate_package(spec, tmp_path, "header-query")

    async def scenario() -> None:
        async with serve(name, upstream) as url:
            status, _ = await _send(url, "POST", "/search", json={"user": {"id": "42"}})
            assert status == 200
            seen = upstream.requests[-1]
            assert (seen.method, seen.path, seen.query) == ("POST", "/items", [("q", "42")])
            assert seen.header("X-API-Key") == "ABC123"

    try:
        asyncio.run(scenario())
    finally:
        forget(name, tmp_path)


def test_a_with_typo_gets_a_did_you_mean(tmp_path: Path) -> None:
    spec = yaml.safe_load("""
naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: rest
      port: 8081
      namespace: rest
      resources:
        - path: /sessions/{session_id}
          operations:
            - method: GET
              name: get-session
              call: up.get
              with:
                session_id: rest.sesion_id
  consumes:
    - type: http
      namespace: up
      baseUri: http://example.com
      resources:
        - path: /api/sessions/{{session_id}}
          name: s
          operations:
            - method: GET
              name: get
""")
    name, package = generate_package(spec, tmp_path, "with-typo")
    forget(name, tmp_path)
    found = [d for d in package.diagnostics if d.code == "NAF377"]
    assert len(found) == 1
    assert "did you mean 'session_id'" in found[0].message
    assert found[0].location.line == 14  # the `with` value (the YAML opens with a newline)


def test_a_bad_pattern_and_a_jsonpath_outside_the_body_are_reported(tmp_path: Path) -> None:
    spec = yaml.safe_load(yaml.safe_dump(SPEC))
    inputs = spec["capability"]["exposes"][0]["resources"][1]["operations"][0]["inputParameters"]
    inputs[0]["pattern"] = "[a-"
    inputs[1]["value"] = "$.mode"
    source = tmp_path / "bad-inputs.yaml"
    source.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    found = {d.code: d for d in check_spec(source)}
    assert found["NAF375"].severity.value == "error"
    assert "'[a-'" in found["NAF375"].message
    assert "only body inputs read the body" in found["NAF376"].message
