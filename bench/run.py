"""Run every benchmark and print one table: `python bench/run.py [--quick] [--only ...]`.

Every figure is a median of repeated runs and is shown with its ratio to a baseline measured
in the same run, on the same machine, under the same load (core count and load average are
printed with the table). Writes `<out>/latest.json` and `<out>/latest.md`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path

import generator
import loadgen
import mcp_client
from harness import (
    BENCH_DIR,
    PYTHON,
    Server,
    baseline_cmd,
    free_port,
    http_get,
    machine,
    median,
    percentile,
    serve,
)
from report import markdown, targets
from rows import Options, Row
from servers import SEED, adapter, install_adapter, jupyter

ADAPTER_TOOL = "jupyter-notebook-list-running-sessions"

# --------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------


def load(opts: Options, request: loadgen.Request, duration: float) -> loadgen.LoadResult:
    return loadgen.run_load(
        request,
        duration=duration,
        connections=opts.connections,
        use_wrk=opts.use_wrk,
        threads=opts.wrk_threads,
    )


def interleaved(
    opts: Options,
    requests: dict[str, loadgen.Request],
    processes: Mapping[str, Server] | None = None,
) -> dict[str, list[loadgen.LoadResult]]:
    """Warm each target up, then run round-robin `reps` times so drift hits every target alike.

    For a target in `processes`, each run also records the CPU time its server process spent
    per request.
    """
    for request in requests.values():
        load(opts, request, opts.warmup)
    results: dict[str, list[loadgen.LoadResult]] = {name: [] for name in requests}
    for _ in range(opts.reps):
        for name, request in requests.items():
            server = (processes or {}).get(name)
            before = server.cpu_seconds() if server is not None else None
            result = load(opts, request, opts.duration)
            after = server.cpu_seconds() if server is not None else None
            if before is not None and after is not None and result.requests:
                cpu_us = (after - before) / result.requests * 1e6
                result = dataclasses.replace(result, server_cpu_us=cpu_us)
            results[name].append(result)
    return results


def load_rows(
    section: str, results: dict[str, list[loadgen.LoadResult]], baseline: str, unit: str
) -> list[Row]:
    rows = []
    for name, runs in results.items():
        errors = sum(r.errors for r in runs)
        cpu = [r.server_cpu_us for r in runs if r.server_cpu_us is not None]
        notes = [f"{errors} errors" if errors else ""]
        notes += [f"server CPU {median(cpu):.0f} us/request"] if cpu else []
        rows.append(
            Row(
                section,
                name,
                unit,
                median([r.rps for r in runs]),
                [round(r.rps, 1) for r in runs],
                median([r.p50_ms for r in runs]),
                median([r.p99_ms for r in runs]),
                baseline,
                note="; ".join(note for note in notes if note),
                cpu_us=median(cpu) if cpu else None,
            )
        )
    return with_ratios(rows)


def with_ratios(rows: list[Row]) -> list[Row]:
    by_name = {row.name: row for row in rows}
    for row in rows:
        base = by_name.get(row.baseline or "")
        if base is not None and base.value:
            row.ratio = row.value / base.value
    return rows


def check_replay(call: mcp_client.RecordedCall) -> None:
    """The recorded `tools/call` replayed once must succeed: otherwise load would count errors."""
    import urllib.request

    request = urllib.request.Request(call.url, data=call.body, headers=call.headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as answer:
        payload = json.loads(answer.read())
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, dict) or result.get("isError"):
        raise RuntimeError(f"replayed tools/call did not succeed: {str(payload)[:300]}")


def mcp_rows(opts: Options, section: str, targets: dict[str, tuple[str, str]]) -> list[Row]:
    """Sequential latency (official client) and concurrent calls/s (recorded call replayed)."""
    latencies: dict[str, list[list[float]]] = {name: [] for name in targets}
    for url, tool in targets.values():  # warm-up
        mcp_client.sequential_latencies(url, tool, 20, warmup=0)
    for _ in range(opts.reps):
        for name, (url, tool) in targets.items():
            latencies[name].append(mcp_client.sequential_latencies(url, tool, opts.mcp_calls))
    rows = [
        Row(
            f"{section}: tools/call sequential",
            name,
            "ms p50",
            median([percentile(s, 0.5) for s in samples]),
            [round(percentile(s, 0.5), 3) for s in samples],
            median([percentile(s, 0.5) for s in samples]),
            median([percentile(s, 0.99) for s in samples]),
            "SDK server",
            note=f"{opts.mcp_calls} calls x {opts.reps}",
        )
        for name, samples in latencies.items()
    ]
    requests = {}
    for name, (url, tool) in targets.items():
        call = mcp_client.record_call(url, tool)
        check_replay(call)
        requests[name] = loadgen.Request(url, "POST", tuple(call.headers.items()), call.body)
    concurrent = interleaved(opts, requests)
    section_c = f"{section}: tools/call x{opts.connections} concurrent"
    return with_ratios(rows) + load_rows(section_c, concurrent, "SDK server", "calls/s")


def profile(opts: Options, server: Server, request: loadgen.Request, label: str) -> str:
    """py-spy the server while it is under load; return the path of the collapsed stacks."""
    py_spy = shutil.which("py-spy") or str(Path(PYTHON).with_name("py-spy"))
    if not Path(py_spy).exists():
        return ""
    target = opts.out / f"profile-{label}.txt"
    spy = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server.proc.pid),
            "--duration",
            str(int(opts.duration)),
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(target),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        load(opts, request, opts.duration)
    finally:
        try:
            spy.wait(timeout=opts.duration + 30)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()
    return str(target)


# --------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------


def upstream_suite(opts: Options, only: set[str], bin_dir: Path, kind: str) -> list[Row]:
    """REST and MCP against one upstream: `jupyter` or `static`."""
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        if kind == "jupyter":
            up, token = stack.enter_context(jupyter(opts))
            label = "Jupyter"
        else:
            port = free_port()
            up = stack.enter_context(
                serve(
                    "static",
                    baseline_cmd("static_upstream.py", port),
                    port=port,
                    log_dir=opts.work,
                    ready_path="/api/sessions",
                )
            )
            token, label = "bench-token", "static"  # the adapter requires a key; ignored
        print(f"  upstream {label} on {up.url}", flush=True)
        servers: dict[str, Server] = {}
        wanted = []
        if "rest" in only:
            wanted += [("FastAPI+aiohttp proxy", "fastapi_proxy.py", "/v1/api/sessions")]
            wanted += [("Starlette+aiohttp proxy", "starlette_proxy.py", "/v1/api/sessions")]
        if "mcp" in only:
            wanted += [("SDK server", "sdk_mcp_server.py", None)]
            wanted += [("FastMCP.from_openapi", "fastmcp_openapi.py", None)]
        for name, script, ready in wanted:
            port = free_port()
            servers[name] = stack.enter_context(
                serve(
                    f"{script.removesuffix('.py')}-{kind}",
                    baseline_cmd(script, port, up.url, token),
                    port=port,
                    log_dir=opts.work,
                    ready_path=ready,
                )
            )
        gen = stack.enter_context(adapter(opts, bin_dir, up.url, token, kind))
        mcp_port: int = gen.mcp_port  # type: ignore[attr-defined]
        if "rest" in only:
            path = "/v1/api/sessions"
            requests = {
                f"{label} direct": loadgen.Request(
                    f"{up.url}/api/sessions" + (f"?token={token}" if token else "")
                ),
                "FastAPI+aiohttp proxy": loadgen.Request(
                    servers["FastAPI+aiohttp proxy"].url + path
                ),
                "Starlette+aiohttp proxy": loadgen.Request(
                    servers["Starlette+aiohttp proxy"].url + path
                ),
                "generated adapter": loadgen.Request(gen.url + path),
            }
            status, body = http_get(requests["generated adapter"].url)
            if status != 200:
                raise RuntimeError(f"adapter answered {status}: {body[:300]!r}")
            print(f"  REST -> {label}", flush=True)
            rows += load_rows(
                f"REST GET /v1/api/sessions -> {label}",
                interleaved(
                    opts,
                    requests,
                    {
                        f"{label} direct": up,
                        "generated adapter": gen,
                        **{name: servers[name] for name in requests if name in servers},
                    },
                ),
                f"{label} direct",
                "req/s",
            )
            if opts.profile:
                print(
                    f"  profile written: {profile(opts, gen, requests['generated adapter'], f'rest-{kind}')}"
                )
        if "mcp" in only:
            print(f"  MCP -> {label}", flush=True)
            targets = {
                "SDK server": (f"{servers['SDK server'].url}/mcp", ADAPTER_TOOL),
                "FastMCP.from_openapi": (
                    f"{servers['FastMCP.from_openapi'].url}/mcp",
                    "listsessions",
                ),
                "generated adapter": (f"http://127.0.0.1:{mcp_port}/mcp", ADAPTER_TOOL),
            }
            rows += mcp_rows(opts, f"MCP -> {label}", targets)
            if opts.profile:
                call = mcp_client.record_call(targets["generated adapter"][0], ADAPTER_TOOL)
                request = loadgen.Request(call.url, "POST", tuple(call.headers.items()), call.body)
                print(f"  profile written: {profile(opts, gen, request, f'mcp-{kind}')}")
        memory = [("generated adapter (REST+MCP)", gen), *list(servers.items())]
        base = "FastAPI+aiohttp proxy" if "FastAPI+aiohttp proxy" in servers else "SDK server"
        rows += with_ratios(
            [
                Row(
                    f"peak RSS after load ({label})",
                    name,
                    "MiB",
                    server.peak_rss_mb() or math.nan,
                    baseline=base,
                )
                for name, server in memory
            ]
        )
    return rows


def generator_suite(opts: Options) -> list[Row]:
    reps = opts.build_reps
    print("  generator: import floor and seed build", flush=True)
    floor = generator.floor_times(reps=reps)
    base = "import floor"
    rows = [
        Row(
            "generator (whole process)",
            base,
            "s",
            median(floor),
            [round(t, 3) for t in floor],
            note=f'python -c "{generator.IMPORT_FLOOR}"',
        ),
        Row(
            "generator (whole process)",
            "python -c pass",
            "s",
            median(e := generator.empty_times(reps=reps)),
            [round(t, 3) for t in e],
            baseline=base,
        ),
        Row(
            "generator (whole process)",
            "build seed (rest-sessions.yaml)",
            "s",
            median(b := generator.build_times(SEED, reps=reps)),
            [round(t, 3) for t in b],
            baseline=base,
        ),
    ]
    files = generator.corpus_files()
    if not files:
        rows.append(
            Row(
                "generator corpus",
                "corpus absent",
                "",
                math.nan,
                note=f"{generator.CORPUS} not found: skipped",
            )
        )
        return with_ratios(rows)
    big, operations = generator.largest(files)
    print(f"  generator: largest file {big.name} ({operations} operations)", flush=True)
    lb = generator.build_times(big, reps=max(1, reps // 2))
    rows.append(
        Row(
            "generator (whole process)",
            f"build largest ({operations} method: lines)",
            "s",
            median(lb),
            [round(t, 3) for t in lb],
            baseline=base,
            note=str(big.relative_to(generator.CORPUS)),
        )
    )
    rows = with_ratios(rows)
    sample = files[:: opts.corpus_stride]
    corpus: list[Row] = []
    for jobs in (1, 2):
        print(f"  generator: corpus, {len(sample)} of {len(files)} files, -j {jobs}", flush=True)
        seconds, errors, how = generator.corpus_run(sample, jobs)
        rate = len(sample) / seconds
        corpus.append(
            Row(
                "generator corpus",
                f"-j {jobs}",
                "files/s",
                rate,
                [round(rate, 2)],
                baseline="-j 1",
                note=f"{len(sample)} files in {seconds:.1f} s ({errors} rejected); "
                + (
                    "the whole corpus, measured; "
                    if len(sample) == len(files)
                    else f"whole corpus ~{len(files) / rate:.0f} s, projected; "
                )
                + how,
            )
        )
    return rows + with_ratios(corpus)


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, Options]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="short runs: a smoke test, noisy figures"
    )
    parser.add_argument(
        "--only", default="rest,mcp,generator", help="comma list of rest, mcp, generator"
    )
    parser.add_argument(
        "--upstreams", default="jupyter,static", help="comma list of jupyter, static"
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--duration", type=float, help="seconds per load run (default 5; quick 2)")
    parser.add_argument("--reps", type=int, help="repetitions, the median is reported (default 3)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--mcp-calls", type=int, help="sequential tools/call per run (default 300)")
    parser.add_argument(
        "--corpus-stride", type=int, help="use every Nth corpus file (default 1 = all; quick 40)"
    )
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument("--profile", action="store_true", help="py-spy the adapter under load")
    parser.add_argument(
        "--adapter-package",
        type=Path,
        help="measure this generated package (a copy with a template change, say) "
        "instead of building the seed",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    opts = Options(
        quick=quick,
        duration=args.duration or (2.0 if quick else 5.0),
        warmup=1.0,
        reps=args.reps or (2 if quick else 3),
        connections=args.connections,
        wrk_threads=args.wrk_threads,
        mcp_calls=args.mcp_calls or (100 if quick else 300),
        build_reps=2 if quick else 5,
        corpus_stride=args.corpus_stride or (40 if quick else 1),
        use_wrk=not args.no_wrk and loadgen.wrk_path() is not None,
        profile=args.profile,
        adapter_package=args.adapter_package,
        out=args.out,
        work=Path(tempfile.mkdtemp(prefix="naftiko-bench-")),
    )
    return args, opts


def guarded(section: str, suite: Callable[[], list[Row]]) -> list[Row]:
    """Run one suite; a failure (say the generator is broken mid-edit) becomes a row, so the
    other suites' figures are still reported."""
    try:
        return suite()
    except Exception as error:
        message = " ".join(str(error).split())[:300]
        print(f"  {section} FAILED: {message}", flush=True)
        return [Row(section, "FAILED", "", math.nan, note=message)]


