"""The control adapter: health, status, metrics, traces and (`management.scripting`) `/scripting`;
the endpoints it cannot serve are reported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..canonical import ControlAdapter
from ..load import NodePath
from ._values import as_dict, opt_str
from .auth import inbound_auth
from .scope import Scope
from .scripts import scripting_settings

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
    scripting = management.get("scripting")
    metrics, trace_buffer = _observability(scope, as_dict(entry.get("observability")), path)
    port = entry.get("port")
    return ControlAdapter(
        port=int(port) if isinstance(port, int) else 9191,
        address=opt_str(entry.get("address")),
        health=management.get("health", True) is not False,
        info=management.get("info", False) is True,
        auth=inbound_auth(scope, entry.get("authentication"), (*path, "authentication")),
        metrics=metrics,
        trace_buffer=trace_buffer,
        scripting=scripting_settings(scripting) if isinstance(scripting, dict) else None,
    )


def _observability(scope: Scope, block: Mapping[str, Any], path: NodePath) -> tuple[bool, int]:
    """`/metrics` on or off, and the `/traces` buffer size (0: off), from `observability`.

    Both default on, as in the reference engine; what the package does not read from the spec
    (sampling, b3 propagation, exporters: OpenTelemetry reads OTEL_* variables) is reported.
    """
    enabled = block.get("enabled", True) is not False
    where = (*path, "observability")
    metrics = (
        enabled
        and as_dict(as_dict(block.get("metrics")).get("local")).get("enabled", True) is not False
    )
    traces = as_dict(block.get("traces"))
    local = as_dict(traces.get("local"))
    size = local.get("buffer-size")
    buffer = size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else 100
    if not enabled or local.get("enabled", True) is False:
        buffer = 0
    unread = [
        (("traces", "sampling"), "sampling" in traces, "set OTEL_TRACES_SAMPLER_ARG instead"),
        (
            ("traces", "propagation"),
            traces.get("propagation", "w3c") != "w3c",
            "the package reads and sends W3C `traceparent` only",
        ),
        (
            ("exporters",),
            "exporters" in block,
            "set OTEL_EXPORTER_OTLP_ENDPOINT in the environment instead",
        ),
    ]
    for keys, present, instead in unread:
        if enabled and present:
            scope.warn(
                (*where, *keys),
                "NAF417",
                f"control `observability.{'.'.join(keys)}` is not generated; {instead}",
                "remove the key to silence this warning",
            )
    return metrics, buffer
