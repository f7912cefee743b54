"""`runtime/digest_auth.py`: RFC 7616 challenges, answers checked, stale and replayed refused."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from naftiko_codegen.runtime.digest_auth import RequireDigest

USER, PASSWORD, REALM = "ada", "pa55-word", "vault"


async def inner(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"in"})


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def call(
    guard: Any, authorization: str | None, *, target: bytes = b"/items/1", kind: str = "http"
) -> tuple[int, list[str]]:
    """Send one request; the status and every `WWW-Authenticate` value."""
    path, _, query = target.partition(b"?")
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"authorization", authorization.encode())] if authorization else []
    scope = {
        "type": kind,
        "method": "GET",
        "path": path.decode(),
        "raw_path": path,
        "query_string": query,
        "headers": headers,
    }
    asyncio.run(guard(scope, receive, send))
    start = sent[0]
    values = [v.decode() for k, v in start["headers"] if k == b"www-authenticate"]
    return start["status"], values


def params(challenge: str) -> dict[str, str]:
    return {m[0]: m[1] or m[2] for m in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', challenge)}


def answer(
    challenge: str,
    *,
    uri: str = "/items/1",
    password: str = PASSWORD,
    user: str = USER,
    nc: str = "00000001",
    cnonce: str = "c0ffee",
    method: str = "GET",
    **override: str,
) -> str:
    """An `Authorization` value computed from the RFC (independent of the code under test)."""
    p = params(challenge)
    name = "sha256" if p["algorithm"] == "SHA-256" else "md5"

    def h(text: str) -> str:
        return hashlib.new(name, text.encode()).hexdigest()

    ha1, ha2 = h(f"{user}:{p['realm']}:{password}"), h(f"{method}:{uri}")
    response = h(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}")
    fields = {
        "username": user,
        "realm": p["realm"],
        "nonce": p["nonce"],
        "uri": uri,
        "algorithm": p["algorithm"],
        "qop": "auth",
        "nc": nc,
        "cnonce": cnonce,
        "response": response,
        "opaque": p["opaque"],
        **override,
    }
    unquoted = {"qop", "nc", "algorithm"}
    return "Digest " + ", ".join(
        f"{k}={v}" if k in unquoted else f'{k}="{v}"' for k, v in fields.items()
    )


def test_a_caller_without_an_answer_gets_two_challenges() -> None:
    status, challenges = call(
        RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM), None
    )
    assert status == 401
    assert [params(c)["algorithm"] for c in challenges] == ["SHA-256", "MD5"]
    for challenge in challenges:
        assert challenge.startswith(f'Digest realm="{REALM}", qop="auth", algorithm=')
        assert "stale" not in challenge and PASSWORD not in challenge


@pytest.mark.parametrize("which", [0, 1])
def test_a_correct_answer_passes_with_either_algorithm(which: int) -> None:
    guard = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    challenge = call(guard, None)[1][which]
    assert call(guard, answer(challenge))[0] == 200
    assert (
        call(guard, answer(challenge, uri="/items/1?x=1", nc="00000002"), target=b"/items/1?x=1")[0]
        == 200
    )


def test_replicas_bound_to_the_same_secret_accept_each_others_nonces() -> None:
    one = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    other = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    stranger = RequireDigest(inner, username=USER, password="other", realm=REALM)
    challenge = call(one, None)[1][0]
    assert call(other, answer(challenge))[0] == 200
    assert call(stranger, answer(challenge, password="other"))[0] == 401


@pytest.mark.parametrize(
    "change",
    [
        {"password": "wrong"},
        {"user": "eve"},
        {"uri": "/items/2"},  # an answer for another target
        {"qop": "auth-int"},
        {"nc": "1"},
        {"cnonce": ""},
        {"realm": "elsewhere"},
        {"opaque": "0000"},
        {"algorithm": "SHA-512"},
        {"response": "0" * 64},
        {"method": "POST"},
    ],
)
def test_wrong_answers_are_refused(change: dict[str, str]) -> None:
    guard = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    challenge = call(guard, None)[1][0]
    status, challenges = call(guard, answer(challenge, **change))
    assert status == 401 and len(challenges) == 2


@pytest.mark.parametrize("nonce", ["65000000-00", "zz-zz", "nohyphen"])
def test_a_nonce_this_credential_did_not_issue_is_refused(nonce: str) -> None:
    guard = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    challenge = call(guard, None)[1][0]
    forged = challenge.replace(params(challenge)["nonce"], nonce)
    status, challenges = call(guard, answer(forged))  # a correct response over a forged nonce
    assert status == 401 and "stale" not in challenges[0]


def test_other_schemes_and_non_http_scopes() -> None:
    guard = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    assert call(guard, "Basic YWRhOnBhNTUtd29yZA==")[0] == 401
    assert call(guard, None, kind="lifespan")[0] == 200  # only HTTP is guarded


def test_an_old_nonce_is_stale_and_a_replay_is_refused() -> None:
    clock = Clock()
    guard = RequireDigest(
        inner, username=USER, password=PASSWORD, realm=REALM, max_age=300, clock=clock
    )
    challenge = call(guard, None)[1][0]
    assert call(guard, answer(challenge))[0] == 200
    assert call(guard, answer(challenge))[0] == 401  # the same nc and cnonce again
    assert call(guard, answer(challenge, nc="00000002"))[0] == 200
    clock.now += 301
    status, challenges = call(guard, answer(challenge, nc="00000003"))
    assert status == 401 and all(c.endswith(", stale=true") for c in challenges)
    assert params(challenges[0])["nonce"] != params(challenge)["nonce"]
    # A wrong answer with an old nonce is not told the nonce is stale.
    assert "stale" not in "".join(call(guard, answer(challenge, password="x", nc="00000004"))[1])


def test_replay_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("naftiko_codegen.runtime.digest_auth._SEEN_LIMIT", 2)
    guard = RequireDigest(inner, username=USER, password=PASSWORD, realm=REALM)
    challenge = call(guard, None)[1][0]
    for count in ("00000001", "00000002", "00000003"):
        assert call(guard, answer(challenge, nc=count))[0] == 200
    assert call(guard, answer(challenge, nc="00000001"))[0] == 200  # forgotten, oldest first


def test_a_credential_is_required() -> None:
    with pytest.raises(ValueError, match="username and a password"):
        RequireDigest(inner, username=USER, password="", realm=REALM)


def test_the_nonce_age_comes_from_its_variable_and_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse

    from naftiko_codegen.runtime.digest_auth import (
        DEFAULT_NONCE_SECONDS,
        NONCE_VARIABLE,
        RequireDigest,
        digest_options,
        nonce_seconds,
    )

    assert nonce_seconds({}) == DEFAULT_NONCE_SECONDS
    assert nonce_seconds({NONCE_VARIABLE: " 60 "}) == 60
    with pytest.raises(ValueError, match=f"{NONCE_VARIABLE}: '0' is not a number from 1"):
        nonce_seconds({NONCE_VARIABLE: "0"})
    monkeypatch.setenv(NONCE_VARIABLE, "7")
    guard = RequireDigest(None, username="u", password="p", realm="r")  # type: ignore[arg-type]
    assert guard._max_age == 7
    parser = argparse.ArgumentParser()
    digest_options(parser)
    assert parser.parse_args([]).digest_nonce_seconds == 7
