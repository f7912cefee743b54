"""Corpus gate fixtures: the `corpus` marker, the shared corpus run, progress, and the summary.

The build happens once per session, in the `corpus_run` fixture, and prints progress lines
whatever `-s`/`-q` say. It leaves the checks (compile, import, lint, the sampled packages'
generated tests) running in the background; the tests that assert on them are moved to the end
of the session, so they overlap every other test. `pytest_terminal_summary` prints the table,
also written to `build/corpus-report.md`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus_build import Progress, corpus_dir
from corpus_harness import DEEP_KEY, REPORT_FILE, CorpusRun, report_lines, run_corpus, write_report

REPORT_KEY = pytest.StashKey[list[list[str]]]()
WAITS_FOR_BACKGROUND = frozenset(
    {
        "test_built_packages_compile",
        "test_built_packages_import",
        "test_built_packages_construct_their_adapters",
        "test_built_packages_pass_ruff",
        "test_sampled_packages_pass_their_generated_tests",
    }
)
"""The tests that wait for a background check; they run last, in file order."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "corpus: builds and checks every file of ../shared/corpus (run: pytest tests/corpus)",
    )
    config.stash[REPORT_KEY] = []
    config.stash[DEEP_KEY] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that wait for background checks last, so the checks overlap the session."""
    last = [item for item in items if item.name in WAITS_FOR_BACKGROUND]
    items[:] = [item for item in items if item.name not in WAITS_FOR_BACKGROUND] + last


def add_report(config: pytest.Config, lines: list[str]) -> None:
    """Queue a section for the end-of-run summary."""
    config.stash[REPORT_KEY].append(lines)


def progress_printer(config: pytest.Config) -> Progress:
    """Print a line on the terminal now, even while pytest captures output (as live logs do)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:
        if reporter is None:
            return
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            writer = config.get_terminal_writer()
            if writer.width_of_current_line:  # after `-q`'s dots: start a line of our own
                writer.line()
            reporter.write_line(line)

    return say


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
) -> Iterator[CorpusRun]:
    """Build and check the whole corpus once; the tests below assert on parts of the result.

    Packages go to a fresh pytest temporary folder (concurrent runs never share one), or to
    `$NAFTIKO_CORPUS_OUT` when set (emptied first). At the end of the session, checks nobody
    waited for are stopped and the report is written.
    """
    fixed = os.environ.get("NAFTIKO_CORPUS_OUT")
    out = Path(fixed).resolve() if fixed else tmp_path_factory.mktemp("corpus")
    run = run_corpus(corpus_root, out, progress=progress_printer(pytestconfig))
    try:
        yield run
    finally:
        run.stop_background()
        lines = report_lines(run)
        write_report(lines)
        add_report(pytestconfig, lines)


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
