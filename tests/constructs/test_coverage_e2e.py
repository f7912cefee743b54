"""The constructs no other end-to-end test drives, in one capability served the way `serve` does.

`coverage/coverage.yaml` declares them all: capability-level `binds`, an imported API renamed
with `as` whose apikey auth hides the parameter of the same name, consumed cookies, `text`/`xml`/
`sparql`/`formUrlEncoded` bodies, `csv`/`tsv`/`psv`/`yaml` answers, REST mock and `ref`
operations, `forward.trustedHeaders`, exposed `header` and `cookie` inputs, `const` on an output;
an MCP adapter with `description`, a tool `label`, `ref` and mock tools, aggregate `semantics`
(and a tool's own hints over them), resources with `steps`, with `call` and a URI template and
with a folder, a prompt read from a file (both `file:///./x` beside the spec, shipped in the
package: `serve` runs in an empty working directory after the spec's copies are removed, and a
read that tries to leave the folder is refused); a skill adapter behind an `apikey` header with the skill
metadata; a control port whose `observability` turns metrics off and keeps 10 traces.

The package is generated once and `serve` (the generated `cli.serve`, every adapter on a free
loopback port) runs once for the module in a thread of its own; every consumed API points at the
recording upstream (a real HTTP server on loopback). Each test drives its adapter over HTTP and
asserts on what the upstream received and on what the caller got. The last test serves the
official `control-observability-disabled` fixture, and a variant with only traces off.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
import yaml

from naftiko_codegen.runtime.tests.loopback import free_port
from tests.servers.recording import Answer, RecordingUpstream

from .support import forget, generate_package

SPEC = Path(__file__).with_name("coverage") / "coverage.yaml"
SECRETS = {"COV_TOKEN": "cov-token-7", "SKILL_KEY": "skill-key-9", "REMOTE_KEY": "remote-5"}
ITEM = {"id": "1", "name": "Widget", "price": 9.5}


@dataclass(frozen=True)
class Served:
    """The adapters' base URLs (`mcp` is the Streamable HTTP endpoint)."""

    rest: str
    mcp: str
    skill: str
    control: str


