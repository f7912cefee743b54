"""`runtime/skills.py`: the skill adapter's catalog, detail, listing, file and download."""

from __future__ import annotations

import asyncio
import base64
import io
import zipfile

import aiohttp
from starlette.applications import Starlette

from naftiko_codegen.runtime.skills import catalog, skill_routes
from naftiko_codegen.runtime.tests.loopback import serve_app

SKILLS = [
    {
        "name": "guide",
        "description": "A guide",
        "license": "MIT",
        "tools": [{"name": "read", "description": "Read", "type": "instruction"}],
    },
    {"name": "bare", "description": "No folder", "tools": []},
]
FILES = {"SKILL.md": b"# Guide\n", "docs/a.md": b"a", "data.bin": b"\x00\xff"}
FOLDERS = {"guide": {path: base64.b64encode(data).decode() for path, data in FILES.items()}}


def _get(*paths: str) -> list[tuple[int, str, bytes]]:
    app = Starlette(routes=skill_routes(SKILLS, FOLDERS))

    async def exercise() -> list[tuple[int, str, bytes]]:
        answers = []
        async with serve_app(app) as url, aiohttp.ClientSession() as session:
            for path in paths:
                async with session.get(url + path) as response:
                    kind = response.headers.get("Content-Type", "")
                    answers.append((response.status, kind, await response.read()))
        return answers

    return asyncio.run(exercise())


def test_catalog_keeps_the_license_and_names_the_tools() -> None:
    assert catalog(SKILLS) == {
        "count": 2,
        "skills": [
            {"name": "guide", "description": "A guide", "license": "MIT", "tools": ["read"]},
            {"name": "bare", "description": "No folder", "tools": []},
        ],
    }


def test_every_endpoint() -> None:
    listing, detail, contents, one, binary, zipped = _get(
        "/skills",
        "/skills/guide",
        "/skills/guide/contents",
        "/skills/guide/contents/docs/a.md",
        "/skills/guide/contents/data.bin",
        "/skills/guide/download",
    )
    assert listing[:2] == (200, "application/json")
    assert detail[0] == 200 and b'"license": "MIT"' in detail[2]
    assert b'"path": "SKILL.md", "size": 8, "type": "text/markdown"' in contents[2]
    assert one[0::2] == (200, b"a") and one[1].startswith("text/markdown")
    assert binary[1:] == ("application/octet-stream", b"\x00\xff")
    assert zipped[1] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped[2])) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == FILES


def test_refusals_are_problems() -> None:
    answers = _get(
        "/skills/nope",
        "/skills/nope/contents",
        "/skills/bare/contents",
        "/skills/bare/download",
        "/skills/bare/contents/x.md",
        "/skills/guide/contents/missing.md",
        "/skills/guide/contents/..%2Fx",
        "/skills/guide/contents/a%24b",
    )
    assert [(status, kind) for status, kind, _ in answers] == [
        *[(404, "application/problem+json")] * 6,
        *[(400, "application/problem+json")] * 2,
    ]
