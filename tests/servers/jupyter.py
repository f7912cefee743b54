"""A real Jupyter Server child process on a loopback port, for the integration and security suites."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .processes import HTTP_TIMEOUT, HttpResponse, http_request, stop_process, tail

__all__ = ["JupyterServer"]

JUPYTER_START_TIMEOUT = 60.0


@dataclass
class JupyterServer:
    """A real Jupyter Server child process on a fixed loopback port.

    ``stop()`` and ``start()`` may be called repeatedly; the port and token never change,
    so an adapter pointed at ``url`` sees the same upstream go down and come back.
    Sessions live in Jupyter's in-memory database: a restart forgets them.
    """

    port: int
    token: str
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    startup_seconds: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def root_dir(self) -> Path:
        return self.workdir / "root"

    @property
    def log_path(self) -> Path:
        return self.workdir / "jupyter.log"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",  # restart on the SAME port or fail loudly
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.terminals_enabled=False",
            "--ServerApp.log_level=WARN",
        ]
        if os.geteuid() == 0:  # CI runs as root; Jupyter refuses that without the flag.
            cmd.append("--allow-root")
        return cmd

    def environment(self) -> dict[str, str]:
        """Inherited env, with Jupyter's config/runtime/IPython dirs isolated under workdir."""
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.workdir / "config"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
            IPYTHONDIR=str(self.workdir / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        return env

    def start(self) -> None:
        """Launch Jupyter (log appended to ``log_path``) and wait until ``/api/status`` answers."""
        assert not self.running, "Jupyter Server is already running"
        self.root_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            log.write(f"\n===== starting: {' '.join(self.command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                cwd=self.root_dir,
            )
        deadline = began + JUPYTER_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"Jupyter Server exited with {self.proc.returncode} during startup:\n"
                    + tail(self.log_path)
                )
            try:
                if self.api("GET", "/api/status", timeout=2).status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"Jupyter Server not ready after {JUPYTER_START_TIMEOUT}s:\n"
                    + tail(self.log_path)
                )
            time.sleep(0.1)
        self.startup_seconds.append(time.monotonic() - began)

    def stop(self) -> None:
        """SIGTERM (Jupyter then shuts its kernels down), wait, SIGKILL if needed."""
        if self.proc is not None:
            stop_process(self.proc, signal.SIGTERM)
            self.proc = None

    def api(
        self, method: str, path: str, body: Any = None, *, timeout: float = HTTP_TIMEOUT
    ) -> HttpResponse:
        """Call Jupyter's own REST API directly, e.g. ``api("GET", "/api/sessions")``."""
        separator = "&" if "?" in path else "?"
        url = f"{self.url}{path}{separator}token={self.token}"
        return http_request(method, url, body, timeout=timeout)

    def sessions(self) -> list[dict[str, Any]]:
        """Jupyter's own view of ``/api/sessions``."""
        response = self.api("GET", "/api/sessions")
        assert response.status == 200, str(response)
        result: list[dict[str, Any]] = response.json
        return result

    def session_ids(self) -> set[str]:
        return {session["id"] for session in self.sessions()}

    def delete_all_sessions(self) -> None:
        """Delete every session (and so its kernel) Jupyter knows about."""
        for session in self.sessions():
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def failure_logs(self) -> list[tuple[str, str]]:
        return [(f"jupyter log ({self.log_path})", tail(self.log_path))]