def _answers(upstream: RecordingUpstream) -> None:
    def text(body: str, kind: str) -> Answer:
        return Answer(headers={"Content-Type": kind}, body=body.encode())

    upstream.answer("/csv", text("id,score\n1,9.5\n2,7\n", "text/csv"))
    upstream.answer("/tsv", text("id\tname\n1\tWidget\n", "text/tab-separated-values"))
    upstream.answer("/psv", text("id|name\n1|Widget\n", "text/plain"))
    upstream.answer("/yaml", text("meta:\n  title: Report\ntags: [a, b]\n", "application/yaml"))
    upstream.answer_json("/items/", ITEM)
    upstream.answer_json("/echo", {"kind": "other"})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, RecordingUpstream]]:
    folder = tmp_path_factory.mktemp("coverage")
    for source in SPEC.parent.rglob("*"):
        if source.is_file():
            target = folder / source.relative_to(SPEC.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    spec = yaml.safe_load(SPEC.read_text("utf-8"))
    # Not `coverage`: the package name must not shadow an installed module (pytest-cov's).
    name, _ = generate_package(spec, folder, "construct-coverage")
    # The prompt's and the resource folder's `file:///./x` were read beside the spec at build
    # time and shipped in the package: `serve` needs neither them nor the spec's working
    # directory (it runs in an empty one).
    for shipped in ("notes", "prompts"):
        shutil.rmtree(folder / shipped)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    upstream = RecordingUpstream()
    _answers(upstream)
    ports = [free_port() for _ in range(4)]
    arguments = [f"--{kind}-port={port}" for kind, port in zip(ADAPTERS, ports, strict=True)]
    environment = {"UP_BASE_URL": upstream.url, "RENAMED_BASE_URL": upstream.url + "/renamed"}
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        with (
            contextlib.chdir(elsewhere),
            _serving(name, arguments, {**environment, **SECRETS}, urls[3]),
        ):
            yield Served(urls[0], urls[1] + "/mcp", urls[2], urls[3]), upstream
    finally:
        upstream.close()
        forget(name, folder)


ADAPTERS = ("rest", "mcp", "skill", "control")


@contextmanager
def _serving(
    package: str, arguments: list[str], environment: dict[str, str], control: str
) -> Iterator[None]:
    """The package's `serve` with `arguments`, in a thread of its own, until the block ends."""
    cli = importlib.import_module(f"{package}.cli")
    settings = importlib.import_module(f"{package}.settings")
    options = cli.build_parser().parse_args(["serve", "--ready-check-interval=0", *arguments])
    loop = asyncio.new_event_loop()
    # `serve` stops on SIGINT/SIGTERM, whose handlers only the main thread may install: the
    # loop keeps them instead, and the block's end calls one as the signal would.
    signals: list[Any] = []
    loop.add_signal_handler = lambda _, handler: signals.append(handler)  # type: ignore
    task = loop.create_task(cli.serve(options, settings.load_settings(environment)))
    thread = threading.Thread(target=loop.run_until_complete, args=(task,), daemon=True)
    thread.start()
    try:
        asyncio.run(_wait_ready(control + "/health/ready"))
        yield
    finally:
        loop.call_soon_threadsafe(signals[0])
        thread.join(timeout=10)
        loop.close()


async def _wait_ready(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(500):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
    raise AssertionError(f"{url} never became ready")


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    async with session.request(method, url, **kwargs) as response:
        body = await response.read()
        kind = response.headers.get("Content-Type", "")
        return response.status, json.loads(body) if "json" in kind and body else body


# ----------------------------------------------------------------------------- consumes


def test_consumed_constructs_reach_the_upstream(served: tuple[Served, RecordingUpstream]) -> None:
    adapters, upstream = served

    async def scenario() -> list[tuple[int, Any]]:
        async with aiohttp.ClientSession() as session:
            return [
                await _call(session, "GET", adapters.rest + "/ping?key=caller"),
                await _call(session, "GET", adapters.rest + "/cookie", cookies={"session": "s1"}),
                await _call(session, "POST", adapters.rest + "/bodies/text", json={"who": "Ann"}),
                await _call(session, "POST", adapters.rest + "/bodies/xml", json={"who": "Bo"}),
                await _call(session, "POST", adapters.rest + "/bodies/sparql"),
                await _call(session, "POST", adapters.rest + "/bodies/form", json={"who": "C&D"}),
                await _call(session, "POST", adapters.rest + "/bodies/form-text"),
            ]

    upstream.requests.clear()
    answers = asyncio.run(scenario())
    assert [status for status, _ in answers] == [200] * 7
    ping, cookie, text, xml, sparql, form, form_text = upstream.requests
    # The imported API renamed `renamed` reads RENAMED_BASE_URL; capability-level binds fill
    # the bearer token of the API that names them.
    assert (ping.method, ping.path) == ("GET", "/renamed/ping")
    # Its apikey auth wins over the parameter of the same name (the caller's value is dropped).
    assert ping.query == [("key", "remote-5")]
    assert all(r.header("Authorization") == "Bearer cov-token-7" for r in upstream.requests[1:])
    assert ping.header("Authorization") is None  # another API: the token stays home
    assert cookie.header("Cookie") == "session=s1; theme=dark"
    # The text is sent as UTF-8 and says so; XML and SPARQL carry their own media types.
    assert (text.header("Content-Type"), text.body) == ("text/plain; charset=utf-8", b"hello Ann")
    assert (xml.header("Content-Type"), xml.body) == ("application/xml", b"<who>Bo</who>")
    assert (sparql.header("Content-Type"), sparql.body) == (
        "application/sparql-query",
        b"SELECT ?s WHERE { ?s ?p ?o }",
    )
    assert form.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qsl(form.body.decode()) == [("who", "C&D"), ("n", "2")]
    assert form_text.header("Content-Type") == "application/x-www-form-urlencoded"
    assert form_text.body == b"a=1&b=two"


def test_csv_tsv_psv_and_yaml_answers_are_mapped_as_json(
    served: tuple[Served, RecordingUpstream],
) -> None:
    adapters, upstream = served

    async def scenario() -> dict[str, tuple[int, Any]]:
        async with aiohttp.ClientSession() as session:
            return {
                kind: await _call(session, "GET", f"{adapters.rest}/formats/{kind}")
                for kind in ("csv", "tsv", "psv", "yaml")
            } | {"const": await _call(session, "GET", adapters.rest + "/const")}

    upstream.requests.clear()
    answers = asyncio.run(scenario())
    assert [r.path for r in upstream.requests] == ["/csv", "/tsv", "/psv", "/yaml", "/echo"]
    assert answers["csv"] == (200, [{"id": "1", "score": 9.5}, {"id": "2", "score": 7}])
    assert answers["tsv"] == (200, [{"id": "1", "name": "Widget"}])
    assert answers["psv"] == (200, [{"id": "1", "name": "Widget"}])
    assert answers["yaml"] == (200, {"title": "Report", "tags": ["a", "b"]})
    # `const` is accepted and never applied (as in the engine): the upstream's value passes.
    assert answers["const"] == (200, "other")


# ----------------------------------------------------------------------------- exposes: REST


def test_rest_mock_ref_forward_and_header_and_cookie_inputs(
    served: tuple[Served, RecordingUpstream],
) -> None:
    adapters, upstream = served
    rest = adapters.rest

    async def scenario() -> dict[str, tuple[int, Any]]:
        async with aiohttp.ClientSession() as session:
            return {
                "mock": await _call(session, "GET", rest + "/mock?who=Ann"),
                "greet": await _call(session, "GET", rest + "/greet?who=Bo"),
                "item": await _call(session, "GET", rest + "/items/1"),
                "name": await _call(session, "GET", rest + "/names/1"),
                "header": await _call(session, "GET", rest + "/header", headers={"X-Tag": "t1"}),
                "openapi": await _call(session, "GET", rest + "/openapi.json"),
                "forward": await _call(
                    session,
                    "PUT",
                    rest + "/fwd/a/b?x=1",
                    data=b"raw",
                    headers={"X-Trusted": "yes", "X-Other": "no", "Authorization": "Bearer c"},
                ),
            }

    upstream.requests.clear()
    answers = asyncio.run(scenario())
    # Mocks answer without the upstream, their leaves typed; a `ref` to a mock function too.
    assert answers["mock"] == (200, {"message": "Hi Ann", "size": 42, "ready": False})
    assert answers["greet"] == (200, {"message": "Hello, Bo!", "count": 3, "ok": True})
    # `ref` to a function with `call`, then to one with `steps`.
    assert answers["item"] == (200, ITEM)
    paths = answers["openapi"][1]["paths"]
    inherited = paths["/items/{id}"]["get"]  # a `ref` operation inherits name and description
    assert (inherited["operationId"], inherited["summary"]) == ("find-item", "Read one item")
    assert [(p["name"], p["in"]) for p in paths["/header"]["get"]["parameters"]] == [
        ("X-Tag", "header")
    ]
    assert "parameters" not in paths["/ping"]["get"]  # the apikey's parameter is hidden
    assert [(p["name"], p["in"]) for p in paths["/cookie"]["get"]["parameters"]] == [
        ("session", "cookie")
    ]
    assert answers["name"] == (200, {"name": "Widget"})
    assert answers["header"][0] == 200
    item, step, header, forward = upstream.requests
    assert [item.path, step.path] == ["/items/1", "/items/1"]
    assert header.query == [("tag", "t1")]
    # Forward: the trusted header goes upstream; the other headers and the caller's token do not.
    assert (forward.method, forward.path, forward.query, forward.body) == (
        "PUT",
        "/a/b",
        [("x", "1")],
        b"raw",
    )
    assert forward.header("X-Trusted") == "yes"
    assert forward.header("X-Other") is None
    assert forward.header("Authorization") == "Bearer cov-token-7"
    assert answers["forward"][0] == 200


# ----------------------------------------------------------------------------- exposes: MCP


async def _refused(client: Any, uri: str) -> str:
    """The error message of reading `uri`, which must fail."""
    from mcp.shared.exceptions import MCPError

    try:
        await client.read_resource(uri)
    except MCPError as error:
        return str(error.error.message)
    raise AssertionError(f"{uri} was read")


async def _mcp(url: str) -> dict[str, Any]:
    from mcp.client import Client
    from mcp.client.streamable_http import streamable_http_client

    async with Client(streamable_http_client(url)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        calls = {
            name: await client.call_tool(name, arguments)
            for name, arguments in (
                ("fetch-csv", {}),
                ("find-item", {"id": "1"}),
                ("item-name", {"id": "1"}),
                ("greet", {"who": "Cy"}),
                ("roll", {"who": "Di"}),
            )
        }
        return {
            "instructions": client.instructions,
            "tools": tools,
            "calls": calls,
            "resources": (await client.list_resources()).resources,
            "templates": (await client.list_resource_templates()).resource_templates,
            "names": await client.read_resource("data://names/first"),
            "item": await client.read_resource("data://items/1"),
            "guide": await client.read_resource("docs://notes/guide.md"),
            "escapes": [
                await _refused(client, "docs://notes/" + path)
                for path in ("../prompts/greet.md", "%2E%2E/prompts/greet.md", "/etc/hostname")
            ],
            "prompt": await client.get_prompt("greet", {"who": "Ed"}),
        }


def test_mcp_tools_resources_and_prompts(served: tuple[Served, RecordingUpstream]) -> None:
    adapters, upstream = served
    upstream.requests.clear()
    got = asyncio.run(_mcp(adapters.mcp))
    assert got["instructions"] == "Coverage tools for agents"
    tools = got["tools"]
    assert tools["fetch-csv"].title == "Fetch CSV"
    # A `ref` tool inherits the function's name, description and inputs; `semantics` become
    # hints (safe: read-only and not destructive; idempotent as is).
    found = tools["find-item"]
    assert found.description == "Read one item"
    assert list(found.input_schema["properties"]) == ["id"]
    hints = found.annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
        True,
        False,
        True,
    )
    assert hints.open_world_hint is None
    # The tool's own hints win, field by field.
    fresh = tools["find-item-fresh"].annotations
    assert (
        fresh.read_only_hint,
        fresh.destructive_hint,
        fresh.idempotent_hint,
        fresh.open_world_hint,
    ) == (False, False, True, True)
    structured = {name: result.structured_content for name, result in got["calls"].items()}
    assert not any(result.is_error for result in got["calls"].values())
    assert structured["find-item"] == ITEM
    assert structured["item-name"] == {"name": "Widget"}
    assert structured["greet"] == {"message": "Hello, Cy!", "count": 3, "ok": True}
    assert structured["roll"] == {"who": "Di", "value": 6}
    # Resources: one with `steps` and a declared mimeType, one with `call` and a URI template
    # (the default mimeType), a folder (each file's type from its suffix).
    assert [(r.uri, r.mime_type) for r in got["resources"]] == [
        ("data://names/first", "application/vnd.cov+json"),
        ("docs://notes/guide.md", "text/markdown"),
        ("docs://notes/items.csv", "text/csv"),
    ]
    assert [(t.uri_template, t.mime_type) for t in got["templates"]] == [
        ("data://items/{id}", "application/json")
    ]
    (guide,) = got["guide"].contents
    assert (guide.mime_type, guide.text) == ("text/markdown", "# Guide\n")
    (names,) = got["names"].contents
    assert (names.mime_type, json.loads(names.text)) == (
        "application/vnd.cov+json",
        {"name": "Widget"},
    )
    (item,) = got["item"].contents
    assert (item.mime_type, json.loads(item.text)) == ("application/json", ITEM)
    # A read never leaves the folder: `..`, encoded or not, and an absolute path are not found.
    assert got["escapes"] == ["Resource not found"] * 3
    # The prompt read from its file, `{{who}}` filled.
    (message,) = got["prompt"].messages
    assert (message.role, message.content.text) == ("user", "Greet Ed warmly.\n")
    # What the upstream received: the csv call, two item reads (call and step tools), then the
    # steps resource (its literal id) and the templated resource (the URI's id).
    assert [r.path for r in upstream.requests] == ["/csv"] + ["/items/1"] * 4


# ----------------------------------------------------------------------------- skill, control


def test_skill_adapter_metadata_behind_an_apikey_header(
    served: tuple[Served, RecordingUpstream],
) -> None:
    adapters, _ = served

    async def scenario() -> list[tuple[int, Any]]:
        url = adapters.skill + "/skills/items"
        async with aiohttp.ClientSession() as session:
            return [
                await _call(session, "GET", url),
                await _call(session, "GET", url, headers={"X-Skill-Key": "wrong"}),
                await _call(session, "GET", url, params={"X-Skill-Key": "skill-key-9"}),
                await _call(session, "GET", url, headers={"X-Skill-Key": "skill-key-9"}),
            ]

    missing, wrong, in_query, (status, detail) = asyncio.run(scenario())
    assert [missing[0], wrong[0], in_query[0]] == [401, 401, 401]
    assert "skill-key-9" not in json.dumps(wrong[1])
    assert status == 200
    assert {key: detail[key] for key in detail if key != "tools"} == {
        "name": "items",
        "description": "Item tools",
        "compatibility": "Python 3.11 or later",
        "user-invocable": False,
        "disable-model-invocation": True,
    }
    assert detail["tools"][0]["invocationRef"] == {
        "targetNamespace": "cov-mcp",
        "action": "find-item",
        "mode": "mcp",
    }


def test_control_port_serves_traces_and_not_metrics(
    served: tuple[Served, RecordingUpstream],
) -> None:
    adapters, _ = served
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"

    async def scenario() -> list[tuple[int, Any]]:
        async with aiohttp.ClientSession() as session:
            for _ in range(11):
                await _call(session, "GET", adapters.rest + "/mock?who=T")
            await _call(
                session, "GET", adapters.rest + "/formats/csv", headers={"traceparent": traceparent}
            )
            return [
                await _call(session, "GET", adapters.control + "/traces"),
                await _call(session, "GET", f"{adapters.control}/traces/{trace_id}"),
                await _call(session, "GET", adapters.control + "/metrics"),
            ]

    (status, listing), (found_status, found), (metrics_status, _) = asyncio.run(scenario())
    assert (status, listing["count"], len(listing["traces"])) == (200, 10, 10)  # buffer-size
    newest = listing["traces"][0]
    assert (found_status, found) == (200, {"traceId": trace_id, "requests": [newest]})
    assert {key: newest[key] for key in ("traceId", "adapter", "method", "route", "status")} == {
        "traceId": trace_id,
        "adapter": "rest",
        "method": "GET",
        "route": "/formats/csv",
        "status": 200,
    }
    assert [(c["kind"], c["api"], c["operation"], c["status"]) for c in newest["spans"]] == [
        ("upstream", "up", "csv", "200")
    ]
    assert metrics_status == 404  # `metrics.local.enabled: false`


OFFICIAL = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "official"


def test_observability_switched_off_serves_neither_metrics_nor_traces(tmp_path: Path) -> None:
    fixture = OFFICIAL / "test__control__control-observability-disabled.yaml"
    official = yaml.safe_load(fixture.read_text("utf-8"))  # `observability.enabled: false`
    traces_off = yaml.safe_load(fixture.read_text("utf-8"))
    traces_off["capability"]["exposes"][0]["observability"] = {
        "traces": {"local": {"enabled": False}}
    }
    for spec, name, expected in (
        (official, "observability-off", (404, 404)),
        (traces_off, "traces-off", (200, 404)),
    ):
        package, _ = generate_package(spec, tmp_path, name)
        control = f"http://127.0.0.1:{free_port()}"
        try:
            with _serving(package, [f"--control-port={control.rsplit(':', 1)[1]}"], {}, control):
                got = asyncio.run(_statuses(control, "/metrics", "/traces"))
        finally:
            forget(package, tmp_path)
        assert (name, got) == (name, expected)


async def _statuses(url: str, *paths: str) -> tuple[int, ...]:
    async with aiohttp.ClientSession() as session:
        return tuple([(await _call(session, "GET", url + path))[0] for path in paths])
