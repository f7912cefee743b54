"""Per-request CPU cost of the served stack (request id, guard, metrics, traces, logs), in process.

    python bench/per_request_cost.py --package DIR [--package DIR2] [--requests 3000]
        [--rounds 5] [--variants a,b] [--real-upstream [--baseline]] [--profile VARIANT]

Each `--package` is a generated seed package (`naftiko-gen build examples/rest-sessions.yaml
-o OUT`, then `OUT/rest-sessions`). For each, in its own process per run, the REST adapter is
built as `serve` builds it (`serving.http_server` around `instrument(create_app(...))`, the
options parsed from the environment) and driven in process, with no socket between the driver
and the app, by sequential `GET /v1/api/sessions`. The upstream call is a stub answering a fixed
body at once (`HttpClient._attempts` replaced: the client's own bookkeeping, metrics included,
still runs); `--real-upstream` sends it to the bench's static upstream (another process) instead,
and `--baseline` then also drives `baselines/fastapi_proxy.py` (FastAPI + aiohttp, the REST
target's baseline) the same way. The figure is this process's CPU microseconds per request (on
a shared machine wall time is noise), median of the rounds (and the least: interference from other work only adds); variants alternate round by round
so drift hits all alike:

- `bare`: `create_app` alone (no guard, no request id, metrics and traces off),
- `defaults`: the served stack with the defaults (metrics on, 100 trace summaries, text logs),
- `metrics-off`: `NAFTIKO_METRICS=0`,
- `traces-off`: `NAFTIKO_TRACE_BUFFER=0` (no request summaries for `/traces`),
- `json-access`: `NAFTIKO_LOG_FORMAT=json NAFTIKO_ACCESS_LOG=1` (lines to /dev/null).

The difference to `bare` is what the per-request features cost; `÷ proxy` is the proxy's CPU
per request over the variant's (above 1: cheaper than the hand-written proxy). The HTTP server
(uvicorn, httptools, the adapter's connection limits) is in neither figure. `--profile VARIANT` prints cProfile's top functions of that variant.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
VARIANTS: dict[str, dict[str, str]] = {
    "bare": {},
    "defaults": {},
    "metrics-off": {"NAFTIKO_METRICS": "0"},
    "traces-off": {"NAFTIKO_TRACE_BUFFER": "0"},
    "json-access": {"NAFTIKO_LOG_FORMAT": "json", "NAFTIKO_ACCESS_LOG": "1"},
}

_DRIVER = textwrap.dedent("""
    import asyncio, cProfile, gc, io, json, os, pstats, sys, time
    variant, requests, profile = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    real_upstream = sys.argv[4] == "1"
    from rest_sessions import cli, serving
    from rest_sessions.rest_app import create_app
    from rest_sessions.settings import load_settings
    from rest_sessions.upstream import UpstreamClient
    from rest_sessions import http_client

    BODY = b'[{"id": "2f5f8bc1", "path": "bench.ipynb", "name": "bench.ipynb"}]'
    if not real_upstream:
        async def _attempts(self, api, guard, method, url, headers, payload):
            return http_client._Answer(200, BODY, "application/json", None)
        http_client.HttpClient._attempts = _attempts

    options = cli.build_parser().parse_args(["serve"])
    sys.stderr = open(os.devnull, "w")  # access lines are formatted and written, then dropped
    try:
        from rest_sessions.logs import configure_logging
    except ImportError:  # a package from before logs.py
        pass
    else:
        configure_logging(options.log_level, options.log_format, access_log=options.access_log)
    scope_template = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 50000),
        "scheme": "http", "method": "GET", "root_path": "", "path": "/v1/api/sessions",
        "raw_path": b"/v1/api/sessions", "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk"),
                    (b"accept", b"*/*")],
    }

    async def main():
        client = UpstreamClient(load_settings())
        if variant == "bare":
            app = create_app(client)
        else:
            app = create_app(client)
            if hasattr(cli, "instrument"):  # a package from before metrics: none of this
                from rest_sessions import ops
                ops.enable_observability(options, {})
                app = cli.instrument(app, "rest")
            named = {"adapter": "rest"} if hasattr(cli, "instrument") else {}
            app = serving.http_server(app, "127.0.0.1", 8080, options, **named).config.app
        statuses = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        async def one():
            await app({**scope_template, "headers": list(scope_template["headers"]),
                       "state": {}}, receive, send)

        for _ in range(300):
            await one()
        gc.collect()
        gc.freeze()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        started = time.process_time()
        for _ in range(requests):
            await one()
        spent = time.process_time() - started
        if profiler:
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(45)
            sys.__stdout__.write(text.getvalue())
        await client.close()
        assert set(statuses) == {200}, set(statuses)
        print(json.dumps({"us": spent / requests * 1e6}))

    import uvloop
    uvloop.run(main())
    """)


_BASELINE_DRIVER = textwrap.dedent("""
    import asyncio, gc, json, sys, time
    upstream, requests = sys.argv[1], int(sys.argv[2])
    sys.argv = ["fastapi_proxy.py", "--port", "0", "--upstream", upstream]
    import fastapi_proxy as proxy
    scope_template = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 50000),
        "scheme": "http", "method": "GET", "root_path": "", "path": "/v1/api/sessions",
        "raw_path": b"/v1/api/sessions", "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk"),
                    (b"accept", b"*/*")],
    }

    async def main():
        statuses = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        async def one():
            await proxy.app({**scope_template, "headers": list(scope_template["headers"]),
                             "state": {}}, receive, send)

        async with proxy.lifespan(proxy.app):
            for _ in range(300):
                await one()
            gc.collect()
            gc.freeze()
            started = time.process_time()
            for _ in range(requests):
                await one()
            spent = time.process_time() - started
        assert set(statuses) == {200}, set(statuses)
        print(json.dumps({"us": spent / requests * 1e6}))

    import uvloop
    uvloop.run(main())
    """)
BASELINE = "FastAPI+aiohttp proxy"


def _baseline(requests: int, upstream: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _BASELINE_DRIVER, upstream, str(requests)],
        cwd=BENCH / "baselines",
        env={**os.environ, "PYTHONPATH": str(BENCH / "baselines")},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the FastAPI proxy failed:\n{done.stdout}\n{done.stderr}")
    us: float = json.loads(done.stdout.strip().splitlines()[-1])["us"]
    return us


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(
    package: Path, variant: str, requests: int, upstream: str, profile: bool, real: bool
) -> float:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NAFTIKO_", "PROMETHEUS_", "OTEL_"))
    }
    env.update(VARIANTS[variant])
    env["PYTHONPATH"] = str(package / "src")
    env["REST_SESSIONS_BASE_URL"] = upstream
    env["JUPYTER_NOTEBOOK_API_KEY"] = "bench"
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, variant, str(requests), str(int(profile)), str(int(real))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{package} {variant} failed:\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    if profile:
        print("\n".join(lines[:-1]))
    us: float = json.loads(lines[-1])["us"]
    return us


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--package", action="append", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--profile", choices=tuple(VARIANTS), default=None)
    parser.add_argument("--real-upstream", action="store_true", help="not a stub: a server")
    parser.add_argument("--baseline", action="store_true", help="also the FastAPI proxy")
    options = parser.parse_args()
    variants = options.variants.split(",")
    port = _free_port()
    upstream = subprocess.Popen(
        [sys.executable, str(BENCH / "baselines" / "static_upstream.py"), "--port", str(port)],
        cwd=BENCH / "baselines",
    )
    try:
        time.sleep(1.5)
        url = f"http://127.0.0.1:{port}"
        if options.profile:
            for package in options.package:
                print(f"== profile of {options.profile}, {package}")
                _run(package, options.profile, options.requests, url, True, options.real_upstream)
            return
        figures: dict[tuple[Path, str], list[float]] = {}
        proxy: list[float] = []
        for _ in range(options.rounds):
            if options.baseline and options.real_upstream:
                proxy.append(_baseline(options.requests, url))
            for package in options.package:
                for variant in variants:
                    us = _run(package, variant, options.requests, url, False, options.real_upstream)
                    figures.setdefault((package, variant), []).append(us)
        print(f"CPU us per request, median of {options.rounds} rounds x {options.requests}")
        base = statistics.median(proxy) if proxy else None
        if base is not None:
            listed = ", ".join(f"{value:.0f}" for value in proxy)
            print(f"{BASELINE}: {base:7.1f} us  (least {min(proxy):.1f})  runs {listed}")
        for package in options.package:
            bare = statistics.median(figures[(package, variants[0])])
            print(f"{package}:")
            for variant in variants:
                runs = figures[(package, variant)]
                median = statistics.median(runs)
                listed = ", ".join(f"{value:.0f}" for value in runs)
                ratio = f"  ÷ proxy {base / median:.3f}" if base else ""
                print(
                    f"  {variant:<12} {median:7.1f} us  ({median - bare:+6.1f} vs "
                    f"{variants[0]}){ratio}  (least {min(runs):.1f})  runs {listed}"
                )
    finally:
        upstream.terminate()
        upstream.wait()


if __name__ == "__main__":
    main()
