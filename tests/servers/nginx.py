"""A real nginx (Debian package) as a round-robin load balancer on loopback, for the deploy proofs.

`running_nginx(program, workdir, sites)` writes a configuration into `workdir` (pid file, logs and
temp folders there too), starts ``nginx -p WORKDIR -c WORKDIR/nginx.conf -g 'daemon off;'``
and waits until every site listens. Each site is one listening port in front of its backends,
balanced round robin: a request that meets a connection error, a timeout, a 502 or a 503 goes on
to the next backend (nginx never resends a non-idempotent request it had already sent). The
Host the client asked for is passed on, as an ingress does, so the backends must allow it.
`Balancer.entries()` reads the access log: which backend(s) served each request, and how.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from .processes import free_port, stop_process, tail

__all__ = ["Balancer", "LogEntry", "nginx_config", "running_nginx"]

NGINX_START_TIMEOUT = 15.0
_LOG_FORMAT = (
    "$server_port\\t$request_method\\t$request_uri\\t$status\\t$upstream_addr\\t$upstream_status"
)


@dataclass(frozen=True)
class LogEntry:
    """One request as nginx logged it: the site's port, what was asked, and who answered."""

    port: int
    method: str
    uri: str
    status: int
    backends: tuple[str, ...]
    """Every backend tried, in order (`127.0.0.1:PORT`); more than one means a retry."""
    backend_statuses: tuple[str, ...]

    @property
    def backend(self) -> str:
        """The backend that gave the answer the client got."""
        return self.backends[-1]


def _parse(line: str) -> LogEntry:
    port, method, uri, status, addresses, statuses = line.split("\t")
    return LogEntry(
        port=int(port),
        method=method,
        uri=uri,
        status=int(status),
        # nginx separates the tries of one request with ", " (and groups with " : ").
        backends=tuple(a.strip() for a in addresses.replace(" : ", ", ").split(", ")),
        backend_statuses=tuple(s.strip() for s in statuses.replace(" : ", ", ").split(", ")),
    )


def nginx_config(workdir: Path, sites: Mapping[int, Sequence[int]], *, as_root: bool) -> str:
    """The configuration: one server per `{listen port: [backend ports]}`, all on 127.0.0.1."""
    upstreams, servers = [], []
    for index, (port, backends) in enumerate(sorted(sites.items())):
        members = "".join(f"        server 127.0.0.1:{b};\n" for b in backends)
        upstreams.append(f"    upstream site{index} {{\n{members}    }}\n")
        servers.append(f"""    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://site{index};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries {len(backends)};
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_buffering off;
        }}
    }}
""")
    # A root master runs its workers as an unprivileged user, who cannot write the temp
    # folders inside pytest's private temp dir (a request body larger than nginx's buffer
    # then fails with 500): under root the workers stay root, elsewhere they are the caller.
    user = "user root;\n" if as_root else ""
    return f"""{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log info;
events {{
    worker_connections 256;
}}
http {{
    log_format proof '{_LOG_FORMAT}';
    access_log {workdir}/access.log proof;
    client_body_temp_path {workdir}/temp/client_body;
    proxy_temp_path {workdir}/temp/proxy;
    fastcgi_temp_path {workdir}/temp/fastcgi;
    uwsgi_temp_path {workdir}/temp/uwsgi;
    scgi_temp_path {workdir}/temp/scgi;
{"".join(upstreams)}{"".join(servers)}}}
"""


@dataclass
class Balancer:
    """A running nginx: `url(name)` of each site, the parsed access log, its logs on failure."""

    proc: subprocess.Popen[bytes]
    workdir: Path
    ports: dict[str, int]

    def url(self, site: str) -> str:
        return f"http://127.0.0.1:{self.ports[site]}"

    def entries(self, site: str | None = None) -> list[LogEntry]:
        """The access log so far (of one site when named), oldest first."""
        path = self.workdir / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        entries = [_parse(line) for line in lines if line]
        if site is None:
            return entries
        return [entry for entry in entries if entry.port == self.ports[site]]

    def failure_logs(self) -> list[tuple[str, str]]:
        return [
            (f"nginx {name} ({self.workdir / name})", tail(self.workdir / name))
            for name in ("error.log", "access.log", "stderr.log")
        ]

    def stop(self) -> None:
        """SIGQUIT (graceful: open requests finish), wait, SIGKILL if needed."""
        stop_process(self.proc, signal.SIGQUIT)


@contextlib.contextmanager
def running_nginx(
    program: str, workdir: Path, sites: Mapping[str, Sequence[int]]
) -> Iterator[Balancer]:
    """nginx balancing each named site (`{name: backend ports}`) on a free port, until exit."""
    ports = {name: free_port() for name in sites}
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / "temp" / folder).mkdir(parents=True, exist_ok=True)
    config = nginx_config(
        workdir,
        {ports[name]: backends for name, backends in sites.items()},
        as_root=os.geteuid() == 0,
    )
    (workdir / "nginx.conf").write_text(config)
    cmd = [program, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"]
    with (workdir / "stderr.log").open("ab") as log:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    balancer = Balancer(proc, workdir, ports)
    try:
        _wait_listening(balancer)
        yield balancer
    finally:
        balancer.stop()


def _wait_listening(balancer: Balancer) -> None:
    deadline = time.monotonic() + NGINX_START_TIMEOUT
    waiting = set(balancer.ports.values())
    while waiting:
        if balancer.proc.poll() is not None:
            logs = "\n".join(text for _, text in balancer.failure_logs())
            pytest.fail(f"nginx exited with {balancer.proc.returncode} during startup:\n{logs}")
        for port in sorted(waiting):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                waiting.discard(port)
        if waiting and time.monotonic() > deadline:
            pytest.fail(f"nginx not listening on {sorted(waiting)} after {NGINX_START_TIMEOUT}s")
        if waiting:
            time.sleep(0.05)
