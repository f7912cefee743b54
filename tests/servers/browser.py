"""Headless Chromium (the Debian `chromium` package) that reaches loopback and nothing else.

`HeadlessChromium.run_all` opens pages in parallel processes, each with a fresh profile, and
returns the DOM after the page's scripts ran (`--dump-dom` with a virtual time budget), saving a
screenshot of the same rendering when asked. Every other origin is unreachable: host names resolve to nothing except 127.0.0.1,
and any other connection goes to a proxy on a port where nothing listens; background services
(updates, sync, QUIC) are off. So a page that needs a CDN renders blank, as it would offline.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .processes import free_port

__all__ = ["BrowserRun", "HeadlessChromium"]

BROWSER_TIMEOUT = 60.0
VIRTUAL_TIME_MS = 5000
"""How long (virtual time) a page's scripts may run before the DOM or screenshot is taken."""


@dataclass(frozen=True)
class BrowserRun:
    """One page: its URL, Chromium's exit status, the DOM it printed and its own log."""

    url: str
    returncode: int
    dom: str
    log: str


@dataclass(frozen=True)
class HeadlessChromium:
    """`executable` run headless with profiles under `workdir`, cut off from every non-loopback host."""

    executable: str
    workdir: Path
    window: tuple[int, int] = (1280, 1400)

    def command(self, url: str, screenshot: Path | None) -> list[str]:
        profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=self.workdir)
        cmd = [
            self.executable,
            "--headless",
            "--no-sandbox",  # the suite runs as root in CI, where Chromium's sandbox refuses
            "--disable-gpu",
            "--disable-dev-shm-usage",  # containers have a small /dev/shm
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            # The network: names resolve only to loopback, everything else goes to a dead proxy.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--proxy-server=http://127.0.0.1:{free_port()}",
            "--proxy-bypass-list=127.0.0.1",
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            f"--window-size={self.window[0]},{self.window[1]}",
            "--enable-logging=stderr",
            "--v=0",
        ]
        if screenshot is not None:  # taken from the same rendering as the DOM
            cmd.append(f"--screenshot={screenshot}")
        return [*cmd, "--dump-dom", url]

    def run_all(self, pages: Sequence[tuple[str, Path | None]]) -> list[BrowserRun]:
        """Open every `(url, screenshot path or None)` at once; the results in the same order."""
        started = [
            (
                url,
                subprocess.Popen(
                    self.command(url, screenshot),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    cwd=self.workdir,
                ),
            )
            for url, screenshot in pages
        ]
        runs = []
        for url, proc in started:
            try:
                out, err = proc.communicate(timeout=BROWSER_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            runs.append(BrowserRun(url, proc.returncode, out.decode(errors="replace"), _quiet(err)))
        return runs


def _quiet(log: bytes) -> str:
    """Chromium's log without the D-Bus noise of a machine with no desktop session."""
    lines = log.decode(errors="replace").splitlines()
    return "\n".join(line for line in lines if "dbus" not in line.lower())
