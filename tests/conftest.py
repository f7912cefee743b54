"""Shared test settings: the golden-file switch, where the optional `../shared` corpus lives, and
the coverage floor (whole suite only)."""

from __future__ import annotations

import os
from pathlib import Path

import hypothesis
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Every generated package serves an operations port (default 9464): packages the suite starts
# take an ephemeral one, so adapters running side by side (and other suites) never collide.
os.environ.setdefault("NAFTIKO_OPS_PORT", "0")

# Real servers (Jupyter, generated adapters, a recording upstream) for every test folder.
pytest_plugins = ["servers.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden/*/expected and tests/errors/*.txt from the current generator",
    )


def _whole_suite(config: pytest.Config) -> bool:
    """Whether this run is the README's `python -m pytest`: every test path, nothing deselected."""
    return (
        config.args_source is pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and not config.option.markexpr
    )


def pytest_configure(config: pytest.Config) -> None:
    """A subset of the suite covers less by design: the coverage floor applies to the whole suite.

    pytest-cov reads the floor (`[tool.coverage.report] fail_under`) before conftests load, so a
    partial run clears it on the plugin's options; the report is still printed.
    """
    coverage = config.pluginmanager.get_plugin("_cov")
    if coverage is not None and not _whole_suite(config):
        coverage.options.cov_fail_under = None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Property tests run without coverage tracing (pytest-cov's `no_cover`).

    They call the same code hundreds of times, which tracing slows down about twice, and reach
    almost no line the example tests do not (4 statements of 5,075 when measured).
    """
    coverage = config.pluginmanager.get_plugin("_cov")
    if coverage is None or getattr(coverage, "cov_controller", None) is None:
        return  # `--no-cov`: nothing traces (and pytest-cov cannot pause what it never started)
    for item in items:
        if hypothesis.is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.no_cover)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run refreshes golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (the team's corpus and docs); tests using it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not available in this checkout")
    return SHARED
