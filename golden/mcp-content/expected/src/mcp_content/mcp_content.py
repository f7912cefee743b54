"""MCP resources and prompts: their registries, and what `resources/*` and `prompts/*` answer.

`mcp_server.py` declares them in a `ResourceRegistry` and a `PromptRegistry`. A `Resource` is
read through the upstream (its reader calls an operation or runs steps), with the `{parameters}`
of its URI template as arguments, which (with its `with` values) also render a Mustache output
`value`; a `Folder` serves the files of a folder. A `Prompt`'s messages
get the caller's arguments in their `{{name}}` placeholders, or it is a file read when asked.

The folders and prompt files were read by naftiko-gen when it generated the package, relative to
the spec's folder, and are shipped in the package's `mcp_files/` (`MCP_FILES`): a relative
`folder` or `file` is read there, never from the working directory. A read never leaves its
folder: a `..`, encoded or absolute path, or a link that points outside, is not found.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Generic, TypeVar, cast
from urllib.parse import unquote

from .mcp_http import MethodHandler
from .mcp_jsonrpc import INTERNAL_ERROR, INVALID_PARAMS, JsonRpcError
from .mcp_tools import OutputMapper, ParamsBuilder, UpstreamFailure, UpstreamReply

__all__ = [
    "MCP_FILES",
    "RESOURCE_NOT_FOUND",
    "Folder",
    "Prompt",
    "PromptRegistry",
    "Reader",
    "Resource",
    "ResourceRegistry",
]

ClientT = TypeVar("ClientT")

MCP_FILES: Final = Path(__file__).with_name("mcp_files")
"""Where the package keeps its static resources' folders and its prompts' files."""

RESOURCE_NOT_FOUND: Final = -32002
"""The MCP error code for an unknown resource URI."""

Reader = Callable[[ClientT, Mapping[str, str]], Awaitable[UpstreamReply]]
"""Read one resource: (upstream client, the URI template's parameters) -> the upstream answer."""

_PARAMETER: Final = re.compile(r"\{([A-Za-z0-9_]+)\}")
_PLACEHOLDER: Final = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource(Generic[ClientT]):
    """A resource read through the upstream: a fixed URI, or a URI template (`books://{id}`)."""

    name: str
    uri: str
    """The URI; with `{parameters}` in it, a URI template each of whose values is one segment."""
    description: str
    mime_type: str
    reader: Reader[ClientT]
    title: str = ""
    output_shape: dict[str, Any] | None = None
    """The spec's output parameters: the content is the mapped JSON (when anything maps)."""
    output_params: ParamsBuilder[ClientT] | None = None
    """The `with` values a Mustache output `value` also sees, besides the URI's parameters."""
    parameters: tuple[str, ...] = field(init=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pieces = _PARAMETER.split(self.uri)
        # Split pieces alternate: literal text, then a parameter name.
        pattern = "".join(
            "([^/]+)" if index % 2 else re.escape(piece) for index, piece in enumerate(pieces)
        )
        object.__setattr__(self, "parameters", tuple(pieces[1::2]))
        object.__setattr__(self, "_pattern", re.compile(pattern))

    @property
    def is_template(self) -> bool:
        """Whether the URI is a template (listed by `resources/templates/list`)."""
        return bool(self.parameters)

    def listing(self) -> dict[str, Any]:
        """The resource as `resources/list` (or `resources/templates/list`) describes it."""
        listed: dict[str, Any] = {"uriTemplate" if self.is_template else "uri": self.uri}
        listed["name"] = self.name
        if self.title:
            listed["title"] = self.title
        listed["description"] = self.description
        listed["mimeType"] = self.mime_type
        return listed

    def match(self, uri: str) -> dict[str, str] | None:
        """The URI template's parameters in `uri` (decoded), or None when `uri` is not this one."""
        found = self._pattern.fullmatch(uri)
        if found is None:
            return None
        return dict(zip(self.parameters, (unquote(v) for v in found.groups()), strict=True))


@dataclass(frozen=True, slots=True)
class Folder:
    """A resource serving the files of a folder (relative to `MCP_FILES`)."""

    uri: str
    """The base URI: a file's URI is this, `/`, and its path in the folder."""
    folder: str
    """Below `MCP_FILES` (`.` for all of it); an absolute path is used as it is."""

    def entries(self) -> list[dict[str, Any]]:
        """Every file under the folder, as `resources/list` entries."""
        root = MCP_FILES / self.folder
        if not root.is_dir():
            return []
        entries: list[dict[str, Any]] = []
        inside = root.resolve()
        # A link is listed only when it stays in the folder, as `read` would serve it.
        files = (p for p in root.rglob("*") if p.is_file() and p.resolve().is_relative_to(inside))
        for path in sorted(files):
            relative = path.relative_to(root).as_posix()
            entries.append(
                {
                    "uri": self.uri.rstrip("/") + "/" + relative,
                    "name": relative,
                    "mimeType": mimetypes.guess_type(path.name)[0] or "text/plain",
                }
            )
        return entries

    def read(self, uri: str) -> dict[str, Any] | None:
        """A file of the folder as a `resources/read` result; never one outside it (`..`, links)."""
        prefix = self.uri.rstrip("/") + "/"
        if not uri.startswith(prefix):
            return None
        root = (MCP_FILES / self.folder).resolve()
        path = (root / unquote(uri[len(prefix) :])).resolve()
        if not (path.is_relative_to(root) and path.is_file()):
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
        mime = mimetypes.guess_type(path.name)[0] or "text/plain"
        return {"contents": [{"uri": uri, "mimeType": mime, "text": text}]}


class ResourceRegistry(Generic[ClientT]):
    """The adapter's resources: `resources/list`, `resources/templates/list` and `resources/read`.

    `upstream_error` is the exception the upstream client raises when the upstream cannot be
    reached (it carries `status`, `title` and `detail`); `map_output` applies output shapes.
    """

    def __init__(
        self,
        *resources: Resource[ClientT] | Folder,
        upstream_error: type[Exception],
        map_output: OutputMapper | None = None,
    ) -> None:
        readers = [r for r in resources if isinstance(r, Resource)]
        # A fixed URI wins over a template that also matches it (`greet://all` beside
        # `greet://{who}`): fixed resources are tried first, each group in spec order.
        self._readers = tuple(sorted(readers, key=lambda r: r.is_template))
        self._folders = tuple(r for r in resources if isinstance(r, Folder))
        if map_output is None and any(r.output_shape is not None for r in self._readers):
            raise ValueError("a resource has an output shape but no `map_output` was given")
        self._upstream_error = upstream_error
        self._map_output = map_output
        self._fixed = tuple(r.listing() for r in self._readers if not r.is_template)
        self._templates = tuple(r.listing() for r in self._readers if r.is_template)

    async def list_resources(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """`resources/list`: the fixed resources and the files of the served folders."""
        return {"resources": [*self._fixed, *(e for f in self._folders for e in f.entries())]}

    async def list_resource_templates(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """`resources/templates/list`."""
        return {"resourceTemplates": list(self._templates)}

    async def read_resource(self, client: ClientT, params: Mapping[str, Any]) -> dict[str, Any]:
        """`resources/read`: find the resource the URI names and read it."""
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise JsonRpcError(INVALID_PARAMS, "Invalid request parameters: 'uri' must be a string")
        for resource in self._readers:
            arguments = resource.match(uri)
            if arguments is None:
                continue
            try:
                upstream = await resource.reader(client, arguments)
            except self._upstream_error as error:
                failure = cast(UpstreamFailure, error)
                data = {"status": failure.status, "detail": failure.detail}
                raise JsonRpcError(INTERNAL_ERROR, failure.title, data) from None
            if upstream.status >= 400:
                code = RESOURCE_NOT_FOUND if upstream.status == 404 else INTERNAL_ERROR
                text = f"the upstream API answered {upstream.status}"
                raise JsonRpcError(code, text, {"uri": uri})
            values: Mapping[str, Any] = arguments
            if resource.output_params is not None:
                # The engine's map: the URI's parameters, then the `with` values over them.
                values = {**arguments, **resource.output_params(client, arguments)}
            content = {
                "uri": uri,
                "mimeType": resource.mime_type,
                "text": self._text(upstream, resource, values),
            }
            return {"contents": [content]}
        for folder in self._folders:
            found = folder.read(uri)
            if found is not None:
                return found
        raise JsonRpcError(RESOURCE_NOT_FOUND, "Resource not found", {"uri": uri})

    def _text(
        self, upstream: UpstreamReply, resource: Resource[ClientT], params: Mapping[str, Any]
    ) -> str:
        """The resource text: the shaped JSON when the spec shapes it, else the body as sent.

        `params` (the URI's parameters and the `with` values) render a Mustache output `value`.
        """
        shape = resource.output_shape
        if shape is not None and self._map_output is not None and upstream.has_data:
            try:
                mapped = self._map_output(
                    upstream.data(),
                    shape,
                    single_item_lists=upstream.raw_format == "xml",
                    params=params,
                )
            except ValueError:
                mapped = None
            if mapped is not None:
                return json.dumps(mapped)
        return upstream.body.decode("utf-8", "replace")

    def methods(self, client: ClientT) -> dict[str, MethodHandler]:
        """The `resources/*` handlers the MCP endpoints serve, reading with `client`."""
        return {
            "resources/list": self.list_resources,
            "resources/templates/list": self.list_resource_templates,
            "resources/read": functools.partial(self.read_resource, client),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Prompt:
    """A prompt: messages whose `{{name}}` placeholders take the caller's arguments, or a file."""

    name: str
    description: str
    arguments: Sequence[Mapping[str, Any]] = ()
    """`{"name", "description", "required"}` per argument, as `prompts/list` shows them."""
    messages: tuple[tuple[str, str], ...] = ()
    """(role, text) per message."""
    file: str | None = None
    """A file (relative to `MCP_FILES`) read when asked: one `user` message."""
    title: str = ""

    def listing(self) -> dict[str, Any]:
        """The prompt as `prompts/list` describes it."""
        listed: dict[str, Any] = {"name": self.name}
        if self.title:
            listed["title"] = self.title
        listed["description"] = self.description
        listed["arguments"] = self.arguments
        return listed


class PromptRegistry:
    """The adapter's prompts: `prompts/list` and `prompts/get`."""

    def __init__(self, *prompts: Prompt) -> None:
        self._prompts: dict[str, Prompt] = {}
        for prompt in prompts:  # A repeated name is listed twice; `prompts/get` finds the first.
            self._prompts.setdefault(prompt.name, prompt)
        self._listing = tuple(prompt.listing() for prompt in prompts)

    async def list_prompts(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """`prompts/list`."""
        return {"prompts": list(self._listing)}

    async def get_prompt(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """`prompts/get`: the prompt's messages with the caller's arguments filled in."""
        name = params.get("name")
        prompt = self._prompts.get(name) if isinstance(name, str) else None
        if prompt is None:
            raise JsonRpcError(INVALID_PARAMS, f"unknown prompt {name!r}")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise JsonRpcError(INVALID_PARAMS, "Invalid request parameters: 'arguments'")
        missing = [
            a["name"] for a in prompt.arguments if a["required"] and a["name"] not in arguments
        ]
        if missing:
            text = f"prompt {name!r} needs argument(s): {', '.join(missing)}"
            raise JsonRpcError(INVALID_PARAMS, text)
        messages = prompt.messages
        if prompt.file is not None:
            try:
                text = (MCP_FILES / prompt.file).read_text(encoding="utf-8", errors="replace")
                messages = (("user", text),)
            except OSError:
                text = f"prompt {name!r}: its file cannot be read"
                raise JsonRpcError(INTERNAL_ERROR, text) from None

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda match: str(arguments.get(match.group(1), "")), text)

        return {
            "description": prompt.description,
            "messages": [
                {"role": role, "content": {"type": "text", "text": fill(text)}}
                for role, text in messages
            ],
        }

    def methods(self) -> dict[str, MethodHandler]:
        """The `prompts/*` handlers the MCP endpoints serve."""
        return {"prompts/list": self.list_prompts, "prompts/get": self.get_prompt}
