"""Soak the seed adapter, run with its defaults, against a hostile upstream; print figures.

    python bench/soak.py [--duration 60] [--connections 8]

Builds `examples/rest-sessions.yaml`, installs it in a fresh venv (nothing downloaded), starts
`rest-sessions serve` in front of a recording upstream whose answers are hostile by path: a
200 MB body, a 300 MB gzip bomb, an endless stream, a cross-origin 302, an echo of the API key
in every encoding (and in its Content-Type), a slow answer; plus ordinary small answers. REST
and MCP calls go round-robin over these for `--duration` seconds with `--connections` in
flight. Prints the adapter's RSS (start, peak, end), requests/s, answers by status, transport
errors, leaks (any byte of the key in any answer) and requests the redirect target received.
Not part of the test suite (style guide: long runs live in `bench/`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from servers.adapter import (  # noqa: E402 - the shared test servers, found through tests/
    CAPABILITY_FILE,
    build_package,
    install_in_venv,
    running_adapter,
)
from servers.recording import Answer, RecordedRequest, RecordingUpstream  # noqa: E402

KEY = "Jk/+&= z%q'9"
MIB = 1024 * 1024
KINDS = ("ok", "big", "bomb", "endless", "redirect", "echo", "slow", "ok")


def _bomb(inflated: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * MIB
    return b"".join(compressor.compress(zeros) for _ in range(inflated // MIB)) + compressor.flush()


def _endless() -> Iterator[bytes]:
    while True:
        yield b"[" * 65536


def _echo(request: RecordedRequest) -> Answer:
    token = dict(request.query).get("token", "")
    forms = [token, quote(token, safe=""), quote_plus(token), quote(token), json.dumps(token)]
    forms.append(base64.b64encode(token.encode()).decode())
    content_type = f'application/json; note="{quote(token)}"'
    return Answer(headers={"Content-Type": content_type}, body=json.dumps(forms).encode())


def hostile_upstream(thief: RecordingUpstream) -> RecordingUpstream:
    upstream = RecordingUpstream()
    bomb = _bomb(300 * MIB)
    gzip_headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    big = b"x" * MIB
    upstream.answer("/api/sessions", Answer(body=b"[]"))
    upstream.answer("/api/sessions/ok", Answer(body=b'{"id": "ok"}'))
    upstream.answer("/api/sessions/big", lambda _: Answer(chunks=iter([big] * 200)))
    upstream.answer("/api/sessions/bomb", Answer(headers=gzip_headers, body=bomb))
    upstream.answer("/api/sessions/endless", lambda _: Answer(chunks=_endless()))
    upstream.answer(
        "/api/sessions/redirect",
        lambda request: Answer(
            status=302, headers={"Location": thief.url + "/steal?" + request.target}, body=b""
        ),
    )
    upstream.answer("/api/sessions/echo", _echo)

    def slow(_: RecordedRequest) -> Answer:
        time.sleep(1.0)
        return Answer(body=b"{}")

    upstream.answer("/api/sessions/slow", slow)
    return upstream


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


_LEAK_MARKERS = tuple(
    {KEY, quote(KEY, safe=""), quote_plus(KEY), "Jk/", "z%q", "z%25q", "SmsvKyY9"}
)


async def _one(
    session: aiohttp.ClientSession, rest: str, mcp: str, index: int
) -> tuple[str, int, bool]:
    kind = KINDS[index % len(KINDS)]
    if index % 2:
        async with session.get(f"{rest}/v1/api/sessions/{kind}") as response:
            body = await response.read()
            seen = body + response.headers.get("Content-Type", "").encode()
            return f"REST {response.status}", response.status, _leaks(seen)
    call = {
        "jsonrpc": "2.0",
        "id": index,
        "method": "tools/call",
        "params": {"name": "jupyter-notebook-get-session", "arguments": {"session_id": kind}},
    }
    async with session.post(mcp, json=call, headers={"Accept": "application/json"}) as response:
        body = await response.read()
        result = json.loads(body).get("result", {})
        status = json.loads(result["content"][0]["text"]).get("status", 200) if result else 0
        label = f"MCP {'isError ' if result.get('isError') else ''}{status}"
        return label, response.status, _leaks(body)


def _leaks(seen: bytes) -> bool:
    text = seen.decode("utf-8", "replace")
    return any(marker in text for marker in _LEAK_MARKERS)


async def load(
    rest: str, mcp: str, pid: int, duration: float, connections: int
) -> dict[str, object]:
    answers: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    leaks = 0
    peak = rss_kib(pid)
    counter = iter(range(10**9))
    deadline = time.monotonic() + duration
    timeout = aiohttp.ClientTimeout(total=60)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal leaks
        while time.monotonic() < deadline:
            try:
                label, _, leaked = await _one(session, rest, mcp, next(counter))
                answers[label] += 1
                leaks += leaked
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as error:
                errors[type(error).__name__] += 1

    async def sampler() -> None:
        nonlocal peak
        while time.monotonic() < deadline:
            peak = max(peak, rss_kib(pid))
            await asyncio.sleep(0.25)

    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(sampler(), *(worker(session) for _ in range(connections)))
    elapsed = time.monotonic() - started
    total = sum(answers.values())
    return {
        "requests": total,
        "rps": total / elapsed,
        "answers": dict(sorted(answers.items())),
        "errors": dict(errors),
        "leaks": leaks,
        "peak_rss_kib": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="naftiko-soak-") as work:
        workdir = Path(work)
        print("building and installing the seed adapter ...", flush=True)
        package = build_package(CAPABILITY_FILE, workdir / "out")
        bin_dir = install_in_venv(package, workdir / "venv")
        thief = RecordingUpstream()
        upstream = hostile_upstream(thief)
        log = workdir / "adapter.log"
        try:
            with running_adapter(bin_dir, upstream.url + "/api", KEY, log) as adapter:
                pid = adapter.proc.pid
                start_rss = rss_kib(pid)
                clearer = threading.Event()

                def clear_records() -> None:  # the recording list must not grow for minutes
                    while not clearer.wait(1.0):
                        upstream.requests.clear()

                threading.Thread(target=clear_records, daemon=True).start()
                figures = asyncio.run(
                    load(
                        adapter.rest_url,
                        adapter.mcp_url,
                        pid,
                        options.duration,
                        options.connections,
                    )
                )
                clearer.set()
                end_rss = rss_kib(pid)
            log_lines = log.read_text(errors="replace").count("\n")
        finally:
            upstream.close()
            thief.close()
    print(f"duration            {options.duration:g} s, {options.connections} connections")
    print(
        f"adapter RSS         start {start_rss / 1024:.1f} MiB, "
        f"peak {int(figures['peak_rss_kib']) / 1024:.1f} MiB, end {end_rss / 1024:.1f} MiB"
    )
    print(f"requests            {figures['requests']} ({float(figures['rps']):.1f} req/s)")
    for label, count in dict(figures["answers"]).items():  # type: ignore[call-overload]
        print(f"  {label:<18}{count}")
    print(f"transport errors    {figures['errors'] or 0}")
    print(f"leaks of the key    {figures['leaks']}")
    print(f"redirect target got {len(thief.requests)} request(s)")
    print(f"adapter log lines   {log_lines}")
    broken = bool(figures["leaks"]) or bool(thief.requests)
    print(
        "rules               "
        + ("BROKEN: the key leaked or left for another origin" if broken else "held")
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
