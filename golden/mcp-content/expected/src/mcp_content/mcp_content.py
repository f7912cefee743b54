"""The MCP adapter's resources and prompts: what `resources/*` and `prompts/*` answer.

A resource is read through its consumed operation (or steps), with the `{parameters}` of its URI
template as inputs, or is a file of a folder (`location`). A prompt's messages get the caller's
arguments in their `{{name}}` placeholders.
"""

from __future__ import annotations

import functools
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from . import operations
from .mcp_http import INTERNAL_ERROR, INVALID_PARAMS, JsonRpcError, MethodHandler
from .upstream import UpstreamClient, UpstreamError, UpstreamResponse

__all__ = ["PROMPTS", "RESOURCES", "RESOURCE_TEMPLATES", "methods"]

RESOURCE_NOT_FOUND: Final = -32002
"""The MCP error code for an unknown resource URI."""

# Resources with a fixed URI, as `resources/list` describes them.
RESOURCES: Final[tuple[dict[str, Any], ...]] = (
    {
        "uri": "data://databases/pre-release/schema",
        "name": "database-schema",
        "title": "Database Schema",
        "description": "Schema of the pre-release participants database",
        "mimeType": "application/json",
    },
)
# Resources whose URI is a template, as `resources/templates/list` describes them.
RESOURCE_TEMPLATES: Final[tuple[dict[str, Any], ...]] = (
    {
        "uriTemplate": "data://users/{userId}/profile",
        "name": "user-profile",
        "title": "User Profile",
        "description": "User profile by ID",
        "mimeType": "application/json",
    },
)
PROMPTS: Final[tuple[dict[str, Any], ...]] = (
    {
        "name": "participant-outreach",
        "title": "Participant Outreach",
        "description": "Draft outreach message to pre-release participants",
        "arguments": [
            {
                "name": "participant_name",
                "description": "Name of the participant",
                "required": True,
            },
            {"name": "product_name", "description": "Name of the product", "required": True},
        ],
    },
    {
        "name": "summary-prompt",
        "title": "Summary Prompt",
        "description": "Summarize data in a given format",
        "arguments": [
            {"name": "data", "description": "The raw data to summarize", "required": True},
            {
                "name": "format",
                "description": "Output format: bullet-points, paragraph, or table",
                "required": False,
            },
        ],
    },
)

Reader = Callable[[UpstreamClient, Mapping[str, str]], Awaitable[UpstreamResponse]]


async def read_database_schema(
    client: UpstreamClient, arguments: Mapping[str, str]
) -> UpstreamResponse:
    """Schema of the pre-release participants database"""
    return await operations.query_db(
        client,
        datasource_id="schema",
        body={"filter": {"property": "Status", "select": {"equals": "Committed"}}},
    )


async def read_user_profile(
    client: UpstreamClient, arguments: Mapping[str, str]
) -> UpstreamResponse:
    """User profile by ID"""
    return await operations.query_db(
        client,
        datasource_id=arguments["userId"],
        body={"filter": {"property": "Status", "select": {"equals": "Committed"}}},
    )


# (URI pattern, its parameters, reader, MIME type, output shape or None) per readable resource.
_READERS: Final[
    tuple[tuple[re.Pattern[str], tuple[str, ...], Reader, str, dict[str, Any] | None], ...]
] = (
    (
        re.compile("data://databases/pre\\-release/schema"),
        (),
        read_database_schema,
        "application/json",
        None,
    ),
    (
        re.compile("data://users/([^/]+)/profile"),
        ("userId",),
        read_user_profile,
        "application/json",
        None,
    ),
)
# (base URI, folder) per resource serving the files of a folder (relative to the cwd).
_FOLDERS: Final[tuple[tuple[str, str], ...]] = (("docs://release-notes", "./notes"),)
_PROMPT_MESSAGES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "participant-outreach": (
        (
            "user",
            "Draft a personalized outreach email to {{participant_name}} about the upcoming {{product_name}} pre-release.",
        ),
    ),
    "summary-prompt": (
        ("user", "Summarize the following data in {{format}} format:\n\n{{data}}"),
        ("assistant", "I'll summarize the data for you."),
    ),
}
# Prompts kept in a file: one `user` message, read when asked.
_PROMPT_FILES: Final[dict[str, str]] = {}
_PLACEHOLDER: Final = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def _folder_entries() -> list[dict[str, Any]]:
    """Every file under the served folders, as `resources/list` entries."""
    entries: list[dict[str, Any]] = []
    for base, folder in _FOLDERS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            entries.append(
                {
                    "uri": base.rstrip("/") + "/" + relative,
                    "name": relative,
                    "mimeType": mimetypes.guess_type(path.name)[0] or "text/plain",
                }
            )
    return entries


