"""Per-request cost of the upstream limits and masking, in process: with vs without.

    python bench/upstream_overhead.py [--requests 3000] [--rounds 5]

1. Masking alone: `SecretMasker.mask_bytes` (every encoded form of a hostile key) against the
   former single raw scan, on bodies of 1 KiB, 64 KiB and 1 MiB with no secret in them (the
   common case), in microseconds per body.
2. A whole `send()`: today's `HttpClient` (bounded read, bulkhead, breaker, retries policy,
   masker, no redirects) against the seed's client (`git show <rev>:…/http_client.py`),
   sequential GETs of a 1 KiB JSON answer from an aiohttp server in another process;
   CPU microseconds of this process per request (wall time on a shared machine is noise),
   median of the rounds (the two alternate, so drift hits both).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from naftiko_codegen.runtime.http_client import HttpClient, UpstreamApi  # noqa: E402
from naftiko_codegen.runtime.masking import SecretMasker  # noqa: E402

KEY = "Jk/+&= z%q'9-0123456789abcdef"
NO_ANCHOR_KEY = "Jk/+&= z%q'9"
"""No run of 4 letters or digits: every form is scanned for (the worst case)."""
SEED_REVISION = "8292369"
_SESSION = (
    b'{"id": "6f0b7c1e-3a52-4d0e-9a8e-2f1d6c9b4a10", "path": "notebooks/analysis.ipynb", '
    b'"name": "analysis.ipynb", "type": "notebook", "kernel": {"id": "c4b1", "name": '
    b'"python3", "last_activity": "2026-12-06T23:59:59.000000Z", "execution_state": "idle", '
    b'"connections": 1}, "notebook": {"path": "notebooks/analysis.ipynb"}},\n'
)
"""A Jupyter session as JSON: the bodies masked are this, repeated."""
_SERVER = textwrap.dedent("""
    import sys
    from aiohttp import web
    body = (b'[' + b'{"id": "6f0b7c1e", "name": "analysis.ipynb", "kernel": "python3"},' * 15)[:1023] + b']'
    async def handle(request):
        return web.Response(body=body, content_type="application/json")
    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
    """)


def masking_figures() -> None:
    for key in (KEY, NO_ANCHOR_KEY):
        masker = SecretMasker([key])
        raw = key.encode()
        print(f"masking: {len(masker)} distinct forms of the {len(key)}-character key {key!r}")
        for size in (1024, 64 * 1024, 1024 * 1024):
            body = (_SESSION * (size // len(_SESSION) + 1))[:size]
            number = max(10, 20_000_000 // size // 10)
            new = min(
                timeit.repeat(lambda m=masker, b=body: m.mask_bytes(b), number=number, repeat=5)
            )
            old = min(timeit.repeat(lambda r=raw, b=body: r in b, number=number, repeat=5))
            print(
                f"  {size // 1024:>5} KiB body: {new / number * 1e6:9.2f} us with every form, "
                f"{old / number * 1e6:9.2f} us raw only"
            )


def _seed_client() -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{SEED_REVISION}:naftiko_codegen/runtime/http_client.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "seed_http_client.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("seed_http_client", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    module.__package__ = "naftiko_codegen.runtime"  # where its `user_hooks` looks (none there)
    spec.loader.exec_module(module)
    return module


async def _per_request(client: Any, requests: int) -> float:
    """CPU microseconds this process spends per request (the upstream runs elsewhere)."""
    for _ in range(50):  # warm the pool
        await client.send("demo", "GET", "/x")
    started = time.process_time()
    for _ in range(requests):
        await client.send("demo", "GET", "/x")
    return (time.process_time() - started) / requests * 1e6


def send_figures(requests: int, rounds: int) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    seed = _seed_client()
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        time.sleep(1.5)
        now, before = [], []
        for _ in range(rounds):
            for clients, figures in (
                (HttpClient, now),
                (seed.HttpClient, before),
            ):
                api_type = UpstreamApi if clients is HttpClient else seed.UpstreamApi
                api = api_type("demo", url, 10.0, query=(("token", KEY),))
                client = clients({"demo": api}, secrets=[KEY])

                async def run(client: Any = client) -> float:
                    try:
                        return await _per_request(client, requests)
                    finally:
                        await client.close()

                figures.append(asyncio.run(run()))
        new, old = statistics.median(now), statistics.median(before)
        print(f"send(): {requests} sequential GETs x {rounds} rounds, 1 KiB JSON answers")
        print(f"  with limits and masking: {new:8.1f} CPU us/request  (runs {_list(now)})")
        print(f"  seed client:             {old:8.1f} CPU us/request  (runs {_list(before)})")
        print(f"  difference:              {new - old:+8.1f} CPU us/request ({new / old - 1:+.1%})")
    finally:
        server.terminate()
        server.wait()


def _list(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    masking_figures()
    sys.stdout.flush()
    send_figures(options.requests, options.rounds)


if __name__ == "__main__":
    main()
