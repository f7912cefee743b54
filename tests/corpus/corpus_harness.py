"""The corpus gate's engine: build every corpus file, then compile, import, lint and test the output.

Used by `test_corpus.py` (one run per session, results shared by its tests) and by
`conftest.py` (progress lines and the summary table). Every phase is timed (wall and CPU);
nothing here asserts. The build is in `corpus_build.py`, the per-package checks in
`corpus_checks.py`; the knobs (`NAFTIKO_CORPUS…` environment variables) are listed in
`corpus_build.py`, plus `NAFTIKO_CORPUS_OUT` — keep the generated packages there (default: a
pytest temporary folder).

Nothing runs in the foreground: `conftest.py` calls `run_corpus` in a thread when the session
starts, so the build (a pool of lower-priority workers) runs beside the session's other tests;
`run_corpus` then starts the checks as background jobs (compile then import, lint, and the
sample's generated tests, which mostly wait on servers) and returns. The corpus tests run last;
`CorpusRun.collect(phase)` waits for one check.
"""

from __future__ import annotations

import collections
import json
import re
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from corpus_build import (
    Built,
    Progress,
    Refusal,
    build_all,
    corpus_files,
    group_of,
    jobs,
    pick_test_sample,
    pytest_processes,
    read_refusals,
    refusal_problems,
)
from corpus_checks import (
    Background,
    Failure,
    TestCounts,
    start_compile,
    start_generated_tests,
    start_imports,
    start_lint,
)

REPO = Path(__file__).resolve().parents[2]
REPORT_FILE = REPO / "build" / "corpus-report.md"
DEEP_KEY = pytest.StashKey[list[tuple[str, int, int, int, int]]]()
"""Deep-check rows: (file, routes, tools, upstream requests checked, problems; -1 = no build)."""
REPORT_LIMIT = 40
"""Failures listed per phase in the report (the failing test's message lists them all)."""

__all__ = [
    "DEEP_KEY",
    "REPORT_FILE",
    "CorpusRun",
    "Failure",
    "normalise",
    "report_lines",
    "run_corpus",
    "write_report",
]


@dataclass
class CorpusRun:
    """Everything one corpus run found, with the wall time of each phase."""

    root: Path
    out: Path
    results: list[Built]
    refusals: dict[str, Refusal]
    refusal_problems: list[str]
    sample: list[Built]
    failures: dict[str, list[Failure]]
    """Phase (`compile`, `import`, `construct`, `lint`, `test`) → failures, once collected."""
    seconds: dict[str, float]
    """Wall seconds per phase."""
    cpu: dict[str, float]
    """CPU seconds per phase: this process and the children it waited for (workers, tools)."""
    background: dict[str, Background[Any]] = field(default_factory=dict)
    """The checks still running or not yet collected, by phase (`compile`, `import`, …)."""
    test_counts: dict[str, TestCounts] = field(default_factory=dict)
    progress: Progress = field(default=lambda line: None, repr=False)

    @property
    def built(self) -> list[Built]:
        """Successfully built packages."""
        return [r for r in self.results if r.status == "built"]

    def collect(self, phase: str) -> None:
        """Wait for a background check and record its failures, wall and CPU time (once)."""
        job = self.background.pop(phase, None)
        if job is None:
            return
        if job.running():
            self.progress(f"corpus: waiting for {phase}")
        outcome = job.result()
        if phase == "import":
            self.failures["import"], self.failures["construct"] = outcome
        elif phase == "test":
            self.test_counts, self.failures["test"] = outcome
        else:
            self.failures[phase] = outcome
        self.seconds[phase], self.cpu[phase] = job.seconds, job.cpu
        self.progress(f"corpus: {phase} done ({job.seconds:.0f} s, in the background)")

    def stop_background(self) -> None:
        """End checks nobody collected (deselected or interrupted)."""
        for job in self.background.values():
            job.stop()
        self.background.clear()


