"""Instructions per proxied request of whole servers (callgrind): the REST target without noise.

    python bench/instructions.py --package DIR [--package DIR2] [--requests 1500] [--warm-up 300]

Wall time and CPU time on a shared two-core machine move by ±7 % between runs; the number of
instructions a server executes per request barely moves at all. Each server runs under
`valgrind --tool=callgrind` (about 40 times slower, so the figures are counts, not speeds),
beside the bench's static upstream (not under valgrind): after `--warm-up` sequential
`GET /v1/api/sessions` on one keep-alive connection the counters are zeroed
(`callgrind_control --zero`), then `--requests` more are sent and the counters dumped. The figure
is the server process's instructions (`Ir`) per request: uvicorn, httptools, the app, the
upstream client, everything in the process.

Servers: each `--package` (a generated seed package, `naftiko-gen build examples/rest-sessions.yaml
-o OUT`, then `OUT/rest-sessions`) served by its own `serve` with the defaults (metrics, trace
summaries, request ids, connection limits), and the REST target's baseline,
`baselines/fastapi_proxy.py` (FastAPI + aiohttp). `÷ proxy` is the proxy's count over the
server's: above 1, the server does less work per request than the hand-written proxy.
What it cannot show: time spent waiting, cache misses and the kernel's share; `run.py` measures
those (as throughput) when the machine is quiet.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PATH = "/v1/api/sessions"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"nothing listened on port {port} within {seconds:g} s")


def _requests(port: int, count: int) -> None:
    """`count` sequential GETs on one keep-alive connection; every answer must be 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for _ in range(count):
            connection.request("GET", PATH, headers={"Host": f"127.0.0.1:{port}"})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise SystemExit(f"GET {PATH} answered {answer.status}")
    finally:
        connection.close()


def _dumped(folder: Path, seen: set[Path]) -> int:
    """The instructions of the dump `callgrind_control --dump` just wrote."""
    for dump in sorted(folder.glob("callgrind.out.*")):
        if dump not in seen:
            seen.add(dump)
            match = re.search(r"^summary:\s+(\d+)", dump.read_text(errors="replace"), re.M)
            if match:
                return int(match[1])
    raise SystemExit("callgrind wrote no dump")


def _control(process: subprocess.Popen[bytes], command: str) -> None:
    subprocess.run(
        ["callgrind_control", command, str(process.pid)], check=True, capture_output=True
    )


def _measure(
    command: list[str], env: dict[str, str], port: int, options: argparse.Namespace
) -> tuple[float, float]:
    """Instructions per request of the server `command` starts (listening on `port`), and its
    idle instructions per second.

    Under valgrind a request takes about 40 times as long, so whatever a server does per second
    (uvicorn's tick of each server, timers, background checks) weighs 40 times as much per
    request as it does at full speed: it is measured over an idle window and taken out.
    """
    with tempfile.TemporaryDirectory(prefix="naftiko-callgrind-") as name:
        folder = Path(name)
        process = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={folder / 'callgrind.out'}",
                *command,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seen: set[Path] = set()
        try:
            _wait_until_up(port, process, 240)
            _requests(port, options.warm_up)
            _control(process, "--zero")
            started = time.monotonic()
            _requests(port, options.requests)
            _control(process, "--dump")
            busy = time.monotonic() - started
            loaded = _dumped(folder, seen)
            _control(process, "--zero")
            time.sleep(options.idle)
            _control(process, "--dump")
            idle_rate = _dumped(folder, seen) / options.idle
        finally:
            process.terminate()
            process.wait(timeout=120)
    return (loaded - idle_rate * busy) / options.requests, idle_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--package", action="append", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of the idle window")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the packages"
    )
    parser.add_argument("--no-baseline", action="store_true", help="the packages only")
    options = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind (with callgrind_control) is needed: apt install valgrind")
    upstream_port = _free_port()
    upstream = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "baselines" / "static_upstream.py"),
            "--port",
            str(upstream_port),
        ],
        cwd=BENCH / "baselines",
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NAFTIKO_", "PROMETHEUS_"))}
    try:
        time.sleep(1.5)
        url = f"http://127.0.0.1:{upstream_port}"
        print(f"instructions per GET {PATH}, {options.requests} after {options.warm_up} warm-up")
        print("(idle instructions per second taken out: see --idle)")
        proxy = None
        if not options.no_baseline:
            port = _free_port()
            env = {**base, "PYTHONPATH": str(BENCH / "baselines")}
            command = [sys.executable, str(BENCH / "baselines" / "fastapi_proxy.py")]
            command += ["--port", str(port), "--upstream", url]
            proxy, idle = _measure(command, env, port, options)
            print(f"  {'FastAPI+aiohttp proxy':<34} {proxy:9,.0f}   (idle {idle:,.0f}/s)")
        for package in options.package:
            port, mcp_port = _free_port(), _free_port()
            env = {
                **base,
                "PYTHONPATH": str(package / "src"),
                "REST_SESSIONS_BASE_URL": url,
                "JUPYTER_NOTEBOOK_API_KEY": "bench",
                "NAFTIKO_OPS_PORT": str(_free_port()),
                **dict(item.split("=", 1) for item in options.env),
            }
            command = [sys.executable, "-m", "rest_sessions", "serve"]
            command += ["--rest-port", str(port), "--mcp-port", str(mcp_port)]
            count, idle = _measure(command, env, port, options)
            ratio = f"  ÷ proxy {proxy / count:.3f}" if proxy is not None else ""
            print(
                f"  {package!s:<34} {count:9,.0f}{ratio}   (idle {idle:,.0f}/s)  "
                f"{' '.join(options.env)}"
            )
    finally:
        upstream.terminate()
        upstream.wait()


if __name__ == "__main__":
    main()
