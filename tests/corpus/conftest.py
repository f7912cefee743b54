"""Corpus gate fixtures: the `corpus` marker, the shared corpus run, progress, and the summary.

The corpus run starts in a thread as soon as collection ends, when a selected test needs it:
the build (lower-priority worker processes), then the checks (compile, import, lint, the
sampled packages' generated tests) run beside the session's other tests. The corpus tests are
moved to the end of the session, and the `corpus_run` fixture waits for the run. Progress lines
print between tests whatever `-s`/`-q` say. `pytest_terminal_summary` prints the table, also
written to `build/corpus-report.md`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
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


class CorpusStart:
    """`run_corpus` in a thread; its progress lines wait in a queue for the session's thread."""

    def __init__(self, root: Path, out: Path) -> None:
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.cancel = threading.Event()
        self.run: CorpusRun | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, args=(root, out), name="corpus-gate", daemon=True
        )
        self._thread.start()

    def _work(self, root: Path, out: Path) -> None:
        try:
            self.run = run_corpus(root, out, progress=self.lines.put, cancel=self.cancel)
        except BaseException as error:  # handed to the fixture, which raises it in a test
            self.error = error

    def flush(self, say: Progress) -> None:
        """Print the progress lines queued so far."""
        with contextlib.suppress(queue.Empty):
            while True:
                say(self.lines.get_nowait())

    def wait(self, say: Progress) -> CorpusRun:
        """Wait for the run, printing its progress; raise what it raised."""
        while self._thread.is_alive():
            self._thread.join(1.0)
            self.flush(say)
        self.flush(say)
        if self.error is not None:
            raise self.error
        assert self.run is not None
        return self.run

    def stop(self) -> None:
        """End the run early if it is still going; stop checks nobody waited for."""
        self.cancel.set()
        self._thread.join(120)
        if self.run is not None:
            self.run.stop_background()


START_KEY = pytest.StashKey[CorpusStart]()
HERE = Path(__file__).resolve().parent


def _in_corpus_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "corpus: builds and checks every file of ../shared/corpus (run: pytest tests/corpus)",
    )
    config.stash[REPORT_KEY] = []
    config.stash[DEEP_KEY] = []
    config.pluginmanager.register(_ProgressBetweenTests(), "corpus-progress")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the corpus tests last, those that wait for a background check at the very end: the
    corpus run then overlaps every other test."""
    corpus = [item for item in items if _in_corpus_folder(item)]
    items[:] = [
        *(item for item in items if not _in_corpus_folder(item)),
        *(item for item in corpus if item.name not in WAITS_FOR_BACKGROUND),
        *(item for item in corpus if item.name in WAITS_FOR_BACKGROUND),
    ]


def _output_folder(config: pytest.Config) -> Path:
    """`$NAFTIKO_CORPUS_OUT`, or a fresh folder of this session's pytest temporary folders."""
    fixed = os.environ.get("NAFTIKO_CORPUS_OUT")
    if fixed:
        return Path(fixed).resolve()
    # The session's `tmp_path_factory` (the fixture is not available at collection time).
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    return factory.mktemp("corpus")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the corpus run now if a selected test needs it and the corpus is there."""
    if not any("corpus_run" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    root = corpus_dir()
    if root.is_dir():
        session.config.stash[START_KEY] = CorpusStart(root, _output_folder(session.config))


class _ProgressBetweenTests:
    """Between any two tests of the session, print how far the corpus run got.

    A plugin, not a hook of this conftest: a conftest's test hooks see only its own folder.
    """

    @pytest.hookimpl
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        start = item.config.stash.get(START_KEY, None)
        if start is not None:
            start.flush(progress_printer(item.config))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A session that ends before the corpus tests (`-x`, Ctrl-C) stops the run."""
    start = session.config.stash.get(START_KEY, None)
    if start is not None:
        start.stop()


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
def corpus_run(corpus_root: Path, pytestconfig: pytest.Config) -> Iterator[CorpusRun]:
    """The whole corpus built and checked once; the tests below assert on parts of the result.

    Started when collection ended (`pytest_collection_finish`); this waits for it. Packages go
    to a fresh pytest temporary folder (concurrent runs never share one), or to
    `$NAFTIKO_CORPUS_OUT` when set (emptied first). At the end of the session, checks nobody
    waited for are stopped and the report is written.
    """
    start = pytestconfig.stash.get(START_KEY, None)
    if start is None:
        start = pytestconfig.stash[START_KEY] = CorpusStart(
            corpus_root, _output_folder(pytestconfig)
        )
    run = start.wait(progress_printer(pytestconfig))
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
