"""The spec authors' tutorial, steps 7 and 11: orchestrated `steps`, lookups and `mappings`.

Each step file is built in the tutorial's own folder layout (rebuilt from `../shared/corpus`,
whose file names flatten `shared/`), and the generated package is served in-process against a
stub of the tutorial's registry API that answers with the examples of its OpenAPI document. The
expected results are those of `../shared/docs/tutorial-expectations.md` (§2 and §3, steps 7 and
11); the REST and MCP answers are compared as parsed JSON.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import serve_app

REGISTRY = "/rest/naftiko-shipyard-maritime-registry-api/1.0.0-alpha2"
LEGACY = "/rest/naftiko-shipyard-legacy-dockyard-api/1.0.0-alpha2"
MCP_TOKEN = "sk-mcp-YYYYYYYYYYYY"

NORTHERN_STAR = {
    "imo_number": "IMO-9321483",
    "vessel_name": "Northern Star",
    "vessel_type": "cargo",
    "flag_code": "NO",
    "operational_status": "active",
}
PACIFIC_DAWN = {
    "imo_number": "IMO-9456781",
    "vessel_name": "Pacific Dawn",
    "vessel_type": "tanker",
    "flag_code": "SG",
    "operational_status": "maintenance",
}
SHIPS = {
    "IMO-9321483": {
        **NORTHERN_STAR,
        "year_built": 2015,
        "gross_tonnage": 42000,
        "dimensions": {"length_overall": 229, "beam": 32, "draft": 12.5},
        "assignedCrew": ["CREW-001", "CREW-003"],
    },
    "IMO-9456781": {
        **PACIFIC_DAWN,
        "year_built": 2018,
        "gross_tonnage": 55000,
        "dimensions": {"length_overall": 274, "beam": 48, "draft": 16.0},
        "assignedCrew": ["CREW-002", "CREW-004"],
    },
}
VOYAGE = {
    "voyageId": "VOY-2026-042",
    "shipImo": "IMO-9321483",
    "departurePort": "Oslo",
    "arrivalPort": "Singapore",
    "departureDate": "2026-04-10T08:00:00Z",
    "arrivalDate": "2026-05-02T14:00:00Z",
    "crewIds": ["CREW-001", "CREW-003"],
    "cargoIds": ["CARGO-2024-0451"],
    "status": "planned",
}
CREW = [
    {
        "crewId": "CREW-001",
        "fullName": "Erik Lindström",
        "role": "captain",
        "certifications": ["STCW-II/2", "GMDSS"],
    },
    {
        "crewId": "CREW-002",
        "fullName": "Maria Santos",
        "role": "first_officer",
        "certifications": ["STCW-II/2"],
    },
    {"crewId": "CREW-003", "fullName": "Aiko Tanaka", "role": "cook", "certifications": []},
    {"crewId": "CREW-004", "fullName": "Hans Mueller", "role": "engineer", "certifications": []},
]
CARGO = [
    {
        "cargoId": "CARGO-2024-0451",
        "type": "container",
        "description": "Electronics components",
        "weight": 12.5,
        "hazardous": False,
    },
    {
        "cargoId": "CARGO-2024-0452",
        "type": "bulk",
        "description": "Iron ore samples",
        "weight": 85.0,
        "hazardous": False,
    },
]

VESSELS = [
    ("LEGACY-4012", "Old Faithful", "cargo", "GB", "active"),
    ("LEGACY-2087", "Iron Maiden", "bulk_carrier", "PA", "laid_up"),
]
OLD_FAITHFUL = {
    "vesselCode": "LEGACY-4012",
    "name": "Old Faithful",
    "type": "cargo",
    "flag": "GB",
    "status": "active",
}
IRON_MAIDEN = {
    "vesselCode": "LEGACY-2087",
    "name": "Iron Maiden",
    "type": "bulk_carrier",
    "flag": "PA",
    "status": "laid_up",
}

NS_CREW = {
    "imo": "IMO-9321483",
    "name": "Northern Star",
    "type": "cargo",
    "flag": "NO",
    "status": "active",
    "yearBuilt": 2015,
    "tonnage": 42000,
    "length": 229,
    "crew": [
        {"fullName": "Erik Lindström", "role": "captain"},
        {"fullName": "Aiko Tanaka", "role": "cook"},
    ],
}
PD_CREW = {
    "imo": "IMO-9456781",
    "name": "Pacific Dawn",
    "type": "tanker",
    "flag": "SG",
    "status": "maintenance",
    "yearBuilt": 2018,
    "tonnage": 55000,
    "length": 274,
    "crew": [
        {"fullName": "Maria Santos", "role": "first_officer"},
        {"fullName": "Hans Mueller", "role": "engineer"},
    ],
}
MANIFEST_CREW = NS_CREW["crew"]
MANIFEST_CARGO = [
    {
        "type": "container",
        "description": "Electronics components",
        "weight": 12.5,
        "hazardous": False,
    }
]


# ----------------------------------------------------------------------------- layout and build


def load_package(tutorial: Path, step_file: str, out: Path) -> str:
    """Generate the step's package into `out`, put it on `sys.path`; return its import name."""
    package = generate(tutorial / step_file)  # Raises on any error.
    for relative, text in package.files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(out / "src"))
    return package.model.package


