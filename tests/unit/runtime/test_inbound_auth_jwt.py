"""`runtime/jwt_auth.py`: only a valid JWT bearer token passes; every other token gets 401/403."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.types import Message, Receive, Scope, Send

from naftiko_codegen.runtime.jwt_auth import RequireJwt, granted_scopes
from naftiko_codegen.runtime.jwt_keys import JwtSettings, KeysUnavailable, public_keys

from ._support import Answer, call_asgi

ISSUER, AUDIENCE = "https://auth.example.com", "https://api.example.com"
EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk(key: Any, kid: str, algorithm: type[Any]) -> dict[str, Any]:
    return {**algorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid}


KEYS = public_keys(
    {
        "keys": [
            jwk(EC_KEY, "ec", jwt.algorithms.ECAlgorithm),
            jwk(RSA_KEY, "rsa", jwt.algorithms.RSAAlgorithm),
        ]
    }
)
SETTINGS = JwtSettings(jwks_file="jwks.json", file_keys=KEYS)


def token(
    key: Any = EC_KEY,
    *,
    algorithm: str = "ES256",
    kid: str | None = "ec",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "scope": "read write"}
    payload |= claims
    payload = {name: value for name, value in payload.items() if value is not None}
    headers = {"kid": kid} if kid else {}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


async def inner(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"in"})


GUARD = RequireJwt(inner, settings=SETTINGS, issuer=ISSUER, audience=[AUDIENCE], scopes=["read"])


def request(guard: RequireJwt, authorization: str | None) -> Answer:
    headers = [("authorization", authorization)] if authorization is not None else []
    answer = asyncio.run(call_asgi(guard, headers=headers))
    assert answer is not None
    return answer


def test_a_valid_token_passes() -> None:
    assert request(GUARD, "Bearer " + token()).status == 200
    assert request(GUARD, "bearer " + token(RSA_KEY, algorithm="RS256", kid="rsa")).status == 200


def test_without_a_token_the_challenge_has_no_error() -> None:
    answer = request(GUARD, None)
    assert (answer.status, answer.headers[b"www-authenticate"]) == (401, b"Bearer")
    assert answer.json() == {"error": "unauthorized", "message": "a bearer token is required"}


def _none_token() -> str:
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": 2**40}, "", algorithm="none")


def _hs_with_public_key() -> str:
    # The classic confusion attack: the public key's PEM used as an HMAC secret.
    pem = EC_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "ec"}
    signing_input = b".".join(
        jwt.utils.base64url_encode(json.dumps(part).encode())
        for part in (header, {"iss": ISSUER, "aud": AUDIENCE, "exp": 2**40, "scope": "read"})
    )
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        signing_input, pem
    )
    return (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer " + token(OTHER_KEY), id="another key"),
        pytest.param("Bearer " + token(OTHER_KEY, kid=None), id="another key, no kid"),
        pytest.param("Bearer " + token(exp=int(time.time()) - 120), id="expired"),
        pytest.param("Bearer " + token(nbf=int(time.time()) + 600), id="not yet valid"),
        pytest.param("Bearer " + token(aud="https://other.example.com"), id="wrong audience"),
        pytest.param("Bearer " + token(iss="https://evil.example.com"), id="wrong issuer"),
        pytest.param("Bearer " + token(exp=None), id="no expiry"),
        pytest.param("Bearer " + token(aud=None), id="no audience"),
        pytest.param("Bearer " + _none_token(), id="alg none"),
        pytest.param("Bearer " + _hs_with_public_key(), id="HS256 with the public key"),
        pytest.param("Bearer " + token(RSA_KEY, algorithm="RS256", kid="ec"), id="kid mismatch"),
        pytest.param("Bearer " + token(kid="unknown"), id="unknown kid"),
        pytest.param("Bearer not.a.jwt", id="garbage"),
        pytest.param("Bearer " + "a" * 20000, id="oversized"),
        pytest.param("Basic " + token(), id="wrong scheme"),
        pytest.param("Bearer ", id="empty"),
    ],
)
def test_bad_tokens_get_401_invalid_token(authorization: str) -> None:
    answer = request(GUARD, authorization)
    assert answer.status == 401
    assert answer.headers[b"www-authenticate"] == b'Bearer error="invalid_token"'
    assert answer.json()["message"] == "invalid or expired token"
    sent = authorization.split(" ")[-1][:40].encode()
    assert not sent or sent not in answer.body  # nothing the caller sent comes back


def test_a_small_clock_skew_is_allowed() -> None:
    assert request(GUARD, "Bearer " + token(exp=int(time.time()) - 5)).status == 200


def test_a_key_pinned_to_another_algorithm_is_not_used() -> None:
    pinned = JwtSettings(file_keys=({**KEYS[1], "alg": "RS512"},))
    guard = RequireJwt(inner, settings=pinned, issuer=ISSUER, audience=[AUDIENCE])
    assert request(guard, "Bearer " + token(RSA_KEY, algorithm="RS256", kid="rsa")).status == 401


def test_two_authorization_headers_are_refused() -> None:
    headers = [("authorization", "Bearer " + token())] * 2
    answer = asyncio.run(call_asgi(GUARD, headers=headers))
    assert answer is not None and answer.status == 401


def test_missing_scopes_get_403_naming_them() -> None:
    answer = request(GUARD, "Bearer " + token(scope="write"))
    assert answer.status == 403
    assert answer.headers[b"www-authenticate"] == b'Bearer error="insufficient_scope", scope="read"'
    assert request(GUARD, "Bearer " + token(scope=None, scp=["read"])).status == 200


def test_scopes_unsafe_in_a_header_are_not_echoed_in_the_challenge() -> None:
    guard = RequireJwt(
        inner, settings=SETTINGS, issuer=ISSUER, audience=[AUDIENCE], scopes=['a "b"', "c"]
    )
    answer = request(guard, "Bearer " + token())
    assert answer.headers[b"www-authenticate"] == b'Bearer error="insufficient_scope"'
    assert request(guard, "Bearer " + token(scope=None, scp=['a "b"', "c"])).status == 200


def test_granted_scopes() -> None:
    assert granted_scopes({"scope": "a b", "scp": ["c"]}) == {"a", "b", "c"}
    assert granted_scopes({"scp": "d e", "scope": 3}) == {"d", "e"}


def test_deploy_settings_override_the_spec() -> None:
    settings = JwtSettings(
        file_keys=KEYS, issuer="https://idp.example.com", audience=("x", AUDIENCE)
    )
    guard = RequireJwt(inner, settings=settings, issuer=ISSUER, audience=["spec"])
    assert request(guard, "Bearer " + token(iss="https://idp.example.com")).status == 200
    assert request(guard, "Bearer " + token()).status == 401


def test_an_issuer_and_an_audience_are_required() -> None:
    with pytest.raises(ValueError, match="issuer and an audience"):
        RequireJwt(inner, settings=SETTINGS, issuer="", audience=[AUDIENCE])


def test_unavailable_keys_answer_503() -> None:
    class NoKeys:
        async def keys(self, kid: str | None) -> tuple[dict[str, Any], ...]:
            raise KeysUnavailable("down")

    guard = RequireJwt(
        inner, settings=SETTINGS, issuer=ISSUER, audience=[AUDIENCE], keys=NoKeys()  # type: ignore[arg-type]
    )
    answer = request(guard, "Bearer " + token())
    assert answer.status == 503 and b"www-authenticate" not in answer.headers


def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        raise AssertionError(message)

    guard = RequireJwt(lifespan, settings=SETTINGS, issuer=ISSUER, audience=[AUDIENCE])
    asyncio.run(guard({"type": "lifespan"}, receive, send))
    assert seen == ["lifespan"]


def test_tokens_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="naftiko_codegen.runtime.jwt_auth")
    bad = token(aud="https://other.example.com")
    request(GUARD, "Bearer " + bad)
    request(GUARD, "Bearer " + token(OTHER_KEY))
    assert [r.message for r in caplog.records if r.name.endswith("jwt_auth")] == [
        "JWT refused: InvalidAudienceError",
        "JWT refused: no key verifies its signature",
    ]
    assert bad not in caplog.text


METADATA = RequireJwt(
    inner,
    settings=SETTINGS,
    issuer=ISSUER,
    audience=[AUDIENCE],
    scopes=["read"],
    resource="https://api.example.com/mcp/",
)
POINTER = 'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"'


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]
)
def test_protected_resource_metadata_is_served_without_a_token(path: str) -> None:
    answer = asyncio.run(call_asgi(METADATA, method="GET", path=path))
    assert answer is not None and answer.status == 200
    assert answer.json() == {
        "resource": "https://api.example.com/mcp/",
        "authorization_servers": [ISSUER],
        "bearer_methods_supported": ["header"],
        "scopes_supported": ["read"],
    }
    # Only GET, only those paths: anything else needs a token.
    posted = asyncio.run(call_asgi(METADATA, method="POST", path=path))
    assert posted is not None and posted.status == 401
    other = asyncio.run(call_asgi(METADATA, method="GET", path=path + "/x"))
    assert other is not None and other.status == 401


def test_every_challenge_points_to_the_metadata() -> None:
    assert request(METADATA, None).headers[b"www-authenticate"] == f"Bearer {POINTER}".encode()
    invalid = request(METADATA, "Bearer x").headers[b"www-authenticate"]
    assert invalid == f'Bearer error="invalid_token", {POINTER}'.encode()
    scope = request(METADATA, "Bearer " + token(scope="write")).headers[b"www-authenticate"]
    assert scope == f'Bearer error="insufficient_scope", scope="read", {POINTER}'.encode()


def test_a_resource_unsafe_in_a_header_publishes_no_metadata() -> None:
    guard = RequireJwt(
        inner, settings=SETTINGS, issuer=ISSUER, audience=[AUDIENCE], resource='https://a/"x" ✓'
    )
    answer = asyncio.run(
        call_asgi(guard, method="GET", path="/.well-known/oauth-protected-resource")
    )
    assert answer is not None and answer.status == 401
    assert answer.headers[b"www-authenticate"] == b"Bearer"
    no_scopes = RequireJwt(
        inner, settings=SETTINGS, issuer=ISSUER, audience=[AUDIENCE], resource="https://a"
    )
    document = asyncio.run(
        call_asgi(no_scopes, method="GET", path="/.well-known/oauth-protected-resource")
    )
    assert document is not None and "scopes_supported" not in document.json()
