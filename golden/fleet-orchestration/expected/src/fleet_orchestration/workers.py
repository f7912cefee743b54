"""Processes: `serve --workers N`, and the options for running behind an ingress.

With `--workers N` (N > 1) the `serve` process becomes a supervisor: it starts N workers, each
`python -m <package> serve` with the same options and environment, which all listen on the REST
and MCP ports (`SO_REUSEPORT`: the kernel spreads connections over them). The supervisor itself
serves only the operations port: ready while every worker runs; `/metrics` aggregates the
workers' values, written to a private temporary folder (`PROMETHEUS_MULTIPROC_DIR`) that it
removes at the end. On SIGTERM/SIGINT each worker drains its running calls (`--drain-seconds`);
when one worker dies the supervisor stops the others and exits with an error, so the
orchestrator (Kubernetes, systemd) restarts the whole replica.

`--proxy-headers`, `--forwarded-allow-ips` and `--root-path` are uvicorn's, given to every
adapter server (`server_options`).

`listen` binds every port a process serves before any of them serves (a worker's shared with the
other workers): a port something else holds stops the process with one line naming the port and
the option and `NAFTIKO_*` variable that change it, never half started (REST up, its probes not).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any, Final

from .metrics import MULTIPROCESS_VARIABLE

__all__ = [
    "WORKER_VARIABLE",
    "Workers",
    "listen",
    "listening_socket",
    "process_options",
    "server_options",
]

WORKER_VARIABLE: Final = "NAFTIKO_WORKER"
"""Set to 1 in a worker's environment by its supervisor."""
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_POLL_SECONDS: Final = 0.2
_GRACE_SECONDS: Final = 5.0
"""Beyond the drain, how long workers get to exit before they are killed."""

_SERVED: Final = {
    "rest": "the REST adapter",
    "mcp": "the MCP adapter",
    "skill": "the skill adapter",
    "control": "the control port",
    "ops": "the operations port",
}

logger = logging.getLogger(__name__)


def _workers(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 256:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of workers (1-256)")
    return number


def process_options(serve_parser: argparse.ArgumentParser) -> None:
    """`--workers`, `--proxy-headers`, `--forwarded-allow-ips`, `--root-path`."""
    env = os.environ.get
    group = serve_parser.add_argument_group("processes and proxies")
    group.add_argument(
        "--workers",
        type=_workers,
        default=env("NAFTIKO_WORKERS") or 1,
        metavar="N",
        help="worker processes serving REST and MCP (HTTP transport); the first process then "
        "supervises them and serves the operations port (env NAFTIKO_WORKERS)",
    )
    proxy = env("NAFTIKO_PROXY_HEADERS", "").strip().lower()
    group.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=proxy in _TRUE if proxy else True,
        help="read the client address and scheme from X-Forwarded-For/-Proto when the peer is "
        "in --forwarded-allow-ips (env NAFTIKO_PROXY_HEADERS)",
    )
    group.add_argument(
        "--forwarded-allow-ips",
        default=env("NAFTIKO_FORWARDED_ALLOW_IPS") or "127.0.0.1",
        metavar="IPS",
        help="comma list of proxy addresses or networks trusted for X-Forwarded-*; * trusts "
        "any (env NAFTIKO_FORWARDED_ALLOW_IPS)",
    )
    group.add_argument(
        "--root-path",
        default=env("NAFTIKO_ROOT_PATH") or "",
        metavar="PATH",
        help="path prefix an ingress serves the adapters under, e.g. /jupyter (env "
        "NAFTIKO_ROOT_PATH)",
    )


def server_options(options: argparse.Namespace) -> dict[str, Any]:
    """The uvicorn settings the process options give (defaults when the parser has none)."""
    return {
        "proxy_headers": getattr(options, "proxy_headers", True),
        "forwarded_allow_ips": getattr(options, "forwarded_allow_ips", None),
        "root_path": getattr(options, "root_path", ""),
    }


