"""Model stage, deployment: the adapters and binds → the container image and Kubernetes facts.

Everything `Dockerfile`, `.dockerignore` and `deploy/kubernetes/*.yaml` need is decided here:
the DNS-1123 names Kubernetes accepts (derived from the distribution name, never spec text
pasted into a manifest), the ports to expose and probe, the non-secret settings of the ConfigMap,
and one Secret key per credential the spec binds. The templates only loop over these values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .apis import ApiModel
from .control import ControlModel
from .mcp import McpModel
from .rest import RestModel
from .skills import SkillsModel

__all__ = [
    "OPS_PORT",
    "DeployModel",
    "DeploySecretModel",
    "DeploySettingModel",
    "PortModel",
    "deploy_model",
    "dns_label",
]

OPS_PORT: Final = 9464
"""The operations port (`/health/live`, `/health/ready`, `/metrics`) when the spec declares no
`control` adapter, and the probes' port beside a control port that requires authentication;
9464 is the port Prometheus exporters conventionally use."""
_CALLED: Final = frozenset({"rest", "mcp", "skill"})
"""The ports clients call through the Service; the control and operations ports answer for one
replica (its health, its metrics), so probes and scrapers reach each pod by its address."""
_PYTHON_VERSION: Final = "3.12"
"""The base image's Python (`python:3.12-slim`); the package itself requires ≥ 3.11."""
_PIP_VERSION: Final = "26.3"
"""pip pinned in the builder stage, so the same sources build the same wheels."""
_UID: Final = 10001
"""The image's non-root user and group id: fixed, so `runAsNonRoot` can verify it."""
_MAX_LABEL: Final = 63
_SUFFIXES: Final = ("-config", "-secrets")
_SECRET_KEY: Final = re.compile(r"[-._a-zA-Z0-9]+")


@dataclass(frozen=True)
class PortModel:
    """A port the container listens on."""

    name: str
    """Its IANA service name in the manifests (`rest`, `mcp`, `skill`, `control`, `ops`)."""
    port: int
    what: str
    """What answers there, e.g. `REST adapter`."""


@dataclass(frozen=True)
class DeploySettingModel:
    """A non-secret setting of the ConfigMap (an environment variable of the container)."""

    env_var: str
    value: str
    """Its value in the ConfigMap; empty for a required value the deployer must fill in."""
    required: bool
    """The adapter refuses to start without it (a base URL the spec does not give)."""


@dataclass(frozen=True)
class DeploySecretModel:
    """A credential the spec binds: an environment variable filled from the Kubernetes Secret."""

    env_var: str
    key: str
    """Its key in the Secret (`[-._a-zA-Z0-9]+`, unique)."""
    variable: str
    """The bind variable, for comments."""


@dataclass(frozen=True)
class DeployModel:
    """The container image and Kubernetes manifests of the package."""

    name: str
    """DNS-1123 (and DNS-1035) label naming every Kubernetes object: from the distribution name,
    ≤ 63 characters less the longest suffix, starting with a letter."""
    config_name: str
    """The ConfigMap's name (`<name>-config`)."""
    secret_name: str
    """The Secret's name (`<name>-secrets`)."""
    image: str
    """The image reference the manifests use (`<name>:<version>`; kustomize `images` moves it)."""
    version: str
    python_version: str
    """The base image's Python version (`python:<version>-slim`)."""
    pip_version: str
    uid: int
    """The non-root user and group id of the image."""
    ports: tuple[PortModel, ...]
    """Every port the container listens on: REST, MCP (served over HTTP in a container), skill,
    control and ops."""
    service_ports: tuple[PortModel, ...]
    """The Service's ports: the adapters clients call, REST, MCP and skill (the others only when
    there is none of these)."""
    ops_port: int
    """The port the probes and `HEALTHCHECK` ask (`/health/live`, `/health/ready`): the control
    port when the spec declares one that answers without credentials, else `OPS_PORT`."""
    ops_port_env: str
    """The environment variable that moves it."""
    metrics_port: int | None
    """The port of `/metrics` (the `prometheus.io/port` annotation): the control port when the
    spec declares one, else `OPS_PORT`; None when the spec's `observability` turns it off."""
    healthcheck: tuple[str, ...]
    """The `HEALTHCHECK` command (exec form): Python's urllib, as slim images have no curl."""
    settings: tuple[DeploySettingModel, ...]
    """The ConfigMap's entries, sorted by variable."""
    secrets: tuple[DeploySecretModel, ...]
    """One entry per credential the spec binds, in the order of `model.secrets`."""


def dns_label(text: str, *, limit: int = _MAX_LABEL) -> str:
    """`text` as a DNS-1035 label: `[a-z]([-a-z0-9]*[a-z0-9])?`, at most `limit` characters."""
    label = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not label or not label[0].isalpha():
        label = f"naftiko-{label}".rstrip("-")
    return label[:limit].rstrip("-")


