"""The integration suite: the generated ``rest-sessions`` package, installed in its own venv,
run against a real Jupyter Server.

The servers and their fixtures live in ``tests/servers`` (shared with the security and fault
suites): ``jupyter_server``/``jupyter``, ``generated_package``, ``adapter_venv``, ``launcher``.
This folder adds ``adapter`` (module): ``rest-sessions serve`` pointed at Jupyter, REST + MCP on
free ports. Every test in this folder is marked ``integration``; when a test fails, the tails of
the Jupyter log and of every adapter's stderr are attached to its report.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.adapter import Adapter, running_adapter
from servers.jupyter import JupyterServer

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder (and only those) ``integration``."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def adapter(
    adapter_venv: Path, jupyter_server: JupyterServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adapter]:
    """``rest-sessions serve --host 127.0.0.1 --rest-port P1 --mcp-port P2`` against Jupyter.

    Module-scoped: starting it costs a second or two and every test cleans up its own
    Jupyter sessions (see ``jupyter``), so one adapter serves the whole module. That is
    also what the "upstream down, then back" test needs: the same adapter, never restarted.
    """
    log_path = tmp_path_factory.mktemp("adapter") / "rest-sessions.log"
    with running_adapter(adapter_venv, jupyter_server.url, jupyter_server.token, log_path) as a:
        yield a