def _read_folder(uri: str) -> dict[str, Any] | None:
    """A file of a served folder; never one outside it (`..`, links)."""
    for base, folder in _FOLDERS:
        prefix = base.rstrip("/") + "/"
        if not uri.startswith(prefix):
            continue
        root = Path(folder).resolve()
        path = (root / unquote(uri[len(prefix) :])).resolve()
        if path.is_relative_to(root) and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            mime = mimetypes.guess_type(path.name)[0] or "text/plain"
            return {"contents": [{"uri": uri, "mimeType": mime, "text": text}]}
    return None


def _content_text(upstream: UpstreamResponse, shape: dict[str, Any] | None) -> str:
    """The resource text: the shaped JSON when the spec shapes it, else the body as sent."""
    return upstream.body.decode("utf-8", "replace")


async def list_resources(params: Mapping[str, Any]) -> dict[str, Any]:
    """`resources/list`: the fixed resources and the files of the served folders."""
    return {"resources": [*RESOURCES, *_folder_entries()]}


async def list_resource_templates(params: Mapping[str, Any]) -> dict[str, Any]:
    """`resources/templates/list`."""
    return {"resourceTemplates": list(RESOURCE_TEMPLATES)}


async def read_resource(client: UpstreamClient, params: Mapping[str, Any]) -> dict[str, Any]:
    """`resources/read`: find the resource the URI names and read it."""
    uri = params.get("uri")
    if not isinstance(uri, str):
        raise JsonRpcError(INVALID_PARAMS, "Invalid request parameters: 'uri' must be a string")
    for pattern, names, reader, mime, shape in _READERS:
        match = pattern.fullmatch(uri)
        if match is None:
            continue
        arguments = dict(zip(names, (unquote(value) for value in match.groups()), strict=True))
        try:
            upstream = await reader(client, arguments)
        except UpstreamError as error:
            data = {"status": error.status, "detail": error.detail}
            raise JsonRpcError(INTERNAL_ERROR, error.title, data) from None
        if upstream.status >= 400:
            code = RESOURCE_NOT_FOUND if upstream.status == 404 else INTERNAL_ERROR
            raise JsonRpcError(code, f"the upstream API answered {upstream.status}", {"uri": uri})
        return {
            "contents": [{"uri": uri, "mimeType": mime, "text": _content_text(upstream, shape)}]
        }
    found = _read_folder(uri)
    if found is None:
        raise JsonRpcError(RESOURCE_NOT_FOUND, "Resource not found", {"uri": uri})
    return found


async def list_prompts(params: Mapping[str, Any]) -> dict[str, Any]:
    """`prompts/list`."""
    return {"prompts": list(PROMPTS)}


async def get_prompt(params: Mapping[str, Any]) -> dict[str, Any]:
    """`prompts/get`: the prompt's messages with the caller's arguments filled in."""
    name = params.get("name")
    described = next((p for p in PROMPTS if p["name"] == name), None)
    if not isinstance(name, str) or described is None:
        raise JsonRpcError(INVALID_PARAMS, f"unknown prompt {name!r}")
    arguments = params.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise JsonRpcError(INVALID_PARAMS, "Invalid request parameters: 'arguments'")
    missing = [
        a["name"] for a in described["arguments"] if a["required"] and a["name"] not in arguments
    ]
    if missing:
        raise JsonRpcError(
            INVALID_PARAMS, f"prompt {name!r} needs argument(s): {', '.join(missing)}"
        )
    if name in _PROMPT_FILES:
        try:
            messages: tuple[tuple[str, str], ...] = (
                ("user", Path(_PROMPT_FILES[name]).read_text(encoding="utf-8")),
            )
        except OSError:
            raise JsonRpcError(
                INTERNAL_ERROR, f"prompt {name!r}: its file cannot be read"
            ) from None
    else:
        messages = _PROMPT_MESSAGES[name]

    def fill(text: str) -> str:
        return _PLACEHOLDER.sub(lambda match: str(arguments.get(match.group(1), "")), text)

    return {
        "description": described["description"],
        "messages": [
            {"role": role, "content": {"type": "text", "text": fill(text)}}
            for role, text in messages
        ],
    }


def methods(client: UpstreamClient) -> dict[str, MethodHandler]:
    """The `resources/*` and `prompts/*` handlers the MCP endpoint serves besides tools."""
    served: dict[str, MethodHandler] = {}
    served["resources/list"] = list_resources
    served["resources/templates/list"] = list_resource_templates
    served["resources/read"] = functools.partial(read_resource, client)
    served["prompts/list"] = list_prompts
    served["prompts/get"] = get_prompt
    return served
