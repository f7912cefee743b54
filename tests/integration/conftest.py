"""Fixtures for the integration suite: a real Jupyter Server, the generated ``rest-sessions``
package installed in its own venv, and the adapter process that package ships.

Read top to bottom, the story is:

1. ``free_port`` / ``http_request``: tiny helpers (stdlib only; ``httpx`` is not installed).
2. ``jupyter_server`` (session): a real Jupyter Server on a loopback port with a random token;
   ``jupyter`` (function) hands the same server to a test, running and with no sessions.
3. ``generated_package`` (session): ``python -m naftiko_codegen build examples/rest-sessions.yaml``.
4. ``adapter_venv`` (session): a fresh venv with a real (non-editable) install of that package.
5. ``adapter`` (module): ``rest-sessions serve`` pointed at Jupyter, REST + MCP on free ports;
   ``launcher`` (function) runs the same CLI otherwise: extra adapters, startup failures, stdio.

Every test in this folder is marked ``integration``. When a test fails, the tails of the
Jupyter log and of every adapter's stderr are attached to its report.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
CAPABILITY_FILE = REPO_ROOT / "examples" / "rest-sessions.yaml"

JUPYTER_START_TIMEOUT = 60.0
ADAPTER_START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
HTTP_TIMEOUT = 30.0
LOG_TAIL_CHARS = 6000


# --------------------------------------------------------------------------------------
# Marking and failure reports
# --------------------------------------------------------------------------------------


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder (and only those) ``integration``."""
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach the Jupyter log and the adapters' stderr to the test report."""
    report = yield
    if report.failed and _in_this_folder(item):
        seen: set[int] = set()  # ``jupyter`` and ``jupyter_server`` are the same object
        for value in getattr(item, "funcargs", {}).values():
            logs = getattr(value, "failure_logs", None)
            if callable(logs) and id(value) not in seen:
                seen.add(id(value))
                report.sections.extend(logs())
    return report


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return text[-LOG_TAIL_CHARS:] if text else "<empty>"


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago (bind to port 0, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpResponse:
    """Status, headers and raw body of one HTTP exchange; ``json`` parses the body lazily."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.content_type!r}: {self.text[:500]}"


# No proxies: every request in this suite goes to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_request(
    method: str, url: str, body: Any = None, *, timeout: float = HTTP_TIMEOUT
) -> HttpResponse:
    """Send one request (``body`` as JSON when given) and return the response, whatever its status.

    The URL is sent as written: percent-escapes such as ``..%2Fkernels`` are not normalised.
    Connection errors (``OSError``) propagate.
    """
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, error.headers, error.read())


def _stop_process(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig``, wait up to STOP_TIMEOUT, then SIGKILL and reap (no zombie, no warning)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()


# --------------------------------------------------------------------------------------
# Jupyter Server
# --------------------------------------------------------------------------------------


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
                    + _tail(self.log_path)
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
                    + _tail(self.log_path)
                )
            time.sleep(0.1)
        self.startup_seconds.append(time.monotonic() - began)

    def stop(self) -> None:
        """SIGTERM (Jupyter then shuts its kernels down), wait, SIGKILL if needed."""
        if self.proc is not None:
            _stop_process(self.proc, signal.SIGTERM)
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
        return [(f"jupyter log ({self.log_path})", _tail(self.log_path))]


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """A real Jupyter Server for the whole session, on a free loopback port with a random token.

    Runs ``python -m jupyter_server`` from this interpreter's environment (so its ``python3``
    kernelspec is this venv's ipykernel) with ``root_dir`` in a temp dir, quiet logging to
    ``jupyter.log`` and ``--allow-root`` when running as root. Teardown deletes leftover
    sessions, then stops the server (SIGTERM, wait, SIGKILL).
    """
    server = JupyterServer(
        port=free_port(),
        token=secrets.token_urlsafe(24),
        workdir=tmp_path_factory.mktemp("jupyter"),
    )
    server.start()
    try:
        yield server
    finally:
        if server.running:
            with contextlib.suppress(Exception):
                server.delete_all_sessions()
        server.stop()


@pytest.fixture
def jupyter(jupyter_server: JupyterServer) -> Iterator[JupyterServer]:
    """The session's Jupyter Server, guaranteed running and session-free for this test.

    A test that stops Jupyter and fails before restarting it does not break the next test:
    teardown starts it again (same port) and deletes whatever sessions the test left.
    """
    if not jupyter_server.running:
        jupyter_server.start()
    jupyter_server.delete_all_sessions()
    yield jupyter_server
    if not jupyter_server.running:
        jupyter_server.start()
    jupyter_server.delete_all_sessions()


# --------------------------------------------------------------------------------------
# The generated package, installed in its own venv
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def generated_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generator on ``examples/rest-sessions.yaml``; return ``<out>/rest-sessions``."""
    out = tmp_path_factory.mktemp("generated")
    cmd = [sys.executable, "-m", "naftiko_codegen", "build", str(CAPABILITY_FILE), "-o", str(out)]
    result = subprocess.run(
        cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"generator failed ({result.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    package = out / "rest-sessions"
    assert (package / "pyproject.toml").is_file(), f"no pyproject.toml in {package}"
    return package


@pytest.fixture(scope="session")
def adapter_venv(tmp_path_factory: pytest.TempPathFactory, generated_package: Path) -> Path:
    """A fresh venv holding a real (non-editable) install of the generated package; its bin dir.

    ``venv --system-site-packages`` would expose the *base* interpreter's site-packages, not
    this test venv's (the test venv is itself a venv). So the new venv gets a ``.pth`` file
    that adds this interpreter's site-packages after its own: fastapi, uvicorn, aiohttp, mcp,
    hatchling and pip are visible, nothing is downloaded, and the package installed into the
    new venv wins over anything of the same name here. Then
    ``pip install --no-deps --no-build-isolation --no-index <package>`` (hatchling backend).
    """
    import site

    env_dir = tmp_path_factory.mktemp("adapter-venv")
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
        str(generated_package),
    ]
    result = subprocess.run(install, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"pip install of the generated package failed ({result.returncode}):\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    assert (bin_dir / "rest-sessions").is_file(), "console script rest-sessions not installed"
    return bin_dir


# --------------------------------------------------------------------------------------
# The adapter process
# --------------------------------------------------------------------------------------


def adapter_environment(base_url: str, api_key: str | None) -> dict[str, str]:
    """Inherited env with the adapter's two variables set (``api_key=None`` removes the key)."""
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
        return [(f"rest-sessions stderr ({self.log_path})", _tail(self.log_path))]

    def wait_ready(self) -> None:
        """Until ``GET /openapi.json`` answers 200 and the MCP port accepts TCP.

        (Never ``GET /mcp``: in stateless mode that stream does not end.)
        """
        deadline = time.monotonic() + ADAPTER_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"rest-sessions exited with {self.proc.returncode} during startup:\n"
                    + _tail(self.log_path)
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_request("GET", self.rest_url + "/openapi.json", timeout=2).status == 200:
                    with socket.create_connection(("127.0.0.1", self.mcp_port), timeout=2):
                        return
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"rest-sessions not ready after {ADAPTER_START_TIMEOUT}s:\n"
                    + _tail(self.log_path)
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGINT (graceful uvicorn shutdown), wait, SIGKILL if needed."""
        _stop_process(self.proc, signal.SIGINT)


@contextlib.contextmanager
def running_adapter(
    bin_dir: Path, base_url: str, api_key: str, log_path: Path
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
            env=adapter_environment(base_url, api_key),
        )
    adapter = Adapter(proc, rest_port, mcp_port, log_path)
    try:
        adapter.wait_ready()
        yield adapter
    finally:
        adapter.stop()


@pytest.fixture(scope="module")
def adapter(
    adapter_venv: Path, jupyter_server: JupyterServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adapter]:
    """``rest-sessions serve --host 127.0.0.1 --rest-port P1 --mcp-port P2`` against Jupyter.

    Module-scoped: starting it costs a second or two and every test cleans up its own
    Jupyter sessions (see ``jupyter``), so one adapter serves the whole module. That is
    also what the "upstream down, then back" test needs: the same adapter, never restarted.
    """
    log_path = tmp_path_factory.mktemp("adapter") / "rest-sessions.log"
    with running_adapter(adapter_venv, jupyter_server.url, jupyter_server.token, log_path) as a:
        yield a


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

    def start(self, base_url: str, api_key: str) -> Adapter:
        log_path = self.workdir / f"rest-sessions-{len(self.started)}.log"
        adapter = self.stack.enter_context(
            running_adapter(self.bin_dir, base_url, api_key, log_path)
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
            env={"REST_SESSIONS_BASE_URL": base_url, "JUPYTER_NOTEBOOK_API_KEY": api_key},
        )

    def failure_logs(self) -> list[tuple[str, str]]:
        return [log for adapter in self.started for log in adapter.failure_logs()]


@pytest.fixture
def launcher(adapter_venv: Path, tmp_path: Path) -> Iterator[Launcher]:
    """A ``Launcher`` for this test; adapters it started are stopped at teardown."""
    with contextlib.ExitStack() as stack:
        yield Launcher(adapter_venv, tmp_path, stack)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio; the MCP SDK client needs nothing else."""
    return "asyncio"