def run_corpus(
    root: Path,
    out: Path,
    workers: int | None = None,
    progress: Progress = lambda line: None,
    cancel: threading.Event | None = None,
) -> CorpusRun:
    """Build the whole corpus, then start its checks in the background and return.

    Progress lines go to `progress`. Once `cancel` is set, the build stops early and no check
    starts.
    """
    workers = workers or jobs()
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}

    files = corpus_files(root)
    packages_root = out / "packages"
    progress(
        f"corpus: building {len(files)} files with {workers} worker processes, beside the other tests"
    )
    started = time.perf_counter()
    results = build_all(root, files, packages_root, workers, progress, cancel)
    # The workers' own CPU per file: the session's other tests reap children meanwhile.
    seconds["build"], cpu["build"] = time.perf_counter() - started, sum(r.cpu for r in results)
    (out / "build-results.json").write_text(
        json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8"
    )
    built = [r for r in results if r.status == "built"]
    by_dir = {str(Path(b.package_dir).resolve()): b for b in built}
    sample = pick_test_sample(built)
    background: dict[str, Background[Any]] = {}
    cancelled = cancel is not None and cancel.is_set()
    if built and not cancelled:
        # Import after compile: the bytecode is then written once.
        background["compile"] = start_compile(packages_root, by_dir, workers)
        background["import"] = start_imports(built, out, workers, after=background["compile"])
        background["lint"] = start_lint(packages_root, by_dir)
    if not cancelled:
        background["test"] = start_generated_tests(sample, packages_root, pytest_processes())
    progress(
        f"corpus: compile, import, lint and the generated tests of {len(sample)} sampled "
        f"packages ({pytest_processes()} processes) run in the background; checked at the end"
    )
    refusals = read_refusals()
    return CorpusRun(
        root,
        out,
        results,
        refusals,
        refusal_problems(results, refusals),
        sample,
        {},
        seconds,
        cpu,
        background,
        progress=progress,
    )


# ----------------------------------------------------------------------------- the report


