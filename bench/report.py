"""The benchmark table: goals checked against the rows (reported, never asserted) and Markdown."""

from __future__ import annotations

import math
from collections.abc import Callable

from rows import Row, Target


def find(rows: list[Row], section: str, name: str) -> Row | None:
    return next((r for r in rows if r.section.startswith(section) and r.name == name), None)


def targets(rows: list[Row], corpus_size: int) -> list[Target]:
    out: list[Target] = []

    def ratio(section: str, name: str, base: str, goal: str, ok: Callable[[float], bool]) -> None:
        row, ref = find(rows, section, name), find(rows, section, base)
        if row is None or ref is None or not ref.value:
            return
        value = row.value / ref.value
        out.append(Target(f"{section}: {name} / {base}", value, goal, ok(value)))

    ratio(
        "REST GET /v1/api/sessions -> Jupyter",
        "generated adapter",
        "Jupyter direct",
        ">= 0.95",
        lambda v: v >= 0.95,
    )
    ratio(
        "REST GET /v1/api/sessions -> static",
        "generated adapter",
        "FastAPI+aiohttp proxy",
        ">= 1.0",
        lambda v: v >= 1.0,
    )
    ratio(
        "REST GET /v1/api/sessions -> static",
        "generated adapter",
        "Starlette+aiohttp proxy",
        ">= 0.9 (stretch)",
        lambda v: v >= 0.9,
    )
    for label in ("Jupyter", "static"):
        seq = f"MCP -> {label}: tools/call sequential"
        ratio(seq, "generated adapter", "SDK server", "<= 1.1 (p50)", lambda v: v <= 1.1)
        ratio(seq, "generated adapter", "FastMCP.from_openapi", "<= 0.6 (p50)", lambda v: v <= 0.6)
        ratio(
            f"MCP -> {label}: tools/call x",
            "generated adapter",
            "FastMCP.from_openapi",
            ">= 2 (calls/s)",
            lambda v: v >= 2,
        )
    ratio(
        "generator (whole process)",
        "build seed (rest-sessions.yaml)",
        "import floor",
        "<= 1.3",
        lambda v: v <= 1.3,
    )
    j2 = find(rows, "generator corpus", "-j 2")
    if j2 is not None and j2.value:
        seconds = corpus_size / j2.value
        out.append(
            Target(
                f"corpus ({corpus_size} files) with -j 2, seconds",
                seconds,
                "<= 120 s",
                seconds <= 120,
            )
        )
    for row in rows:
        if row.section.startswith("peak RSS") and row.name.startswith("generated adapter"):
            out.append(
                Target(f"{row.section}: adapter MiB", row.value, "<= 80 MiB", row.value <= 80)
            )
    return out


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}f}" if abs(value) >= 1 else f"{value:.3f}"


def markdown(report: dict[str, object], rows: list[Row], goals: list[Target]) -> str:
    info = report["machine"]
    lines = [
        f"# naftiko-gen benchmarks ({report['date']})",
        "",
        f"Machine: {info['cores']} cores, load average {info['loadavg']} at start, "  # type: ignore[index]
        f"{report['loadavg_end']} at end; Python {info['python']}. "  # type: ignore[index]
        f"Load generator: {report['load_generator']}. {report['settings']}",
        "",
        "| section | variant | median | unit | p50 ms | p99 ms | ratio | vs | runs / note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        runs = ", ".join(fmt(x) for x in r.runs)
        detail = "; ".join(x for x in (f"[{runs}]" if runs else "", r.note) if x)
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        vs = (
            r.baseline
            if r.baseline and r.baseline != r.name
            else ("baseline" if r.ratio is None else "-")
        )
        lines.append(
            f"| {r.section} | {r.name} | {fmt(r.value)} | {r.unit} | {fmt(r.p50_ms)} | "
            f"{fmt(r.p99_ms)} | {ratio} | {vs} | {detail} |"
        )
    lines += ["", "| target | measured | goal | result |", "|---|---|---|---|"]
    for g in goals:
        verdict = "pass" if g.passed else "FAIL"
        lines.append(f"| {g.what} | {fmt(g.ratio)} | {g.goal} | {verdict} |")
    return "\n".join(lines) + "\n"
