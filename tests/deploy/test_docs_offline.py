"""`/docs` and `/redoc` of the generated seed package render in a browser with no internet.

Headless Chromium reaches only loopback (see `servers.browser`), so a page that loads Swagger UI
or ReDoc from a CDN would stay blank. The Swagger UI page must list every operation of the
adapter's own OpenAPI document (method, path, summary); ReDoc must show every summary. The
screenshots are kept in the test's temp dir and copied to ``build/test-artifacts/``.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from servers.adapter import Launcher
from servers.browser import BrowserRun, HeadlessChromium
from servers.processes import http_request

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OPERATIONS = 5
"""The seed's REST adapter: list, create, get, update, delete a Jupyter session."""


def _operations_in_openapi(url: str) -> set[tuple[str, str, str]]:
    """(METHOD, path, summary) of every operation the adapter documents."""
    response = http_request("GET", url + "/openapi.json")
    assert response.status == 200, str(response)
    return {
        (method.upper(), path, operation["summary"])
        for path, methods in response.json["paths"].items()
        for method, operation in methods.items()
    }


def _operations_in_swagger_ui(dom: str) -> set[tuple[str, str, str]]:
    """(METHOD, path, summary) of every operation block Swagger UI drew."""
    blocks = re.findall(
        r'opblock-summary-method">([A-Z]+)<.*?data-path="([^"]+)".*?'
        r'opblock-summary-description">([^<]*)<',
        dom,
        flags=re.S,
    )
    return {
        (method, html.unescape(path), html.unescape(summary)) for method, path, summary in blocks
    }


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _policy_violations(run: BrowserRun) -> list[str]:
    """The Content-Security-Policy refusals the page's console reported."""
    return [line for line in run.log.splitlines() if "violates the following Content" in line]


def _explain(run: BrowserRun) -> str:
    return f"{run.url}: exit {run.returncode}, DOM {len(run.dom)} chars\n{run.log[-3000:]}"


def test_docs_and_redoc_render_offline_in_chromium(
    chromium: HeadlessChromium, launcher: Launcher, tmp_path: Path, artifacts: Path
) -> None:
    # The pages need no upstream: the adapter points at a port where nothing listens.
    adapter = launcher.start("http://127.0.0.1:9", "unused-key")
    expected = _operations_in_openapi(adapter.rest_url)
    assert len(expected) == OPERATIONS, expected
    docs_png, redoc_png = tmp_path / "docs.png", tmp_path / "redoc.png"
    docs, redoc, outside = chromium.run_all(
        [
            (adapter.rest_url + "/docs", docs_png),
            (adapter.rest_url + "/redoc", redoc_png),
            # The control: a public site does not load in this browser.
            ("http://example.com/", None),
        ]
    )

    assert docs.returncode == 0, _explain(docs)
    assert _operations_in_swagger_ui(docs.dom) == expected, _explain(docs)

    assert redoc.returncode == 0, _explain(redoc)
    assert 'class="api-content"' in redoc.dom or "api-info" in redoc.dom, _explain(redoc)
    for _, path, summary in expected:
        assert html.escape(summary, quote=False) in redoc.dom, (summary, _explain(redoc))
        assert path in redoc.dom, (path, _explain(redoc))
    assert "Something went wrong" not in redoc.dom, _explain(redoc)

    # The pages' policy refuses nothing they need: Swagger UI nothing at all, ReDoc only the
    # Redocly logo of its footer, which it would fetch from Redocly's CDN.
    assert _policy_violations(docs) == [], _explain(docs)
    refused = _policy_violations(redoc)
    assert all("https://cdn.redoc.ly/" in line for line in refused), _explain(redoc)

    for shot, png in ((docs, docs_png), (redoc, redoc_png)):
        assert shot.returncode == 0 and png.is_file(), _explain(shot)
        assert _png_size(png) == chromium.window
        assert png.stat().st_size > 20_000, f"{png} looks blank ({png.stat().st_size} bytes)"
        shutil.copyfile(png, artifacts / png.name)

    assert "Example Domain" not in outside.dom, "the browser reached the internet"
