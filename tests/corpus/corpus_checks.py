"""Corpus gate, per-package checks of what the build wrote: compile, import and construct, lint,
and the sampled packages' generated tests (started in the background, collected at the end).

Each check takes the built packages and returns `Failure`s; nothing here asserts or prints.
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
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from corpus_build import Built

REPO = Path(__file__).resolve().parents[2]
IMPORT_CHECK = Path(__file__).resolve().parent / "import_check.py"

__all__ = [
    "Failure",
    "GeneratedTests",
    "TestCounts",
    "compile_packages",
    "import_packages",
    "lint_packages",
    "start_generated_tests",
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


Command = tuple[list[str], dict[str, str]]


def _start(commands: Sequence[Command]) -> list[tuple[subprocess.Popen[str], IO[str]]]:
    """Start commands concurrently, each writing to a temporary file (a pipe nobody reads yet
    would block a chatty child)."""
    started = []
    for command, env in commands:
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by `_finish` or `stop`
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=REPO
        )
        started.append((process, log))
    return started


def _alive(process: subprocess.Popen[str]) -> bool:
    """Whether a child still runs, without reaping it (`poll()` would lose its rusage)."""
    if process.returncode is not None:
        return False
    try:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        return os.waitid(os.P_PID, process.pid, flags) is None
    except ChildProcessError:
        return False


def _reap(process: subprocess.Popen[str]) -> float:
    """Wait for a child and return the CPU seconds it used (its own rusage, not the session's)."""
    if process.returncode is not None:
        return 0.0
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def _finish(
    started: Sequence[tuple[subprocess.Popen[str], IO[str]]],
) -> tuple[list[tuple[int, str]], float]:
    """Wait for started commands: (exit code, combined output) of each, in order, and the CPU
    seconds they used together."""
    results = []
    cpu = 0.0
    for process, log in started:
        cpu += _reap(process)
        with log:
            log.seek(0)
            results.append((process.returncode, log.read()))
    return results, cpu


def compile_packages(out: Path, packages: dict[str, Built], workers: int) -> list[Failure]:
    """Byte-compile every generated file with `compileall` (one process, `workers` jobs)."""
    run = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-f", "-j", str(workers), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    failures: list[Failure] = []
    for match in re.finditer(r"\*\*\* Error compiling '([^']+)'", run.stdout):
        path = match.group(1)
        owner = _package_of(path, packages)
        try:
            compile(Path(path).read_text(encoding="utf-8"), path, "exec")
            detail = "compileall reported an error"
        except SyntaxError as error:
            detail = f"{Path(path).name}:{error.lineno}: {error.msg}"
        failures.append(Failure(owner.file if owner else path, "compile", detail))
    if run.returncode != 0 and not failures:
        failures.append(Failure(str(out), "compile", run.stdout[-2000:] + run.stderr[-2000:]))
    return failures


def import_packages(
    built: Sequence[Built], out: Path, workers: int
) -> tuple[list[Failure], list[Failure]]:
    """Import every module of every package in fresh interpreters, then construct its adapters.

    Returns (import failures, construct failures). Each worker interpreter imports one package
    at a time and forgets it before the next, so equal import names never meet.
    """
    failures: tuple[list[Failure], list[Failure]] = ([], [])
    commands = []
    results = []
    for number, chunk in enumerate(_split(built, workers)):
        todo = out / f"import-{number}.json"
        done = out / f"import-{number}.result.json"
        todo.write_text(
            json.dumps([[b.file, str(Path(b.package_dir) / "src"), b.package] for b in chunk])
        )
        commands.append(
            ([sys.executable, str(IMPORT_CHECK), str(todo), str(done)], dict(os.environ))
        )
        results.append(done)
    for (code, output), done in zip(_finish(_start(commands))[0], results, strict=True):
        if not done.is_file():
            failures[0].append(Failure(str(done), "import", f"exit {code}\n{output[-3000:]}"))
            continue
        for file, phase, detail in json.loads(done.read_text()):
            failures[0 if phase == "import" else 1].append(Failure(file, phase, detail))
    return failures


def lint_packages(out: Path, packages: dict[str, Built]) -> list[Failure]:
    """One `ruff check` over every package (each package's own pyproject config applies)."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--no-respect-gitignore",  # `/build/` is git-ignored in this repository
            "--output-format",
            "json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=out,
    )
    try:
        findings = json.loads(run.stdout or "[]")
    except ValueError:
        return [Failure(str(out), "lint", run.stdout[-2000:] + run.stderr[-2000:])]
    by_file: dict[str, list[str]] = collections.defaultdict(list)
    for finding in findings:
        owner = _package_of(finding["filename"], packages)
        where = Path(finding["filename"]).name
        row = (finding.get("location") or {}).get("row", 0)
        by_file[owner.file if owner else finding["filename"]].append(
            f"{where}:{row}: {finding['code']} {finding['message']}"
        )
    if run.returncode not in (0, 1) and not findings:
        return [Failure(str(out), "lint", run.stderr[-2000:])]
    return [Failure(file, "lint", "\n".join(lines)) for file, lines in sorted(by_file.items())]


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


@dataclass
class GeneratedTests:
    """The sample's generated tests, running in background pytest processes.

    They mostly wait (server start-up and shutdown), so the rest of the test session runs beside
    them; `wait()` collects the outcome, `stop()` ends processes nobody will wait for.
    """

    sample: list[Built]
    out: Path
    reports: list[Path]
    started: list[tuple[subprocess.Popen[str], IO[str]]]
    began: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0
    cpu: float = 0.0
    """CPU seconds of the pytest processes (user + system)."""
    outcome: tuple[dict[str, TestCounts], list[Failure]] | None = None

    def running(self) -> int:
        """How many of the processes are still running (finished ones are not reaped here, so
        `wait()` still gets their CPU figures)."""
        return sum(_alive(process) for process, _ in self.started)

    def wait(self) -> tuple[dict[str, TestCounts], list[Failure]]:
        """Wait for every process; per-package counts and failures (computed once)."""
        if self.outcome is None:
            finished, self.cpu = _finish(self.started)
            self.seconds = time.perf_counter() - self.began
            self.outcome = _collect(self.sample, self.out, finished, self.reports)
        return self.outcome

    def stop(self) -> None:
        """Kill the processes still running and close their logs."""
        for process, log in self.started:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()
            log.close()


def start_generated_tests(sample: Sequence[Built], out: Path, workers: int) -> GeneratedTests:
    """Start the sample's generated tests: `workers` pytest processes, each over many packages.

    `--import-mode=importlib` gives every package's `tests/conftest.py` and `test_*.py` a
    distinct module name, so equal file names in different packages do not clash; each conftest's
    fixtures apply only below its own folder.
    """
    if not sample:
        return GeneratedTests([], out, [], [])
    ini = _pytest_ini(sample, out)
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
            )
        )
        reports.append(report)
    return GeneratedTests(list(sample), out, reports, _start(commands))


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
