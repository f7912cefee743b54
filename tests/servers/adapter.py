"""The generated `rest-sessions` package: built, installed in its own venv, and run as a process."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .processes import HttpResponse, free_port, http_request, stop_process, tail

__all__ = [
    "CAPABILITY_FILE",
    "Adapter",
    "Launcher",
    "adapter_environment",
    "build_package",
    "install_in_venv",
    "running_adapter",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
CAPABILITY_FILE = REPO_ROOT / "examples" / "rest-sessions.yaml"
ADAPTER_START_TIMEOUT = 30.0


def build_package(spec: Path, out: Path, *, name: str = "rest-sessions") -> Path:
    """Run the generator on `spec` into `out`; return the package folder `<out>/<name>`."""
    cmd = [sys.executable, "-m", "naftiko_codegen", "build", str(spec), "-o", str(out)]
    result = subprocess.run(
        cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"generator failed ({result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    package = out / name
    assert (package / "pyproject.toml").is_file(), f"no pyproject.toml in {package}"
    return package


def install_in_venv(package: Path, env_dir: Path) -> Path:
    """A fresh venv in `env_dir` holding a real (non-editable) install of `package`; its bin dir.

    ``venv --system-site-packages`` would expose the *base* interpreter's site-packages, not
    this test venv's (the test venv is itself a venv). So the new venv gets a ``.pth`` file
    that adds this interpreter's site-packages after its own: fastapi, uvicorn, aiohttp, mcp,
    hatchling and pip are visible, nothing is downloaded, and the package installed into the
    new venv wins over anything of the same name here. Then
    ``pip install --no-deps --no-build-isolation --no-index <package>`` (hatchling backend).
    """
    import site

    venv.EnvBuilder(with_pip=False, clear=True, symlinks=True).create(env_dir)
    bin_dir = env_dir / "bin"
    python = bin_dir / "python"
    target_site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    parent_sites = [p for p in site.getsitepackages() if Path(p).is_dir()]
    # An "import" line in a .pth is executed; addsitedir also processes the parent's .pth files.
    (target_site / "_test_venv_site_packages.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in parent_sites)
    )
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "--root-user-action=ignore",
        str(package),
    ]
    result = subprocess.run(install, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"pip install of the generated package failed ({result.returncode}):\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return bin_dir


def adapter_environment(
    base_url: str, api_key: str | None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Inherited env with the adapter's two variables set (``api_key=None`` removes the key).

    ``extra`` adds variables (e.g. small ``NAFTIKO_UPSTREAM_*`` limits for a probe).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REST_SESSIONS_BASE_URL", "JUPYTER_NOTEBOOK_API_KEY")
    }
    env["REST_SESSIONS_BASE_URL"] = base_url
    if api_key is not None:
        env["JUPYTER_NOTEBOOK_API_KEY"] = api_key
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Adapter:
    """One running ``rest-sessions serve`` process (REST and MCP over HTTP on loopback)."""

    proc: subprocess.Popen[bytes]
    rest_port: int
    mcp_port: int
    log_path: Path

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    @property
    def mcp_url(self) -> str:
        return f"http://127.0.0.1:{self.mcp_port}/mcp"

    def rest(self, method: str, path: str, body: Any = None) -> HttpResponse:
        """Call the REST adapter, e.g. ``rest("GET", "/v1/api/sessions")``."""
        return http_request(method, self.rest_url + path, body)

    def failure_logs(self) -> list[tuple[str, str]]:
        return [(f"rest-sessions stderr ({self.log_path})", tail(self.log_path))]

    def wait_ready(self) -> None:
        """Until ``GET /openapi.json`` answers 200 and the MCP port accepts TCP.

        (Never ``GET /mcp``: in stateless mode that stream does not end.)
        """
        deadline = time.monotonic() + ADAPTER_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"rest-sessions exited with {self.proc.returncode} during startup:\n"
                    + tail(self.log_path)
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_request("GET", self.rest_url + "/openapi.json", timeout=2).status == 200:
                    with socket.create_connection(("127.0.0.1", self.mcp_port), timeout=2):
                        return
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"rest-sessions not ready after {ADAPTER_START_TIMEOUT}s:\n"
                    + tail(self.log_path)
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGINT (graceful uvicorn shutdown), wait, SIGKILL if needed."""
        stop_process(self.proc, signal.SIGINT)


@contextlib.contextmanager
def running_adapter(
    bin_dir: Path,
    base_url: str,
    api_key: str,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Adapter]:
    """Start ``rest-sessions serve`` on two free ports, wait until ready, stop on exit."""
    rest_port, mcp_port = free_port(), free_port()
    cmd = [
        str(bin_dir / "rest-sessions"),
        "serve",
        "--host",
        "127.0.0.1",
        "--rest-port",
        str(rest_port),
        "--mcp-port",
        str(mcp_port),
    ]
    with log_path.open("ab") as log:
        log.write(f"===== starting: {' '.join(cmd)}  (base URL {base_url})\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=adapter_environment(base_url, api_key, extra_env),
        )
    adapter = Adapter(proc, rest_port, mcp_port, log_path)
    try:
        adapter.wait_ready()
        yield adapter
    finally:
        adapter.stop()


@dataclass
class Launcher:
    """Runs the installed ``rest-sessions`` in ways the shared ``adapter`` does not cover.

    ``start(base_url, api_key)`` starts another HTTP adapter (stopped when the test ends),
    ``serve_once(...)`` runs ``serve`` to completion (startup failures), and
    ``stdio_parameters(...)`` describes the ``--mcp-transport stdio`` server for ``mcp.Client``.
    """

    bin_dir: Path
    workdir: Path
    stack: contextlib.ExitStack
    started: list[Adapter] = field(default_factory=list)

    @property
    def executable(self) -> Path:
        return self.bin_dir / "rest-sessions"

    def start(
        self, base_url: str, api_key: str, extra_env: dict[str, str] | None = None
    ) -> Adapter:
        log_path = self.workdir / f"rest-sessions-{len(self.started)}.log"
        adapter = self.stack.enter_context(
            running_adapter(self.bin_dir, base_url, api_key, log_path, extra_env)
        )
        self.started.append(adapter)
        return adapter

    def serve_once(
        self, base_url: str, api_key: str | None, *, timeout: float = 20.0
    ) -> subprocess.CompletedProcess[str]:
        """Run ``rest-sessions serve`` on free ports and expect it to exit by itself."""
        cmd = [str(self.executable), "serve", "--host", "127.0.0.1"]
        cmd += ["--rest-port", str(free_port()), "--mcp-port", str(free_port())]
        try:
            return subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                env=adapter_environment(base_url, api_key),
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it already
            pytest.fail(f"rest-sessions serve still running after {timeout}s: {exc.stderr!r}")

    def stdio_parameters(self, base_url: str, api_key: str) -> Any:
        """``StdioServerParameters`` for ``rest-sessions serve --no-rest --mcp-transport stdio``."""
        from mcp import StdioServerParameters

        return StdioServerParameters(
            command=str(self.executable),
            args=["serve", "--no-rest", "--mcp-transport", "stdio"],
            env={
                "REST_SESSIONS_BASE_URL": base_url,
                "JUPYTER_NOTEBOOK_API_KEY": api_key,
                # Not the default 0.0.0.0:9464, which anything else on the machine may hold.
                "NAFTIKO_OPS_PORT": "0",
            },
        )

    def failure_logs(self) -> list[tuple[str, str]]:
        return [log for adapter in self.started for log in adapter.failure_logs()]
