"""One generator worker: `python gen_worker.py LIST_FILE` runs `pipeline.generate` on each path
listed (one per line) in this process and prints `{"ok": n, "errors": n}` as JSON.

Used for the corpus benchmark while `naftiko-gen build -j` does not exist: the parent starts
N of these on a split of the file list. Render and format only; nothing is written to disk.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.pipeline import generate


def main(list_file: Path) -> None:
    ok = errors = 0
    for line in list_file.read_text().splitlines():
        if not line:
            continue
        try:
            generate(Path(line))
        except DiagnosticError:
            errors += 1
        else:
            ok += 1
    print(json.dumps({"ok": ok, "errors": errors}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