def main(argv: list[str] | None = None) -> int:
    args, opts = parse(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    opts.out.mkdir(parents=True, exist_ok=True)
    started = machine()
    if opts.use_wrk:
        how = f"wrk -t{opts.wrk_threads} -c{opts.connections}"
    else:
        how = f"Python aiohttp loop, {opts.connections} connections"
        if not args.no_wrk:
            print(
                "NOTE: wrk not found; using the Python load generator (it competes for CPU with "
                "the servers: figures are lower and not comparable with wrk runs). "
                "Install it with `apt-get install -y wrk`.",
                flush=True,
            )
    print(
        f"{started['cores']} cores, load average {started['loadavg']}; work dir {opts.work}",
        flush=True,
    )
    rows: list[Row] = []
    try:
        if only & {"rest", "mcp"}:
            print("building and installing the seed adapter", flush=True)
            bin_dir = install_adapter(opts)
            for kind in [u.strip() for u in args.upstreams.split(",") if u.strip()]:
                rows += guarded(
                    f"upstream {kind}", lambda k=kind: upstream_suite(opts, only, bin_dir, k)
                )
        if "generator" in only:
            rows += guarded("generator", lambda: generator_suite(opts))
    finally:
        if not os.environ.get("BENCH_KEEP_WORK"):
            shutil.rmtree(opts.work, ignore_errors=True)
    goals = targets(rows, len(generator.corpus_files()))
    report: dict[str, object] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": started,
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
        "load_generator": how,
        "settings": f"{opts.reps} runs x {opts.duration:g} s per figure (after {opts.warmup:g} s warm-up), "
        f"{opts.mcp_calls} sequential MCP calls per run{', quick mode' if opts.quick else ''}.",
        "rows": [asdict(r) for r in rows],
        "targets": [asdict(g) for g in goals],
    }
    text = markdown(report, rows, goals)
    (opts.out / "latest.md").write_text(text)
    (opts.out / "latest.json").write_text(json.dumps(report, indent=2, allow_nan=True) + "\n")
    print()
    print(text)
    print(f"written: {opts.out / 'latest.md'}, {opts.out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
