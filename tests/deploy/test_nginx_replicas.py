"""Two replicas of the generated seed package behind a real nginx, in front of a real Jupyter.

The story: two ``rest-sessions serve`` processes (REST and MCP ports each) start side by side;
nginx balances each port pair round robin and passes on the public Host the client asked for
(``sessions.example.test``), which the replicas allow by ``NAFTIKO_ALLOWED_HOSTS`` with their
DNS-rebinding checks on. A REST lifecycle and an MCP session in each protocol revision go through
nginx while requests alternate between the replicas; then one replica is killed (SIGKILL) in the
middle of an MCP session and under a stream of REST reads, and no client sees a failure: nginx
retries what met the dead replica on the live one. Each replica's own access log counts what
it served, and the counts add up to what nginx forwarded.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import signal
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from servers.adapter import Adapter, running_adapter
from servers.jupyter import JupyterServer
from servers.nginx import Balancer, LogEntry, running_nginx
from servers.processes import HttpResponse, free_port

PUBLIC_HOST = "sessions.example.test"
"""The name clients use; nginx passes it on as Host, as an ingress does."""

LIST = "jupyter-notebook-list-running-sessions"
CREATE = "jupyter-notebook-create-new-session"
GET = "jupyter-notebook-get-session"
UPDATE = "jupyter-notebook-update-session"
DELETE = "jupyter-notebook-delete-session"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_ACCESS_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE) (/\S*) HTTP/1\.[01]" (\d{3})')


def _request(url: str, method: str, body: Any = None, *, host: str = PUBLIC_HOST) -> HttpResponse:
    """One request through nginx with the given Host; any status is returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Host": host, "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return HttpResponse(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, error.headers, error.read())


def _new_session(name: str) -> dict[str, Any]:
    return {
        "path": f"{name}.ipynb",
        "type": "notebook",
        "name": f"{name}.ipynb",
        "kernel": {"name": "python3"},
    }


def _rest_lifecycle(balancer: Balancer, jupyter: JupyterServer, name: str) -> None:
    """create -> list -> get -> rename -> delete through nginx, Jupyter agreeing."""
    base = balancer.url("rest") + "/v1/api/sessions"
    created = _request(base, "POST", _new_session(name))
    assert created.status == 201, str(created)
    session_id = created.json["id"]
    assert session_id in jupyter.session_ids()
    listed = _request(base, "GET")
    assert listed.status == 200 and session_id in [s["id"] for s in listed.json], str(listed)
    fetched = _request(f"{base}/{session_id}", "GET")
    assert fetched.status == 200 and fetched.json["path"] == f"{name}.ipynb", str(fetched)
    renamed = _request(f"{base}/{session_id}", "PATCH", {"path": f"{name}-renamed.ipynb"})
    assert renamed.status == 200 and renamed.json["path"] == f"{name}-renamed.ipynb", str(renamed)
    deleted = _request(f"{base}/{session_id}", "DELETE")
    assert deleted.status == 204, str(deleted)
    assert session_id not in jupyter.session_ids()


@contextlib.asynccontextmanager
async def _mcp_client(balancer: Balancer, mode: str) -> Any:
    """The official MCP client through nginx, presenting the public Host."""
    async with (
        httpx2.AsyncClient(headers={"Host": PUBLIC_HOST}, timeout=30) as http,
        Client(
            streamable_http_client(balancer.url("mcp") + "/mcp", http_client=http), mode=mode
        ) as client,
    ):
        yield client


async def _tool(client: Client, name: str, arguments: dict[str, Any]) -> Any:
    """A tool call that must succeed; its structured result (arrays unwrapped)."""
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result
    structured = result.structured_content
    assert isinstance(structured, dict), result
    return structured.get("result", structured) if set(structured) == {"result"} else structured


_REQUESTS_METRIC = re.compile(
    r'^naftiko_http_requests_total\{[^}]*adapter="(rest|mcp)"[^}]*route="([^"]*)"[^}]*\} '
    r"([0-9.e+]+)$",
    re.M,
)


