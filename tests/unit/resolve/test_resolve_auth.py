"""resolve/auth.py: outbound authentication of consumed APIs, inbound of adapters."""

from __future__ import annotations

from typing import Any

import pytest
from _specs import call_of, capability, codes, only_operation, rejected, resolved, scope_for

from naftiko_codegen.canonical import Auth, ConsumedParameter
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve.auth import (
    auth_supplies_key,
    auth_supplies_parameter,
    inbound_auth,
    resolve_auth,
)
from naftiko_codegen.resolve.binds import collect_binds

_BINDS = "binds:\n- namespace: env\n  keys:\n    TOKEN: TOKEN\n"


def _auth(raw: Any) -> tuple[Auth | None, list[str]]:
    """The authentication read from `raw`, and the codes of what was found."""
    scope = scope_for(_BINDS)
    collect_binds(scope, scope.spec.data)
    return resolve_auth(scope, raw, ("auth",)), codes(scope.findings)


def test_apikey_reads_openapi_spelling() -> None:
    auth, found = _auth({"type": "apikey", "in": "query", "name": "k", "value": "{{TOKEN}}"})
    assert auth == Auth("apikey", "query", "k", (Part("secret", "TOKEN"),))
    assert found == []


def test_apikey_unknown_placement_is_a_header() -> None:
    auth, _ = _auth({"type": "apikey", "placement": "cookie", "key": "k", "value": "v"})
    assert auth is not None and auth.placement == "header"


def test_apikey_header_map() -> None:
    auth, found = _auth({"type": "apikey", "headers": {"X-A": "{{TOKEN}}", "X-B": "b"}})
    assert auth is not None
    assert (auth.placement, auth.key) == ("header", "X-A")
    assert auth.headers == (("X-A", (Part("secret", "TOKEN"),)), ("X-B", (Part("text", "b"),)))
    assert found == []


def test_apikey_without_key_is_an_error() -> None:
    assert _auth({"type": "apikey", "value": "v"}) == (None, ["NAF329"])


def test_bearer_and_basic() -> None:
    assert _auth({"type": "bearer", "token": "{{TOKEN}}"})[0] == Auth(
        "bearer", value=(Part("secret", "TOKEN"),)
    )
    auth, found = _auth({"type": "basic", "username": "u"})
    assert auth == Auth("basic", username=(Part("text", "u"),))
    assert found == []


def test_digest_is_kept_as_digest() -> None:
    auth, found = _auth({"type": "digest", "username": "u", "password": "p"})
    assert auth == Auth("digest", username=(Part("text", "u"),), password=(Part("text", "p"),))
    assert found == []


def test_other_kinds_cannot_be_consumed() -> None:
    assert _auth({"type": "saml"}) == (None, ["NAF328"])
    assert _auth("bearer") == (None, [])


def _inbound(raw: Any) -> tuple[Auth | None, list[str]]:
    scope = scope_for(_BINDS)
    collect_binds(scope, scope.spec.data)
    return inbound_auth(scope, raw, ("auth",)), codes(scope.findings)


@pytest.mark.parametrize(
    "raw",
    [
        {"tokenUrl": "https://a.example/token", "clientId": "app", "clientSecret": "{{TOKEN}}"},
        {"token_url": "https://a.example/token", "client_id": "app", "client_secret": "{{TOKEN}}"},
        {
            "tokenEndpoint": "https://a.example/token",
            "clientId": "app",
            "clientSecret": "{{TOKEN}}",
        },
    ],
)
def test_consumed_oauth2_is_a_client_credentials_grant(raw: dict[str, Any]) -> None:
    auth, found = _auth({"type": "oauth2", "scope": "a b", "audience": "api://x", **raw})
    assert auth == Auth(
        "oauth2",
        username=(Part("text", "app"),),
        password=(Part("secret", "TOKEN"),),
        token_url="https://a.example/token",
        audience="api://x",
        scopes=("a", "b"),
    )
    assert found == []


def test_consumed_oauth2_discovers_its_token_endpoint_from_the_issuer() -> None:
    raw = {"authorizationServerUri": "https://a.example/", "clientId": "c", "clientSecret": "s"}
    auth, _ = _auth({"type": "oauth2", "scopes": ["x"], **raw})
    assert auth is not None and (auth.token_url, auth.issuer, auth.scopes) == (
        "",
        "https://a.example",
        ("x",),
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ({"clientId": "c", "clientSecret": "s"}, "NAF133"),
        ({"tokenUrl": "https://a/t", "clientSecret": "s"}, "NAF133"),
        ({"tokenUrl": "http://auth.example.com/t", "clientId": "c", "clientSecret": "s"}, "NAF132"),
    ],
)
def test_consumed_oauth2_refusals(raw: dict[str, Any], code: str) -> None:
    assert _auth({"type": "oauth2", **raw}) == (None, [code])


