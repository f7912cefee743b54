"""Skill adapters (spec §2.6, digest §3.15): generated, started and driven against a real upstream.

One capability exposes REST, MCP and a skill adapter whose skill has a `location` folder (text,
a nested file and binary bytes). The package is built, its apps served on loopback against the
recording upstream, and every skill endpoint is called: the catalog, each detail, the folder's
listing, each file, the ZIP download. Each derived tool's `invocationRef` is then followed to the
sibling adapter it names, and the upstream must receive the call. The skill adapter is also run
the way `serve` runs it (loopback by default, behind the Host guard). Build-time refusals: a
folder outside the spec's folder or through a link (NAF387), too large (NAF389), an instruction
that is not a file of the folder (NAF351); a `from` that names nothing leaves the tool out
(NAF349).
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from servers.recording import RecordingUpstream

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.pipeline import generate
from naftiko_codegen.runtime.tests.loopback import free_port, serve_app

SPEC = """\
naftiko: "1.0.0-alpha2"
info: {label: "Orders", description: "Orders with a skill catalog"}
capability:
  consumes:
    - type: http
      namespace: orders-api
      baseUri: "http://orders.example.com/v1"
      resources:
        - name: orders
          path: /orders
          operations:
            - {name: list, method: GET}
        - name: order
          path: "/orders/{{id}}"
          operations:
            - name: get
              method: GET
              inputParameters: [{name: id, in: path}]
  exposes:
    - type: rest
      namespace: orders-rest
      port: 9098
      resources:
        - path: /orders
          name: orders
          description: Orders
          operations:
            - {method: GET, name: list-orders, call: orders-api.list}
    - type: mcp
      namespace: orders-mcp
      port: 9099
      description: Order tools
      tools:
        - name: get-order
          description: One order
          inputParameters: [{name: id, type: string, description: Order id}]
          call: orders-api.get
          with: {id: orders-mcp.id}
    - type: skill
      namespace: orders-skills
      port: 9097
      description: Order skills
      skills:
        - name: order-management
          description: Tools for managing orders
          license: Apache-2.0
          argument-hint: Use for order operations
          allowed-tools: list-orders get-order
          metadata: {team: fulfilment}
          location: "file:///./skills/order-management"
          tools:
            - name: list-orders
              description: List all orders
              from: {sourceNamespace: orders-rest, action: list-orders}
            - name: get-order
              description: Read one order
              from: {sourceNamespace: orders-mcp, action: get-order}
            - name: order-guide
              description: Guide for working with orders
              instruction: guide.md
        - name: onboarding-guide
          description: A purely descriptive skill with no tools
