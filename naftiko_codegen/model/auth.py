"""Model stage, inbound auth: an adapter's `authentication` → the check on its callers.

Static credentials (bearer, apikey, basic) become a `RequireCredentials` guard comparing with a
bound secret; digest becomes a `RequireDigest` guard (RFC 7616 challenges, the password never
travels); oauth2 becomes a `RequireJwt` guard fed by the deploy-time JWT settings. What the
generated code cannot enforce never reaches this stage (resolve refuses it, NAF344).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..canonical import Auth
from ..names import PythonCode, PythonIdentifier
from ..placeholders import Template
from .code import (
    NOTHING,
    UPSTREAM,
    Expression,
    Needs,
    Secrets,
    helper_call,
    reference_names,
    text_expression,
    uses,
)

__all__ = ["InboundAuthModel", "inbound_auth"]

_STATIC_GUARD = PythonIdentifier("RequireCredentials")
_NO_CODE = PythonCode("")


@dataclass(frozen=True)
class InboundAuthModel:
    """Credentials an adapter demands from its callers."""

    kind: str
    """`bearer`, `apikey`, `basic`, `digest` or `oauth2`."""
    header: str | None
    """The header carrying the credential, or None when it travels in the query."""
    query: str | None
    expected: PythonCode
    """Code for the exact expected header or query value, over `secrets` (empty for oauth2)."""
    challenge: str = "Bearer"
    """The `WWW-Authenticate` scheme of a refusal: `Basic` for basic credentials."""
    middleware: PythonIdentifier = _STATIC_GUARD
    """The ASGI guard: `RequireCredentials` (a static secret) or `RequireJwt` (oauth2)."""
    issuer: str = ""
    """oauth2: the `iss` accepted tokens name (NAFTIKO_JWT_ISSUER overrides it)."""
    audience: str = ""
    """oauth2: the `aud` accepted tokens name (NAFTIKO_JWT_AUDIENCE overrides it)."""
    scopes: tuple[str, ...] = ()
    """oauth2: scopes every accepted token grants; a token without them gets 403."""
    resource: str = ""
    """oauth2: the spec's `resource`, published as RFC 9728 metadata with the issuer."""
    username: PythonCode = _NO_CODE
    """digest: code for the bound username, over `secrets`."""
    password: PythonCode = _NO_CODE
    """digest: code for the bound password, over `secrets`."""
    realm: str = ""
    """digest: the protection space named in challenges (the adapter's namespace)."""


def inbound_auth(
    auth: Auth | None, adapter: str, secrets: Secrets
) -> tuple[InboundAuthModel | None, Needs]:
    """The check an adapter applies to its callers, and what the check's code needs."""
    if auth is None:
        return None, NOTHING
    if auth.kind == "oauth2":
        model = InboundAuthModel(
            "oauth2",
            "Authorization",
            None,
            PythonCode(""),
            middleware=PythonIdentifier("RequireJwt"),
            issuer=auth.issuer,
            audience=auth.audience,
            scopes=auth.scopes,
            resource=auth.resource,
        )
        return model, uses("jwt_auth", "RequireJwt")
    used_for = f"inbound authentication of {adapter}"
    guard = uses("inbound_auth", "RequireCredentials")

    def code(template: Template) -> Expression:
        return text_expression(template, reference_names(template, secrets, used_for, "secrets"))

    if auth.kind == "bearer":
        token = code(auth.value)
        expected = Expression(PythonCode(f"'Bearer ' + {token.code}"), token.needs)
        model = InboundAuthModel("bearer", "Authorization", None, expected.code)
        return model, expected.needs | guard
    if auth.kind == "apikey":
        header = auth.key if auth.placement == "header" else None
        expected = code(auth.value)
        model = InboundAuthModel("apikey", header, None if header else auth.key, expected.code)
        return model, expected.needs | guard
    if auth.kind == "digest":
        username, password = code(auth.username), code(auth.password)
        model = InboundAuthModel(
            "digest",
            None,  # no static header: each request answers a challenge
            None,
            PythonCode(""),
            challenge="Digest",
            middleware=PythonIdentifier("RequireDigest"),
            username=username.code,
            password=password.code,
            realm=adapter,
        )
        return model, username.needs | password.needs | uses("digest_auth", "RequireDigest")
    expected = helper_call(UPSTREAM, "basic_credentials", code(auth.username), code(auth.password))
    model = InboundAuthModel("basic", "Authorization", None, expected.code, challenge="Basic")
    return model, expected.needs | guard
