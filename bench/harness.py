"""Process plumbing for the benchmarks: free loopback ports, servers started and always stopped,
readiness checks, peak RSS, medians and the machine's description.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
BASELINES = BENCH_DIR / "baselines"
PYTHON = sys.executable
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

# No proxies: everything here talks to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Status and body of one GET (HTTP errors included)."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


@dataclass
class Server:
    """A child process serving on 127.0.0.1:`port`, in its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def peak_rss_mb(self) -> float | None:
        """VmHWM (peak resident set) of the process, in MiB; None when not available."""
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the process has used so far; None when not available.

        Per request, it tells a server's own cost even while other work competes for the cores
        (throughput then drops for every variant, CPU per request much less).
        """
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return None

    def stop(self) -> None:
        """SIGINT (graceful), wait, then SIGKILL the process group (kernels, workers) and reap."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        # Children this server started (Jupyter kernels) share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def _ready(server: Server, path: str | None) -> bool:
    if path is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), 1):
            return True
        return False
    with contextlib.suppress(OSError, http.client.HTTPException):
        return http_get(server.url + path, timeout=2)[0] == 200
    return False


@contextlib.contextmanager
def serve(
    name: str,
    cmd: Sequence[str],
    *,
    port: int,
    log_dir: Path,
    ready_path: str | None = None,
    extra_ports: Sequence[int] = (),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[Server]:
    """Start `cmd`, wait until `ready_path` answers 200 (or the port accepts TCP), stop on exit.

    Never probes `GET /mcp`: a stateless MCP server answers it with a stream that never ends.
    """
    log_path = log_dir / f"{name}.log"
    full_env = dict(os.environ if env is None else env)
    full_env["NO_PROXY"] = full_env["no_proxy"] = "127.0.0.1,localhost"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    server = Server(name, proc, port, log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (_ready(server, ready_path) and all(_port_open(p) for p in extra_ports)):
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{name} not ready after {START_TIMEOUT:g}s:\n{server.log_tail()}"
                )
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


def baseline_cmd(script: str, port: int, upstream: str | None = None, token: str = "") -> list[str]:
    """Command line of a server in `bench/baselines/`."""
    cmd = [PYTHON, str(BASELINES / script), "--port", str(port)]
    if upstream is not None:
        cmd += ["--upstream", upstream, "--token", token]
    return cmd


def median(values: Sequence[float]) -> float:
    """Median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def machine() -> dict[str, object]:
    """Core count, load average and versions: printed with every table."""
    load = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "loadavg": [round(value, 2) for value in load],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
