"""Generator benchmarks: whole-process `naftiko-gen build` against its import floor, the largest
corpus file, and corpus throughput with one and two worker processes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness import BENCH_DIR, PYTHON, REPO_ROOT

SEED = REPO_ROOT / "examples" / "rest-sessions.yaml"
CORPUS = Path("/work/shared/corpus")
NAFTIKO_GEN = str(Path(PYTHON).with_name("naftiko-gen"))
IMPORT_FLOOR = "import jinja2, yaml, jsonschema, click, black"
_METHOD_LINE = re.compile(rb"^\s*(?:-\s+)?method:\s", re.MULTILINE)


def timed(cmd: Sequence[str], *, reps: int, check: bool = True) -> list[float]:
    """Wall seconds of `cmd`, `reps` times (one untimed warm-up run first: disk cache)."""
    times: list[float] = []
    for index in range(reps + 1):
        began = time.perf_counter()
        result = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - began
        if check and result.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr[-2000:]}")
        if index:
            times.append(elapsed)
    return times


def build_times(spec: Path, *, reps: int) -> list[float]:
    """`naftiko-gen build SPEC -o <fresh dir> -q`, whole process, a new output folder each time."""
    times: list[float] = []
    for index in range(reps + 1):  # the first run only warms the disk cache
        out = Path(tempfile.mkdtemp(prefix="bench-build-"))
        try:
            cmd = [NAFTIKO_GEN, "build", str(spec), "-o", str(out), "-q"]
            began = time.perf_counter()
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - began
        finally:
            shutil.rmtree(out, ignore_errors=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr[-2000:]}")
        if index:
            times.append(elapsed)
    return times


def floor_times(*, reps: int) -> list[float]:
    """`python -c "import jinja2, yaml, jsonschema, click, black"`: what any build costs."""
    return timed([PYTHON, "-c", IMPORT_FLOOR], reps=reps)


def empty_times(*, reps: int) -> list[float]:
    """`python -c pass`: the interpreter alone."""
    return timed([PYTHON, "-c", "pass"], reps=reps)


def corpus_files() -> list[Path]:
    """Every `*.y*ml` of the shared corpus, sorted; empty when the corpus is absent."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*.y*ml") if p.is_file())


def operation_count(path: Path) -> int:
    """Consumed operations in a spec, counted as `method:` lines (cheap, no YAML parse)."""
    return len(_METHOD_LINE.findall(path.read_bytes()))


def largest(files: Sequence[Path]) -> tuple[Path, int]:
    """The file with the most operations."""
    best = max(files, key=operation_count)
    return best, operation_count(best)


def cli_has_jobs() -> bool:
    """Whether `naftiko-gen build` accepts `-j/--jobs` yet."""
    result = subprocess.run(
        [NAFTIKO_GEN, "build", "--help"], capture_output=True, text=True, check=False
    )
    return bool(re.search(r"(^|\s)(-j|--jobs)\b", result.stdout))


def corpus_run(files: Sequence[Path], jobs: int) -> tuple[float, int, str]:
    """Wall seconds to generate `files` with `jobs` processes; (seconds, errors, how)."""
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as folder:
        work = Path(folder)
        if cli_has_jobs():
            cmd = [NAFTIKO_GEN, "build", *map(str, files), "-o", str(work / "out")]
            cmd += ["-q", "-j", str(jobs)]
            began = time.perf_counter()
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - began
            errors = len(re.findall(r"error\[NAF", result.stderr))
            return elapsed, errors, f"naftiko-gen build -j {jobs}"
        lists = []
        for index in range(jobs):
            part = work / f"part{index}.txt"
            part.write_text("".join(f"{p}\n" for p in files[index::jobs]))
            lists.append(part)
        began = time.perf_counter()
        procs = [
            subprocess.Popen(
                [PYTHON, str(BENCH_DIR / "gen_worker.py"), str(part)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for part in lists
        ]
        outputs = [proc.communicate() for proc in procs]
        elapsed = time.perf_counter() - began
        errors = 0
        for proc, (out, err) in zip(procs, outputs, strict=True):
            if proc.returncode != 0:
                raise RuntimeError(f"gen_worker failed: {err[-2000:]}")
            errors += int(json.loads(out)["errors"])
        return elapsed, errors, f"{jobs} x gen_worker.py (pipeline.generate; no -j in the CLI yet)"
