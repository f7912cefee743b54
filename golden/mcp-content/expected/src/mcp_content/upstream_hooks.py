"""Your `hooks` module, and which of its upstream hooks are worth calling.

`user_hooks()` imports the package's `hooks` module (created once by naftiko-gen, then yours).
`upstream_hook(hooks, name)` gives `on_upstream_request` or `on_upstream_response` to call, or
None when it is absent or still does what the created one does (nothing, or return the body): an
unchanged hook would cost a coroutine, and the URL as text, per upstream call for nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, MutableMapping
from types import ModuleType
from typing import Any, Final

__all__ = ["upstream_hook", "user_hooks"]


def user_hooks() -> ModuleType | None:
    """Your `hooks` module (created once by naftiko-gen, then yours), or None without one."""
    name = f"{__package__}.hooks"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise  # The hooks module exists but imports something missing: say so.
        return None


async def _request_hook_as_created(
    api: str, method: str, url: str, headers: MutableMapping[str, str]
) -> None:
    """The request hook as naftiko-gen creates it: does nothing."""


async def _response_hook_as_created(
    api: str, method: str, url: str, status: int, body: bytes
) -> bytes:
    """The response hook as naftiko-gen creates it: the body unchanged."""
    return body


def upstream_hook(hooks: ModuleType | None, name: str) -> Any:
    """`hooks.<name>` (an upstream hook), or None when there is none or it does what the
    created one does.

    An unchanged hook still costs a coroutine (and the URL as text) per upstream call: its
    bytecode and constants, the docstring aside, are compared with the created one's. Anything
    else, a decorated function included, is called.
    """
    function = getattr(hooks, name, None) if hooks is not None else None
    as_created = _AS_CREATED[name]
    code = getattr(function, "__code__", None)
    if code is None:
        return function
    created = as_created.__code__
    unchanged = (
        code.co_code == created.co_code
        and code.co_names == created.co_names
        and code.co_consts[1:] == created.co_consts[1:]
        and isinstance(code.co_consts[:1] and code.co_consts[0], str)
        and code.co_argcount == created.co_argcount
        and not code.co_freevars
    )
    return None if unchanged else function


_AS_CREATED: Final[dict[str, Callable[..., Any]]] = {
    "on_upstream_request": _request_hook_as_created,
    "on_upstream_response": _response_hook_as_created,
}
