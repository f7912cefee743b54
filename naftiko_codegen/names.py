"""Safe names and literals for generated code: the only way spec text becomes part of a `.py` file.

`PythonIdentifier` and `PythonCode` are marker types: templates accept them unquoted, and any
other value must go through a quoting filter (see `render.py`).
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import sys
import unicodedata
from collections.abc import Iterable

__all__ = [
    "PythonCode",
    "PythonIdentifier",
    "UniqueNames",
    "docstring_text",
    "env_var_name",
    "identifier",
    "py_literal",
    "slugify",
    "unclaimed_slug",
]


class PythonIdentifier(str):
    """A string known to be a valid, non-keyword Python identifier."""

    __slots__ = ()

    def __new__(cls, value: str) -> PythonIdentifier:
        if not value.isidentifier() or keyword.iskeyword(value):
            raise ValueError(f"not a safe Python identifier: {value!r}")
        return super().__new__(cls, value)


class PythonCode(str):
    """A fragment of Python source assembled from identifiers and `repr` literals only."""

    __slots__ = ()


_SOFT_KEYWORDS = frozenset({"match", "case", "type", "_"})
# Names a generated module or handler must not shadow: builtins (`list[Any]` annotations), the
# names generated modules import or define, and handler parameters.
_RESERVED = frozenset(
    {name for name in dir(builtins) if not name.startswith("_")}
    | {
        "request",
        "client",
        "arguments",
        "response",
        "json",
        "self",
        "cls",
        "upstream",
        "settings",
        "secrets",
        "operations",
        "types",
        "router",
        "logger",
        "Annotated",
        "Any",
        "Final",
        "Mapping",
        "Callable",
        "Awaitable",
        "APIRouter",
        "FastAPI",
        "Request",
        "Response",
        "JSONResponse",
        "Body",
        "Path",
        "Query",
        "Header",
        "Cookie",
        "get_openapi",
        "asynccontextmanager",
        "contextlib",
        "logging",
        "relay",
        "relay_mapped",
        "map_output",
        "mock_response",
        "text",
        "path_segment",
        "query_items",
        "header_items",
        "form_fields",
        "without_none",
        "basic_credentials",
        "create_app",
        "create_server",
        "create_http_app",
        "tool_result",
        "Server",
        "Starlette",
        "MCPError",
        "ServerRequestContext",
        "RequireCredentials",
        "UpstreamClient",
        "UpstreamError",
        "UpstreamResponse",
        "load_settings",
    }
)


def identifier(
    text: str, *, fallback: str = "value", reserved: Iterable[str] = ()
) -> PythonIdentifier:
    """Turn any spec name into a snake_case identifier (`-`/`.`/`[]` → `_`, keyword → `_` suffix)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", folded)
    folded = re.sub(r"[^0-9A-Za-z]+", "_", folded).strip("_").lower()
    folded = re.sub(r"_+", "_", folded) or fallback
    if folded[0].isdigit():
        folded = f"{fallback}_{folded}"
    if keyword.iskeyword(folded) or folded in _SOFT_KEYWORDS or folded in set(reserved):
        folded += "_"
    return PythonIdentifier(folded)


class UniqueNames:
    """Hands out identifiers unique within one scope, suffixing `_2`, `_3`… on collisions."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken: set[str] = set(taken)

    def claim(self, text: str, *, fallback: str = "value") -> PythonIdentifier:
        """Return an identifier for `text` that no earlier claim in this scope received."""
        base = identifier(text, fallback=fallback, reserved=_RESERVED)
        candidate, counter = str(base), 2
        while candidate in self._taken:
            candidate = f"{base}_{counter}"
            counter += 1
        self._taken.add(candidate)
        return PythonIdentifier(candidate)


def env_var_name(*parts: str) -> str:
    """Build an environment variable name: upper case, `-`/`.` → `_` (`rest-sessions` → `REST_SESSIONS`)."""
    joined = "_".join(p for p in parts if p)
    return re.sub(r"[^0-9A-Za-z]+", "_", joined).strip("_").upper()


# Distribution, import and command names a generated package must not take: the standard
# library's modules, what generated packages install or import, and their development tools.
# A package named `mcp` would shadow (and `pip install` would replace) the MCP SDK it runs on.
_TAKEN_NAMES = frozenset(
    {name.lower() for name in sys.stdlib_module_names}
    | {
        *("aiohttp", "anyio", "black", "bs4", "beautifulsoup4", "coverage", "dotenv", "fastapi"),
        *("fastapi_offline", "fastavro", "google", "h11", "httptools", "httpx", "jwt", "mcp"),
        *("multidict", "mypy", "naftiko_codegen", "naftiko_gen", "opentelemetry", "prometheus"),
        *("prometheus_client", "protobuf", "pydantic", "pydantic_core", "pydantic_settings"),
        *("pyjwt", "pytest", "pyyaml", "ruff", "src", "starlette", "tests", "uvicorn", "uvloop"),
        *("yaml", "yarl"),
    }
)


def unclaimed_slug(slug: str) -> str:
    """`slug`, or `<slug>-capability` when its package or distribution name is taken by the
    standard library, a dependency of generated packages or one of their tools."""
    taken = str(identifier(slug)).rstrip("_") in _TAKEN_NAMES
    return f"{slug}-capability" if taken else slug


def slugify(text: str) -> str:
    """Turn a file stem into a distribution name: lower-case words joined by `-`."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^0-9a-z]+", "-", folded.lower()).strip("-")
    return slug or "capability"


def py_literal(value: object) -> PythonCode:
    """Render plain data (str, numbers, bool, None, lists, tuples, dicts) as a Python literal."""
    if isinstance(value, dict):
        items = ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items())
        return PythonCode("{" + items + "}")
    if isinstance(value, list):
        return PythonCode("[" + ", ".join(py_literal(v) for v in value) + "]")
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v) for v in value)
        return PythonCode(f"({inner},)" if len(value) == 1 else f"({inner})")
    if isinstance(value, float) and not math.isfinite(value):
        # `repr` gives `inf`/`nan`, which are not Python literals (YAML `.inf`/`.nan` are).
        return PythonCode(f"float({str(value)!r})")
    if value is None or isinstance(value, bool | int | float | str):
        return PythonCode(repr(value))
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def docstring_text(text: str) -> str:
    """Make spec text safe inside a triple-quoted docstring (no escapes, quotes or control chars)."""
    cleaned = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    )
    cleaned = cleaned.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = [line.rstrip() for line in cleaned.strip().splitlines()]
    result = "\n".join(lines)
    if result.endswith('"'):
        result += " "
    return result
