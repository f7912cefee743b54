"""Deep corpus check: 30 generated adapters, run in-process, send the right requests upstream.

For each sampled file the package is generated, imported and served (REST app and MCP Streamable
HTTP app, uvicorn on loopback) against a recording aiohttp stub upstream. Every REST route and
every MCP tool is called once with the model's sample inputs, and the stub must have seen:

- the consumed operation's method, read from the raw YAML;
- the model's expected path (percent-encoded), which must also fit the raw YAML resource path;
- the model's expected query (auth pairs aside) and body;
- static header parameters of the consumed operation, read from the raw YAML;
- the authentication, derived **from the raw YAML** (`consumes[].authentication` and `binds`),
  not from the model, with secret values this test chooses.

Sample (deterministic, stratified): files whose YAML exposes both `rest` and `mcp`, not listed in
`refusals.tsv` and not reading secrets from a `binds[].location` file (the corpus lacks those
files); grouped by provider (official, jupyter repos, catalog providers), ordered by SHA-256 of
the path inside each group, then taken round-robin across groups until 30.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import hashlib
import importlib
import json
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from corpus_build import corpus_dir, corpus_files, group_of, read_refusals
from corpus_harness import DEEP_KEY
from deep_oracle import ExpectedAuth, RawSpec, path_pattern

from naftiko_codegen.runtime.tests.loopback import serve_app

pytestmark = pytest.mark.corpus

SAMPLE_SIZE = 30
_REST = re.compile(r"^\s*-?\s*type:\s*['\"]?rest\b", re.MULTILINE)
_MCP = re.compile(r"^\s*-?\s*type:\s*['\"]?mcp\b", re.MULTILINE)
_FILE_BIND = re.compile(r"^\s*location:\s*['\"]?file:", re.MULTILINE)


def deep_sample(root: Path) -> list[str]:
    """The deterministic, provider-stratified sample described in the module docstring."""
    refused = set(read_refusals())
    groups: dict[str, list[str]] = {}
    for relative in corpus_files(root):
        text = (root / relative).read_text(encoding="utf-8", errors="replace")
        if relative in refused or not (_REST.search(text) and _MCP.search(text)):
            continue
        if _FILE_BIND.search(text):
            continue
        corpus_set, provider = group_of(relative)
        groups.setdefault(f"{corpus_set}/{provider}", []).append(relative)
    for files in groups.values():
        files.sort(key=lambda f: hashlib.sha256(f.encode()).hexdigest())
    # official and jupyter first, then catalog providers alphabetically.
    order = sorted(groups, key=lambda g: (g.startswith("catalog/"), g))
    sample: list[str] = []
    depth = 0
    while len(sample) < SAMPLE_SIZE and any(depth < len(groups[g]) for g in order):
        sample.extend(groups[g][depth] for g in order if depth < len(groups[g]))
        depth += 1
    return sorted(sample[:SAMPLE_SIZE])


def _sample_ids() -> list[str]:
    root = corpus_dir()
    return deep_sample(root) if root.is_dir() else []


# ----------------------------------------------------------------------------- stub upstream


@dataclass
class Seen:
    """One request the stub upstream received."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@contextlib.asynccontextmanager
async def recording_upstream() -> AsyncIterator[tuple[str, list[Seen]]]:
    """A real aiohttp server on loopback that records every request and answers JSON."""
    from aiohttp import web

    seen: list[Seen] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(
            Seen(
                request.method,
                request.rel_url.raw_path,
                parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True),
                {k.lower(): v for k, v in request.headers.items()},
                await request.read(),
            )
        )
        return web.json_response({"answer": 42, "items": [{"id": "x1"}]})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


# ----------------------------------------------------------------------------- the check


@contextlib.contextmanager
def imported(src: Path, package: str) -> Iterator[dict[str, Any]]:
    """Import a generated package from `src`; forget it afterwards."""
    sys.path.insert(0, str(src))
    try:
        yield {
            name: importlib.import_module(f"{package}.{name}")
            for name in ("settings", "upstream", "rest_app", "mcp_server")
            if (src / package / f"{name}.py").is_file()
        }
    finally:
        sys.path.remove(str(src))
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]


def _literal(code: Any) -> Any:
    return ast.literal_eval(code) if isinstance(code, str) else code


def _swap_secrets(value: Any, swaps: dict[str, str]) -> Any:
    """Replace the model's test secret values by this test's (inside expected bodies/queries)."""
    if isinstance(value, str):
        for old, new in swaps.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _swap_secrets(v, swaps) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_swap_secrets(v, swaps) for v in value]
    return value


