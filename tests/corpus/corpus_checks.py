"""Corpus gate, per-package checks of what the build wrote: compile, import and construct, lint,
and the sampled packages' generated tests.

Each check starts its tools as a `Background` job and returns at once; `result()` waits and
turns their output into `Failure`s. Nothing here asserts or prints.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from corpus_build import BACKGROUND_NICENESS, Built

REPO = Path(__file__).resolve().parents[2]
IMPORT_CHECK = Path(__file__).resolve().parent / "import_check.py"
COMPILE_CHECK = Path(__file__).resolve().parent / "compile_check.py"

__all__ = [
    "Background",
    "Failure",
    "TestCounts",
    "start_compile",
    "start_generated_tests",
    "start_imports",
    "start_lint",
]


@dataclass
class Failure:
    """One package failing one phase."""

    file: str
    phase: str
    detail: str


def _package_of(path: str, packages: dict[str, Built]) -> Built | None:
    """The built package whose folder contains `path` (packages keyed by folder)."""
    candidate = Path(path).resolve()
    for parent in (candidate, *candidate.parents):
        found = packages.get(str(parent))
        if found is not None:
            return found
    return None


def _split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    chunks: list[list[Any]] = [[] for _ in range(parts)]
    for index, item in enumerate(items):
        chunks[index % parts].append(item)
    return [chunk for chunk in chunks if chunk]


Command = tuple[list[str], dict[str, str], Path]
"""Arguments, environment and working folder of one tool run."""
Finished = list[tuple[int, str]]
"""(exit code, combined output) of each command of a job, in order."""
T = TypeVar("T")


def _start(commands: Sequence[Command]) -> list[tuple[subprocess.Popen[str], IO[str]]]:
    """Start commands concurrently, each writing to a temporary file (a pipe nobody reads yet
    would block a chatty child)."""
    started: list[tuple[subprocess.Popen[str], IO[str]]] = []
    for command, env, cwd in commands:
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by `_finish`
        process = subprocess.Popen(
            ["nice", "-n", str(BACKGROUND_NICENESS), *command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
        )
        started.append((process, log))
    return started


def _reap(process: subprocess.Popen[str]) -> float:
    """Wait for a child and return the CPU seconds it used (its own rusage, not the session's)."""
    if process.returncode is not None:
        return 0.0
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except ChildProcessError:  # reaped meanwhile by `Popen.kill` in `stop()`
        process.wait()
        return 0.0
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def _finish(started: Sequence[tuple[subprocess.Popen[str], IO[str]]]) -> tuple[Finished, float]:
    """Wait for started commands: their exit codes and outputs, and the CPU seconds they used."""
    results = []
    cpu = 0.0
    for process, log in started:
        cpu += _reap(process)
        with log:
            log.seek(0)
            results.append((process.returncode, log.read()))
    return results, cpu


class Background(Generic[T]):
    """Tool runs in the background: a thread starts them (after `after`, if given) and reaps
    them as they end, noting wall and CPU time; `result()` waits, then turns their exit codes
    and outputs into the phase's outcome with `collect` (once)."""

    def __init__(
        self,
        commands: Sequence[Command],
        collect: Callable[[Finished], T],
        after: Background[Any] | None = None,
    ) -> None:
        self.seconds = 0.0
        """Wall seconds from its start to its last command's end."""
        self.cpu = 0.0
        """CPU seconds of its commands (user + system)."""
        self._commands = list(commands)
        self._collect = collect
        self._after = after
        self._started: list[tuple[subprocess.Popen[str], IO[str]]] = []
        self._finished: Finished = []
        self._outcome: tuple[T] | None = None
        self._stopping = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self._after is not None:
            self._after.wait()  # e.g. import after compile: the bytecode is written once
        with self._lock:  # `stop()` either prevents the start or sees every process
            if self._stopping:
                return
            began = time.perf_counter()
            self._started = _start(self._commands)
        self._finished, self.cpu = _finish(self._started)
        self.seconds = time.perf_counter() - began

    def running(self) -> bool:
        """Whether some command has not ended yet."""
        return self._thread.is_alive()

    def wait(self) -> None:
        """Wait until every command has ended."""
        self._thread.join()

    def result(self) -> T:
        """Wait, then the outcome (computed once)."""
        self.wait()
        if self._outcome is None:
            self._outcome = (self._collect(self._finished),)
        return self._outcome[0]

    def stop(self) -> None:
        """Kill commands still running (nobody will look at them) and let the thread end."""
        with self._lock:
            self._stopping = True
            started = list(self._started)
        if self._after is not None:
            self._after.stop()
        for process, _ in started:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        self.wait()


def start_compile(out: Path, packages: dict[str, Built], workers: int) -> Background[list[Failure]]:
    """Byte-compile every generated file: `workers` processes of `compile_check.py`, each over
    a share of the packages (each distinct file content is compiled once per process)."""
    folders = sorted(packages)
    commands: list[Command] = [
        ([sys.executable, str(COMPILE_CHECK), *chunk], dict(os.environ), REPO)
        for chunk in (folders[number::workers] for number in range(workers))
        if chunk
    ]

    def collect(finished: Finished) -> list[Failure]:
        failures: list[Failure] = []
        output = "".join(text for _, text in finished)
        for match in re.finditer(r"\*\*\* Error compiling '([^']+)'", output):
            path = match.group(1)
            owner = _package_of(path, packages)
            try:
                compile(Path(path).read_text(encoding="utf-8"), path, "exec")
                detail = "compileall reported an error"
            except SyntaxError as error:
                detail = f"{Path(path).name}:{error.lineno}: {error.msg}"
            failures.append(Failure(owner.file if owner else path, "compile", detail))
        if any(code != 0 for code, _ in finished) and not failures:
            failures.append(Failure(str(out), "compile", output[-4000:]))
        return failures

    return Background(commands, collect)


def start_imports(
    built: Sequence[Built], out: Path, workers: int, after: Background[Any] | None = None
) -> Background[tuple[list[Failure], list[Failure]]]:
    """Import every module of every package in fresh interpreters, then construct its adapters.

    The outcome is (import failures, construct failures). Each worker interpreter imports one
    package at a time and forgets it before the next, so equal import names never meet.
    """
    commands: list[Command] = []
    results = []
    for number, chunk in enumerate(_split(built, workers)):
        todo = out / f"import-{number}.json"
        done = out / f"import-{number}.result.json"
        todo.write_text(
            json.dumps([[b.file, str(Path(b.package_dir) / "src"), b.package] for b in chunk])
        )
        commands.append(
            ([sys.executable, str(IMPORT_CHECK), str(todo), str(done)], dict(os.environ), REPO)
        )
        results.append(done)

    def collect(finished: Finished) -> tuple[list[Failure], list[Failure]]:
        failures: tuple[list[Failure], list[Failure]] = ([], [])
        for (code, output), done in zip(finished, results, strict=True):
            if not done.is_file():
                failures[0].append(Failure(str(done), "import", f"exit {code}\n{output[-3000:]}"))
                continue
            for file, phase, detail in json.loads(done.read_text()):
                failures[0 if phase == "import" else 1].append(Failure(file, phase, detail))
        return failures

    return Background(commands, collect, after)


def start_lint(out: Path, packages: dict[str, Built]) -> Background[list[Failure]]:
    """One `ruff check` over every package (each package's own pyproject config applies)."""
    report = out.parent / "ruff.json"
    command = [
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--no-cache",
        "--no-respect-gitignore",  # `/build/` is git-ignored in this repository
        "--output-format",
        "json",
        "--output-file",
        str(report),
        str(out),
    ]

    def collect(finished: Finished) -> list[Failure]:
        ((code, output),) = finished
        try:
            findings = json.loads(report.read_text(encoding="utf-8") or "[]")
        except (OSError, ValueError):
            return [Failure(str(out), "lint", f"ruff exit {code}:\n{output[-4000:]}")]
        by_file: dict[str, list[str]] = collections.defaultdict(list)
        for finding in findings:
            owner = _package_of(finding["filename"], packages)
            where = Path(finding["filename"]).name
            row = (finding.get("location") or {}).get("row", 0)
            by_file[owner.file if owner else finding["filename"]].append(
                f"{where}:{row}: {finding['code']} {finding['message']}"
            )
        if code not in (0, 1) and not findings:
            return [Failure(str(out), "lint", output[-4000:])]
        return [Failure(file, "lint", "\n".join(lines)) for file, lines in sorted(by_file.items())]

    return Background([(command, dict(os.environ), out)], collect)


# ----------------------------------------------------------------------------- generated tests


def _pytest_ini(sample: Sequence[Built], out: Path) -> Path:
    """A pytest.ini carrying the generated packages' own `[tool.pytest.ini_options]`.

    The packages share one pytest process, so their settings must agree; `testpaths` is left
    out because the test folders are given on the command line.
    """
    settings: dict[str, Any] = {}
    for result in sample:
        with (Path(result.package_dir) / "pyproject.toml").open("rb") as handle:
            options = tomllib.load(handle).get("tool", {}).get("pytest", {}).get("ini_options", {})
        options = {k: v for k, v in options.items() if k != "testpaths"}
        if settings and options != settings:
            raise AssertionError(
                f"{result.file}: its pytest settings {options} differ from the other packages' "
                f"{settings}; they cannot share one pytest run"
            )
        settings = options
    lines = ["[pytest]"]
    for key, value in settings.items():
        if isinstance(value, list):
            lines.append(f"{key} =" + "".join(f"\n    {item}" for item in value))
        else:
            lines.append(f"{key} = {value}")
    ini = out / "pytest.ini"
    ini.write_text("\n".join(lines) + "\n")
    return ini


@dataclass
class TestCounts:
    """Outcome counts of the generated tests of one package."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    details: list[str] = field(default_factory=list)


TestOutcome = tuple[dict[str, TestCounts], list[Failure]]
"""Per-package test counts, and failures."""


def start_generated_tests(
    sample: Sequence[Built], out: Path, workers: int
) -> Background[TestOutcome]:
    """Start the sample's generated tests: `workers` pytest processes, each over many packages.

    `--import-mode=importlib` gives every package's `tests/conftest.py` and `test_*.py` a
    distinct module name, so equal file names in different packages do not clash; each conftest's
    fixtures apply only below its own folder.
    """
    ini = _pytest_ini(sample, out) if sample else out / "pytest.ini"
    commands: list[Command] = []
    reports = []
    for number, chunk in enumerate(_split(sample, workers)):
        report = out / f"tests-{number}.xml"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(b.package_dir) / "src") for b in chunk]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        env.pop("PYTEST_ADDOPTS", None)
        commands.append(
            (
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-c",
                    str(ini),
                    "--rootdir",
                    str(out),
                    "-p",
                    "no:cacheprovider",
                    "--import-mode=importlib",
                    "--continue-on-collection-errors",
                    "-q",
                    "--no-header",
                    "-o",
                    "junit_family=xunit1",
                    f"--junitxml={report}",
                    *(str(Path(b.package_dir) / "tests") for b in chunk),
                ],
                env,
                REPO,
            )
        )
        reports.append(report)
    return Background(commands, lambda finished: _collect(sample, out, finished, reports))


def _owner(case: ET.Element, out: Path, by_dir: dict[str, Built]) -> Built | None:
    """The package a JUnit test case belongs to (by file, else by dotted name)."""
    where = case.get("file") or case.get("classname", "").replace(".", "/")
    owner = _package_of(str(out / where), by_dir)
    if owner is not None:
        return owner
    name = case.get("name", "")
    return next(
        (
            b
            for d, b in by_dir.items()
            if name.startswith(Path(d).relative_to(out).as_posix().replace("/", "."))
        ),
        None,
    )


def _tally(tally: TestCounts, case: ET.Element) -> None:
    problem = case.find("failure")
    if problem is None:
        problem = case.find("error")
    if problem is None:
        if case.find("skipped") is not None:
            tally.skipped += 1
        else:
            tally.passed += 1
        return
    if problem.tag == "failure":
        tally.failed += 1
    else:
        tally.errors += 1
    message = (problem.get("message") or "").strip().splitlines()
    tally.details.append(f"{case.get('name')}: {message[0][:300] if message else problem.tag}")


def _collect(
    sample: Sequence[Built],
    out: Path,
    finished: Sequence[tuple[int, str]],
    reports: Sequence[Path],
) -> tuple[dict[str, TestCounts], list[Failure]]:
    """Per-package counts and failures from the JUnit reports of finished pytest processes."""
    counts = {b.file: TestCounts() for b in sample}
    by_dir = {str(Path(b.package_dir).resolve()): b for b in sample}
    failures: list[Failure] = []
    for (code, output), report in zip(finished, reports, strict=True):
        if not report.is_file():
            failures.append(Failure(str(report), "test", f"pytest exit {code}:\n{output[-3000:]}"))
            continue
        for case in ET.parse(report).getroot().iter("testcase"):
            owner = _owner(case, out, by_dir)
            if owner is None:
                failures.append(Failure("?", "test", ET.tostring(case, encoding="unicode")[:2000]))
                continue
            _tally(counts[owner.file], case)
    for built in sample:
        tally = counts[built.file]
        if tally.failed or tally.errors:
            failures.append(Failure(built.file, "test", "\n".join(tally.details[:8])))
        elif not tally.passed:
            failures.append(Failure(built.file, "test", "no generated test ran"))
    return counts, failures