def _build_table(run: CorpusRun) -> list[str]:
    """Files, built, warnings, refused and crashed per corpus set, and refusals by code."""
    results = run.results
    lines = [
        "| set | files | built | warnings | refused | crashed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for group in [*sorted({group_of(r.file)[0] for r in results}), "total"]:
        rows = [r for r in results if group in ("total", group_of(r.file)[0])]
        lines.append(
            f"| {group} | {len(rows)} | {sum(r.status == 'built' for r in rows)} | "
            f"{sum(r.warnings for r in rows)} | {sum(r.status == 'refused' for r in rows)} | "
            f"{sum(r.status == 'crash' for r in rows)} |"
        )
    refused = [r for r in results if r.status == "refused"]
    codes = collections.Counter(code for r in refused for code in r.codes[:1])
    explained = sum(
        1 for r in refused if r.file in run.refusals and run.refusals[r.file].code in r.codes
    )
    derived = [r for r in results if r.status == "built" and r.derived]
    return [
        *lines,
        "",
        f"consumes-only files built through derived adapters (NAF390): {len(derived)}",
        "refused by first error code: "
        + (", ".join(f"{code} {n}" for code, n in sorted(codes.items())) or "none")
        + f" ({explained} explained by refusals.tsv, {len(refused) - explained} not)",
    ]


def _phase_table(run: CorpusRun) -> list[str]:
    """Packages, failing packages, wall and CPU time per phase, and the generated tests' totals."""
    crashes = sum(r.status == "crash" for r in run.results)
    lines = [
        "| phase | packages | failures | wall s | cpu s |",
        "|---|---:|---:|---:|---:|",
        f"| build | {len(run.results)} | {crashes + len(run.refusal_problems)} problem(s) "
        f"| {run.seconds.get('build', 0):.1f} | {run.cpu.get('build', 0):.1f} |",
    ]
    for phase, count in (
        ("compile", len(run.built)),
        ("import", len(run.built)),
        ("construct", len(run.built)),
        ("lint", len(run.built)),
        ("test", len(run.sample)),
    ):
        failing = len({f.file for f in run.failures.get(phase, [])})
        if phase == "construct":
            wall = cpu = "(in import)"
        elif phase not in run.seconds:
            wall = cpu = "-"
        else:
            wall, cpu = f"{run.seconds[phase]:.1f} (background)", f"{run.cpu[phase]:.1f}"
        lines.append(f"| {phase} | {count} | {failing} | {wall} | {cpu} |")
    counts = run.test_counts.values()
    if "test" in run.failures:
        ran = sum(c.passed + c.failed + c.errors + c.skipped for c in counts)
        failed = sum(c.failed + c.errors for c in counts)
        summary = f"{ran} run in {len(run.sample)} sampled packages, {failed} failed"
    else:
        summary = "not collected (their check did not run)"
    return [*lines, "", f"generated tests: {summary}"]


def _unexplained_builds(run: CorpusRun) -> list[str]:
    """Crashes and unlisted refusals, grouped by their normalised first error."""
    unexplained = [
        r
        for r in run.results
        if r.status == "crash"
        or (
            r.status == "refused"
            and run.refusals.get(r.file, Refusal("", "-", "")).code not in r.codes
        )
    ]
    if not unexplained:
        return []
    lines = [
        "",
        f"### unexplained build failures, grouped ({len(unexplained)} files)",
        "",
        "| files | code | first error (normalised) | examples |",
        "|---:|---|---|---|",
    ]
    clusters: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for result in unexplained:
        clusters[(result.codes[0], normalise(result.errors[0]))].append(result.file)
    for (code, message), files in sorted(clusters.items(), key=lambda g: (-len(g[1]), g[0])):
        lines.append(f"| {len(files)} | {code} | {message} | {', '.join(files[:3])} |")
    return lines


def _problem_lists(run: CorpusRun) -> list[str]:
    """The refusal-list problems and every phase's failures (up to REPORT_LIMIT each)."""
    lines: list[str] = []
    if run.refusal_problems:
        shown = run.refusal_problems[:REPORT_LIMIT]
        lines += ["", "### build problems (not explained by refusals.tsv)", ""]
        lines += [f"- {p}" for p in shown]
        if len(run.refusal_problems) > len(shown):
            lines.append(f"- … and {len(run.refusal_problems) - len(shown)} more (see the test)")
    for phase, failures in run.failures.items():
        if failures:
            lines += ["", f"### {phase} failures ({len(failures)})", ""]
            for failure in failures[:REPORT_LIMIT]:
                lines.append(f"- {failure.file}: " + failure.detail.replace("\n", "\n    "))
    return lines


def report_lines(run: CorpusRun) -> list[str]:
    """The summary table (Markdown) and every failure, as printed and written to the report."""
    return [
        "## naftiko-gen corpus gate",
        "",
        f"corpus: {run.root}  output: {run.out}",
        "",
        *_build_table(run),
        "",
        *_phase_table(run),
        *_unexplained_builds(run),
        *_dialect_policy(run),
        *_problem_lists(run),
    ]


def _dialect_policy(run: CorpusRun) -> list[str]:
    """How many dialect-policy variants were generated and passed (tests/dialect/variants.py)."""
    sys.path.insert(0, str(REPO / "tests" / "dialect"))
    from variants import gate_line

    return ["", gate_line(run.root)]


def normalise(error: str) -> str:
    """A diagnostic's first line (a traceback's last) without location, quotes, numbers."""
    text = error.strip().splitlines() or [""]
    line = text[-1] if text[0].startswith("Traceback") else text[0]
    line = re.sub(r"^.*?(error|warning)\[[A-Z0-9]+\]: ", "", line)
    line = re.sub(r"'[^']*'|`[^`]*`|\"[^\"]*\"", "'…'", line)
    line = re.sub(r"\d+", "N", line)
    return line.replace("|", "\\|")[:160]


def write_report(lines: Sequence[str], path: Path = REPORT_FILE) -> None:
    """Write the report where developers (and CI artefacts) find it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
