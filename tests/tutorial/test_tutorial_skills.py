"""The spec authors' tutorial, steps 8 and 11: the skill adapter (tutorial-expectations 8.1-8.5,
11.7 and 11.8).

Each step is built in the tutorial's folder layout and its skill app served on loopback; the
answers are compared, as parsed JSON, with the expectations (derived from the engine's
`CatalogResource` and `DetailResource`). Steps 9 and 10 carry the same skill adapter as step 8;
their generated packages test it with their own tests (`test_every_step.py`).
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

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

FLEET_OPS = {
    "name": "fleet-ops",
    "description": "Fleet management — list, search, and inspect ships across all registries",
    "tools": ["list-ships", "get-ship", "list-legacy-vessels", "get-ship-with-crew"],
}
FLEET_TOOLS = {
    "list-ships": "List ships in the shipyard, optionally filtered by status",
    "get-ship": "Retrieve a ship's details by IMO number",
    "list-legacy-vessels": "List vessels from the legacy Dockyard",
    "get-ship-with-crew": "Get ship details with resolved crew names",
}
VOYAGE_TOOLS = {
    "create-voyage": "Plan a new voyage with ship, crew, route, and dates",
    "get-voyage-manifest": "Assemble a complete voyage manifest with ship, crew, and cargo",
}


def derived(tools: dict[str, str]) -> list[dict[str, Any]]:
    """Each tool as `GET /skills/{name}` lists it: derived from the MCP tool of the same name."""
    return [
        {
            "name": name,
            "description": description,
            "type": "derived",
            "invocationRef": {"targetNamespace": "shipyard-tools", "action": name, "mode": "mcp"},
        }
        for name, description in tools.items()
    ]


@pytest.fixture
def skill_app(tutorial: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A factory: build a step and return its `skill_app` module (forgotten afterwards)."""
    monkeypatch.chdir(tutorial)
    names: list[str] = []

    def build(step_file: str) -> Any:
        package = generate(tutorial / step_file)
        out = tmp_path / step_file.split(".")[0]
        for relative, text in package.files.items():
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_text(text, encoding="utf-8")
        sys.path.insert(0, str(out / "src"))
        names.append(package.model.package)
        return importlib.import_module(f"{package.model.package}.skill_app"), package.model

    yield build
    for name in names:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp_path))]


async def answers(module: Any, paths: list[str]) -> list[tuple[int, Any]]:
    """GET each path of the served skill app: (status, parsed JSON body)."""
    upstream = importlib.import_module(module.__name__.rsplit(".", 1)[0] + ".upstream")
    settings = importlib.import_module(module.__name__.rsplit(".", 1)[0] + ".settings")
    client = upstream.UpstreamClient(settings.load_settings({}))
    results = []
    try:
        async with serve_app(module.create_skill_app(client)) as url, aiohttp.ClientSession() as s:
            for path in paths:
                async with s.get(url + path) as response:
                    results.append((response.status, await response.json(content_type=None)))
    finally:
        await client.close()
    return results


def test_step_8_skill_groups(skill_app: Any) -> None:
    module, model = skill_app("step-8-shipyard-skill-groups.yml")
    assert (model.skills.port, model.skills.namespace) == (3002, "shipyard-skills")
    paths = ["/skills", "/skills/fleet-ops", "/skills/voyage-ops", "/skills/unknown"]
    paths += ["/skills/fleet-ops/download", "/skills/fleet-ops/contents"]
    catalog, fleet, voyage, unknown, download, contents = asyncio.run(answers(module, paths))
    assert catalog == (
        200,
        {
            "count": 2,
            "skills": [
                FLEET_OPS,
                {
                    "name": "voyage-ops",
                    "description": "Voyage planning — create and manage voyages",
                    "tools": ["create-voyage"],
                },
            ],
        },
    )  # 8.1
    assert fleet == (
        200,
        {
            "name": "fleet-ops",
            "description": FLEET_OPS["description"],
            "tools": derived(FLEET_TOOLS),
        },
    )  # 8.2
    assert voyage[0] == 200
    assert voyage[1]["tools"] == derived({"create-voyage": VOYAGE_TOOLS["create-voyage"]})  # 8.3
    assert [unknown[0], download[0], contents[0]] == [404, 404, 404]  # 8.4, 8.5


def test_step_11_voyage_ops_gains_the_manifest(skill_app: Any) -> None:
    module, model = skill_app("step-11-shipyard-fleet-manifest.yml")
    assert model.skills.port == 3003  # swapped with REST in this step (C11.5)
    catalog, voyage = asyncio.run(answers(module, ["/skills", "/skills/voyage-ops"]))
    assert catalog[1]["count"] == 2
    assert catalog[1]["skills"][0] == FLEET_OPS  # 11.7
    assert catalog[1]["skills"][1]["tools"] == ["create-voyage", "get-voyage-manifest"]
    assert voyage == (
        200,
        {
            "name": "voyage-ops",
            "description": "Voyage planning — create and manage voyages",
            "tools": derived(VOYAGE_TOOLS),
        },
    )  # 11.8
