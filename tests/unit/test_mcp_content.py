"""MCP resources and prompts, through the official MCP client over stdio (the SDK path) and
Streamable HTTP (the package's own endpoint): folder resources with their traversal guard,
call-backed resources with URI templates, and prompts with arguments."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from naftiko_codegen.canonical import Call, Folder
from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import generate
from naftiko_codegen.resolve import resolve_spec

SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Library
  description: Documents and prompts.
capability:
  consumes:
  - type: http
    namespace: books
    baseUri: http://127.0.0.1:9
    resources:
    - name: book
      path: /books/{{bookId}}
      operations:
      - name: get-book
        method: GET
        inputParameters:
        - {name: bookId, in: path}
  exposes:
  - type: mcp
    namespace: library
    transport: stdio
    description: Library tools.
    tools:
    - name: get-book
      description: One book.
      call: books.get-book
    resources:
    - name: docs
      label: Docs
      uri: docs://library
      description: The documentation folder.
      location: file:///./docs
    - name: book
      label: Book
      uri: books://{bookId}
      description: One book by id.
      call: books.get-book
      with:
        bookId: "{{bookId}}"
    prompts:
    - name: review
      label: Review
      description: Review a book.
      arguments:
      - {name: title, description: The title}
      - {name: tone, description: The tone, required: false}
      template:
      - {role: user, content: "Review {{title}} in a {{tone}} tone."}
      - {role: assistant, content: "Sure."}
"""


def test_resources_and_prompts_resolve() -> None:
    mcp = resolve_spec(load_spec(SPEC, "cap.yaml")).mcp_adapters[0]
    docs, book = mcp.resources
    assert docs.action == Folder("docs")
    assert book.parameters == ("bookId",) and isinstance(book.action, Call)
    (prompt,) = mcp.prompts
    assert [a.required for a in prompt.arguments] == [True, False]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    spec = tmp_path / "library.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    (tmp_path / "docs" / "guides").mkdir(parents=True)
    (tmp_path / "docs" / "guides" / "start.md").write_text("# Start\n", encoding="utf-8")
    for relative, text in generate(spec).files.items():
        (tmp_path / "pkg" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / relative).write_text(text, encoding="utf-8")
    # The folder was shipped in the package: the spec's copy is no longer needed.
    shutil.rmtree(tmp_path / "docs")
    (tmp_path / "pkg" / "src" / "library" / "secret.txt").write_text("outside", encoding="utf-8")
    return tmp_path


def test_over_stdio(package: Path) -> None:
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-m", "library", "serve", "--mcp-transport", "stdio"],
        env={**os.environ, "PYTHONPATH": str(package / "pkg" / "src")},
        cwd=str(package / "pkg"),  # not the spec's folder: the files come from the package
    )
    listed, read, escaped, prompt, missing = asyncio.run(_session(parameters))
    assert "docs://library/guides/start.md" in listed
    assert read == "# Start\n"
    assert escaped is not None  # `..` cannot leave the folder.
    assert prompt == ["Review Dune in a calm tone.", "Sure."]
    assert missing is not None  # `title` is required.


async def _session(parameters: Any) -> tuple[set[str], str, Any, list[str], Any]:
    async with Client(parameters) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["books://{bookId}"]
        result = await client.read_resource("docs://library/guides/start.md")
        read = result.contents[0].text  # type: ignore[union-attr]
        escaped = None
        try:
            await client.read_resource("docs://library/../../secret.txt")
        except MCPError as error:
            escaped = error
        got = await client.get_prompt("review", {"title": "Dune", "tone": "calm"})
        prompt = [m.content.text for m in got.messages]  # type: ignore[union-attr]
        missing = None
        try:
            await client.get_prompt("review", {})
        except MCPError as error:
            missing = error
    return listed, read, escaped, prompt, missing
