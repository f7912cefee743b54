"""User-owned files: the model → files created once and never touched by naftiko-gen again.

They sit outside the manifest, so regeneration neither overwrites nor removes them; the
generated package calls into them (see the hook contract in `docs/regeneration.md`).
"""

from __future__ import annotations

from .model import CapabilityModel

__all__ = ["HOOKS_MODULE", "user_files"]

HOOKS_MODULE = "hooks.py"
"""The extension module's file name inside `src/<package>/`."""

_HOOKS = '''\
"""Your extensions to the {distribution} server.

naftiko-gen created this file once and never overwrites or removes it (it is not listed in
`.naftiko-gen.json`). Edit it freely; regenerate the rest of the package from the spec.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from fastapi import APIRouter, FastAPI

__all__ = ["configure_app", "on_upstream_request", "on_upstream_response", "router"]

router = APIRouter()
"""Extra REST routes, included in the app after the generated ones."""


def configure_app(app: FastAPI) -> None:
    """Adjust the REST app once it is built: middleware, exception handlers, metadata."""


async def on_upstream_request(
    api: str, method: str, url: str, headers: MutableMapping[str, str]
) -> None:
    """Run before every upstream request; change `headers` in place (tracing, extra auth)."""


async def on_upstream_response(api: str, method: str, url: str, status: int, body: bytes) -> bytes:
    """Run after every upstream response; return the body to use (by default, unchanged)."""
    return body
'''


def user_files(model: CapabilityModel) -> dict[str, str]:
    """The files a package gets once: today the hooks module `src/<package>/hooks.py`."""
    return {f"src/{model.package}/{HOOKS_MODULE}": _HOOKS.format(distribution=model.distribution)}
