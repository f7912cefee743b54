"""The control adapter: the health and status port; the endpoints it cannot serve are reported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..canonical import ControlAdapter
from ..load import NodePath
from ._values import as_dict, opt_str
from .auth import inbound_auth
from .scope import Scope

__all__ = ["resolve_control"]


def resolve_control(scope: Scope, entry: Mapping[str, Any], path: NodePath) -> ControlAdapter:
    """The control port: health and status are generated; the rest is reported."""
    management = as_dict(entry.get("management"))
    for key in ("reload", "validate", "logs"):
        if management.get(key):
            scope.warn(
                (*path, "management", key),
                "NAF395",
                f"control endpoint `{key}` is not generated (the reference engine does not "
                "implement it in 1.0.0-alpha2 either); the control port serves health and "
                "status only",
                f"remove `{key}` to silence this warning",
            )
    for key, where in (("scripting", "management"), ("observability", None)):
        block = management.get(key) if where else entry.get(key)
        enabled = isinstance(block, dict) and block.get("enabled", True) is not False
        if enabled:
            scope.warn(
                (*path, *((where,) if where else ()), key),
                "NAF395",
                f"control `{key}` (metrics, traces or script settings) is not generated; "
                "the control port serves health and status only",
                f"remove `{key}` or set `enabled: false` to silence this warning",
            )
    port = entry.get("port")
    return ControlAdapter(
        port=int(port) if isinstance(port, int) else 9191,
        address=opt_str(entry.get("address")),
        health=management.get("health", True) is not False,
        info=management.get("info", False) is True,
        auth=inbound_auth(scope, entry.get("authentication"), (*path, "authentication")),
    )
