"""HTTP load generators: `wrk` when installed, else a Python aiohttp closed loop.

Both keep `connections` requests in flight for `duration` seconds and report requests/s and
p50/p99 latency. wrk (C, one thread by default) costs the machine far less than the Python
loop, so figures from the two are not comparable; the table says which one ran.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp


@dataclass(frozen=True)
class LoadResult:
    """One load run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    """Non-2xx answers, socket errors and timeouts."""
    server_cpu_us: float | None = None
    """CPU microseconds the measured server process spent per request (None: not measured)."""


@dataclass(frozen=True)
class Request:
    """What every request of a run sends."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def wrk_path() -> str | None:
    """The `wrk` executable, or None when it is not installed."""
    return shutil.which("wrk")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def _lua_string(data: bytes) -> str:
    # A decimal-escaped Lua literal survives any byte in the body or header.
    return '"' + "".join(f"\\{byte}" for byte in data) + '"'


def _wrk_script(request: Request) -> str:
    lines = [f"wrk.method = {_lua_string(request.method.encode())}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body)}")
    for name, value in request.headers:
        lines.append(f"wrk.headers[{_lua_string(name.encode())}] = {_lua_string(value.encode())}")
    return "\n".join(lines) + "\n"


def parse_wrk(output: str) -> LoadResult:
    """Read requests/s, the 50%/99% latency lines (`--latency`) and error counts."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(group) for group in match.groups())
    return LoadResult(rps, _ms(percentiles["50"]), _ms(percentiles["99"]), total, errors)


def run_wrk(request: Request, *, duration: float, connections: int, threads: int = 1) -> LoadResult:
    """One wrk run (`--latency`, a Lua script for method, headers and body)."""
    executable = wrk_path()
    if executable is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script = Path(folder) / "request.lua"
        script.write_text(_wrk_script(request))
        cmd = [
            executable,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            request.url,
        ]
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=duration + 60, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse_wrk(result.stdout)


async def _python_load(request: Request, duration: float, connections: int) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    headers = dict(request.headers)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, skip_auto_headers=("User-Agent",)
    ) as session:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    async with session.request(
                        request.method, request.url, headers=headers, data=request.body or None
                    ) as answer:
                        await answer.read()
                        if answer.status >= 400:
                            errors += 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                latencies.append((time.perf_counter() - began) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    if not latencies:
        return LoadResult(0.0, float("nan"), float("nan"), 0, errors)
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return LoadResult(len(latencies) / elapsed, p50, p99, len(latencies), errors)


def run_python(request: Request, *, duration: float, connections: int) -> LoadResult:
    """The fallback: a closed loop of `connections` aiohttp workers in this process."""
    return asyncio.run(_python_load(request, duration, connections))


def run_load(
    request: Request, *, duration: float, connections: int, use_wrk: bool, threads: int = 1
) -> LoadResult:
    """wrk if `use_wrk`, else the Python loop."""
    if use_wrk:
        return run_wrk(request, duration=duration, connections=connections, threads=threads)
    return run_python(request, duration=duration, connections=connections)
