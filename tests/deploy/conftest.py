"""The deployment proofs: the generated seed package as it runs in production, with real nginx
and a real browser (Debian packages, see `tests/install-system-packages.sh`).

Fixtures: ``chromium`` (a `HeadlessChromium`) and ``nginx_program`` (the nginx binary) skip the
test when the program is missing, or fail it when ``NAFTIKO_REQUIRE_SYSTEM_TESTS`` is set. Every
test here is marked ``integration`` (it runs the generated package as a process).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from servers.browser import HeadlessChromium
from servers.system import require_program

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"
"""Files a run keeps for people to look at (screenshots); `build/` is ignored by git."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder (and only those) ``integration``."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> HeadlessChromium:
    """Headless Chromium with loopback as its only network (see `servers.browser`)."""
    executable = require_program(("chromium", "chromium-browser"), "chromium")
    return HeadlessChromium(executable, tmp_path_factory.mktemp("chromium"))


@pytest.fixture(scope="session")
def nginx_program() -> str:
    """The nginx binary (Debian ``nginx-light`` has all the proofs use)."""
    return require_program(("nginx",), "nginx-light")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``build/test-artifacts/``, created on demand."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
