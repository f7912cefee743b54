"""The skill adapter serves its catalog, each skill's detail and the files of its folder."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import aiohttp
import pytest
from starlette.applications import Starlette

from skills_scripts.skill_app import FOLDERS, SKILLS, create_skill_app
from skills_scripts.skills import catalog, skill_routes
from skills_scripts.upstream import UpstreamClient

from .loopback import serve_app

pytestmark = pytest.mark.anyio


async def _get(path: str) -> tuple[int, bytes]:
    app = Starlette(routes=skill_routes(SKILLS, FOLDERS))
    async with (
        serve_app(app) as url,
        aiohttp.ClientSession() as session,
        session.get(url + path) as response,
    ):
        return response.status, await response.read()


async def test_catalog_lists_every_skill() -> None:
    status, body = await _get("/skills")
    assert status == 200
    assert json.loads(body) == catalog(SKILLS)
    assert json.loads(body)["count"] == 1


async def test_each_skill_has_its_detail() -> None:
    for skill in SKILLS:
        status, body = await _get("/skills/" + skill["name"])
        assert (status, json.loads(body)) == (200, skill)


async def test_unknown_skill_is_404() -> None:
    status, _ = await _get("/skills/no-such-skill")
    assert status == 404


async def test_folders_list_serve_and_download_their_files() -> None:
    for skill in SKILLS:
        files = {
            path: base64.b64decode(data) for path, data in FOLDERS.get(skill["name"], {}).items()
        }
        status, body = await _get("/skills/" + skill["name"] + "/contents")
        if skill["name"] not in FOLDERS:
            assert status == 404
            assert (await _get("/skills/" + skill["name"] + "/download"))[0] == 404
            continue
        assert status == 200
        assert [entry["path"] for entry in json.loads(body)["files"]] == list(files)
        for path, data in files.items():
            assert await _get("/skills/" + skill["name"] + "/contents/" + path) == (200, data)
        status, archive = await _get("/skills/" + skill["name"] + "/download")
        assert status == 200
        with zipfile.ZipFile(io.BytesIO(archive)) as unzipped:
            assert {name: unzipped.read(name) for name in unzipped.namelist()} == files


async def test_a_path_out_of_the_folder_is_refused() -> None:
    for skill in SKILLS:
        status, _ = await _get("/skills/" + skill["name"] + "/contents/..%2F..%2Fetc%2Fpasswd")
        assert status in (400, 404)


async def test_the_app_serves_the_catalog(client: UpstreamClient) -> None:
    async with (
        serve_app(create_skill_app(client)) as url,
        aiohttp.ClientSession() as session,
        session.get(url + "/skills") as response,
    ):
        assert response.status == 200
        assert json.loads(await response.read()) == catalog(SKILLS)