def is_worker() -> bool:
    """Whether this process is a worker started by `Workers`."""
    return os.environ.get(WORKER_VARIABLE) == "1"


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound with `SO_REUSEPORT`, which every worker opens on the same port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def listen(servers: Sequence[Any]) -> str | None:
    """Bind the sockets of every server that has none yet (`server.sockets`); None, or why one
    cannot listen, with nothing left bound then.

    Each server is an `AdapterServer`: its `config` says the address, its `adapter` the name of
    its options. A worker's sockets are shared (`listening_socket`); any other is the process's
    own, so a port another program holds is refused here.
    """
    bound: list[socket.socket] = []
    for server in servers:
        if server.sockets is not None:
            continue
        host, port = server.config.host, server.config.port
        try:
            server.sockets = [listening_socket(host, port)] if is_worker() else _own(host, port)
        except OSError as error:
            for sock in bound:
                sock.close()
            return _refusal(getattr(server, "adapter", "http"), host, port, error)
        bound += server.sockets
    return None


def _own(host: str, port: int) -> list[socket.socket]:
    """One socket per address `host` names (`localhost`: IPv4 and IPv6), as asyncio binds."""
    sockets: list[socket.socket] = []
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, protocol, _, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, protocol)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # IPv4 has its own socket; share no port with it
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _refusal(adapter: str, host: str, port: int, error: OSError) -> str:
    served = _SERVED.get(adapter, f"the {adapter} adapter")
    option, variable = f"--{adapter}-port", f"NAFTIKO_{adapter.upper()}_PORT"
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} ({served}, {host}) is in use by another program: choose another "
            f"port with {option} or {variable}, or turn it off with --no-{adapter}"
        )
    host_option = "--ops-host or NAFTIKO_OPS_HOST" if adapter == "ops" else "--host or NAFTIKO_HOST"
    return (
        f"cannot listen on {host}:{port} ({served}): {error.strerror or error}; change the "
        f"port with {option} or {variable}, the address with {host_option}"
    )


class Workers:
    """The worker processes of one `serve --workers N`, and their metrics folder."""

    def __init__(self, package: str, argv: list[str], count: int, drain: float) -> None:
        self.folder = tempfile.mkdtemp(prefix="naftiko-metrics-")
        os.environ[MULTIPROCESS_VARIABLE] = self.folder
        environment = {**os.environ, WORKER_VARIABLE: "1", "NAFTIKO_WORKERS": "1"}
        command = [sys.executable, "-m", package, *argv]
        self.drain = drain
        self.stopping = False
        self._deadline = 0.0
        self.failed: int | None = None
        """The exit status of a worker that exited unasked."""
        self.processes = [subprocess.Popen(command, env=environment) for _ in range(count)]
        logger.info("started %d workers: %s", count, [p.pid for p in self.processes])

    def running(self) -> bool:
        """Whether every worker runs and none is told to stop."""
        return not self.stopping and all(p.poll() is None for p in self.processes)

    def stop(self) -> None:
        """Ask every worker to drain and exit (SIGTERM)."""
        if not self.stopping:
            self.stopping = True
            self._deadline = time.monotonic() + self.drain + _GRACE_SECONDS
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)

    async def run(self) -> None:
        """Until every worker exited; one exiting unasked stops the others (see `check`)."""
        try:
            while not self.stopping:
                gone = [p for p in self.processes if p.poll() is not None]
                if gone:
                    self.failed = gone[0].returncode
                    logger.error("worker %d exited (%s): stopping", gone[0].pid, self.failed)
                    break
                await asyncio.sleep(_POLL_SECONDS)
        finally:
            await self._reap()

    def check(self) -> None:
        """Exit with an error when a worker exited unasked (the replica must be restarted)."""
        if self.failed is not None:
            raise SystemExit(f"a worker exited unexpectedly (status {self.failed})")

    async def _reap(self) -> None:
        """Wait for the workers (killing what outlives drain and grace); remove the folder."""
        self.stop()
        while any(p.poll() is None for p in self.processes) and time.monotonic() < self._deadline:
            await asyncio.sleep(_POLL_SECONDS)
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        os.environ.pop(MULTIPROCESS_VARIABLE, None)
