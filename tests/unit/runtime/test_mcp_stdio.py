"""`runtime/mcp_stdio.py`: the official SDK's server answers as the HTTP endpoint does.

Driven in process with the SDK's own client (what stdio carries, without the pipes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from naftiko_codegen.runtime.mcp_http import MethodHandler
from naftiko_codegen.runtime.mcp_jsonrpc import INVALID_PARAMS, JsonRpcError
from naftiko_codegen.runtime.mcp_stdio import create_sdk_server

TOOL = {"name": "echo", "description": "Echo.", "inputSchema": {"type": "object"}}


async def echo(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    if "fail" in arguments:
        raise JsonRpcError(INVALID_PARAMS, "bad arguments")
    text = f"{name} {sorted(arguments.items())}"
    return {"content": [{"type": "text", "text": text}], "isError": False}


async def resources(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"resources": [{"uri": "docs://a", "name": "a"}]}


async def templates(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"resourceTemplates": [{"uriTemplate": "docs://{x}", "name": "x"}]}


async def read(params: Mapping[str, Any]) -> dict[str, Any]:
    if params["uri"] == "docs://missing":
        raise JsonRpcError(-32002, "Resource not found", {"uri": params["uri"]})
    return {"contents": [{"uri": params["uri"], "text": "hello"}]}


async def prompts(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"prompts": [{"name": "p", "arguments": []}]}


async def prompt(params: Mapping[str, Any]) -> dict[str, Any]:
    text = f"{params['name']} {params.get('arguments', {})}"
    return {"messages": [{"role": "user", "content": {"type": "text", "text": text}}]}


CONTENT: dict[str, MethodHandler] = {
    "resources/list": resources,
    "resources/templates/list": templates,
    "resources/read": read,
    "prompts/list": prompts,
    "prompts/get": prompt,
}


def server(instructions: str = "Echoes.", methods: Any = None) -> Any:
    return create_sdk_server(
        name="echo-server",
        version="1.0",
        instructions=instructions,
        tools=[TOOL],
        call_tool=echo,
        methods=methods,
    )


async def _tools_session() -> tuple[Any, ...]:
    async with Client(server()) as client:
        listed = await client.list_tools()
        result = await client.call_tool("echo", {"a": 1})
        try:
            await client.call_tool("echo", {"fail": True})
        except MCPError as error:
            failure: Any = error
        return listed, result, failure, (client.server_info, client.instructions)


def test_tools_are_listed_and_called() -> None:
    listed, result, failure, (info, instructions) = asyncio.run(_tools_session())
    assert info is not None and (info.name, info.version) == ("echo-server", "1.0")
    assert instructions == "Echoes."
    assert [t.model_dump(by_alias=True, exclude_none=True) for t in listed.tools] == [TOOL]
    assert result.content[0].text == "echo [('a', 1)]"
    assert failure.error.code == INVALID_PARAMS and failure.error.message == "bad arguments"


async def _content_session() -> tuple[Any, ...]:
    async with Client(server(methods=CONTENT)) as client:
        listed = await client.list_resources()
        found = await client.list_resource_templates()
        read_back = await client.read_resource("docs://a")
        try:
            await client.read_resource("docs://missing")
        except MCPError as error:
            missing: Any = error
        listed_prompts = await client.list_prompts()
        got = await client.get_prompt("p", {"x": "1"})
        return listed, found, read_back, missing, listed_prompts, got


def test_resources_and_prompts_are_served_through_the_same_handlers() -> None:
    listed, found, read_back, missing, listed_prompts, got = asyncio.run(_content_session())
    assert [str(r.uri) for r in listed.resources] == ["docs://a"]
    assert [t.uri_template for t in found.resource_templates] == ["docs://{x}"]
    assert read_back.contents[0].text == "hello"
    assert missing.error.code == -32002 and missing.error.data == {"uri": "docs://missing"}
    assert [p.name for p in listed_prompts.prompts] == ["p"]
    assert got.messages[0].content.text == "p {'x': '1'}"


async def _bare_session() -> tuple[Any, ...]:
    async with Client(server(instructions="")) as client:
        with pytest.raises(MCPError):
            await client.list_prompts()
        return client.server_capabilities, client.instructions


def test_without_content_methods_only_tools_are_served() -> None:
    assert server().middleware == []  # no tracing exporter: no span middleware
    capabilities, instructions = asyncio.run(_bare_session())
    assert capabilities.tools is not None
    assert capabilities.resources is None and capabilities.prompts is None
    assert instructions is None
