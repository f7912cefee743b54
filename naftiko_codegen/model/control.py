"""Model stage, control port: the `control` adapter → health, status, metrics, traces, scripting."""

from __future__ import annotations

from dataclasses import dataclass

from ..canonical import ControlAdapter, ScriptingSettings
from .auth import InboundAuthModel, inbound_auth
from .code import Needs, Secrets

__all__ = ["ControlModel", "ScriptingModel", "control_model", "scripting_model"]


@dataclass(frozen=True)
class ControlModel:
    """The control port: liveness, readiness, (with `info`) status, metrics and traces."""

    port: int
    host: str
    health: bool
    info: bool
    auth: InboundAuthModel | None
    metrics: bool = True
    """`GET /metrics` is served (the spec's `observability` switches)."""
    trace_buffer: int = 100
    """Request summaries kept for `GET /traces`; 0: the endpoint is off."""
    scripting: bool = False
    """`GET,PUT /scripting` are served (`management.scripting` is declared)."""
    probes_port: bool = False
    """`serve` also runs the operations port, with the probes only (`/health/live`,
    `/health/ready`, status only, no credentials): the control port cannot answer a kubelet's
    anonymous probe, because it requires the declared `authentication` or serves no health."""


def control_model(control: ControlAdapter, secrets: Secrets) -> tuple[ControlModel, Needs]:
    """The control port, and what the code of `control_app.py` needs."""
    auth, needs = inbound_auth(control.auth, "the control port", secrets)
    model = ControlModel(
        port=control.port,
        host=control.address or "127.0.0.1",
        health=control.health,
        info=control.info,
        auth=auth,
        metrics=control.metrics,
        trace_buffer=control.trace_buffer,
        scripting=control.scripting is not None,
        probes_port=auth is not None or not control.health,
    )
    return model, needs


@dataclass(frozen=True)
class ScriptingModel:
    """The scripting settings the package starts with (`SCRIPTING` in `settings.py`)."""

    enabled: bool
    timeout_ms: int
    statement_limit: int
    allowed_languages: tuple[str, ...]
    """Empty: every language."""
    default_language: str
    default_location: str


def scripting_model(control: ControlAdapter | None, has_scripts: bool) -> ScriptingModel | None:
    """The spec's `management.scripting`, defaults filled in; None when nothing runs scripts
    and the control port serves no `/scripting`."""
    declared = control.scripting if control is not None else None
    if declared is None and not has_scripts:
        return None
    spec = declared or ScriptingSettings()
    return ScriptingModel(
        enabled=spec.enabled,
        timeout_ms=spec.timeout_ms,
        statement_limit=spec.statement_limit,
        allowed_languages=spec.allowed_languages,
        default_language=spec.default_language,
        default_location=spec.default_location,
    )
