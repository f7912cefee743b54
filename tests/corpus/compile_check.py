"""Corpus gate worker: byte-compile every `.py` file under the given package folders.

Run as `python compile_check.py PACKAGE_DIR...` by `corpus_checks.start_compile`. Prints
`*** Error compiling '<path>'` for a file that does not compile (as `compileall` does) and
exits 1 if any did.

The runtime modules are byte-identical in every package, so each distinct file content is
compiled once: later copies get the same `.pyc` bytes (checked-hash pycs carry the source's hash,
not its path or time, and the import system sets `co_filename` from where it loads). The import
phase then loads every module from these pycs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import py_compile
import sys
from pathlib import Path


def compile_tree(folders: list[Path]) -> int:
    """Compile every file once per distinct content; return how many failed."""
    compiled: dict[bytes, bytes] = {}
    failed = 0
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            key = hashlib.sha256(path.read_bytes()).digest()
            target = Path(importlib.util.cache_from_source(str(path)))
            if key in compiled:
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(compiled[key])
                continue
            try:
                py_compile.compile(
                    str(path),
                    cfile=str(target),
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
                )
            except py_compile.PyCompileError:
                print(f"*** Error compiling {str(path)!r}")
                failed += 1
                continue
            compiled[key] = target.read_bytes()
    return failed


if __name__ == "__main__":
    sys.exit(1 if compile_tree([Path(arg) for arg in sys.argv[1:]]) else 0)
