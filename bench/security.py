"""The longer security run, one command: soak the seed's adapter, then fuzz the generator.

    python bench/security.py [--soak-seconds 60] [--fuzz-seconds 180]

Runs `bench/soak.py` (the seed's adapter, run with its defaults, against a hostile upstream:
huge, gzip-bomb, endless and redirecting answers, the API key echoed in every encoding) and
`bench/fuzz_specs.py` (spec variants that must be refused with located errors or build into a
package whose own tests pass), one after the other so they do not compete for the cores, and
prints both reports. Exit status 1 when either found a broken rule (a leak, a crash, a broken
package). The README's "Security model" quotes the figures of the last run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soak-seconds", type=float, default=60.0)
    parser.add_argument("--fuzz-seconds", type=float, default=180.0)
    options = parser.parse_args(argv)
    runs = [
        ("soak", [str(BENCH / "soak.py"), "--duration", str(options.soak_seconds)]),
        ("fuzz", [str(BENCH / "fuzz_specs.py"), "--seconds", str(options.fuzz_seconds)]),
    ]
    failed = []
    for name, arguments in runs:
        print(f"=== {name}: python {' '.join(arguments)}", flush=True)
        began = time.monotonic()
        code = subprocess.call([sys.executable, *arguments])
        print(f"=== {name}: exit {code} after {time.monotonic() - began:.0f} s", flush=True)
        if code != 0:
            failed.append(name)
    print("=== " + (f"FAILED: {', '.join(failed)}" if failed else "no rule broken"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
