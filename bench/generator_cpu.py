"""The generator's CPU per corpus file, in one process, as a corpus-gate build worker spends it.

    python bench/generator_cpu.py [--stride N] [--offset K] [--official] [--reps R] [--out DIR]
                                  [--profile FILE] [--top N]

Builds (generates and writes, like `tests/corpus/corpus_build.build_one`) every Nth catalog
file from the Kth (default 36 from 0: 51 files) and, with `--official`, every official and
jupyter corpus file and the examples, serially in this process, R times over fresh output
folders, and prints the CPU seconds of each repetition and per file. The first repetition starts with empty per-process
memos (as a gate worker does); the later ones show the warm figure. `--out DIR` keeps the
first repetition's packages there (compare two trees with `diff -r`); `--profile FILE` writes
a cProfile of the first repetition and prints its top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness import REPO_ROOT

CORPUS = Path("/work/shared/corpus")


def pick(stride: int, official: bool, offset: int = 0) -> list[tuple[Path, str]]:
    """(spec path, label) of the files to build: every `stride`-th catalog file from `offset`."""
    catalog = sorted((CORPUS / "catalog").rglob("*.y*ml"))[offset::stride]
    chosen = [(p, p.relative_to(CORPUS).as_posix()) for p in catalog]
    if official:
        chosen += [
            (p, p.relative_to(CORPUS).as_posix())
            for folder in ("official", "jupyter")
            for p in sorted((CORPUS / folder).rglob("*.y*ml"))
        ]
        chosen += [
            (p, f"examples/{p.name}") for p in sorted((REPO_ROOT / "examples").glob("*.yaml"))
        ]
    return chosen


def build_all(files: list[tuple[Path, str]], out: Path) -> tuple[int, int]:
    """Generate and write each file under `out`; (built, refused)."""
    from naftiko_codegen.diagnostics import DiagnosticError
    from naftiko_codegen.pipeline import generate
    from naftiko_codegen.write import write_package

    built = refused = 0
    for spec, label in files:
        try:
            package = generate(spec, source=label)
        except DiagnosticError:
            refused += 1
            continue
        write_package(out / Path(label).parent / package.slug, package.files, source=label)
        built += 1
    return built, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stride", type=int, default=36)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--official", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    files = pick(args.stride, args.official, args.offset)
    import naftiko_codegen.pipeline  # noqa: F401 - imports are not the per-file cost

    figures = []
    for rep in range(args.reps):
        work = Path(tempfile.mkdtemp(prefix="bench-gencpu-"))
        out = args.out if (rep == 0 and args.out) else work / "out"
        if out.exists():
            shutil.rmtree(out)
        profiler = cProfile.Profile() if (rep == 0 and args.profile) else None
        began, used = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        built, refused = build_all(files, out)
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - began, time.process_time() - used
        shutil.rmtree(work, ignore_errors=True)
        figures.append(cpu)
        print(
            f"rep {rep + 1}: {len(files)} files ({built} built, {refused} refused): "
            f"cpu {cpu:.2f} s, wall {wall:.2f} s, {1000 * cpu / len(files):.1f} ms cpu/file",
            flush=True,
        )
        if profiler is not None:
            profiler.dump_stats(str(args.profile))
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(args.top)
    print("cpu s per repetition: " + ", ".join(f"{f:.2f}" for f in figures))


if __name__ == "__main__":
    main()
