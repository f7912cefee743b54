"""Corpus gate, the build: which files the corpus holds, building them all in a process pool,
the reviewed refusals, and which built packages run their generated tests.

Environment knobs (all optional):

- `NAFTIKO_CORPUS` — the corpus folder (default `<repo>/../shared/corpus`);
- `NAFTIKO_CORPUS_JOBS` — worker processes (default 2, what CI has);
- `NAFTIKO_CORPUS_TEST_PROCESSES` — pytest processes for the generated tests (default three times the jobs);
- `NAFTIKO_CORPUS_PER_PROVIDER` — catalog packages per provider whose tests also run (default 0);
- `NAFTIKO_CORPUS_ALL_TESTS=1` — run the generated tests of *every* built package, not the sample.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
REFUSALS_FILE = Path(__file__).resolve().parent / "refusals.tsv"
BACKGROUND_NICENESS = 10
"""How much lower the corpus gate's background work runs than the session's other tests."""
SAMPLE_PER_PROVIDER = int(os.environ.get("NAFTIKO_CORPUS_PER_PROVIDER", "0"))
"""Catalog files per provider whose generated tests run besides the construct sample (0).

The catalog is uniform in what it generates: ~1,840 files give about 13 distinct construct
signatures (see `Built.signature`). One package per signature runs the constructs a catalog
file can produce; the deep check (`test_corpus_deep.py`) covers each provider's spellings, and
`NAFTIKO_CORPUS_PER_PROVIDER=N` adds N packages per provider (~1.1 CPU-s each).
"""

__all__ = [
    "BACKGROUND_NICENESS",
    "Built",
    "Refusal",
    "build_all",
    "corpus_dir",
    "corpus_files",
    "group_of",
    "jobs",
    "pick_test_sample",
    "pytest_processes",
    "read_refusals",
    "refusal_problems",
]


def corpus_dir() -> Path:
    """Where the corpus lives (it may be absent: the tests then skip)."""
    return Path(os.environ.get("NAFTIKO_CORPUS") or REPO.parent / "shared" / "corpus").resolve()


def jobs() -> int:
    """How many worker processes each CPU-bound phase uses."""
    return max(1, int(os.environ.get("NAFTIKO_CORPUS_JOBS", "2")))


def pytest_processes() -> int:
    """How many pytest processes run the generated tests.

    Those tests mostly wait (servers starting and stopping: uvicorn alone sleeps ~0.2 s per
    test), so three times the CPU-bound worker count keeps the cores busy beside the rest.
    """
    return max(1, int(os.environ.get("NAFTIKO_CORPUS_TEST_PROCESSES", str(3 * jobs()))))


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
    cpu: float = 0.0
    """CPU seconds the worker spent on this file."""
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
    derived: bool = False
    """Built through adapters derived from its consumed operations (it exposes nothing, NAF390)."""
    signature: str = ""
    """What the package exercises: its modules, the APIs' auth kinds, the body kinds, the body
    formats and whether it orchestrates. Packages of one signature run the same generated code
    paths with different names and values."""


def build_one(relative: str, root: str, out: str) -> Built:
    """Generate and write one corpus file (runs in a worker process)."""
    from naftiko_codegen.diagnostics import DiagnosticError, Severity, format_diagnostic
    from naftiko_codegen.pipeline import generate
    from naftiko_codegen.write import write_package

    started, used = time.perf_counter(), time.process_time()
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
            time.process_time() - used,
            codes=tuple(dict.fromkeys(d.code for d in errors)),
            errors=tuple(format_diagnostic(d) for d in errors),
        )
    except Exception as error:
        return Built(
            relative,
            "crash",
            time.perf_counter() - started,
            time.process_time() - used,
            codes=(type(error).__name__,),
            errors=("".join(traceback.format_exception(error)),),
        )
    model = package.model
    return Built(
        relative,
        "built",
        time.perf_counter() - started,
        time.process_time() - used,
        warnings=sum(1 for d in package.diagnostics if d.severity is Severity.WARNING),
        package_dir=str(target),
        package=str(model.package),
        routes=len(model.rest.routes) if model.rest else 0,
        tools=len(model.mcp.tools) if model.mcp else 0,
        derived=any(d.code == "NAF390" for d in package.diagnostics),
        signature=_signature(package.files, model),
    )


def _signature(files: Mapping[str, str], model: Any) -> str:
    modules = sorted(Path(n).stem for n in files if n.startswith("src/") and n.endswith(".py"))
    parts = [
        ",".join(modules),
        ",".join(sorted({api.auth_kind for api in model.apis})),
        ",".join(sorted({op.body_kind for op in model.operations})),
        ",".join(model.raw_formats),
        "workflows" if model.workflows else "",
        "inbound-auth" if model.uses_inbound_auth else "",
    ]
    return "|".join(parts)


def _worker_setup() -> None:
    """Pool initializer: a worker yields the CPU to the session's other tests and is not traced.

    The build runs in the background while the rest of the suite runs (some of those tests time
    what they probe), so its workers run at a lower priority. The gate checks what the generator
    writes; coverage of the generator is measured in process (tracing 1,900 builds would cost
    about a third more CPU for the same lines).
    """
    os.nice(BACKGROUND_NICENESS)
    try:
        import coverage
    except ImportError:
        return
    current = coverage.Coverage.current()
    if current is not None:
        current.stop()


Progress = Callable[[str], None]
"""Where a long phase reports how far it got (one line each time)."""


def build_all(
    root: Path,
    files: Sequence[str],
    out: Path,
    workers: int,
    progress: Progress = lambda line: None,
    cancel: threading.Event | None = None,
) -> list[Built]:
    """Build every file with a process pool; the output tree is recreated from scratch.

    Reports every tenth of the way through `progress`. When `cancel` is set (the session ended
    early), the files not yet started are dropped and what was built is returned.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    results: list[Built] = []
    began = time.perf_counter()
    step = max(1, len(files) // 10)
    # Spawned, not forked: the pool starts from a thread while the session's tests run, and a
    # fork would copy locks other threads hold.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup) as pool:
        for result in pool.map(
            build_one, files, [str(root)] * len(files), [str(out)] * len(files), chunksize=4
        ):
            if cancel is not None and cancel.is_set():
                pool.shutdown(wait=False, cancel_futures=True)
                break
            results.append(result)
            if len(results) % step == 0 or len(results) == len(files):
                elapsed = time.perf_counter() - began
                progress(f"corpus: built {len(results)}/{len(files)} ({elapsed:.0f} s)")
    return results


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


def pick_test_sample(built: Sequence[Built]) -> list[Built]:
    """The packages whose generated tests run: deterministic and stratified.

    Every official package, plus the first catalog or jupyter package (by file name) of each
    construct signature not yet taken (the 27 jupyter files are one API's variations), plus the
    first `SAMPLE_PER_PROVIDER` of each catalog provider. Import names are kept unique (one pytest process imports them all).
    `NAFTIKO_CORPUS_ALL_TESTS=1` takes every built package instead.
    """
    everything = os.environ.get("NAFTIKO_CORPUS_ALL_TESTS") == "1"
    taken: collections.Counter[str] = collections.Counter()
    signatures: set[str] = set()
    names: set[str] = set()
    sample: list[Built] = []
    for result in sorted(built, key=lambda b: b.file):
        corpus_set, provider = group_of(result.file)
        if result.package in names:
            continue
        if corpus_set in ("catalog", "jupyter") and not everything:
            if result.signature in signatures and taken[provider] >= SAMPLE_PER_PROVIDER:
                continue
            taken[provider] += 1
        signatures.add(result.signature)
        names.add(result.package)
        sample.append(result)
    return sample
