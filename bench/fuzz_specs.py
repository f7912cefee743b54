"""Fuzz the generator with spec variants for a while; print what happened (issue 11, item 5).

One command: `python bench/fuzz_specs.py` (3 minutes; `--seconds S`, `--seed N`,
`--suite-every N`: run the generated tests of every Nth built package, `--batch N`: packages per
pytest process). Each variant (tests/faults/spec_variants.py) must be refused with located ERROR
diagnostics, or build into a package whose modules compile and whose own tests pass. Prints
specs tried, refusals by code, packages built, generated test suites run and passed, crashes and
seconds; every failure is listed with the variant's YAML kept under `--keep DIR` (default: a
temporary folder, printed). Exit status 1 when any variant broke the rule.
"""

from __future__ import annotations

import argparse
import collections
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "faults")]

from spec_variants import (  # noqa: E402 - the path above makes the shared module importable
    outcome,
    run_generated_tests,
    variant,
    write_variant,
)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--suite-every", type=int, default=3)
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--keep", type=Path, default=None)
    return parser.parse_args()


def main() -> int:
    """Run the fuzzer; print the figures; 1 when some variant broke the rule."""
    args = _arguments()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="fuzz-specs-"))
    keep.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fuzz-build-"))
    rng = random.Random(args.seed)
    began = time.perf_counter()
    tried = built = suites = suites_passed = tests_passed = 0
    refused: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    pending: list[tuple[Path, Path]] = []

    def run_pending() -> None:
        nonlocal suites, suites_passed, tests_passed
        packages = [package for package, _ in pending]
        result = run_generated_tests(packages)
        suites += len(packages)
        tests_passed += result.passed
        for package, spec in pending:
            failures = result.failed.get(str(package))
            if failures:
                kept = keep / spec.name
                shutil.copy(spec, kept)
                problems.append(f"{kept}: generated tests failed: " + "; ".join(failures[:3]))
            else:
                suites_passed += 1
            shutil.rmtree(package, ignore_errors=True)
        pending.clear()

    while time.perf_counter() - began < args.seconds:
        tried += 1
        name = f"fuzz-{tried}"  # folder `fuzz-N`, import name `fuzz_N`: no clash
        spec = write_variant(variant(rng), work, name)
        found = outcome(spec, work / "out")
        if found.crash or found.unlocated or found.not_compiling:
            kept = keep / spec.name
            shutil.copy(spec, kept)
            problems.append(
                f"{kept}: " + (found.crash or "; ".join(found.unlocated + found.not_compiling))
            )
        if found.refused:
            refused.update(found.refused)
            continue
        if found.package is None:
            continue
        built += 1
        if built % args.suite_every == 0:
            pending.append((found.package, spec))
            if len(pending) >= args.batch:
                run_pending()
        else:
            shutil.rmtree(found.package, ignore_errors=True)
    run_pending()
    shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - began
    print(f"specs tried:            {tried}")
    print(f"refused:                {tried - built} (by code, a spec may count under several)")
    for code, count in sorted(refused.items()):
        print(f"  {code}: {count}")
    print(f"built:                  {built}")
    print(f"generated test suites:  {suites} run, {suites_passed} passed ({tests_passed} tests)")
    print(f"broke the rule:         {len(problems)}")
    print(f"seconds:                {seconds:.0f}")
    for problem in problems:
        print("  " + problem)
    if problems:
        print(f"failing variants kept in {keep}")
    elif args.keep is None:
        shutil.rmtree(keep, ignore_errors=True)  # nothing to look at: leave no temporary folder
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