"""

FILES = {
    "SKILL.md": b"---\nname: order-management\n---\n# Orders\n",
    "examples/usage.md": "Ask for order 42 — then list.\n".encode(),
    "guide.md": b"Read the order before you change it.\n",
    "logo.png": bytes(range(256)),
}


def write_spec(folder: Path, text: str = SPEC, files: dict[str, bytes] = FILES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        target = folder / "skills" / "order-management" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    spec = folder / "orders.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def package(build_package: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_package(write_spec(tmp_path_factory.mktemp("spec"))))


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream()
    try:
        yield server
    finally:
        server.close()


async def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


async def call_tool(url: str, name: str, arguments: dict[str, Any]) -> Any:
    from mcp.client import Client
    from mcp.client.streamable_http import streamable_http_client

    async with Client(streamable_http_client(url)) as client:
        result = await client.call_tool(name, arguments)
    assert not result.is_error
    return json.loads(result.content[0].text)  # type: ignore[union-attr]


DETAIL = {
    "name": "order-management",
    "description": "Tools for managing orders",
    "license": "Apache-2.0",
    "argument-hint": "Use for order operations",
    "allowed-tools": "list-orders get-order",
    "metadata": {"team": "fulfilment"},
    "tools": [
        {
            "name": "list-orders",
            "description": "List all orders",
            "type": "derived",
            "invocationRef": {
                "targetNamespace": "orders-rest",
                "action": "list-orders",
                "mode": "rest",
            },
        },
        {
            "name": "get-order",
            "description": "Read one order",
            "type": "derived",
            "invocationRef": {
                "targetNamespace": "orders-mcp",
                "action": "get-order",
                "mode": "mcp",
            },
        },
        {
            "name": "order-guide",
            "description": "Guide for working with orders",
            "type": "instruction",
            "instruction": "guide.md",
        },
    ],
}


def test_every_skill_endpoint_and_every_derived_tool(
    package: str, upstream: RecordingUpstream
) -> None:
    settings = importlib.import_module(f"{package}.settings")
    client_module = importlib.import_module(f"{package}.upstream")
    rest_app = importlib.import_module(f"{package}.rest_app")
    mcp_server = importlib.import_module(f"{package}.mcp_server")
    skill_app = importlib.import_module(f"{package}.skill_app")
    upstream.answer_json("/v1/orders/42", {"id": "42", "total": 9.5})
    upstream.answer_json("/v1/orders", [{"id": "42"}])

    async def scenario() -> None:
        environment = {"ORDERS_API_BASE_URL": upstream.url + "/v1"}
        client = client_module.UpstreamClient(settings.load_settings(environment))
        try:
            async with (
                serve_app(skill_app.create_skill_app(client)) as skills,
                serve_app(rest_app.create_app(client)) as rest,
                serve_app(mcp_server.create_http_app(client, host="127.0.0.1")) as mcp,
            ):
                await drive(skills, {"rest": rest, "mcp": mcp + "/mcp"})
        finally:
            await client.close()

    async def drive(skills: str, adapters: dict[str, str]) -> None:
        status, kind, body = await fetch(skills + "/skills")
        assert (status, kind) == (200, "application/json")
        assert json.loads(body) == {
            "count": 2,
            "skills": [
                {
                    "name": "order-management",
                    "description": "Tools for managing orders",
                    "license": "Apache-2.0",
                    "tools": ["list-orders", "get-order", "order-guide"],
                },
                {
                    "name": "onboarding-guide",
                    "description": "A purely descriptive skill with no tools",
                    "tools": [],
                },
            ],
        }
        status, _, body = await fetch(skills + "/skills/order-management")
        assert (status, json.loads(body)) == (200, DETAIL)
        status, _, body = await fetch(skills + "/skills/onboarding-guide")
        assert json.loads(body)["tools"] == []
        # The folder: listed (sorted, sizes, media types), each file byte for byte, zipped.
        status, _, body = await fetch(skills + "/skills/order-management/contents")
        listing = json.loads(body)["files"]
        assert [(f["path"], f["size"]) for f in listing] == [
            (path, len(data)) for path, data in sorted(FILES.items())
        ]
        assert {f["path"]: f["type"] for f in listing}["logo.png"] == "image/png"
        for path, data in FILES.items():
            status, _, got = await fetch(skills + "/skills/order-management/contents/" + path)
            assert (status, got) == (200, data)
        status, kind, archive = await fetch(skills + "/skills/order-management/download")
        assert (status, kind) == (200, "application/zip")
        with zipfile.ZipFile(io.BytesIO(archive)) as unzipped:
            assert {n: unzipped.read(n) for n in unzipped.namelist()} == FILES
        # Refusals: unknown skill or file, a skill without a folder, a path leaving the folder.
        for path, expected in (
            ("/skills/unknown", 404),
            ("/skills/onboarding-guide/contents", 404),
            ("/skills/onboarding-guide/download", 404),
            ("/skills/order-management/contents/missing.md", 404),
            ("/skills/order-management/contents/..%2F..%2Forders.yaml", 400),
            ("/skills/order-management/contents/a%20b.md", 400),
        ):
            status, kind, _ = await fetch(skills + path)
            assert (path, status, kind) == (path, expected, "application/problem+json")
        # Each derived tool leads to the sibling unit it names, which reaches the upstream.
        upstream.requests.clear()
        for tool in DETAIL["tools"][:2]:
            reference = tool["invocationRef"]
            if reference["mode"] == "rest":
                status, _, body = await fetch(adapters["rest"] + "/orders")
                assert (status, json.loads(body)) == (200, [{"id": "42"}])
            else:
                answer = await call_tool(adapters["mcp"], reference["action"], {"id": "42"})
                assert answer == {"id": "42", "total": 9.5}
        assert [(r.method, r.path) for r in upstream.requests] == [
            ("GET", "/v1/orders"),
            ("GET", "/v1/orders/42"),
        ]

    asyncio.run(scenario())


def test_serve_runs_the_skill_adapter_on_loopback_behind_the_host_guard(package: str) -> None:
    cli = importlib.import_module(f"{package}.cli")
    settings = importlib.import_module(f"{package}.settings")
    port = free_port()
    options = cli.build_parser().parse_args(
        ["serve", "--no-rest", "--no-mcp", "--skill-port", str(port)]
    )

    async def scenario() -> None:
        serving = asyncio.create_task(cli.serve(options, settings.load_settings({})))
        url = f"http://127.0.0.1:{port}/skills"
        try:
            for _ in range(200):
                try:
                    status, _, body = await fetch(url)
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)
            assert status == 200 and json.loads(body)["count"] == 2
            # DNS rebinding: a foreign Host never reaches the catalog.
            status, _, _ = await fetch(url, {"Host": "attacker.example"})
            assert status in (400, 403, 421)
        finally:
            serving.cancel()
            await asyncio.gather(serving, return_exceptions=True)

    assert options.host is None  # the spec's default: loopback
    assert cli.DEFAULT_SKILL_HOST == "127.0.0.1"
    asyncio.run(scenario())


# ----------------------------------------------------------------------------- build refusals


def refused(spec: Path) -> list[tuple[str, str]]:
    """The errors of building `spec` (code, message and hint)."""
    with pytest.raises(DiagnosticError) as caught:
        generate(spec)
    return [(d.code, f"{d.message} / {d.hint}") for d in caught.value.diagnostics if d.is_error]


def test_folders_outside_the_spec_or_through_links_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "SKILL.md").write_text("secret\n")
    for location in (str(outside.as_uri()), "file:///./../elsewhere"):
        spec = write_spec(
            tmp_path / "spec", SPEC.replace("file:///./skills/order-management", location)
        )
        (code, message), *_ = refused(spec)
        assert code == "NAF387" and "outside the spec's folder" in message
    # A linked folder, and a link inside the folder, are refused (never followed).
    linked = tmp_path / "linked"
    spec = write_spec(linked, SPEC.replace("skills/order-management", "skills/alias"))
    (linked / "skills" / "alias").symlink_to(outside, target_is_directory=True)
    assert [c for c, _ in refused(spec)] == ["NAF387"]
    spec = write_spec(tmp_path / "inner")
    (tmp_path / "inner" / "skills" / "order-management" / "passwd").symlink_to("/etc/passwd")
    (code, message), *_ = refused(spec)
    assert code == "NAF387" and "passwd" in message


def test_a_folder_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_GEN_MAX_ASSET_BYTES", "100")
    (code, message), *_ = refused(write_spec(tmp_path))
    assert code == "NAF389" and "100 bytes" in message


def _left_out(spec: Path) -> list[str]:
    """The NAF349 warnings of building `spec` (message and hint): tools left out."""
    return [f"{d.message} / {d.hint}" for d in generate(spec).diagnostics if d.code == "NAF349"]


def test_tools_must_name_what_exists(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC.replace("action: get-order", "action: get-ordr"))
    (message,) = _left_out(spec)
    assert "has no tool 'get-ordr'; the tool is left out" in message
    assert "did you mean 'get-order'?" in message
    spec = write_spec(tmp_path, SPEC.replace("sourceNamespace: orders-rest", "sourceNamespace: x"))
    assert len(_left_out(spec)) == 1
    spec = write_spec(tmp_path, SPEC.replace("instruction: guide.md", "instruction: nope.md"))
    (code, message), *_ = refused(spec)
    assert code == "NAF351" and "nope.md" in message
