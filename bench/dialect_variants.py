"""Every dialect-policy variant of many corpus files, judged; print the counts (issue 13, §3).

One command: `python bench/dialect_variants.py` (the official and jupyter files and the smallest
file of each catalog provider, every variant;
`--all-catalog` every catalog file instead of the smallest per provider, `--files N` a seeded
sample of N of them, `--seed S`, `--no-render` stops after the model).
Each variant (tests/dialect/variants.py: a key dropped, an enum value replaced by a near miss,
a list emptied, a call pointed at an undeclared operation) must build with a located warning,
or be refused with located errors only where docs/dialect-policy.md says so. Prints variants
generated, built, refused as the policy says, failures (each listed, with what was changed),
counts by kind of change, and seconds. Exit status 1 when any variant failed.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "dialect")]

from variants import (  # noqa: E402 - the path above makes the shared module importable
    corpus_files,
    judge,
    variants,
)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--files", type=int, default=0, help="a seeded sample of N files")
    parser.add_argument("--all-catalog", action="store_true", help="every catalog file")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-render", action="store_true")
    return parser.parse_args()


def _files(args: argparse.Namespace) -> list[Path]:
    files = corpus_files(args.corpus, every=args.all_catalog)
    if args.files:
        files = random.Random(args.seed).sample(files, min(args.files, len(files)))
    return files


def main() -> int:
    args = _arguments()
    started = time.perf_counter()
    counts: collections.Counter[str] = collections.Counter()
    by_change: collections.Counter[tuple[str, str]] = collections.Counter()
    failures: list[str] = []
    files = _files(args)
    for path in files:
        for variant in variants(path, args.corpus):
            outcome = judge(variant, render=not args.no_render)
            counts["generated"] += 1
            verdict = "failed" if not outcome.ok else "built" if outcome.built else "refused"
            counts[verdict] += 1
            by_change[(variant.change, verdict)] += 1
            if not outcome.ok:
                failures.append(f"{variant.origin} {variant.path} {variant.detail}: {outcome.why}")
    seconds = time.perf_counter() - started
    print(f"files: {len(files)}")
    print(f"variants generated: {counts['generated']}")
    print(f"built (with a located warning where the policy decides): {counts['built']}")
    print(
        f"refused as the policy says (nothing left to serve, or a key it cannot do without): "
        f"{counts['refused']}"
    )
    print(f"failures: {counts['failed']}")
    for (change, verdict), count in sorted(by_change.items()):
        print(f"  {change:16} {verdict:8} {count}")
    for line in failures:
        print(f"FAIL {line}")
    print(f"seconds: {seconds:.1f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
