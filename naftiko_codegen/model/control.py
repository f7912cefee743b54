"""Model stage, control port: the `control` adapter → health, status, metrics and traces endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from ..canonical import ControlAdapter
from .auth import InboundAuthModel, inbound_auth
from .code import Needs, Secrets

__all__ = ["ControlModel", "control_model"]


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
        probes_port=auth is not None or not control.health,
    )
    return model, needs