class Checker:
    """Compares what the stub saw with the raw-YAML and model expectations; collects problems."""

    def __init__(self, raw: RawSpec, model: Any, swaps: dict[str, str]) -> None:
        self.raw = raw
        self.model = model
        self.swaps = swaps
        self.problems: list[str] = []
        self.unresolved: set[str] = set()
        self.calls = 0

    def check(self, label: str, unit: Any, test: Any, before: int, seen: list[Seen]) -> None:
        """Check the upstream requests one unit's call caused (`seen[before:]`).

        `test` is the unit's entry in the model's test plan (its expected upstream request).
        """
        new = seen[before:]
        call = unit.call
        if call is None:  # a mock: answered by the adapter itself
            if new:
                self.problems.append(f"{label}: a mock unit sent {len(new)} upstream request(s)")
            return
        if len(new) != 1:
            self.problems.append(f"{label}: upstream saw {len(new)} requests, expected 1")
            return
        got = new[0]
        self.calls += 1
        namespace = call.operation.api.namespace
        raw_op, raw_path = self.raw.operation(namespace, call.operation.name)
        auth = self.raw.expected_auth(namespace)
        self.unresolved.update(auth.unresolved)
        self._check_target(label, test, got, raw_op, raw_path)
        self._check_query(label, test, got, auth)
        self._check_headers(label, got, raw_op, auth)
        self._check_body(label, test, got)

    def _check_target(
        self, label: str, test: Any, got: Seen, raw_op: dict[str, Any], raw_path: str
    ) -> None:
        """Method from the raw YAML; path from the model, fitting the raw resource path."""
        want_method = str(raw_op.get("method", "GET")).upper()
        if got.method != want_method:
            self.problems.append(f"{label}: method {got.method}, raw YAML says {want_method}")
        if got.path != test.expected_upstream_path:
            self.problems.append(
                f"{label}: path {got.path!r}, model expects {test.expected_upstream_path!r}"
            )
        raw_path = raw_path.split("#", 1)[0] or "/"  # A fragment never leaves the client.
        if raw_path and not path_pattern(raw_path).fullmatch(got.path):
            self.problems.append(
                f"{label}: path {got.path!r} does not fit the raw resource path {raw_path!r}"
            )

    def _check_query(self, label: str, test: Any, got: Seen, auth: ExpectedAuth) -> None:
        """The model's expected query (auth pairs aside), then the auth pairs from the YAML."""
        auth_keys = set(auth.query)
        want_query = sorted(
            (k, _swap_secrets(v, self.swaps))
            for k, v in test.expected_upstream_query
            if k not in auth_keys
        )
        got_query = sorted((k, v) for k, v in got.query if k not in auth_keys)
        if got_query != want_query:
            self.problems.append(f"{label}: query {got_query}, model expects {want_query}")
        if auth.unresolved:
            return
        for key, value in auth.query.items():
            values = [v for k, v in got.query if k == key]
            if values != [value]:
                self.problems.append(f"{label}: auth query {key}={values}, expected {value!r}")

    def _check_headers(
        self, label: str, got: Seen, raw_op: dict[str, Any], auth: ExpectedAuth
    ) -> None:
        """Auth headers and the operation's static headers, both from the raw YAML."""
        expected = {} if auth.unresolved else dict(auth.headers)
        for key, value in expected.items():
            if got.headers.get(key) != value:
                self.problems.append(
                    f"{label}: auth header {key}: {got.headers.get(key)!r}, expected {value!r}"
                )
        for key, value in self.raw.static_headers(raw_op).items():
            if got.headers.get(key) != value:
                self.problems.append(
                    f"{label}: header {key}: {got.headers.get(key)!r}, raw YAML sets {value!r}"
                )

    def _check_body(self, label: str, test: Any, got: Seen) -> None:
        """The body in the model's expected format (JSON, form, text or none)."""
        body_format, body = _literal(getattr(test, "expected_upstream_body", "('?', None)"))
        body = _swap_secrets(body, self.swaps)
        if body_format == "json":
            try:
                decoded = json.loads(got.body) if got.body else None
            except ValueError:
                decoded = got.body[:200]
            if decoded != body:
                self.problems.append(f"{label}: JSON body {decoded!r}, model expects {body!r}")
        elif body_format == "form":
            decoded_form = dict(parse_qsl(got.body.decode(), keep_blank_values=True))
            if decoded_form != body:
                self.problems.append(f"{label}: form body {decoded_form!r}, expected {body!r}")
        elif body_format == "text":
            if got.body.decode() != body:
                self.problems.append(f"{label}: text body {got.body[:200]!r}, expected {body!r}")
        elif body_format == "none" and got.body:
            self.problems.append(f"{label}: body {got.body[:200]!r}, expected none")


