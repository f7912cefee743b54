"""Every MCP tool is listed as the spec describes it and reaches the upstream with the right request."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from .loopback import StubUpstream, assert_body
from .support import mcp_client

pytestmark = pytest.mark.anyio

# (tool, arguments, upstream method, path, query and (format, body))
TOOLS: list[Any] = [
    pytest.param(
        "query-participants",
        {},
        "POST",
        "/databases/participants/query",
        [],
        ("json", {"filter": {"property": "Status", "select": {"equals": "Committed"}}}),
        id="query-participants",
    ),
    pytest.param(
        "release-status",
        {"release": "sample"},
        None,
        None,
        [],
        ("none", None),
        id="release-status",
    ),
]


# Every tool `tools/list` must show.
TOOL_NAMES: set[str] = {"query-participants", "release-status"}

# Tools whose answer the spec shapes with output mappings.
SHAPED: set[str] = {"query-participants"}


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


# (URI to read, whether its parameters reach the upstream) per resource read through the upstream.
RESOURCES: list[Any] = [
    pytest.param("data://databases/pre-release/schema", False, id="database-schema"),
    pytest.param("data://users/sample/profile", True, id="user-profile"),
]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_resources_are_listed(mcp_url: str, mode: str) -> None:
    async with mcp_client(mcp_url, mode=mode) as client:
        fixed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = {
            t.uri_template for t in (await client.list_resource_templates()).resource_templates
        }
    assert fixed >= {"data://databases/pre-release/schema"}
    assert templates == {"data://users/{userId}/profile"}


@pytest.mark.parametrize(("uri", "templated"), RESOURCES)
async def test_resource_is_read_from_upstream(
    mcp_url: str, upstream: StubUpstream, uri: str, templated: bool
) -> None:
    upstream.reply = {"answer": 42}
    async with mcp_client(mcp_url) as client:
        result = await client.read_resource(uri)
    (content,) = result.contents
    assert str(content.uri) == uri
    assert upstream.requests, "the resource was not read from the upstream"
    if templated:  # The URI's parameters reach the upstream request somewhere.
        seen = upstream.requests[-1]
        assert "sample" in seen.path + str(seen.query) + seen.body.decode("utf-8", "replace")


async def test_unknown_resource_is_an_error(mcp_url: str) -> None:
    async with mcp_client(mcp_url) as client:
        with pytest.raises(MCPError):
            await client.read_resource("naftiko-test://no/such/resource")


# (URI, SHA-256 of its text) per file of a static resource, shipped in the package's `mcp_files/`.
SHIPPED: list[Any] = [
    pytest.param(
        "docs://release-notes/2026-01.md",
        "67108e35b47845edc41010ecf1d5d98da18ffac212f0e6efe821043c34ca13d3",
        id="docs://release-notes/2026-01.md",
    ),
]


@pytest.mark.parametrize(("uri", "digest"), SHIPPED)
async def test_static_resource_files_are_served_from_the_package(
    mcp_url: str, uri: str, digest: str
) -> None:
    async with mcp_client(mcp_url) as client:
        result = await client.read_resource(uri)
    (content,) = result.contents
    text = content.text  # type: ignore[union-attr]
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest


# (prompt, arguments) per prompt.
PROMPTS: list[Any] = [
    pytest.param(
        "participant-outreach",
        {"participant_name": "sample-participant_name", "product_name": "sample-product_name"},
        id="participant-outreach",
    ),
    pytest.param(
        "summary-prompt", {"data": "sample-data", "format": "sample-format"}, id="summary-prompt"
    ),
    pytest.param("release-brief", {"product_name": "sample-product_name"}, id="release-brief"),
]


@pytest.mark.parametrize(("name", "arguments"), PROMPTS)
async def test_prompt_fills_its_arguments(
    mcp_url: str, name: str, arguments: dict[str, str]
) -> None:
    async with mcp_client(mcp_url) as client:
        listed = {prompt.name for prompt in (await client.list_prompts()).prompts}
        result = await client.get_prompt(name, arguments)
    assert listed == {"participant-outreach", "release-brief", "summary-prompt"}
    texts = [message.content.text for message in result.messages]  # type: ignore[union-attr]
    assert texts
    for argument in arguments:  # Every placeholder of an argument is filled.
        assert not any("{" + "{" + argument + "}}" in text for text in texts), texts
