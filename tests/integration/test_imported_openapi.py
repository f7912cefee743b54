"""Jupyter Server's own OpenAPI document → `import-openapi` → build → the adapter answers a real GET."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

jupyter_server_package = pytest.importorskip("jupyter_server")
API_YAML = Path(jupyter_server_package.__file__).parent / "services" / "api" / "api.yaml"


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 30) -> tuple[int, Any]:
    with _OPENER.open(url, timeout=timeout) as response:
        return response.status, json.loads(response.read())


@pytest.fixture(scope="module")
def imported_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`naftiko-gen import-openapi` on Jupyter's api.yaml, then `build`; the package folder."""
    work = tmp_path_factory.mktemp("imported")
    capability = work / "jupyter-api.yaml"
    for args in (
        [
            "import-openapi",
            str(API_YAML),
            "-o",
            str(capability),
            "--base-url",
            "http://127.0.0.1:8888",
            "--api-key-query",
            "token",
        ],
        ["build", str(capability), "-o", str(work / "out"), "-q"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "naftiko_codegen", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    return work / "out" / "jupyter-api"


@pytest.fixture
def adapter_url(imported_package: Path, jupyter: Any, tmp_path: Path) -> Iterator[str]:
    """The imported package's server (from its source tree), pointed at the real Jupyter."""
    rest_port, mcp_port = _free_port(), _free_port()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(imported_package / "src"),
        JUPYTER_SERVER_API_BASE_URL=jupyter.url,
        JUPYTER_SERVER_API_API_KEY=jupyter.token,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    log = (tmp_path / "adapter.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_api",
            "serve",
            "--host",
            "127.0.0.1",
            "--rest-port",
            str(rest_port),
            "--mcp-port",
            str(mcp_port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{rest_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "adapter.log").read_text()
            try:
                if _get(url + "/openapi.json", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "adapter.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_imported_capability_proxies_a_get_to_jupyter(adapter_url: str) -> None:
    status, body = _get(adapter_url + "/api/status")
    assert status == 200 and "started" in body


def test_imported_capability_relays_sessions(adapter_url: str, jupyter: Any) -> None:
    status, body = _get(adapter_url + "/api/sessions")
    assert status == 200 and body == jupyter.sessions()