async def exercise(
    model: Any, modules: dict[str, Any], checker: Checker, env: dict[str, str]
) -> None:
    """Serve both adapters against the recording stub; call every route and tool once."""
    import aiohttp
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async with recording_upstream() as (stub_url, seen):
        environment = {**env, **{api.base_url_env: stub_url for api in model.apis}}
        client = modules["upstream"].UpstreamClient(modules["settings"].load_settings(environment))
        try:
            if model.rest is not None:
                inbound = checker.raw.inbound_auth("rest")
                checker.unresolved.update(inbound.unresolved)
                async with (
                    serve_app(modules["rest_app"].create_app(client)) as url,
                    aiohttp.ClientSession(headers=inbound.headers) as session,
                ):
                    for route in model.rest.routes:
                        label = f"REST {route.method} {route.spec_path}"
                        test = model.test_plan.routes[route.function]
                        before = len(seen)
                        async with session.request(
                            route.method,
                            url + test.sample_path,
                            params=[*test.sample_query, *inbound.query.items()],
                            headers=dict(test.sample_headers),
                            json=test.sample_body,
                        ) as response:
                            payload = await response.read()
                        if response.status >= 400:
                            checker.problems.append(
                                f"{label}: adapter answered {response.status}: {payload[:300]!r}"
                            )
                        checker.check(label, route, test, before, seen)
            if model.mcp is not None:
                inbound = checker.raw.inbound_auth("mcp")
                checker.unresolved.update(inbound.unresolved)
                app = modules["mcp_server"].create_http_app(client, host="127.0.0.1")
                async with (
                    serve_app(app) as url,
                    httpx2.AsyncClient(headers=inbound.headers, timeout=30) as http,
                    Client(
                        streamable_http_client(
                            url
                            + "/mcp"
                            + ("?" + urlencode(inbound.query) if inbound.query else ""),
                            http_client=http,
                        )
                    ) as mcp_client,
                ):
                    for tool in model.mcp.tools:
                        label = f"MCP tool {tool.name}"
                        test = model.test_plan.tools[tool.function]
                        before = len(seen)
                        result = await mcp_client.call_tool(
                            tool.name, _literal(test.sample_arguments)
                        )
                        if result.is_error:
                            checker.problems.append(f"{label}: tool error {result.content!r:.300}")
                        checker.check(label, tool, test, before, seen)
        finally:
            await client.close()


@pytest.mark.parametrize("relative", _sample_ids())
def test_adapter_sends_the_right_requests(
    relative: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    from naftiko_codegen.diagnostics import DiagnosticError, format_diagnostic
    from naftiko_codegen.pipeline import generate
    from naftiko_codegen.write import write_package

    root = corpus_dir()
    try:
        package = generate(root / relative, source=relative)
    except DiagnosticError as error:
        pytestconfig.stash[DEEP_KEY].append((relative, 0, 0, 0, -1))
        pytest.fail(
            f"{relative} does not build:\n" + "\n".join(map(format_diagnostic, error.diagnostics))
        )
    target = tmp_path / package.slug
    write_package(target, package.files, source=relative)
    model = package.model
    raw = RawSpec(root / relative)
    environment = dict(raw.environment)
    swaps: dict[str, str] = {}
    for secret in model.secrets:
        test_value = model.test_plan.secret_values[secret.variable]
        if secret.env_var in environment:
            swaps[test_value] = environment[secret.env_var]
        else:  # not a raw bind key: the generator invented it; give it its own test value
            environment[secret.env_var] = test_value
    checker = Checker(raw, model, swaps)
    with imported(target / "src", str(model.package)) as modules:
        asyncio.run(exercise(model, modules, checker, environment))
    routes = len(model.rest.routes) if model.rest else 0
    tools = len(model.mcp.tools) if model.mcp else 0
    units = routes + tools
    pytestconfig.stash[DEEP_KEY].append(
        (relative, routes, tools, checker.calls, len(checker.problems) + len(checker.unresolved))
    )
    assert (
        not checker.problems
    ), f"{relative}: {len(checker.problems)} problem(s) in {units} unit(s):\n  " + "\n  ".join(
        checker.problems
    )
    assert not checker.unresolved, (
        f"{relative}: auth templates {sorted(checker.unresolved)} name no bind key; "
        "the auth check could not run"
    )