def test_inbound_oauth2_validates_jwts_from_the_authorization_server() -> None:
    raw = {
        "type": "oauth2",
        "authorizationServerUri": "https://auth.example.com",
        "resource": "https://api.example.com",
        "scopes": ["read", 2],
    }
    expected = Auth(
        "oauth2",
        issuer="https://auth.example.com",
        audience="https://api.example.com",
        resource="https://api.example.com",
        scopes=("read", "2"),
    )
    assert _inbound(raw) == (expected, [])
    auth, _ = _inbound({**raw, "audience": "api://x", "tokenValidation": "jwks", "scopes": None})
    assert auth is not None and (auth.audience, auth.scopes) == ("api://x", ())
    assert inbound_auth(scope_for(), None, ("a",)) is None


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "digest", "username": "u"},
        {
            "type": "oauth2",
            "authorizationServerUri": "https://a",
            "resource": "https://r",
            "tokenValidation": "introspection",
        },
        {"type": "oauth2", "resource": "https://r"},
        {"type": "bearer"},
        {"type": "basic", "username": "{{TOKEN}}"},
        {"type": "apikey", "key": "X-Key"},
        {"type": "apikey", "headers": {"X-A": "{{TOKEN}}", "X-B": "{{TOKEN}}"}},
    ],
    ids=[
        "digest without a password",
        "introspection",
        "no issuer",
        "no token",
        "no password",
        "no value",
        "two headers",
    ],
)
def test_inbound_auth_that_cannot_be_enforced_is_an_error(raw: dict[str, Any]) -> None:
    assert _inbound(raw) == (None, ["NAF344"])


def test_inbound_digest_is_enforced_with_the_bound_credential() -> None:
    auth, found = _inbound({"type": "digest", "username": "u", "password": "{{TOKEN}}"})
    assert auth == Auth(
        "digest", username=(Part("text", "u"),), password=(Part("secret", "TOKEN"),)
    )
    assert found == []


def test_inbound_apikey_without_a_key_is_reported_once() -> None:
    assert _inbound({"type": "apikey", "value": "{{TOKEN}}"}) == (None, ["NAF329"])


def test_inbound_apikey_header_map_of_one_is_one_header() -> None:
    auth, found = _inbound({"type": "apikey", "headers": {"X-A": "{{TOKEN}}"}})
    assert auth == Auth("apikey", "header", "X-A", (Part("secret", "TOKEN"),))
    assert found == []


def test_refusals_are_located_and_say_how_to_fix() -> None:
    exposes = """\
    - type: mcp
      namespace: demo-mcp
      port: 9090
      authentication:
        type: oauth2
        authorizationServerUri: https://auth.example.com
        resource: https://api.example.com
        tokenValidation: introspection
      tools:
      - name: list-items
        description: List items
        call: demo.list-items
    """
    (error,) = rejected(capability(top=_BINDS, exposes=exposes))
    assert (error.code, error.location.line, error.location.column) == (
        "NAF344",
        28,
        24,
    )  # the `introspection` value
    assert "oauth2 token validation 'introspection' cannot be enforced" in error.message
    assert "tokenValidation: jwks" in error.hint


def test_inbound_credentials_written_in_the_spec_warn() -> None:
    scope = scope_for()
    auth = inbound_auth(scope, {"type": "bearer", "token": "s3cret"}, ("a",))
    assert auth == Auth("bearer", value=(Part("text", "s3cret"),))
    assert codes(scope.findings) == ["NAF345"]


def test_inbound_auth_of_a_rest_adapter() -> None:
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      authentication:
        type: bearer
        token: '{{TOKEN}}'
      resources:
      - path: /items
        operations:
        - method: GET
          call: demo.list-items
    """
    found = resolved(capability(top=_BINDS, exposes=exposes))
    assert found.rest_adapters[0].auth == Auth("bearer", value=(Part("secret", "TOKEN"),))
    assert codes(found) == []


@pytest.mark.parametrize(
    ("auth", "name", "location", "supplied"),
    [
        (Auth("bearer"), "Authorization", "header", True),
        (Auth("bearer"), "authorization", "query", False),
        (Auth("basic"), "AUTHORIZATION", "header", True),
        (Auth("apikey", "header", "X-Key"), "x-key", "header", True),
        (Auth("apikey", "header", "X-Key"), "X-Key", "query", False),
        (Auth("apikey", "query", "key"), "key", "query", True),
        (Auth("apikey", "query", "key"), "KEY", "query", False),
    ],
)
def test_auth_supplies_parameter(auth: Auth, name: str, location: str, supplied: bool) -> None:
    param = ConsumedParameter(name, location, "string", "", False, None, False)  # type: ignore[arg-type]
    assert auth_supplies_parameter(auth, param) is supplied


def test_auth_supplies_key() -> None:
    headers = Auth("apikey", "header", "X-A", headers=(("X-A", ()), ("X-B", ())))
    assert auth_supplies_key(headers, "x-b")
    assert not auth_supplies_key(headers, "X-C")
    assert auth_supplies_key(Auth("apikey", "query", "key"), "key")
    assert not auth_supplies_key(Auth("apikey", "query", "key"), "Key")
    assert auth_supplies_key(Auth("bearer"), "Authorization")


def test_with_cannot_replace_the_credential() -> None:
    consumes = """\
    - type: http
      namespace: demo
      baseUri: https://api.example.com
      authentication:
        type: apikey
        key: X-Key
        value: '{{TOKEN}}'
      resources:
      - name: items
        path: /items
        operations:
        - name: list-items
          method: GET
          inputParameters:
          - name: X-Key
            in: header
          - name: q
            in: query
    """
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items
        operations:
        - method: GET
          call: demo.list-items
          with:
            x-key: other
            q: all
    """
    found = resolved(capability(top=_BINDS, consumes=consumes, exposes=exposes))
    assert codes(found) == ["NAF337"]
    (argument,) = call_of(only_operation(found)).arguments
    assert argument.parameter.name == "q"
    assert found.apis[0].operations[0].parameters[0].name == "q"
