"""Corpus gate fixtures: the `corpus` marker, the shared corpus run, and the summary table.

The run (build + compile + import + lint + sampled generated tests) happens once per session,
in the `corpus_run` fixture; `pytest_terminal_summary` prints its table whatever `-s`/`-q` say,
and it is also written to `build/corpus-report.md`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus_harness import (
    DEEP_KEY,
    REPORT_FILE,
    CorpusRun,
    corpus_dir,
    report_lines,
    run_corpus,
    write_report,
)

REPORT_KEY = pytest.StashKey[list[list[str]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "corpus: builds and checks every file of ../shared/corpus (run: pytest tests/corpus)",
    )
    config.stash[REPORT_KEY] = []
    config.stash[DEEP_KEY] = []


def add_report(config: pytest.Config, lines: list[str]) -> None:
    """Queue a section for the end-of-run summary."""
    config.stash[REPORT_KEY].append(lines)


@pytest.fixture(scope="session")
def corpus_root() -> Path:
    """The corpus folder; every corpus test skips when it is absent."""
    root = corpus_dir()
    if not root.is_dir():
        pytest.skip(f"the corpus is not available at {root}")
    return root


@pytest.fixture(scope="session")
def corpus_run(
    corpus_root: Path, pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> CorpusRun:
    """Build and check the whole corpus once; the tests below assert on parts of the result.

    Packages go to a fresh pytest temporary folder (concurrent runs never share one), or to
    `$NAFTIKO_CORPUS_OUT` when set (emptied first).
    """
    fixed = os.environ.get("NAFTIKO_CORPUS_OUT")
    out = Path(fixed).resolve() if fixed else tmp_path_factory.mktemp("corpus")
    run = run_corpus(corpus_root, out)
    lines = report_lines(run)
    write_report(lines)
    add_report(pytestconfig, lines)
    return run


def deep_report(rows: list[tuple[str, int, int, int, int]]) -> list[str]:
    """The deep check's table: one line per sampled file, then totals."""
    lines = [
        "## naftiko-gen corpus deep check",
        "",
        "| file | routes | tools | upstream requests checked | problems |",
        "|---|---:|---:|---:|---:|",
    ]
    for file, routes, tools, checked, problems in sorted(rows):
        shown = "does not build" if problems < 0 else str(problems)
        lines.append(f"| {file} | {routes} | {tools} | {checked} | {shown} |")
    failing = sum(1 for row in rows if row[4] != 0)
    lines += [
        "",
        f"{len(rows)} files, {len(rows) - failing} clean, {failing} with problems; "
        f"{sum(r[1] for r in rows)} routes and {sum(r[2] for r in rows)} tools called, "
        f"{sum(r[3] for r in rows)} upstream requests checked",
    ]
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    rows = config.stash.get(DEEP_KEY, [])
    reports = config.stash.get(REPORT_KEY, [])
    sections = [*reports]
    if rows:
        lines = deep_report(rows)
        write_report(lines, REPORT_FILE.with_name("corpus-deep-report.md"))
        sections.append(lines)
    for lines in sections:
        terminalreporter.write_sep("=", "corpus gate")
        for line in lines:
            terminalreporter.write_line(line)
