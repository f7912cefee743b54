"""The corpus gate's engine: build every corpus file, then compile, import, lint and test the output.

Used by `test_corpus.py` (one run per session, results shared by its tests) and by
`conftest.py` (the summary table). Every phase is timed; nothing here asserts.

Environment knobs (all optional):

- `NAFTIKO_CORPUS` — the corpus folder (default `<repo>/../shared/corpus`);
- `NAFTIKO_CORPUS_OUT` — keep the generated packages there (default: a pytest temporary folder);
- `NAFTIKO_CORPUS_JOBS` — worker processes (default 2, what CI has);
- `NAFTIKO_CORPUS_TEST_PROCESSES` — pytest processes for the generated tests (default twice the jobs);
- `NAFTIKO_CORPUS_PER_PROVIDER` — catalog packages per provider whose tests run (default 1);
- `NAFTIKO_CORPUS_ALL_TESTS=1` — run the generated tests of *every* built package, not the sample.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REFUSALS_FILE = HERE / "refusals.tsv"
REPORT_FILE = REPO / "build" / "corpus-report.md"
DEEP_KEY = pytest.StashKey[list[tuple[str, int, int, int, int]]]()
"""Deep-check rows: (file, routes, tools, upstream requests checked, problems; -1 = no build)."""
REPORT_LIMIT = 40
"""Failures listed per phase in the report (the failing test's message lists them all)."""
SAMPLE_PER_PROVIDER = int(os.environ.get("NAFTIKO_CORPUS_PER_PROVIDER", "1"))
"""Catalog files per provider whose generated tests run (all official and jupyter ones do).

One: the build alone takes ~0.56 CPU-s per file (~9 of CI's 15 minutes on 2 cores) and each
package's generated tests ~3.5 CPU-s, so a second file per provider (~+100 s) breaks the budget.
"""


def corpus_dir() -> Path:
    """Where the corpus lives (it may be absent: the tests then skip)."""
    return Path(os.environ.get("NAFTIKO_CORPUS") or REPO.parent / "shared" / "corpus").resolve()


def jobs() -> int:
    """How many worker processes each CPU-bound phase uses."""
    return max(1, int(os.environ.get("NAFTIKO_CORPUS_JOBS", "2")))


def pytest_processes() -> int:
    """How many pytest processes run the generated tests.

    Those tests mostly wait (server start-up and shutdown, timeouts), so twice the CPU-bound
    worker count keeps the cores busy.
    """
    return max(1, int(os.environ.get("NAFTIKO_CORPUS_TEST_PROCESSES", str(2 * jobs()))))


def corpus_files(root: Path) -> list[str]:
    """Every capability file, relative to the corpus root, sorted (MANIFEST.tsv when present)."""
    manifest = root / "MANIFEST.tsv"
    if manifest.is_file():
        lines = manifest.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        column = header.index("file")
        return sorted(line.split("\t")[column] for line in lines[1:] if line.strip())
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def group_of(relative: str) -> tuple[str, str]:
    """(set, provider) of a corpus file: `catalog/<provider>/…`, `jupyter/<repo>/…`, `official/…`."""
    parts = relative.split("/")
    if parts[0] == "official" or len(parts) < 3:
        return parts[0], parts[0]
    return parts[0], parts[1]


# ----------------------------------------------------------------------------- build


@dataclass
class Built:
    """What building one corpus file gave."""

    file: str
    status: str
    """`built`, `refused` (the generator reported errors) or `crash` (any other exception)."""
    seconds: float
    warnings: int = 0
    codes: tuple[str, ...] = ()
    """Error codes of a refusal, unique, in the order of the findings."""
    errors: tuple[str, ...] = ()
    """Formatted error diagnostics (a refusal) or the traceback (a crash)."""
    package_dir: str = ""
    package: str = ""
    """The import name."""
    routes: int = 0
    tools: int = 0


def build_one(relative: str, root: str, out: str) -> Built:
    """Generate and write one corpus file (runs in a worker process)."""
    from naftiko_codegen.diagnostics import DiagnosticError, Severity, format_diagnostic
    from naftiko_codegen.pipeline import generate
    from naftiko_codegen.write import write_package

    started = time.perf_counter()
    try:
        package = generate(Path(root) / relative, source=relative)
        target = Path(out) / Path(relative).parent / package.slug
        write_package(target, package.files, source=relative)
    except DiagnosticError as error:
        errors = [d for d in error.diagnostics if d.severity is Severity.ERROR]
        return Built(
            relative,
            "refused",
            time.perf_counter() - started,
            codes=tuple(dict.fromkeys(d.code for d in errors)),
            errors=tuple(format_diagnostic(d) for d in errors),
        )
    except Exception as error:
        return Built(
            relative,
            "crash",
            time.perf_counter() - started,
            codes=(type(error).__name__,),
            errors=("".join(traceback.format_exception(error)),),
        )
    model = package.model
    return Built(
        relative,
        "built",
        time.perf_counter() - started,
        warnings=sum(1 for d in package.diagnostics if d.severity is Severity.WARNING),
        package_dir=str(target),
        package=str(model.package),
        routes=len(model.rest.routes) if model.rest else 0,
        tools=len(model.mcp.tools) if model.mcp else 0,
    )


def build_all(root: Path, files: Sequence[str], out: Path, workers: int) -> list[Built]:
    """Build every file with a process pool; the output tree is recreated from scratch."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with ProcessPoolExecutor(workers) as pool:
        results = pool.map(
            build_one, files, [str(root)] * len(files), [str(out)] * len(files), chunksize=4
        )
        return list(results)


# ----------------------------------------------------------------------------- refusals


@dataclass(frozen=True)
class Refusal:
    """A reviewed, accepted refusal: the file, the error code it must report, and why."""

    file: str
    code: str
    reason: str


def read_refusals(path: Path = REFUSALS_FILE) -> dict[str, Refusal]:
    """Parse `refusals.tsv` (`file<TAB>code<TAB>reason`; `#` comments and blank lines skipped)."""
    refusals: dict[str, Refusal] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "file":
            continue
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ValueError(f"{path.name}:{number}: expected file<TAB>code<TAB>reason: {line!r}")
        if parts[0] in refusals:
            raise ValueError(f"{path.name}:{number}: {parts[0]} is listed twice")
        refusals[parts[0]] = Refusal(*(p.strip() for p in parts))
    return refusals


def refusal_problems(results: Iterable[Built], refusals: dict[str, Refusal]) -> list[str]:
    """Every way the build results disagree with the reviewed refusal list."""
    problems: list[str] = []
    seen: set[str] = set()
    for result in results:
        seen.add(result.file)
        listed = refusals.get(result.file)
        if result.status == "crash":
            problems.append(f"{result.file}: generator crashed:\n{result.errors[0]}")
        elif result.status == "refused" and listed is None:
            problems.append(
                f"{result.file}: refused but not in refusals.tsv:\n    "
                + "\n    ".join(result.errors[:5])
            )
        elif result.status == "refused" and listed and listed.code not in result.codes:
            problems.append(
                f"{result.file}: refused with {', '.join(result.codes)}, but refusals.tsv "
                f"expects {listed.code}:\n    " + "\n    ".join(result.errors[:5])
            )
        elif result.status == "built" and listed:
            problems.append(
                f"{result.file}: builds now, but refusals.tsv still lists it ({listed.code}); "
                "remove the line"
            )
    for name in sorted(set(refusals) - seen):
        problems.append(f"{name}: listed in refusals.tsv but not in the corpus")
    for refusal in refusals.values():
        if refusal.code.startswith("NAF4") or not refusal.code.startswith("NAF"):
            problems.append(
                f"{refusal.file}: {refusal.code} is a generator failure, not a refusal a user "
                "could accept; fix the generator instead of listing it"
            )
    return problems


# ----------------------------------------------------------------------------- per-package checks


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


IMPORT_CHECK = HERE / "import_check.py"


def _split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    chunks: list[list[Any]] = [[] for _ in range(parts)]
    for index, item in enumerate(items):
        chunks[index % parts].append(item)
    return [chunk for chunk in chunks if chunk]


def _run_parallel(commands: Sequence[tuple[list[str], dict[str, str]]]) -> list[tuple[int, str]]:
    """Run commands concurrently; return (exit code, combined output) of each, in order.

    Output goes to temporary files, not pipes: a child filling a pipe nobody reads yet blocks.
    """
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in commands]
        running = [
            subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=REPO
            )
            for (command, env), log in zip(commands, logs, strict=True)
        ]
        codes = [process.wait() for process in running]
        outputs = []
        for log in logs:
            log.seek(0)
            outputs.append(log.read())
    return list(zip(codes, outputs, strict=True))


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
    for (code, output), done in zip(_run_parallel(commands), results, strict=True):
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


def pick_test_sample(built: Sequence[Built]) -> list[Built]:
    """The packages whose generated tests run: deterministic and stratified.

    Every official and jupyter package, plus the first `SAMPLE_PER_PROVIDER` built packages of
    each catalog provider by file name. Import names are kept unique (one pytest process
    imports them all). `NAFTIKO_CORPUS_ALL_TESTS=1` takes every built package instead.
    """
    everything = os.environ.get("NAFTIKO_CORPUS_ALL_TESTS") == "1"
    taken: collections.Counter[str] = collections.Counter()
    names: set[str] = set()
    sample: list[Built] = []
    for result in sorted(built, key=lambda b: b.file):
        corpus_set, provider = group_of(result.file)
        if result.package in names:
            continue
        if corpus_set == "catalog" and not everything:
            if taken[provider] >= SAMPLE_PER_PROVIDER:
                continue
            taken[provider] += 1
        names.add(result.package)
        sample.append(result)
    return sample


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


def run_generated_tests(
    sample: Sequence[Built], out: Path, workers: int
) -> tuple[dict[str, TestCounts], list[Failure]]:
    """Run the sample's generated tests: `workers` pytest processes, each over many packages.

    `--import-mode=importlib` gives every package's `tests/conftest.py` and `test_*.py` a
    distinct module name, so equal file names in different packages do not clash; each conftest's
    fixtures apply only below its own folder.
    """
    counts: dict[str, TestCounts] = {b.file: TestCounts() for b in sample}
    if not sample:
        return counts, []
    ini = _pytest_ini(sample, out)
    by_dir = {str(Path(b.package_dir).resolve()): b for b in sample}
    commands = []
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
    failures: list[Failure] = []
    for (code, output), report in zip(_run_parallel(commands), reports, strict=True):
        if not report.is_file():
            failures.append(Failure(str(report), "test", f"pytest exit {code}:\n{output[-3000:]}"))
            continue
        for case in ET.parse(report).getroot().iter("testcase"):
            where = case.get("file") or case.get("classname", "").replace(".", "/")
            owner = _package_of(str(out / where), by_dir)
            if owner is None:
                owner = next(
                    (
                        b
                        for d, b in by_dir.items()
                        if case.get("name", "").startswith(
                            Path(d).relative_to(out).as_posix().replace("/", ".")
                        )
                    ),
                    None,
                )
            if owner is None:
                failures.append(Failure("?", "test", ET.tostring(case, encoding="unicode")[:2000]))
                continue
            tally = counts[owner.file]
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is not None:
                if problem.tag == "failure":
                    tally.failed += 1
                else:
                    tally.errors += 1
                message = (problem.get("message") or "").strip().splitlines()
                tally.details.append(
                    f"{case.get('name')}: {message[0][:300] if message else problem.tag}"
                )
            elif case.find("skipped") is not None:
                tally.skipped += 1
            else:
                tally.passed += 1
    for built in sample:
        tally = counts[built.file]
        if tally.failed or tally.errors:
            failures.append(Failure(built.file, "test", "\n".join(tally.details[:8])))
        elif not tally.passed:
            failures.append(Failure(built.file, "test", "no generated test ran"))
    return counts, failures


# ----------------------------------------------------------------------------- the whole run


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
    """Phase (`compile`, `import`, `construct`, `lint`, `test`) → failures."""
    test_counts: dict[str, TestCounts]
    seconds: dict[str, float]

    @property
    def built(self) -> list[Built]:
        """Successfully built packages."""
        return [r for r in self.results if r.status == "built"]


def run_corpus(root: Path, out: Path, workers: int | None = None) -> CorpusRun:
    """Build the whole corpus, then compile, import, lint all of it and test the sample."""
    workers = workers or jobs()
    seconds: dict[str, float] = {}

    def timed(phase: str, action: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = action()
        seconds[phase] = time.perf_counter() - started
        return value

    files = corpus_files(root)
    packages_root = out / "packages"
    results: list[Built] = timed("build", lambda: build_all(root, files, packages_root, workers))
    (out / "build-results.json").write_text(
        json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8"
    )
    built = [r for r in results if r.status == "built"]
    by_dir = {str(Path(b.package_dir).resolve()): b for b in built}
    refusals = read_refusals()
    failures: dict[str, list[Failure]] = {}
    if built:
        failures["compile"] = timed(
            "compile", lambda: compile_packages(packages_root, by_dir, workers)
        )
        failures["import"], failures["construct"] = timed(
            "import", lambda: import_packages(built, out, workers)
        )
        failures["lint"] = timed("lint", lambda: lint_packages(packages_root, by_dir))
    sample = pick_test_sample(built)
    counts, failures["test"] = timed(
        "test", lambda: run_generated_tests(sample, packages_root, pytest_processes())
    )
    return CorpusRun(
        root,
        out,
        results,
        refusals,
        refusal_problems(results, refusals),
        sample,
        failures,
        counts,
        seconds,
    )


# ----------------------------------------------------------------------------- the report


def report_lines(run: CorpusRun) -> list[str]:
    """The summary table (Markdown) and every failure, as printed and written to the report."""
    results = run.results
    status = collections.Counter(r.status for r in results)
    refused_codes: collections.Counter[str] = collections.Counter()
    for result in results:
        if result.status == "refused":
            refused_codes.update(result.codes[:1])
    explained = sum(
        1
        for r in results
        if r.status == "refused" and r.file in run.refusals and run.refusals[r.file].code in r.codes
    )
    tests_run = sum(c.passed + c.failed + c.errors + c.skipped for c in run.test_counts.values())
    tests_failed = sum(c.failed + c.errors for c in run.test_counts.values())
    total = sum(run.seconds.values())
    lines = [
        "## naftiko-gen corpus gate",
        "",
        f"corpus: {run.root}  output: {run.out}",
        "",
        "| set | files | built | warnings | refused | crashed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    groups = sorted({group_of(r.file)[0] for r in results})
    for group in [*groups, "total"]:
        rows = [r for r in results if group in ("total", group_of(r.file)[0])]
        lines.append(
            f"| {group} | {len(rows)} | {sum(r.status == 'built' for r in rows)} | "
            f"{sum(r.warnings for r in rows)} | {sum(r.status == 'refused' for r in rows)} | "
            f"{sum(r.status == 'crash' for r in rows)} |"
        )
    lines += [
        "",
        "refused by first error code: "
        + (", ".join(f"{code} {n}" for code, n in sorted(refused_codes.items())) or "none")
        + f" ({explained} explained by refusals.tsv, {status['refused'] - explained} not)",
        "",
        "| phase | packages | failures | wall s |",
        "|---|---:|---:|---:|",
        f"| build | {len(results)} | {status['crash'] + len(run.refusal_problems) - 0} problem(s) "
        f"| {run.seconds.get('build', 0):.1f} |",
    ]
    for phase, count in (
        ("compile", len(run.built)),
        ("import", len(run.built)),
        ("construct", len(run.built)),
        ("lint", len(run.built)),
        ("test", len(run.sample)),
    ):
        failing = len({f.file for f in run.failures.get(phase, [])})
        wall = run.seconds.get(phase, 0.0) if phase != "construct" else 0.0
        label = f"{wall:.1f}" if phase != "construct" else "(in import)"
        lines.append(f"| {phase} | {count} | {failing} | {label} |")
    lines += [
        "",
        f"generated tests: {tests_run} run in {len(run.sample)} sampled packages, "
        f"{tests_failed} failed; total wall {total:.1f} s",
    ]
    unexplained = [
        r
        for r in results
        if r.status == "crash"
        or (
            r.status == "refused"
            and run.refusals.get(r.file, Refusal("", "-", "")).code not in r.codes
        )
    ]
    if unexplained:
        lines += [
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
