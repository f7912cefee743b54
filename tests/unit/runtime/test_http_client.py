"""`runtime/http_client.py`: request helpers, responses, URLs, and the client against a stub."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import types
from typing import Any

import pytest

from naftiko_codegen.runtime.http_client import (
    HttpClient,
    UpstreamApi,
    UpstreamError,
    UpstreamResponse,
    basic_credentials,
    form_fields,
    forward_path,
    header_items,
    path_segment,
    query_items,
    text,
    user_hooks,
    without_none,
)
from naftiko_codegen.runtime.tests.loopback import free_port, stub_upstream

HOOKS = "naftiko_codegen.runtime.hooks"
"""Where `user_hooks` looks: the `hooks` module beside the runtime modules."""

# ----------------------------------------------------------------------------- helpers


def test_text_renders_booleans_containers_and_none() -> None:
    assert text(None) == ""
    assert (text(True), text(False)) == ("true", "false")
    assert text({"a": [1, 2]}) == '{"a":[1,2]}'
    assert text([1, "x"]) == '[1,"x"]'
    assert text(4.5) == "4.5"


def test_path_segments_cannot_change_the_path() -> None:
    assert path_segment("a/b?c#d") == "a%2Fb%3Fc%23d"
    assert path_segment("..") == "%2E%2E"
    assert path_segment(".") == "%2E"
    assert forward_path("x/../y z") == "x/%2E%2E/y%20z"


def test_query_items_skip_none_and_repeat_lists() -> None:
    pairs = query_items(("a", None), ("b", [1, None, True]), ("c", ("x",)), ("d", 0))
    assert pairs == [("b", "1"), ("b", "true"), ("c", "x"), ("d", "0")]


def test_headers_forms_and_bodies_leave_absent_values_out() -> None:
    assert header_items(("A", 1), ("B", None)) == {"A": "1"}
    assert form_fields({"a": 1, "b": None, "c": "", "d": False}) == {"a": "1", "d": "false"}
    assert form_fields("not a mapping") == {}
    assert without_none({"a": None, "b": 0}) == {"b": 0}
    assert basic_credentials("ada", "s3cret") == "Basic YWRhOnMzY3JldA=="


def test_without_a_hooks_module_there_are_no_hooks() -> None:
    assert user_hooks() is None


def test_the_hooks_module_is_found_beside_the_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = types.ModuleType(HOOKS)
    monkeypatch.setitem(sys.modules, HOOKS, hooks)
    assert user_hooks() is hooks


def test_a_hooks_module_with_a_missing_import_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(name: str) -> Any:
        raise ModuleNotFoundError("No module named 'nowhere'", name="nowhere")

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="nowhere"):
        user_hooks()


# ----------------------------------------------------------------------------- responses


def test_json_is_recognised_by_media_type_or_by_its_first_byte() -> None:
    assert UpstreamResponse(200, b"x", "application/json; charset=utf-8").is_json
    assert UpstreamResponse(200, b"x", "application/problem+json").is_json
    assert not UpstreamResponse(200, b"{}", "text/plain").is_json
    assert UpstreamResponse(200, b"[1]", None).is_json
    assert not UpstreamResponse(200, b"<a/>", None).is_json


def test_data_reads_json_or_the_declared_format() -> None:
    assert UpstreamResponse(200, b"", None).json() is None
    assert UpstreamResponse(200, b'{"a": 1}', None).data() == {"a": 1}
    assert not UpstreamResponse(200, b"", "application/json").has_data
    assert not UpstreamResponse(200, b"<a/>", "text/xml").has_data

    def parse(body: bytes, raw_format: str, schema: str | None = None) -> Any:
        return {"format": raw_format, "body": body.decode()}

    xml = UpstreamResponse(200, b"<a/>", "text/xml", "xml", parse)
    assert xml.has_data
    assert xml.data() == {"format": "xml", "body": "<a/>"}
    # A JSON answer stays JSON whatever the spec declares; without a parser JSON is assumed.
    assert UpstreamResponse(200, b"[1]", "application/json", "xml", parse).data() == [1]
    assert UpstreamResponse(200, b"[2]", "text/xml", "xml").data() == [2]
    assert "parse" not in repr(xml)


def test_upstream_error_keeps_status_title_and_detail() -> None:
    error = UpstreamError(504, "Upstream timeout", "slow")
    assert (error.status, error.title, error.detail, str(error)) == (
        504,
        "Upstream timeout",
        "slow",
        "slow",
    )


# ----------------------------------------------------------------------------- URLs


def test_url_joins_base_and_path_then_the_auth_query_last() -> None:
    api = UpstreamApi("a", "https://h.example/api", 5.0, query=(("token", "t k"),))
    url = api.url("items/1", [("q", "x y")])
    assert str(url) == "https://h.example/api/items/1?q=x+y&token=t+k"
    assert str(api.url("", [])) == "https://h.example/api?token=t+k"


def test_base_path_repeated_by_the_spec_is_joined_once() -> None:
    trimmed = UpstreamApi("a", "https://h.example/api", 5.0, strip_base_path=True)
    assert str(trimmed.url("/api/sessions", [])) == "https://h.example/api/sessions"
    assert str(trimmed.url("/api", [])) == "https://h.example/api"
    assert str(trimmed.url("/apiary", [])) == "https://h.example/api/apiary"
    kept = UpstreamApi("a", "https://h.example/api", 5.0)
    assert str(kept.url("/api/x", [])) == "https://h.example/api/api/x"


def test_a_base_url_with_a_query_gets_more_pairs_with_an_ampersand() -> None:
    api = UpstreamApi("a", "https://h.example/x?v=1", 5.0)
    assert str(api.url("", [("q", "2")])) == "https://h.example/x?v=1&q=2"


def test_origin_drops_credentials() -> None:
    api = UpstreamApi("a", "https://user:pw@h.example:8443/api", 5.0)
    assert api.origin == "https://h.example:8443/api"
    assert UpstreamApi("a", "http://h.example", 5.0).origin == "http://h.example"


# ----------------------------------------------------------------------------- the client


def _client(url: str, *, timeout: float = 5.0, **options: Any) -> HttpClient:
    api = UpstreamApi("demo", url + "/base", timeout, headers={"X-Api": "1"})
    return HttpClient({"demo": api}, **options)


def test_requests_carry_bodies_headers_and_the_api_defaults() -> None:
    async def exercise() -> list[Any]:
        async with stub_upstream() as stub:
            client = _client(stub.url)
            try:
                first = await client.send(
                    "demo", "POST", "/items", query=[("a", "1")], json_body={"n": 1}
                )
                await client.send(
                    "demo",
                    "PUT",
                    "/items/1",
                    headers={"X-Extra": "2"},
                    data="a=1",
                    content_type="application/x-www-form-urlencoded",
                )
                await client.send("demo", "PATCH", "/raw", data=b"bytes", content_type="text/plain")
                await client.send("demo", "GET", "/plain")
            finally:
                await client.close()
                await client.close()  # idempotent
            return [first, stub.requests]

    first, requests = asyncio.run(exercise())
    assert (first.status, first.json(), first.content_type) == (
        200,
        {"ok": True},
        "application/json; charset=utf-8",
    )
    post, put, patch, get = requests
    assert (post.method, post.path, post.query) == ("POST", "/base/items", [("a", "1")])
    assert json.loads(post.body) == {"n": 1}
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["X-Api"] == "1"
    assert "User-Agent" not in post.headers
    assert (put.body, put.headers["X-Extra"], put.headers["X-Api"]) == (b"a=1", "2", "1")
    assert put.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (patch.body, patch.headers["Content-Type"]) == (b"bytes", "text/plain")
    assert (get.body, "Content-Type" in get.headers) == (b"", False)


def test_echoed_secrets_are_masked_longest_first() -> None:
    async def exercise() -> UpstreamResponse:
        async with stub_upstream() as stub:
            stub.reply = {"echo": "token-123 token-123-long abc"}
            secrets = ["token-123", "token-123-long", "abc", "not-echoed"]
            client = _client(stub.url, secrets=secrets)
            try:
                return await client.send("demo", "GET", "")
            finally:
                await client.close()

    reply = asyncio.run(exercise())
    # Secrets shorter than four characters are left alone: they would mask innocent bytes.
    assert reply.json() == {"echo": "[redacted] [redacted] abc"}


def test_answers_carry_the_declared_format_and_its_parser() -> None:
    def parse(body: bytes, raw_format: str, schema: str | None = None) -> Any:
        return raw_format

    async def exercise() -> UpstreamResponse:
        async with stub_upstream() as stub:
            client = _client(stub.url, parse_body=parse)
            try:
                return await client.send("demo", "GET", "", raw_format="csv")
            finally:
                await client.close()

    reply = asyncio.run(exercise())
    assert (reply.raw_format, reply.parse_body) == ("csv", parse)


def test_the_session_is_reopened_after_close() -> None:
    async def exercise() -> int:
        async with stub_upstream() as stub:
            client = _client(stub.url)
            try:
                await client.send("demo", "GET", "")
                await client.close()
                return (await client.send("demo", "GET", "")).status
            finally:
                await client.close()

    assert asyncio.run(exercise()) == 200


def test_an_unreachable_upstream_is_a_502() -> None:
    async def exercise() -> None:
        client = _client(f"http://user:pw@127.0.0.1:{free_port()}")
        try:
            await client.send("demo", "GET", "/x")
        finally:
            await client.close()

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(exercise())
    assert (caught.value.status, caught.value.title) == (502, "Upstream unreachable")
    assert "'demo'" in caught.value.detail and "pw" not in caught.value.detail
    assert "ClientConnectorError" in caught.value.detail


def test_a_slow_upstream_is_a_504() -> None:
    async def exercise() -> None:
        async with stub_upstream(delay=1.0) as stub:
            client = _client(stub.url, timeout=0.1)
            try:
                await client.send("demo", "GET", "/x")
            finally:
                await client.close()

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(exercise())
    assert (caught.value.status, caught.value.title) == (504, "Upstream timeout")
    assert caught.value.detail.endswith("did not answer within 0.1 s")


def test_hooks_see_every_request_and_may_rewrite_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, str, str]] = []
    hooks = types.ModuleType(HOOKS)

    async def on_upstream_request(api: str, method: str, url: str, headers: dict[str, str]) -> None:
        headers["X-Trace"] = "t-1"
        seen.append((api, method, url))

    async def on_upstream_response(
        api: str, method: str, url: str, status: int, body: bytes
    ) -> bytes:
        return body.replace(b"true", b"false")

    hooks.on_upstream_request = on_upstream_request  # type: ignore[attr-defined]
    hooks.on_upstream_response = on_upstream_response  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, HOOKS, hooks)

    async def exercise() -> tuple[Any, str, str]:
        async with stub_upstream() as stub:
            client = _client(stub.url)
            try:
                reply = await client.send("demo", "GET", "/h")
            finally:
                await client.close()
            return reply.json(), stub.requests[0].headers["X-Trace"], stub.url

    answer, trace, url = asyncio.run(exercise())
    assert answer == {"ok": False}
    assert trace == "t-1"
    assert seen == [("demo", "GET", url + "/base/h")]
