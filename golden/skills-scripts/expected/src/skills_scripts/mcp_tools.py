"""MCP tools: the registry `mcp_server.py` declares its tools in, their argument checks and results.

A `Tool` is what `tools/list` shows plus the handler that calls the upstream API. The
`ToolRegistry` runs a call: it checks the arguments against the tool's input schema (type,
`required`, `pattern`; before any upstream request), runs the handler and turns the upstream
answer into a `CallToolResult` (as JSON). Arguments the schema refuses and upstream errors
become `isError` results saying why (MCP 2025-11-25, SEP-1303: the model can correct its
call); only an unknown tool is a JSON-RPC error. Nothing crashes a call.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Generic, Protocol, TypeVar, cast

from .mcp_http import ToolCaller
from .mcp_jsonrpc import INVALID_PARAMS, JsonRpcError
from .metrics import record_tool

__all__ = [
    "OutputMapper",
    "ParamsBuilder",
    "Tool",
    "ToolHandler",
    "ToolRegistry",
    "UpstreamFailure",
    "UpstreamReply",
    "text_result",
    "tool_result",
]

ClientT = TypeVar("ClientT")

logger = logging.getLogger(__name__)


class UpstreamReply(Protocol):
    """An upstream answer as the handlers return it (the package's `UpstreamResponse`)."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def raw_format(self) -> str:
        """The body's format as the spec declares it (`json`, `xml`, …)."""

    @property
    def is_json(self) -> bool: ...

    @property
    def has_data(self) -> bool:
        """Whether output mappings can read the body."""

    def json(self) -> Any: ...

    def data(self) -> Any:
        """The body as data for output mappings; raises ValueError when it is malformed."""


class UpstreamFailure(Protocol):
    """An upstream that could not be reached or timed out (the package's `UpstreamError`)."""

    @property
    def status(self) -> int: ...

    @property
    def title(self) -> str: ...

    @property
    def detail(self) -> str: ...


class OutputMapper(Protocol):
    """Applies the spec's output parameters to the upstream data (the package's `map_output`)."""

    def __call__(
        self,
        data: Any,
        shape: dict[str, Any],
        /,
        *,
        single_item_lists: bool,
        params: Mapping[str, Any] | None = None,
    ) -> Any: ...


ToolHandler = Callable[[ClientT, Mapping[str, Any]], Awaitable[UpstreamReply]]
"""Run one tool: (upstream client, checked arguments) -> the upstream answer."""

ParamsBuilder = Callable[[ClientT, Mapping[str, Any]], Mapping[str, Any]]
"""The unit's parameters beyond its arguments (its `with` values), for a Mustache output
`value`: (upstream client, checked arguments) -> parameters by name."""

# The Python types a JSON Schema type admits (bool is an int in Python, but not a JSON number).
_PYTHON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True, slots=True)
class _Argument:
    name: str
    json_type: str
    python_types: tuple[type, ...] | None
    required: bool
    pattern: re.Pattern[str] | None = None

    def problem(self, arguments: Mapping[str, Any]) -> str | None:
        """Say what is wrong with this argument in a call (missing, mistyped or not matching
        its `pattern`), or None."""
        if self.name not in arguments:
            return f"missing required argument {self.name!r}" if self.required else None
        value = arguments[self.name]
        expected = self.python_types
        if expected is None or (
            isinstance(value, expected)
            and (self.json_type == "boolean" or not isinstance(value, bool))
        ):
            return self._mismatch(value)
        if value is None and not self.required:
            return None
        return f"argument {self.name!r} must be of type {self.json_type}"

    def _mismatch(self, value: Any) -> str | None:
        # JSON Schema's `pattern` is a search (not anchored) and applies to strings only.
        if self.pattern is None or not isinstance(value, str) or self.pattern.search(value):
            return None
        return f"argument {self.name!r} must match the pattern {self.pattern.pattern!r}"


