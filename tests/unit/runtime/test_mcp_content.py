"""`runtime/mcp_content.py`: resources (read through the upstream, or folder files) and prompts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from naftiko_codegen.runtime import mcp_content
from naftiko_codegen.runtime.mcp_content import (
    RESOURCE_NOT_FOUND,
    Folder,
    Prompt,
    PromptRegistry,
    Resource,
    ResourceRegistry,
)
from naftiko_codegen.runtime.mcp_jsonrpc import INTERNAL_ERROR, INVALID_PARAMS, JsonRpcError

from ._support import Reply, Unreachable, reply


async def read_book(client: str, arguments: Mapping[str, str]) -> Reply:
    if arguments.get("id") == "down":
        raise Unreachable(502, "Upstream unreachable", "connection refused")
    if arguments.get("id") in ("404", "500"):
        return reply({"message": "no"}, int(arguments["id"]))
    if arguments.get("id") == "text":
        return Reply(200, b"plain text", is_json=False)
    return reply({"client": client, "arguments": dict(arguments), "title": "Dune"})


def book(**overrides: Any) -> Resource[str]:
    fields: dict[str, Any] = {
        "name": "book",
        "uri": "books://{id}/pages/{page}",
        "description": "A page.",
        "mime_type": "application/json",
        "reader": read_book,
    }
    return Resource(**{**fields, **overrides})


def keep_title(
    data: Any,
    shape: dict[str, Any],
    /,
    *,
    single_item_lists: bool,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """A stand-in `map_output`: the title, and the parameters a Mustache `value` would see."""
    if shape.get("fail"):
        raise ValueError("cannot map")
    if shape.get("params"):
        return {"params": dict(params or {})}
    return {"title": data["title"]} if "title" in data else None


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ----------------------------------------------------------------------------- resources


def test_a_uri_with_parameters_is_a_template() -> None:
    template, fixed = book(title="Page"), book(uri="books://all")
    assert template.parameters == ("id", "page") and template.is_template
    assert fixed.parameters == () and not fixed.is_template
    assert template.listing() == {
        "uriTemplate": "books://{id}/pages/{page}",
        "name": "book",
        "title": "Page",
        "description": "A page.",
        "mimeType": "application/json",
    }
    assert list(fixed.listing()) == ["uri", "name", "description", "mimeType"]


def test_match_decodes_one_segment_per_parameter() -> None:
    template = book()
    assert template.match("books://a%20b/pages/3") == {"id": "a b", "page": "3"}
    assert template.match("books://a/b/pages/3") is None
    assert book(uri="books://all?x=1").match("books://all?x=1") == {}  # escaped, not a pattern
    assert book(uri="books://all?x=1").match("books://allx=1") is None


def registry(*resources: Resource[str] | Folder, **options: Any) -> ResourceRegistry[str]:
    return ResourceRegistry(*resources, upstream_error=Unreachable, **options)


def test_lists_fixed_resources_templates_and_folder_files(tmp_path: Path) -> None:
    (tmp_path / "docs" / "guides").mkdir(parents=True)
    (tmp_path / "docs" / "guides" / "start.md").write_text("# Start\n")
    (tmp_path / "docs" / "notes").write_text("no suffix")
    served = registry(
        Folder("docs://lib/", str(tmp_path / "docs")),
        book(),
        book(name="all", uri="books://all"),
        Folder("gone://", str(tmp_path / "missing")),
    )
    listed = run(served.list_resources({}))["resources"]
    assert [r.get("uri") for r in listed] == [
        "books://all",
        "docs://lib/guides/start.md",
        "docs://lib/notes",
    ]
    assert listed[1] == {
        "uri": "docs://lib/guides/start.md",
        "name": "guides/start.md",
        "mimeType": "text/markdown",
    }
    assert listed[2]["mimeType"] == "text/plain"
    templates = run(served.list_resource_templates({}))["resourceTemplates"]
    assert [t["uriTemplate"] for t in templates] == ["books://{id}/pages/{page}"]


def read(served: ResourceRegistry[str], uri: Any) -> Any:
    return run(served.methods("the-client")["resources/read"]({"uri": uri}))


def test_read_calls_the_reader_with_the_uri_parameters() -> None:
    (content,) = read(registry(book()), "books://a%2Fb/pages/7")["contents"]
    assert content["uri"] == "books://a%2Fb/pages/7"
    assert content["mimeType"] == "application/json"
    assert json.loads(content["text"])["arguments"] == {"id": "a/b", "page": "7"}
    assert json.loads(content["text"])["client"] == "the-client"


UNREACHABLE = {"status": 502, "detail": "connection refused"}


@pytest.mark.parametrize(
    ("uri", "code", "message", "data"),
    [
        (3, INVALID_PARAMS, "Invalid request parameters: 'uri' must be a string", None),
        ("books://down/pages/1", INTERNAL_ERROR, "Upstream unreachable", UNREACHABLE),
        ("books://404/pages/1", RESOURCE_NOT_FOUND, "the upstream API answered 404", "uri"),
        ("books://500/pages/1", INTERNAL_ERROR, "the upstream API answered 500", "uri"),
        ("nope://x", RESOURCE_NOT_FOUND, "Resource not found", "uri"),
    ],
)
def test_read_errors(uri: Any, code: int, message: str, data: Any) -> None:
    with pytest.raises(JsonRpcError) as caught:
        read(registry(book()), uri)
    assert (caught.value.code, caught.value.message) == (code, message)
    assert caught.value.data == ({"uri": uri} if data == "uri" else data)


def test_read_shapes_the_content_when_the_spec_shapes_it() -> None:
    shaped = registry(
        book(output_shape={}),
        book(uri="failing://{id}", output_shape={"fail": True}),
        map_output=keep_title,
    )
    text = read(shaped, "books://a/pages/1")["contents"][0]["text"]
    assert json.loads(text) == {"title": "Dune"}
    # A mapping error, or a shape that maps nothing: the body as the upstream sent it.
    assert "arguments" in read(shaped, "failing://a")["contents"][0]["text"]
    assert read(shaped, "books://text/pages/1")["contents"][0]["text"] == "plain text"


def test_a_shape_that_maps_nothing_gives_the_body() -> None:
    unshaped = registry(
        book(output_shape={}), map_output=lambda d, s, /, *, single_item_lists, params=None: None
    )
    assert "Dune" in read(unshaped, "books://a/pages/1")["contents"][0]["text"]


def test_an_output_shape_needs_map_output() -> None:
    with pytest.raises(ValueError, match="map_output"):
        registry(book(output_shape={}))


def test_a_mustache_output_value_sees_the_uri_parameters_and_the_with_values() -> None:
    def params(client: str, arguments: Mapping[str, str]) -> Mapping[str, Any]:
        return {"page": "from-with", "via": client}

    served = registry(
        book(output_shape={"params": True}, output_params=params),
        book(uri="plain://{id}", output_shape={"params": True}),
        map_output=keep_title,
    )
    text = read(served, "books://a/pages/1")["contents"][0]["text"]
    # The URI's parameters, then the `with` values over them.
    assert json.loads(text) == {"params": {"id": "a", "page": "from-with", "via": "the-client"}}
    text = read(served, "plain://b")["contents"][0]["text"]
    assert json.loads(text) == {"params": {"id": "b"}}


def test_a_fixed_uri_wins_over_a_template_that_matches_it() -> None:
    served = registry(book(uri="books://{id}"), book(name="all", uri="books://all"))
    (content,) = read(served, "books://all")["contents"]
    assert json.loads(content["text"])["arguments"] == {}
    (content,) = read(served, "books://one")["contents"]
    assert json.loads(content["text"])["arguments"] == {"id": "one"}


def test_folder_files_are_read_but_nothing_outside(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a b.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    served = registry(
        Folder("empty://", str(tmp_path / "missing")),
        Folder("docs://lib", str(tmp_path / "docs")),
    )
    assert read(served, "docs://lib/a%20b.txt") == {
        "contents": [{"uri": "docs://lib/a%20b.txt", "mimeType": "text/plain", "text": "inside"}]
    }
    for uri in ("docs://lib/../secret.txt", "docs://lib/%2E%2E/secret.txt", "docs://lib/"):
        with pytest.raises(JsonRpcError) as caught:
            read(served, uri)
        assert caught.value.code == RESOURCE_NOT_FOUND


def test_relative_folders_and_prompt_files_are_read_from_the_package_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped, elsewhere = tmp_path / "package" / "mcp_files", tmp_path / "cwd"
    (shipped / "notes").mkdir(parents=True)
    (shipped / "notes" / "a.md").write_text("# In the package\n")
    (shipped / "greet.md").write_text("Hi {{who}}")
    (shipped / "outside.txt").write_text("beside the folder")
    (elsewhere / "notes").mkdir(parents=True)
    (elsewhere / "notes" / "b.md").write_text("in the working directory")
    (tmp_path / "secret.txt").write_text("outside")
    (shipped / "notes" / "link.md").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(mcp_content, "MCP_FILES", shipped)
    monkeypatch.chdir(elsewhere)
    served = registry(Folder("docs://n", "notes"))
    listed = [r["uri"] for r in run(served.list_resources({}))["resources"]]
    assert listed == ["docs://n/a.md"]
    assert read(served, "docs://n/a.md")["contents"][0]["text"] == "# In the package\n"
    # `..` (plain or encoded), an absolute path, a link out of the folder: not found.
    for uri in (
        "docs://n/b.md",
        "docs://n/../outside.txt",
        "docs://n/%2e%2e/outside.txt",
        "docs://n/%2E%2E%2F..%2Fsecret.txt",
        f"docs://n/{tmp_path / 'secret.txt'}",
        f"docs://n/%2F{str(tmp_path / 'secret.txt').lstrip('/')}",
        "docs://n/link.md",
    ):
        with pytest.raises(JsonRpcError) as caught:
            read(served, uri)
        assert caught.value.code == RESOURCE_NOT_FOUND, uri
    prompts = PromptRegistry(Prompt(name="greet", description="Hi.", file="greet.md"))
    text = get(prompts, {"name": "greet", "arguments": {"who": "Al"}})["messages"][0]
    assert text["content"]["text"] == "Hi Al"


def test_resources_methods() -> None:
    assert set(registry().methods("c")) == {
        "resources/list",
        "resources/templates/list",
        "resources/read",
    }


# ----------------------------------------------------------------------------- prompts

REVIEW = Prompt(
    name="review",
    title="Review",
    description="Review a book.",
    arguments=[
        {"name": "title", "description": "The title", "required": True},
        {"name": "tone", "description": "The tone", "required": False},
    ],
    messages=(("user", "Review {{title}} in a {{ tone }} tone."), ("assistant", "Sure.")),
)


def get(prompts: PromptRegistry, params: dict[str, Any]) -> Any:
    return run(prompts.methods()["prompts/get"](params))


def test_prompts_are_listed_in_order() -> None:
    prompts = PromptRegistry(REVIEW, Prompt(name="bare", description="No arguments."))
    listed = run(prompts.list_prompts({}))["prompts"]
    assert listed[0] == {
        "name": "review",
        "title": "Review",
        "description": "Review a book.",
        "arguments": REVIEW.arguments,
    }
    assert listed[1] == {"name": "bare", "description": "No arguments.", "arguments": ()}
    assert set(prompts.methods()) == {"prompts/list", "prompts/get"}


def test_get_fills_the_placeholders() -> None:
    result = get(PromptRegistry(REVIEW), {"name": "review", "arguments": {"title": "Dune"}})
    assert result == {
        "description": "Review a book.",
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "Review Dune in a  tone."}},
            {"role": "assistant", "content": {"type": "text", "text": "Sure."}},
        ],
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "nope"}, "unknown prompt 'nope'"),
        ({"name": 3}, "unknown prompt 3"),
        ({"name": "review", "arguments": [1]}, "Invalid request parameters: 'arguments'"),
        ({"name": "review"}, "prompt 'review' needs argument(s): title"),
    ],
)
def test_get_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(JsonRpcError) as caught:
        get(PromptRegistry(REVIEW), params)
    assert (caught.value.code, caught.value.message) == (INVALID_PARAMS, message)


def test_a_file_prompt_is_read_when_asked(tmp_path: Path) -> None:
    (tmp_path / "prompt.md").write_text("Talk about {{topic}}.")
    prompts = PromptRegistry(
        Prompt(name="file", description="From a file.", file=str(tmp_path / "prompt.md")),
        Prompt(name="lost", description="Missing.", file=str(tmp_path / "missing.md")),
    )
    result = get(prompts, {"name": "file", "arguments": {"topic": "ships"}})
    assert result["messages"] == [
        {"role": "user", "content": {"type": "text", "text": "Talk about ships."}}
    ]
    with pytest.raises(JsonRpcError) as caught:
        get(prompts, {"name": "lost"})
    assert caught.value.code == INTERNAL_ERROR
    assert caught.value.message == "prompt 'lost': its file cannot be read"


def test_a_repeated_prompt_name_is_listed_twice_and_found_first() -> None:
    prompts = PromptRegistry(REVIEW, Prompt(name="review", description="Second."))
    assert len(run(prompts.list_prompts({}))["prompts"]) == 2
    assert get(prompts, {"name": "review", "arguments": {"title": "x"}})["description"] == (
        "Review a book."
    )
