"""System programs the deployment proofs need (nginx, Chromium): found, or the test skips or fails.

They are Debian packages (`tests/install-system-packages.sh` installs them), not Python ones. A
test that needs one calls `require_program`: without it the test skips and names the package to
install, unless `NAFTIKO_REQUIRE_SYSTEM_TESTS` is set (CI sets it), when absence is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

import pytest

__all__ = ["REQUIRE_VARIABLE", "require_program"]

REQUIRE_VARIABLE = "NAFTIKO_REQUIRE_SYSTEM_TESTS"
# nginx lives in /usr/sbin, which is not on every user's PATH.
_EXTRA_PATH = ("/usr/sbin", "/sbin", "/usr/bin")


def require_program(names: Sequence[str], package: str) -> str:
    """The path of the first of `names` found, or skip (fail under REQUIRE_VARIABLE)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *_EXTRA_PATH])
    for name in names:
        found = shutil.which(name, path=path)
        if found is not None:
            return found
    reason = (
        f"{' or '.join(names)} not found: install the Debian package {package} "
        "(sh tests/install-system-packages.sh does, as root)"
    )
    if os.environ.get(REQUIRE_VARIABLE):
        pytest.fail(f"{reason}; {REQUIRE_VARIABLE} is set, so this test may not skip")
    pytest.skip(reason)