@pytest.fixture
def step(tutorial: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A factory: build a step file and import its package (forgotten again afterwards)."""
    loaded: list[str] = []
    monkeypatch.chdir(tutorial)  # `file:///./shared/secrets.yaml` is relative to the cwd.

    def build(step_file: str) -> str:
        name = load_package(tutorial, step_file, tmp_path / step_file.split(".")[0])
        loaded.append(name)
        return name

    yield build
    for name in loaded:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp_path))]


# ----------------------------------------------------------------------------- the stub registry


class Registry:
    """The registry API of the tutorial, answering with its OpenAPI examples (§2)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(REGISTRY + "/ships", self.ships)
        app.router.add_get(REGISTRY + "/ships/{imo}", self.ship)
        app.router.add_get(REGISTRY + "/voyages/{voyage}", self.voyage)
        app.router.add_get(REGISTRY + "/crew", self.listing(CREW))
        app.router.add_get(REGISTRY + "/cargo", self.listing(CARGO))
        app.router.add_get(LEGACY + "/vessels", self.vessels)
        return app

    def record(self, request: web.Request) -> None:
        self.calls.append(
            (request.method, request.path.removeprefix(REGISTRY), dict(request.headers))
        )

    async def ships(self, request: web.Request) -> web.Response:
        self.record(request)
        status = request.query.get("status")
        ships = [NORTHERN_STAR, PACIFIC_DAWN]
        if status in ("active", "maintenance"):
            ships = [s for s in ships if s["operational_status"] == status]
        return web.json_response(ships)

    async def ship(self, request: web.Request) -> web.Response:
        self.record(request)
        found = SHIPS.get(request.match_info["imo"])
        if found is None:
            return web.json_response({"error": "not_found"}, status=404)
        return web.json_response(found)

    async def voyage(self, request: web.Request) -> web.Response:
        self.record(request)
        if request.match_info["voyage"] != VOYAGE["voyageId"]:
            return web.json_response({"error": "not_found"}, status=404)
        return web.json_response(VOYAGE)

    async def vessels(self, request: web.Request) -> web.Response:
        """L1: the legacy API answers XML (no prolog), filtered by `status`."""
        self.calls.append(("GET", "/legacy/vessels", dict(request.headers)))
        status = request.query.get("status")
        chosen = [v for v in VESSELS if status not in ("active", "laid_up") or v[4] == status]
        body = "<vessels>" + "".join(
            "<vessel><vesselCode>{}</vesselCode><vesselName>{}</vesselName><category>{}"
            "</category><flagState>{}</flagState><operationalStatus>{}</operationalStatus>"
            "</vessel>".format(*vessel)
            for vessel in chosen
        )
        return web.Response(text=body + "</vessels>", content_type="application/xml")

    def listing(self, rows: list[dict[str, Any]]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            self.record(request)
            return web.json_response(rows)

        return handler


@asynccontextmanager
async def adapters(package: str, registry: Registry) -> AsyncIterator[tuple[str, str]]:
    """Serve the step's REST and MCP adapters against the stub; yield their base URLs."""
    settings = importlib.import_module(f"{package}.settings")
    upstream = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    mcp_server = importlib.import_module(f"{package}.mcp_server")
    runner = web.AppRunner(registry.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    environment = {
        "REGISTRY_BASE_URL": f"http://127.0.0.1:{port}{REGISTRY}",
        "LEGACY_BASE_URL": f"http://127.0.0.1:{port}{LEGACY}",
    }
    client = upstream.UpstreamClient(settings.load_settings(environment))
    try:
        async with (
            serve_app(rest_app.create_app(client)) as rest_url,
            serve_app(mcp_server.create_http_app(client, host="127.0.0.1")) as mcp_url,
        ):
            yield rest_url, mcp_url + "/mcp"
    finally:
        await client.close()
        await runner.cleanup()


async def call_tool(url: str, name: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    """Call one tool with the official MCP client; return (isError, parsed text payload)."""
    import httpx2
    from mcp.client import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {MCP_TOKEN}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        await client.list_tools()
        result = await client.call_tool(name, arguments)
    text = result.content[0].text  # type: ignore[union-attr]
    try:
        return bool(result.is_error), json.loads(text)
    except ValueError:
        return bool(result.is_error), text


async def get_json(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(content_type=None)


# ----------------------------------------------------------------------------- step 7


def test_step_7_orchestrated_lookup(step: Any) -> None:
    package = step("step-7-shipyard-orchestrated-lookup.yml")
    registry = Registry()

    async def scenario() -> None:
        async with adapters(package, registry) as (rest, mcp):
            # 7.2 and 7.3: a call, a second call, then a join of the crew on the ship's ids.
            assert await call_tool(mcp, "get-ship-with-crew", {"imo": "IMO-9321483"}) == (
                False,
                NS_CREW,
            )
            assert [path for _, path, _ in registry.calls] == ["/ships/IMO-9321483", "/crew"]
            assert await call_tool(mcp, "get-ship-with-crew", {"imo": "IMO-9456781"}) == (
                False,
                PD_CREW,
            )
            # The same steps behind the REST route /ships/{imo}/crew.
            assert await get_json(rest + "/ships/IMO-9321483/crew") == (200, NS_CREW)
            # An unknown ship: the first step's 404 ends the run and is answered as is.
            registry.calls.clear()
            status, _ = await get_json(rest + "/ships/IMO-0000000/crew")
            assert status == 404
            assert [path for _, path, _ in registry.calls] == ["/ships/IMO-0000000"]
            is_error, payload = await call_tool(mcp, "get-ship-with-crew", {"imo": "IMO-0000000"})
            assert is_error
            assert payload["status"] == 404
        # Every registry call carried the bound credentials (REG-AUTH).
        for _, _, headers in registry.calls:
            assert headers["Authorization"] == "Bearer dummy-token"
            assert headers["Registry-Version"] == "1.0.0-alpha2"

    asyncio.run(scenario())


# ----------------------------------------------------------------------------- step 11


def test_step_11_fleet_manifest(step: Any) -> None:
    package = step("step-11-shipyard-fleet-manifest.yml")
    registry = Registry()

    async def scenario() -> None:
        async with adapters(package, registry) as (rest, mcp):
            # 11.2: four calls and three lookups (scalar and list), dotted targets nest.
            is_error, manifest = await call_tool(
                mcp, "get-voyage-manifest", {"voyageId": "VOY-2026-042"}
            )
            assert not is_error
            assert manifest == {
                "voyageId": "VOY-2026-042",
                "status": "planned",
                "route": {"from": "Oslo", "to": "Singapore"},
                "ship": {"name": "Northern Star", "type": "cargo", "flag": "NO"},
                "crew": MANIFEST_CREW,
                "cargo": MANIFEST_CARGO,
            }
            assert [(m, p) for m, p, _ in registry.calls] == [
                ("GET", "/voyages/VOY-2026-042"),
                ("GET", "/ships"),
                ("GET", "/crew"),
                ("GET", "/cargo"),
            ]
            # 11.3 and 11.5: the inline ship-with-crew orchestration, over MCP and REST.
            assert await call_tool(mcp, "get-ship-with-crew", {"imo": "IMO-9321483"}) == (
                False,
                NS_CREW,
            )
            assert await get_json(rest + "/ships/IMO-9321483/crew") == (200, NS_CREW)
            # 11.4: the REST orchestration maps flat.
            assert await get_json(rest + "/voyages/VOY-2026-042/manifest") == (
                200,
                {
                    "voyageId": "VOY-2026-042",
                    "status": "planned",
                    "departurePort": "Oslo",
                    "arrivalPort": "Singapore",
                    "shipName": "Northern Star",
                    "shipType": "cargo",
                    "shipFlag": "NO",
                    "crew": MANIFEST_CREW,
                    "cargo": MANIFEST_CARGO,
                },
            )
            # 11.9: an unknown voyage is a tool error, and no manifest comes back.
            registry.calls.clear()
            is_error, payload = await call_tool(
                mcp, "get-voyage-manifest", {"voyageId": "VOY-0000-000"}
            )
            assert is_error
            assert payload["status"] == 404
            assert [p for _, p, _ in registry.calls] == ["/voyages/VOY-0000-000"]
            # 11.6 (as 10.x): the legacy API's XML is converted (root dropped, repeated
            # elements listed) before mapping; a lone <vessel> still gives a one-item list.
            assert await get_json(rest + "/legacy/vessels") == (200, [OLD_FAITHFUL, IRON_MAIDEN])
            assert await get_json(rest + "/legacy/vessels?status=laid_up") == (200, [IRON_MAIDEN])
            # 5.2 and 5.4 over MCP: the same conversion behind the tool.
            assert await call_tool(mcp, "list-legacy-vessels", {}) == (
                False,
                [OLD_FAITHFUL, IRON_MAIDEN],
            )
            assert await call_tool(mcp, "list-legacy-vessels", {"status": "active"}) == (
                False,
                [OLD_FAITHFUL],
            )
            legacy = [headers for _, path, headers in registry.calls if path == "/legacy/vessels"]
            assert legacy and all(h["X-Dock-Key"] == "dummy-dockyard-key" for h in legacy)
            registry.calls[:] = [c for c in registry.calls if c[1] != "/legacy/vessels"]
        # REG-LITERAL: this step's shared file writes the variables without braces (C11.6).
        for _, _, headers in registry.calls:
            assert headers["Authorization"] == "Bearer REGISTRY_TOKEN"
            assert headers["Registry-Version"] == "REGISTRY_VERSION"

    asyncio.run(scenario())
