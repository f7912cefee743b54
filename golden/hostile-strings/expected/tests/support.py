"""What the tests present to the adapters: the test environment and the inbound credentials."""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from mcp import Client

__all__ = [
    "BASE_URL_VARIABLES",
    "JWT_ENVIRONMENT",
    "MCP_HEADERS",
    "REST_HEADERS",
    "REST_QUERY",
    "TEST_ENVIRONMENT",
    "TIMEOUT_VARIABLES",
    "bearer_token",
    "mcp_client",
]

BASE_URL_VARIABLES: tuple[str, ...] = ("HOSTILE_BASE_URL",)
TIMEOUT_VARIABLES: tuple[str, ...] = ("HOSTILE_TIMEOUT",)
TEST_ENVIRONMENT: dict[str, str] = {
    "HOSTILE_TOKEN": "test-hostile-token",
}
"""A value for every bind, made up for the tests."""
# oauth2: the tests are the issuer. A key pair made for this run signs their tokens, and its
# public half is the JWKS file the adapters are deployed with (NAFTIKO_JWKS_FILE).
_SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
_JWKS_FOLDER = Path(tempfile.mkdtemp(prefix="naftiko-jwks-"))
atexit.register(shutil.rmtree, _JWKS_FOLDER, True)
_PUBLIC_JWK = jwt.algorithms.ECAlgorithm.to_jwk(_SIGNING_KEY.public_key(), as_dict=True)
(_JWKS_FOLDER / "jwks.json").write_text(json.dumps({"keys": [{**_PUBLIC_JWK, "kid": "tests"}]}))
JWT_ENVIRONMENT: dict[str, str] = {"NAFTIKO_JWKS_FILE": str(_JWKS_FOLDER / "jwks.json")}
"""The deploy-time JWT settings of the tests."""


def bearer_token(issuer: str, audience: str, scopes: tuple[str, ...]) -> str:
    """An `Authorization` value the adapters accept: a JWT signed by the tests' key."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "iat": now, "exp": now + 3600}
    claims["scope"] = " ".join(scopes)
    token = jwt.encode(claims, _SIGNING_KEY, algorithm="ES256", headers={"kid": "tests"})
    return "Bearer " + token


# Credentials the adapters demand from callers (inbound authentication), from the test secrets.
REST_HEADERS: dict[str, str] = {
    "Authorization": bearer_token(
        "https://auth.example.com/\"quoted\" '''x''' \\ {{ braces }}",
        "https://hostile.example.com/</script> # | `tick` ✓",
        ("things:read", 'odd "scope" \\ {{ x }} ✓'),
    ),
}
REST_QUERY: list[tuple[str, str]] = []
MCP_HEADERS: dict[str, str] = {}


@contextlib.asynccontextmanager
async def mcp_client(url: str, *, mode: str = "auto") -> AsyncIterator[Client]:
    """An MCP client for the adapter at `url`, presenting the test credentials it needs."""
    async with Client(url, mode=mode) as client:
        yield client
