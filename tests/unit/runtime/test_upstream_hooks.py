"""`runtime/upstream_hooks.py`: which upstream hooks are called (an unchanged one is not)."""

from __future__ import annotations

import functools
import types
from collections.abc import MutableMapping
from typing import Any

from naftiko_codegen import extensions
from naftiko_codegen.runtime.upstream_hooks import upstream_hook

NAMES = ("on_upstream_request", "on_upstream_response")


def _module(source: str) -> types.ModuleType:
    module = types.ModuleType("hooks")
    exec(compile(source, "hooks.py", "exec"), module.__dict__)
    return module


def test_the_hooks_naftiko_gen_creates_are_not_called() -> None:
    text = extensions._HOOKS.format(distribution="demo")
    hooks = _module(text)
    assert [upstream_hook(hooks, name) for name in NAMES] == [None, None]
    assert [upstream_hook(None, name) for name in NAMES] == [None, None]
    assert upstream_hook(types.ModuleType("empty"), NAMES[0]) is None


def test_a_hook_that_does_anything_is_called() -> None:
    async def tags(api: str, method: str, url: str, headers: MutableMapping[str, str]) -> None:
        """Tag the request."""
        headers["X-Tag"] = "1"

    async def rewrites(api: str, method: str, url: str, status: int, body: bytes) -> bytes:
        """Rewrite the body."""
        return body.upper()

    async def returns_other(api: str, method: str, url: str, status: int, body: bytes) -> bytes:
        """The body of another name."""
        other = body
        return other

    async def no_docstring(api: str, method: str, url: str, status: int, body: bytes) -> bytes:
        return body

    def traced(function: Any) -> Any:
        @functools.wraps(function)
        async def wrapper(*args: Any) -> Any:
            return await function(*args)

        return wrapper

    hooks = types.ModuleType("hooks")
    hooks.on_upstream_request = tags  # type: ignore[attr-defined]
    for response_hook in (rewrites, returns_other, traced(no_docstring)):
        hooks.on_upstream_response = response_hook  # type: ignore[attr-defined]
        assert upstream_hook(hooks, "on_upstream_response") is response_hook
    assert upstream_hook(hooks, "on_upstream_request") is tags
    # Written as created, without a docstring: the same behaviour, called all the same (safe).
    hooks.on_upstream_response = no_docstring  # type: ignore[attr-defined]
    assert upstream_hook(hooks, "on_upstream_response") in (None, no_docstring)