def _pattern(prop: Mapping[str, Any]) -> re.Pattern[str] | None:
    """A property's `pattern`, compiled (one Python cannot read is not checked)."""
    text = prop.get("pattern")
    if not isinstance(text, str):
        return None
    try:
        return re.compile(text)
    except re.error:
        return None


def _arguments(schema: Mapping[str, Any]) -> tuple[_Argument, ...]:
    """One check per property of an input schema, in the schema's order."""
    required = set(schema.get("required") or ())
    arguments: list[_Argument] = []
    for name, prop in (schema.get("properties") or {}).items():
        json_type = prop.get("type")
        python_types = _PYTHON_TYPES.get(json_type) if isinstance(json_type, str) else None
        arguments.append(
            _Argument(name, str(json_type), python_types, name in required, _pattern(prop))
        )
    return tuple(arguments)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tool(Generic[ClientT]):
    """One tool: what `tools/list` shows of it, and the handler that runs it."""

    name: str
    description: str
    input_schema: dict[str, Any]
    """A JSON Schema object; calls are checked against its property types, `pattern`s and
    `required`."""
    handler: ToolHandler[ClientT]
    title: str = ""
    annotations: dict[str, bool] = field(default_factory=dict)
    """MCP tool annotations by their wire names, e.g. `{"readOnlyHint": True}`."""
    output_shape: dict[str, Any] | None = None
    """The spec's output parameters: the answer is mapped through them."""
    output_params: ParamsBuilder[ClientT] | None = None
    """The `with` values a Mustache output `value` also sees, besides the arguments."""
    _arguments: tuple[_Argument, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived once: a call only walks this tuple.
        object.__setattr__(self, "_arguments", _arguments(self.input_schema))

    def listing(self) -> dict[str, Any]:
        """The tool as `tools/list` describes it (MCP's JSON field names)."""
        listed: dict[str, Any] = {"name": self.name}
        if self.title:
            listed["title"] = self.title
        listed["description"] = self.description
        listed["inputSchema"] = self.input_schema
        if self.annotations:
            listed["annotations"] = self.annotations
        return listed

    def argument_problem(self, arguments: Mapping[str, Any]) -> str | None:
        """Say what is wrong with a call's arguments (missing, mistyped, not matching), or None."""
        for argument in self._arguments:
            problem = argument.problem(arguments)
            if problem is not None:
                return problem
        return None


class ToolRegistry(Mapping[str, Tool[ClientT]]):
    """The adapter's tools by name, in the order `tools/list` shows them; runs calls.

    `upstream_error` is the exception the upstream client raises when the upstream cannot be
    reached (it carries `status`, `title` and `detail`); `map_output` applies output shapes.
    """

    def __init__(
        self,
        *tools: Tool[ClientT],
        upstream_error: type[Exception],
        map_output: OutputMapper | None = None,
    ) -> None:
        # A spec may repeat a tool name: `tools/list` shows both, calls reach the last one.
        self._tools = {tool.name: tool for tool in tools}
        if map_output is None and any(tool.output_shape is not None for tool in tools):
            raise ValueError("a tool has an output shape but no `map_output` was given")
        self._upstream_error = upstream_error
        self._map_output = map_output
        self.listing: tuple[dict[str, Any], ...] = tuple(tool.listing() for tool in tools)
        """Every tool as `tools/list` describes it."""

    def __getitem__(self, name: str) -> Tool[ClientT]:
        return self._tools[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)

    async def call(
        self, client: ClientT, name: str, arguments: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run tool `name`: check its arguments, call the upstream, shape the reply.

        Each call is counted (`metrics.record_tool`) under its tool name when the tool exists:
        arguments the schema refuses count as `invalid`.
        """
        started = time.perf_counter()
        outcome = "error"
        try:
            tool = self._tools.get(name)
            if tool is None:
                raise JsonRpcError(INVALID_PARAMS, f"unknown tool {name!r}")
            problem = tool.argument_problem(arguments)
            if problem is not None:
                outcome = "invalid"
                detail = {"error": f"Invalid arguments for {name}", "detail": problem}
                return text_result(detail, is_error=True)
            result = await self._call(client, tool, arguments)
            outcome = "error" if result.get("isError") else "ok"
            return result
        finally:
            if name in self._tools:  # Unknown names are not counted: callers choose them.
                record_tool(name, outcome, time.perf_counter() - started)

    async def _call(
        self, client: ClientT, tool: Tool[ClientT], arguments: Mapping[str, Any]
    ) -> dict[str, Any]:
        name = tool.name
        try:
            upstream = await tool.handler(client, arguments)
            params = arguments
            if tool.output_params is not None:
                # The engine's map: every argument, then the `with` values over them.
                params = {**arguments, **tool.output_params(client, arguments)}
        except self._upstream_error as error:
            failure = cast(UpstreamFailure, error)
            return text_result(
                {"status": failure.status, "error": failure.title, "detail": failure.detail},
                is_error=True,
            )
        except Exception as error:  # A bug must not end the session; log it, tell the caller.
            # One line per failed call (a caller can repeat it at will: no log flooding); the
            # traceback only at DEBUG.
            message = " ".join(str(error).split())[:200]
            logger.error("tool %s failed: %s: %s", name, type(error).__name__, message)
            logger.debug("tool %s failed", name, exc_info=True)
            return text_result(
                {"status": 500, "error": "Internal error", "detail": "see the server log"},
                is_error=True,
            )
        return tool_result(upstream, tool.output_shape, map_output=self._map_output, params=params)

    def caller(self, client: ClientT) -> ToolCaller:
        """`call` bound to one upstream client, as the MCP endpoints take it."""
        return functools.partial(self.call, client)


def text_result(payload: Any, *, is_error: bool = False) -> dict[str, Any]:
    """A `CallToolResult` whose one text content is `payload` as JSON."""
    return {"content": [{"type": "text", "text": json.dumps(payload)}], "isError": is_error}


def _raw_result(upstream: UpstreamReply) -> dict[str, Any]:
    """The upstream body as it came, as the text of a successful result."""
    text = upstream.body.decode("utf-8", "replace")
    return {"content": [{"type": "text", "text": text}], "isError": False}


def tool_result(
    upstream: UpstreamReply,
    shape: dict[str, Any] | None = None,
    *,
    map_output: OutputMapper | None = None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Turn an upstream reply into a `CallToolResult` (as JSON): text plus `structuredContent`.

    A `shape` (the spec's output parameters) is applied with `map_output`; `params` (the
    tool's arguments and `with` values) render a Mustache output `value`.
    """
    if upstream.status >= 400:
        detail: Any = upstream.body.decode("utf-8", "replace")
        if upstream.is_json:
            with contextlib.suppress(ValueError):
                detail = upstream.json()
        return text_result({"status": upstream.status, "error": detail}, is_error=True)
    if not upstream.body:
        result = text_result({"status": upstream.status})
        result["structuredContent"] = {"status": upstream.status}
        return result
    # A body in another format is read only to be shaped; unshaped, it goes out as text.
    if not upstream.is_json and (shape is None or not upstream.has_data):
        return _raw_result(upstream)
    try:
        data = upstream.data()
    except ValueError:
        return _raw_result(upstream)
    if shape is not None:
        if map_output is None:
            raise ValueError("an output shape needs `map_output`")
        xml = upstream.raw_format == "xml"
        if params is None:
            data = map_output(data, shape, single_item_lists=xml)
        else:
            data = map_output(data, shape, single_item_lists=xml, params=params)
        if data is None:  # The shape maps to nothing: the body as the upstream sent it.
            return _raw_result(upstream)
    result = text_result(data)
    result["structuredContent"] = data if isinstance(data, dict) else {"result": data}
    return result