def _secret_keys(env_vars: Iterable[str]) -> list[str]:
    """A Secret key per variable: the variable itself when Kubernetes allows it, else a
    sanitised form, numbered when two would collide."""
    keys: list[str] = []
    for env_var in env_vars:
        key = (
            env_var if _SECRET_KEY.fullmatch(env_var) else re.sub(r"[^-._a-zA-Z0-9]+", "-", env_var)
        )
        key = key.strip("-") or "credential"
        candidate, number = key, 2
        while candidate in keys:
            candidate, number = f"{key}-{number}", number + 1
        keys.append(candidate)
    return keys


def _ports(
    rest: RestModel | None,
    mcp: McpModel | None,
    skills: SkillsModel | None,
    control: ControlModel | None,
) -> tuple[PortModel, ...]:
    """Every port `serve` listens on in the container, each once."""
    candidates: list[PortModel] = []
    if rest is not None:
        candidates.append(PortModel("rest", rest.port, "REST adapter"))
    if mcp is not None:
        candidates.append(PortModel("mcp", mcp.port, "MCP adapter"))
    if skills is not None:
        candidates.append(PortModel("skill", skills.port, "skill adapter"))
    if control is not None:
        candidates.append(PortModel("control", control.port, "control port"))
    if control is None:
        candidates.append(PortModel("ops", OPS_PORT, "health and metrics"))
    elif control.probes_port:
        candidates.append(PortModel("ops", OPS_PORT, "liveness and readiness probes"))
    ports: list[PortModel] = []
    for port in candidates:
        if all(p.port != port.port for p in ports):
            ports.append(port)
    return tuple(ports)


def _healthcheck(ops_port_env: str, ops_port: int) -> tuple[str, ...]:
    # urlopen raises on a refused connection and on any status ≥ 400: exit 1, "unhealthy".
    code = (
        "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + "
        f"os.environ.get({ops_port_env!r}, '{ops_port}') + '/health/live', timeout=4)"
    )
    return ("python", "-c", code)


def deploy_model(
    *,
    distribution: str,
    version: str,
    rest: RestModel | None,
    mcp: McpModel | None,
    control: ControlModel | None,
    apis: Iterable[ApiModel],
    skills: SkillsModel | None = None,
    secret_env_vars: Iterable[tuple[str, str]],
) -> DeployModel:
    """The deployment facts; `secret_env_vars` is (environment variable, bind variable) per
    credential, in the order of `model.secrets`."""
    name = dns_label(distribution, limit=_MAX_LABEL - max(map(len, _SUFFIXES)))
    # A probe sends no credential: with an authenticated control port (or one without health)
    # the probes go to the operations port `serve` runs beside it (`ControlModel.probes_port`).
    probes_on_control = control is not None and not control.probes_port
    ops_port = control.port if control is not None and probes_on_control else OPS_PORT
    ops_port_env = "NAFTIKO_CONTROL_PORT" if probes_on_control else "NAFTIKO_OPS_PORT"
    metrics_port: int | None = OPS_PORT
    if control is not None:
        metrics_port = control.port if control.metrics else None
    settings = [
        DeploySettingModel(api.base_url_env, api.base_url or "", required=not api.base_url)
        for api in apis
    ]
    # In-cluster clients call the Service by its name or its full name, so both pass the Host
    # check (a rebinding page cannot make a browser send a cluster name); the deployer adds the
    # ingress host. IP addresses (probes, scrapes) pass already on a wildcard bind.
    allowed = f"{name},*.svc.cluster.local"
    settings.append(DeploySettingModel("NAFTIKO_ALLOWED_HOSTS", allowed, required=False))
    ports = _ports(rest, mcp, skills, control)
    # One entry per variable: two binds read from one variable share its Secret key.
    pairs = list({env_var: (env_var, variable) for env_var, variable in secret_env_vars}.values())
    keys = _secret_keys(env_var for env_var, _ in pairs)
    return DeployModel(
        name=name,
        config_name=f"{name}-config",
        secret_name=f"{name}-secrets",
        image=f"{name}:{version}",
        version=version,
        python_version=_PYTHON_VERSION,
        pip_version=_PIP_VERSION,
        uid=_UID,
        ports=ports,
        ops_port=ops_port,
        ops_port_env=ops_port_env,
        metrics_port=metrics_port,
        healthcheck=_healthcheck(ops_port_env, ops_port),
        service_ports=tuple(p for p in ports if p.name in _CALLED) or ports,
        settings=tuple(sorted(settings, key=lambda s: s.env_var)),
        secrets=tuple(
            DeploySecretModel(env_var, key, variable)
            for (env_var, variable), key in zip(pairs, keys, strict=True)
        ),
    )
