"""Pytest fixtures over `servers`: Jupyter, the generated seed package in a venv, launchers,
a recording upstream; and failure reports that carry the logs of every server a test used.

Registered by `tests/conftest.py` (`pytest_plugins`), so any test folder may ask for them.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from .adapter import CAPABILITY_FILE, Launcher, build_package, install_in_venv
from .jupyter import JupyterServer
from .processes import free_port
from .recording import RecordingUpstream


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach the logs of the servers the test used (Jupyter, adapters) to its report."""
    report = yield
    if report.failed:
        seen: set[int] = set()  # ``jupyter`` and ``jupyter_server`` are the same object
        for value in getattr(item, "funcargs", {}).values():
            logs = getattr(value, "failure_logs", None)
            if callable(logs) and id(value) not in seen:
                seen.add(id(value))
                report.sections.extend(logs())
    return report


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """A real Jupyter Server for the whole session, on a free loopback port with a random token.

    Runs ``python -m jupyter_server`` from this interpreter's environment (so its ``python3``
    kernelspec is this venv's ipykernel) with ``root_dir`` in a temp dir, quiet logging to
    ``jupyter.log`` and ``--allow-root`` when running as root. Teardown deletes leftover
    sessions, then stops the server (SIGTERM, wait, SIGKILL).
    """
    server = JupyterServer(
        port=free_port(),
        token=secrets.token_urlsafe(24),
        workdir=tmp_path_factory.mktemp("jupyter"),
    )
    server.start()
    try:
        yield server
    finally:
        if server.running:
            with contextlib.suppress(Exception):
                server.delete_all_sessions()
        server.stop()


@pytest.fixture
def jupyter(jupyter_server: JupyterServer) -> Iterator[JupyterServer]:
    """The session's Jupyter Server, guaranteed running and session-free for this test.

    A test that stops Jupyter and fails before restarting it does not break the next test:
    teardown starts it again (same port) and deletes whatever sessions the test left.
    """
    if not jupyter_server.running:
        jupyter_server.start()
    jupyter_server.delete_all_sessions()
    yield jupyter_server
    if not jupyter_server.running:
        jupyter_server.start()
    jupyter_server.delete_all_sessions()


@pytest.fixture(scope="session")
def generated_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generator on ``examples/rest-sessions.yaml``; return ``<out>/rest-sessions``."""
    return build_package(CAPABILITY_FILE, tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def adapter_venv(tmp_path_factory: pytest.TempPathFactory, generated_package: Path) -> Path:
    """A fresh venv holding a real (non-editable) install of the seed's package; its bin dir."""
    bin_dir = install_in_venv(generated_package, tmp_path_factory.mktemp("adapter-venv"))
    assert (bin_dir / "rest-sessions").is_file(), "console script rest-sessions not installed"
    return bin_dir


@pytest.fixture
def launcher(adapter_venv: Path, tmp_path: Path) -> Iterator[Launcher]:
    """A ``Launcher`` for this test; adapters it started are stopped at teardown."""
    with contextlib.ExitStack() as stack:
        yield Launcher(adapter_venv, tmp_path, stack)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio; the MCP SDK client needs nothing else."""
    return "asyncio"


@pytest.fixture
def recording_upstream() -> Iterator[RecordingUpstream]:
    """A real HTTP upstream on loopback that records what it receives (see `servers.recording`)."""
    upstream = RecordingUpstream()
    try:
        yield upstream
    finally:
        upstream.close()