def _metric_requests(ops_port: int) -> Counter[str]:
    """What a replica's `/metrics` counts: `REST` (the /v1 routes) and `MCP` requests."""
    with urllib.request.urlopen(f"http://127.0.0.1:{ops_port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    counts: Counter[str] = Counter()
    for adapter, route, value in _REQUESTS_METRIC.findall(text):
        if adapter == "mcp" or route.startswith("/v1/"):
            counts["MCP" if adapter == "mcp" else "REST"] += int(float(value))
    return counts


def _served(replica: Adapter) -> Counter[str]:
    """What a replica's own access log says it answered: `REST` and `MCP` request counts."""
    counts: Counter[str] = Counter()
    for _, path, _ in _ACCESS_LINE.findall(replica.log_path.read_text(errors="replace")):
        if path.startswith(("/v1/", "/mcp")):  # not the launcher's /openapi.json probe
            counts["MCP" if path.startswith("/mcp") else "REST"] += 1
    return counts


@pytest.fixture
def ops_ports() -> list[int]:
    """Each replica's operations port (/metrics), chosen here so the test can scrape it."""
    return [free_port(), free_port()]


@pytest.fixture
def replicas(
    adapter_venv: Path, jupyter: JupyterServer, tmp_path: Path, ops_ports: list[int]
) -> Iterator[list[Adapter]]:
    """Two ``rest-sessions serve`` processes, started side by side, with access logs on."""
    contexts = [
        running_adapter(
            adapter_venv,
            jupyter.url,
            jupyter.token,
            tmp_path / f"replica-{n}.log",
            {
                "NAFTIKO_ACCESS_LOG": "1",
                "NAFTIKO_ALLOWED_HOSTS": PUBLIC_HOST,
                "NAFTIKO_OPS_PORT": str(ops_ports[n]),  # each replica's /metrics, to compare
            },
        )
        for n in range(2)
    ]
    with contextlib.ExitStack() as stack:
        with ThreadPoolExecutor(len(contexts)) as pool:
            started = list(pool.map(stack.enter_context, contexts))
        yield started
        for replica in started:  # shut down side by side too (the stack then waits for each)
            if replica.proc.poll() is None:
                replica.proc.send_signal(signal.SIGINT)


@pytest.fixture
def balancer(nginx_program: str, replicas: list[Adapter], tmp_path: Path) -> Iterator[Balancer]:
    sites = {
        "rest": [replica.rest_port for replica in replicas],
        "mcp": [replica.mcp_port for replica in replicas],
    }
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    with running_nginx(nginx_program, workdir, sites) as running:
        yield running


def _assert_balanced(entries: list[LogEntry], ports: list[int], *, one_by_one: bool) -> None:
    """Round robin: both replicas served, in turns when requests came `one_by_one`.

    Concurrent requests (the MCP client sends a notification alongside its next request) are
    logged as they finish, not in the order nginx assigned them: then only the counts tell.
    """
    served = [entry.backend for entry in entries]
    counts = Counter(served)
    assert set(counts) == {f"127.0.0.1:{port}" for port in ports}, served
    assert max(counts.values()) - min(counts.values()) <= 1, served
    if one_by_one:
        assert all(a != b for a, b in itertools.pairwise(served)), served


@pytest.mark.anyio
async def test_two_replicas_behind_nginx_survive_losing_one(
    balancer: Balancer, replicas: list[Adapter], jupyter: JupyterServer, ops_ports: list[int]
) -> None:
    # The DNS-rebinding check is on behind the proxy: a Host nobody allowed is refused.
    refused = _request(balancer.url("rest") + "/v1/api/sessions", "GET", host="evil.example")
    assert refused.status == 421, str(refused)

    # 1. REST and MCP (both protocol revisions) through nginx, alternating between replicas.
    _rest_lifecycle(balancer, jupyter, "rest-balanced")
    _assert_balanced(balancer.entries("rest"), [r.rest_port for r in replicas], one_by_one=True)
    for mode, name in (("auto", "mcp-current"), ("legacy", "mcp-legacy")):
        async with _mcp_client(balancer, mode) as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert tools == {LIST, CREATE, GET, UPDATE, DELETE}
            session = await _tool(client, CREATE, {"body": _new_session(name)})
            assert session["id"] in [s["id"] for s in await _tool(client, LIST, {})]
            fetched = await _tool(client, GET, {"session_id": session["id"]})
            assert fetched["path"] == f"{name}.ipynb"
            body = {"path": f"{name}-renamed.ipynb"}
            renamed = await _tool(client, UPDATE, {"session_id": session["id"], "body": body})
            assert renamed["path"] == body["path"]
            await _tool(client, DELETE, {"session_id": session["id"]})
            assert session["id"] not in jupyter.session_ids()
    _assert_balanced(balancer.entries("mcp"), [r.mcp_port for r in replicas], one_by_one=False)
    before_kill = len(balancer.entries())

    # 2. One replica dies (SIGKILL) mid-session, under a stream of REST reads.
    statuses: list[int | str] = []
    stop = threading.Event()

    def read_continuously() -> None:
        while not stop.wait(0.01):
            try:
                statuses.append(_request(balancer.url("rest") + "/v1/api/sessions", "GET").status)
            except Exception as exc:  # a failed read is what this proof looks for: keep it
                statuses.append(repr(exc))

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        async with _mcp_client(balancer, "legacy") as client:
            session = await _tool(client, CREATE, {"body": _new_session("mcp-kill")})
            replicas[0].proc.kill()
            replicas[0].proc.wait()
            # Answers the replica had sent before it died may still be in nginx's buffers:
            # from a moment later on, the log may only show the survivor answering.
            await anyio.sleep(0.3)
            killed_at = len(balancer.entries())
            for _ in range(3):  # round robin sends some of these to the dead replica first
                assert session["id"] in [s["id"] for s in await _tool(client, LIST, {})]
            await _tool(client, DELETE, {"session_id": session["id"]})
        _rest_lifecycle(balancer, jupyter, "rest-after-kill")
    finally:
        stop.set()
        reader.join(timeout=60)
    assert statuses and set(statuses) == {200}, Counter(statuses)

    # nginx met the dead replica and retried on the live one; the clients saw only answers.
    dead = {f"127.0.0.1:{replicas[0].rest_port}", f"127.0.0.1:{replicas[0].mcp_port}"}
    retried = [entry for entry in balancer.entries()[before_kill:] if len(entry.backends) > 1]
    after = balancer.entries()[killed_at:]
    assert retried and all(set(entry.backends[:-1]) <= dead for entry in retried), retried
    assert all(entry.backend not in dead for entry in after if entry.status < 400), after
    assert all(entry.status < 400 for entry in balancer.entries()[1:]), balancer.entries()

    # 3. Each replica counted what it served: together, everything nginx forwarded.
    served = [_served(replica) for replica in replicas]
    forwarded = Counter(
        "REST" if entry.port == balancer.ports["rest"] else "MCP" for entry in balancer.entries()
    )
    assert served[0]["REST"] > 0 and served[0]["MCP"] > 0, served
    assert served[1]["REST"] > served[0]["REST"], served  # the survivor took over
    # The same total, within one request of the kill: the killed replica may have begun (and
    # logged) an answer it never finished, which nginx retried on the survivor; or it may have
    # sent an answer but died before writing its access line (written once the answer is out).
    for kind in ("REST", "MCP"):
        assert -1 <= served[0][kind] + served[1][kind] - forwarded[kind] <= 1, (served, forwarded)
    # 4. The survivor's Prometheus counters agree with its own access log. The log also holds
    # the one request its Host guard refused (421), which no metric counts.
    counted = _metric_requests(ops_ports[1])
    for kind in ("REST", "MCP"):
        assert served[1][kind] - 1 <= counted[kind] <= served[1][kind], (counted, served[1])
