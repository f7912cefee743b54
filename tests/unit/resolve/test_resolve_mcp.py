"""resolve/mcp.py: the MCP adapter's tools, resources and prompts."""

from __future__ import annotations

import textwrap

from _specs import DEMO_API, capability, codes, resolved

from naftiko_codegen.canonical import (
    Call,
    Folder,
    McpAdapter,
    McpPrompt,
    Orchestration,
    PromptArgument,
)
from naftiko_codegen.placeholders import Part

_TOOL = "tools:\n- name: list\n  description: List.\n  call: demo.list-items\n"


_API = DEMO_API + "      inputParameters:\n      - name: id\n        in: query\n"


def _mcp(body: str, head: str = "port: 9090\n", *, validate: bool = True) -> McpAdapter:
    """The MCP adapter of a capability with one tool, plus `body` (resources, prompts)."""
    exposes = "- type: mcp\n  namespace: demo-mcp\n" + textwrap.indent(
        head + _TOOL + textwrap.dedent(body), "  "
    )
    found = resolved(capability(consumes=_API, exposes=exposes), validate=validate)
    assert codes(found) == []
    (adapter,) = found.mcp_adapters
    return adapter


def test_tools_take_arguments() -> None:
    adapter = _mcp("")
    (tool,) = adapter.tools
    assert (tool.name, tool.description, tool.hints) == ("list", "List.", {})
    # With no `with`, every parameter of the operation is an argument of the tool.
    assert [(i.name, i.location, i.required) for i in tool.inputs] == [("id", "argument", False)]
    assert (adapter.transport, adapter.port) == ("http", 9090)


def test_stdio_has_no_port() -> None:
    adapter = _mcp("", head="transport: stdio\n")
    assert (adapter.transport, adapter.port) == ("stdio", None)


_RESOURCES = """\
resources:
- name: docs
  label: Docs
  uri: docs://all
  description: The docs.
  location: file:///./docs
- name: item
  label: Item
  uri: items://{id}
  description: One item.
  mimeType: text/plain
  call: demo.list-items
  with:
    id: mcp.id
- name: joined
  label: Joined
  uri: joined://all
  description: Two calls.
  steps:
  - name: first
    type: call
    call: demo.list-items
  mappings:
  - targetName: items
    value: $.first
"""


def test_resources_read_a_folder_a_call_or_steps() -> None:
    docs, item, joined = _mcp(_RESOURCES).resources
    assert (docs.action, docs.mime_type) == (Folder("docs"), "application/json")
    assert (item.parameters, item.mime_type) == (("id",), "text/plain")
    assert isinstance(item.action, Call)
    (argument,) = item.action.arguments
    assert argument.value == (Part("input", "id"),)
    assert isinstance(joined.action, Orchestration)
    assert [step.name for step in joined.action.steps] == ["first"]


def test_a_resource_with_nothing_to_read_is_left_out() -> None:
    exposes = "- type: mcp\n  namespace: demo-mcp\n  port: 9090\n" + textwrap.indent(
        _TOOL + "resources:\n- name: empty\n  label: E\n  uri: e://x\n  description: E.\n",
        "  ",
    )
    found = resolved(capability(exposes=exposes), validate=False)
    assert codes(found) == ["NAF393"]
    assert found.mcp_adapters[0].resources == ()


def test_a_resource_whose_steps_cannot_be_generated_is_left_out() -> None:
    body = _RESOURCES.replace("type: call", "type: transform")
    exposes = "- type: mcp\n  namespace: demo-mcp\n  port: 9090\n" + textwrap.indent(
        _TOOL + body, "  "
    )
    found = resolved(capability(consumes=_API, exposes=exposes), validate=False)
    assert codes(found) == ["NAF391"]
    assert [r.name for r in found.mcp_adapters[0].resources] == ["docs", "item"]


_PROMPTS = """\
prompts:
- name: greet
  label: Greet
  description: Say hello.
  arguments:
  - name: who
    description: Whom.
  - name: tone
    required: false
  template:
  - role: assistant
    content: Hello {{who}}
  - content: Again
- name: long
  label: Long
  description: From a file.
  location: file:///prompts/long.md
"""


def test_prompts_hold_messages_or_a_file() -> None:
    # Without validation: an argument's description and a message's role have defaults.
    greet, long = _mcp(_PROMPTS, validate=False).prompts
    assert greet == McpPrompt(
        name="greet",
        label="Greet",
        description="Say hello.",
        arguments=(PromptArgument("who", "Whom.", True), PromptArgument("tone", "", False)),
        messages=(("assistant", "Hello {{who}}"), ("user", "Again")),
        file=None,
    )
    # Resolved without a build (no folder read): where the package would ship it.
    assert (long.messages, long.file) == ((), "prompts/long.md")
