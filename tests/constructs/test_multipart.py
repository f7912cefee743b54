"""Multipart bodies with file parts: real `multipart/form-data`, each part's metadata kept.

A generated package is driven in-process; the upstream (a real aiohttp server on loopback)
reads the body with aiohttp's own multipart reader, so what is asserted is what a server sees:
each part's name, filename, content type and bytes.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

SPEC = Path(__file__).with_name("multipart.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("multipart")
    (folder / "multipart.yaml").write_text(SPEC, encoding="utf-8")
    generated = generate(folder / "multipart.yaml")
    assert not [d for d in generated.diagnostics if d.code == "NAF335"]
    out = folder / "out"
    for relative, text in generated.files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")
    name = generated.model.package
    sys.path.insert(0, str(out / "src"))
    yield name
    sys.path.remove(str(out / "src"))
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


async def _upload(package: str, body: dict[str, Any]) -> tuple[int, list[Any], str]:
    parts: list[Any] = []
    content_types: list[str] = []

    async def upload(request: web.Request) -> web.Response:
        content_types.append(request.headers["Content-Type"])
        reader = await request.multipart()
        async for part in reader:
            assert isinstance(part, aiohttp.BodyPartReader)
            parts.append(
                (part.name, part.filename, part.headers.get("Content-Type"), await part.read())
            )
        return web.json_response({"stored": len(parts)})

    app = web.Application()
    app.router.add_post("/upload", upload)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    client = upstream.UpstreamClient(
        settings.load_settings({"STORE_BASE_URL": f"http://127.0.0.1:{port}"})
    )
    try:
        async with (
            serve_app(rest_app.create_app(client)) as url,
            aiohttp.ClientSession() as http,
            http.post(f"{url}/documents", json=body) as reply,
        ):
            status = reply.status
    finally:
        await client.close()
        await runner.cleanup()
    return status, parts, content_types[0]


def test_parts_arrive_with_their_names_filenames_types_and_bytes(package: str) -> None:
    pdf = "%PDF-1.7 ünïcode ✓"
    body = {"title": "Q3 report", "content": pdf, "notes": "a,b\n1,2\n"}
    status, parts, content_type = asyncio.run(_upload(package, body))
    assert status == 200
    assert content_type.startswith("multipart/form-data; boundary=")
    assert parts == [
        ("title", None, "text/plain; charset=utf-8", b"Q3 report"),
        ("file", "report.pdf", "application/pdf", pdf.encode()),
        ("notes", "notes.csv", "text/csv; charset=utf-8", b"a,b\n1,2\n"),
    ]


def test_a_part_whose_optional_input_is_absent_is_not_sent(package: str) -> None:
    status, parts, _ = asyncio.run(_upload(package, {"title": "only"}))
    assert status == 200
    assert [name for name, *_ in parts] == ["title"]
