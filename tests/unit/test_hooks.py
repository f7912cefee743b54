"""The user's `hooks.py` is wired in: extra routes, app setup, and both upstream hooks run."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from naftiko_codegen.pipeline import generate

REPO = Path(__file__).resolve().parents[2]

HOOKS = """
from fastapi import APIRouter, FastAPI

router = APIRouter()
seen: list[str] = []


@router.get("/extra")
async def extra() -> dict[str, str]:
    return {"extra": "yes"}


def configure_app(app: FastAPI) -> None:
    app.state.configured = True


async def on_upstream_request(api, method, url, headers):
    headers["X-Trace"] = "t-1"
    seen.append(f"{api} {method}")


async def on_upstream_response(api, method, url, status, body):
    return body.replace(b"42", b"43")
"""


def test_hooks_module_is_called(tmp_path: Path) -> None:
    package = generate(REPO / "examples" / "rest-sessions.yaml")
    for relative, text in package.files.items():
        if relative.startswith("src/"):
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text(text, encoding="utf-8")
    (tmp_path / "src" / "rest_sessions" / "hooks.py").write_text(HOOKS, encoding="utf-8")
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        result = asyncio.run(_exercise())
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in [n for n in sys.modules if n.startswith("rest_sessions")]:
            del sys.modules[name]
    extra, listed, upstream_headers, seen, configured = result
    assert extra == {"extra": "yes"}
    assert listed == {"answer": 43}
    assert upstream_headers.get("X-Trace") == "t-1"
    assert seen == ["rest-sessions GET"]
    assert configured is True


async def _exercise() -> tuple[Any, Any, dict[str, str], list[str], bool]:
    import os

    import aiohttp
    from rest_sessions import hooks  # type: ignore[import-not-found]
    from rest_sessions.rest_app import create_app  # type: ignore[import-not-found]
    from rest_sessions.settings import load_settings  # type: ignore[import-not-found]
    from rest_sessions.upstream import UpstreamClient  # type: ignore[import-not-found]

    from naftiko_codegen.runtime.tests.loopback import serve_app, stub_upstream

    async with stub_upstream() as stub:
        stub.reply = {"answer": 42}
        environment = {"JUPYTER_NOTEBOOK_API_KEY": "k-1", "REST_SESSIONS_BASE_URL": stub.url}
        client = UpstreamClient(load_settings({**os.environ, **environment}))
        app = create_app(client)
        try:
            async with serve_app(app) as url, aiohttp.ClientSession() as session:
                async with session.get(url + "/extra") as response:
                    extra = await response.json()
                async with session.get(url + "/v1/api/sessions") as response:
                    listed = json.loads(await response.read())
        finally:
            await client.close()
        return extra, listed, stub.requests[-1].headers, hooks.seen, app.state.configured
