"""Every MCP tool is listed as the spec describes it and reaches the upstream with the right request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .loopback import StubUpstream, assert_body
from .support import mcp_client

pytestmark = pytest.mark.anyio

# (tool, arguments, upstream method, path, query and (format, body))
TOOLS: list[Any] = []


# Every tool `tools/list` must show.
TOOL_NAMES: set[str] = {"score-ticket"}

# Tools whose answer the spec shapes with output mappings.
SHAPED: set[str] = set()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_are_listed(mcp_url: str, mode: str) -> None:
    async with mcp_client(mcp_url, mode=mode) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(listed) == TOOL_NAMES
    for name, tool in listed.items():
        assert tool.input_schema["type"] == "object", name


@pytest.mark.parametrize(
    ("name", "arguments", "up_method", "up_path", "up_query", "up_body"), TOOLS
)
async def test_tool_reaches_upstream(
    mcp_url: str,
    upstream: StubUpstream,
    name: str,
    arguments: dict[str, Any],
    up_method: str | None,
    up_path: str | None,
    up_query: list[tuple[str, str]],
    up_body: tuple[str, Any],
) -> None:
    upstream.reply = {"answer": 42}
    async with mcp_client(mcp_url) as client:
        await client.list_tools()
        result = await client.call_tool(name, arguments)
    assert not result.is_error, result.content
    data = json.loads(result.content[0].text)  # type: ignore[union-attr]
    if result.structured_content is None:
        # Only an output shape that maps nothing from the stub's answer relays it as text.
        assert data == {"answer": 42} and name in SHAPED
    else:
        assert result.structured_content == (data if isinstance(data, dict) else {"result": data})
    if up_path is None:  # A mock: answered here, upstream untouched.
        assert upstream.requests == []
        return
    seen = upstream.requests[-1]
    assert seen.method == up_method
    assert seen.path == up_path
    assert sorted(seen.query) == sorted(up_query)
    assert_body(seen, up_body)


# Orchestrated tools: (tool, arguments, (method, path or None) of each call step in order, and
# the top-level keys of the assembled answer).
WORKFLOWS: list[Any] = [
    pytest.param(
        "score-ticket",
        {"id": "sample", "tags": "sample"},
        [("GET", "/tickets/sample"), ("PUT", None)],
        ["score"],
        id="score-ticket",
    ),
]


@pytest.mark.parametrize(("name", "arguments", "up_requests", "keys"), WORKFLOWS)
async def test_orchestrated_tool_runs_its_steps(
    mcp_url: str,
    upstream: StubUpstream,
    name: str,
    arguments: dict[str, Any],
    up_requests: list[tuple[str, str | None]],
    keys: list[str],
) -> None:
    upstream.reply = {"answer": 42}
    async with mcp_client(mcp_url) as client:
        await client.list_tools()
        result = await client.call_tool(name, arguments)
    if result.is_error and '"error": "Script' in result.content[0].text:  # type: ignore[union-attr]
        # The stub's reply is not the data the unit's script reads (it may fail, loop or time
        # out on it): the calls before it ran.
        methods = [m for m, _ in up_requests]
        assert [seen.method for seen in upstream.requests] == methods[: len(upstream.requests)]
        return
    assert not result.is_error, result.content
    answer = json.loads(result.content[0].text)  # type: ignore[union-attr]
    # Either the assembled object, or (no mapping resolved) the last call step's reply as is.
    assert answer == {"answer": 42} or set(answer) <= set(keys)
    assert [seen.method for seen in upstream.requests] == [m for m, _ in up_requests]
    for seen, (_, up_path) in zip(upstream.requests, up_requests, strict=True):
        if up_path is not None:  # None: the path depends on an earlier step's output.
            assert seen.path == up_path


@pytest.mark.parametrize(("name", "arguments", "up_requests", "keys"), WORKFLOWS)
async def test_orchestration_error_is_a_tool_error(
    mcp_url: str,
    upstream: StubUpstream,
    name: str,
    arguments: dict[str, Any],
    up_requests: list[tuple[str, str | None]],
    keys: list[str],
) -> None:
    if not up_requests:
        pytest.skip("this orchestration calls no upstream operation")
    upstream.status, upstream.reply = 404, {"message": "not here"}
    async with mcp_client(mcp_url) as client:
        await client.list_tools()
        result = await client.call_tool(name, arguments)
    assert result.is_error
    assert "404" in result.content[0].text  # type: ignore[union-attr]
    assert len(upstream.requests) == 1


async def test_upstream_error_is_a_tool_error(mcp_url: str, upstream: StubUpstream) -> None:
    proxied = [tool for tool in TOOLS if tool.values[3] is not None]
    if not proxied:
        pytest.skip("every tool of this capability is a mock")
    name, arguments = proxied[0].values[:2]
    upstream.status, upstream.reply = 404, {"message": "not here"}
    async with mcp_client(mcp_url) as client:
        await client.list_tools()
        result = await client.call_tool(name, arguments)
    assert result.is_error
    assert "404" in result.content[0].text  # type: ignore[union-attr]
