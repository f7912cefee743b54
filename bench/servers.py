"""The servers the benchmarks measure: a real Jupyter Server and the generated adapter, installed."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import site
import subprocess
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import generator
from harness import (
    PYTHON,
    REPO_ROOT,
    Server,
    free_port,
    serve,
)
from rows import Options

SEED = REPO_ROOT / "examples" / "rest-sessions.yaml"


def jupyter_cmd(port: int, token: str, root: Path) -> list[str]:
    cmd = [PYTHON, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    cmd += ["--ServerApp.terminals_enabled=False", "--ServerApp.log_level=WARN"]
    if os.geteuid() == 0:  # Jupyter refuses to run as root without it.
        cmd.append("--allow-root")
    return cmd


@contextlib.contextmanager
def jupyter(opts: Options) -> Iterator[tuple[Server, str]]:
    """A real Jupyter Server with one notebook session (so the list is not empty)."""
    token = secrets.token_urlsafe(24)
    work = opts.work / "jupyter"
    (work / "root").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        IPYTHONDIR=str(work / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    port = free_port()
    with serve(
        "jupyter",
        jupyter_cmd(port, token, work / "root"),
        port=port,
        log_dir=opts.work,
        ready_path=f"/api/status?token={token}",
        env=env,
        cwd=work / "root",
    ) as server:
        import urllib.request

        body = json.dumps({"path": "bench.ipynb", "type": "notebook", "name": "bench.ipynb"})
        request = urllib.request.Request(
            f"{server.url}/api/sessions?token={token}",
            data=(body[:-1] + ', "kernel": {"name": "python3"}}').encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=60) as answer:
            if answer.status != 201:
                raise RuntimeError(f"cannot create a Jupyter session: {answer.status}")
        time.sleep(2)  # let the kernel settle to "idle"
        yield server, token


def install_adapter(opts: Options) -> Path:
    """Build the seed adapter and pip-install it (non-editable) into a temp venv; its bin dir.

    The venv sees this interpreter's site-packages through a `.pth` file (as the integration
    suite's `adapter_venv` fixture does), so nothing is downloaded.
    """
    package = opts.adapter_package
    if package is None:
        out = opts.work / "generated"
        cmd = [generator.NAFTIKO_GEN, "build", str(SEED), "-o", str(out), "-q"]
        built = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if built.returncode != 0:
            raise SystemExit(
                f"naftiko-gen cannot build the seed, so there is no adapter to measure:\n"
                f"{built.stderr}\n(--adapter-package DIR measures an already generated package)"
            )
        package = out / "rest-sessions"
    env_dir = opts.work / "adapter-venv"
    venv.EnvBuilder(with_pip=False, clear=True, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "_bench_parent_site.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
    )
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            str(package),
        ],
        check=True,
        capture_output=True,
    )
    return env_dir / "bin"


@contextlib.contextmanager
def adapter(
    opts: Options, bin_dir: Path, upstream: str, token: str, label: str
) -> Iterator[Server]:
    """`rest-sessions serve` (REST + MCP in one process); `.port` is REST, `.mcp_port` MCP."""
    rest_port, mcp_port = free_port(), free_port()
    env = dict(os.environ)
    env.update(REST_SESSIONS_BASE_URL=upstream, JUPYTER_NOTEBOOK_API_KEY=token)
    cmd = [str(bin_dir / "rest-sessions"), "serve", "--host", "127.0.0.1"]
    cmd += ["--rest-port", str(rest_port), "--mcp-port", str(mcp_port)]
    with serve(
        f"adapter-{label}",
        cmd,
        port=rest_port,
        log_dir=opts.work,
        ready_path="/openapi.json",
        extra_ports=[mcp_port],
        env=env,
    ) as server:
        server.mcp_port = mcp_port  # type: ignore[attr-defined]
        yield server
