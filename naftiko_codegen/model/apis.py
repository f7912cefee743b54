"""Model stage, consumed APIs: each `consumes` entry → its settings and outbound auth."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..canonical import Api, Auth
from ..names import PythonCode, PythonIdentifier, env_var_name
from ..placeholders import Template
from .code import (
    UPSTREAM,
    Expression,
    Needs,
    Secrets,
    all_needs,
    claim_each,
    helper_call,
    reference_names,
    text_expression,
)

__all__ = ["ApiModel", "ClientCredentialsModel", "api_models"]


@dataclass(frozen=True)
class ClientCredentialsModel:
    """oauth2 on a consumed API: an RFC 6749 §4.4 grant made by `oauth_client.py`."""

    client_id: PythonCode
    client_secret: PythonCode
    """Code over `secrets` for the bound client id and secret."""
    token_url: str
    """The token endpoint; empty when found from `issuer`'s RFC 8414 metadata."""
    issuer: str
    scopes: tuple[str, ...]
    audience: str


@dataclass(frozen=True)
class ApiModel:
    """A consumed API: its settings and how requests to it authenticate."""

    namespace: str
    attribute: PythonIdentifier
    """Its attribute on the generated `Settings` (and key of `build_apis`)."""
    base_url: str | None
    base_url_env: str
    timeout_env: str
    strip_base_path: bool
    description: str
    auth_kind: str
    auth_headers: tuple[tuple[str, PythonCode], ...]
    auth_query: tuple[tuple[str, PythonCode], ...]
    auth_summary: str
    auth_digest: tuple[PythonCode, PythonCode] | None = None
    """`(username, password)` code of digest authentication, answered per challenge."""
    token_url_env: str = ""
    """oauth2 client credentials: the variable overriding the token endpoint."""
    token_auth_method_env: str = ""
    """oauth2 client credentials: the variable choosing `client_secret_basic` (the default) or
    `client_secret_post`."""
    auth_client: ClientCredentialsModel | None = None
    """oauth2 client credentials: the token is fetched, cached and refreshed at run time."""


def _secret_text(template: Template, secrets: Secrets, used_for: str) -> Expression:
    # `build_apis` in `upstream.py` reads the secrets from its `secrets` argument.
    return text_expression(template, reference_names(template, secrets, used_for, "secrets"))


def _digest(auth: Auth | None, secrets: Secrets, used_for: str) -> tuple[Expression, ...]:
    """`(username, password)` of digest authentication (oauth2: the client id and secret)."""
    if auth is None or auth.kind not in ("digest", "oauth2"):
        return ()
    return (
        _secret_text(auth.username, secrets, used_for),
        _secret_text(auth.password, secrets, used_for),
    )


def _auth(
    auth: Auth | None, secrets: Secrets, used_for: str
) -> tuple[list[tuple[str, Expression]], list[tuple[str, Expression]], str]:
    """(headers, query parameters, summary) that authenticate each request."""
    headers: list[tuple[str, Expression]] = []
    query: list[tuple[str, Expression]] = []
    if auth is None:
        return headers, query, "none"
    if auth.kind == "digest":
        return headers, query, "HTTP digest (RFC 7616)"
    if auth.kind == "oauth2":
        return headers, query, "oauth2 client credentials (RFC 6749 §4.4), bearer token"
    if auth.kind == "apikey" and auth.headers:
        for name, value in auth.headers:
            headers.append((name, _secret_text(value, secrets, used_for)))
        return headers, query, "API keys in headers " + ", ".join(f"`{n}`" for n, _ in auth.headers)
    if auth.kind == "apikey":
        code = _secret_text(auth.value, secrets, used_for)
        (query if auth.placement == "query" else headers).append((auth.key, code))
        return headers, query, f"API key in {auth.placement} `{auth.key}`"
    if auth.kind == "bearer":
        token = _secret_text(auth.value, secrets, used_for)
        bearer = Expression(PythonCode(f"'Bearer ' + {token.code}"), token.needs)
        return [("Authorization", bearer)], query, "bearer token"
    user = _secret_text(auth.username, secrets, used_for)
    password = _secret_text(auth.password, secrets, used_for)
    basic = helper_call(UPSTREAM, "basic_credentials", user, password)
    return [("Authorization", basic)], query, "HTTP basic"


def _api_model(api: Api, attribute: PythonIdentifier, secrets: Secrets) -> tuple[ApiModel, Needs]:
    env_prefix = env_var_name(api.namespace)
    used_for = f"authentication of {api.namespace}"
    headers, query, summary = _auth(api.auth, secrets, used_for)
    digest = _digest(api.auth, secrets, used_for)
    model = ApiModel(
        namespace=api.namespace,
        attribute=attribute,
        base_url=api.base_uri,
        base_url_env=f"{env_prefix}_BASE_URL",
        timeout_env=f"{env_prefix}_TIMEOUT",
        token_url_env=f"{env_prefix}_TOKEN_URL",
        token_auth_method_env=f"{env_prefix}_TOKEN_AUTH_METHOD",
        strip_base_path=api.strip_base_path,
        description=api.description,
        auth_kind=api.auth.kind if api.auth else "none",
        auth_headers=tuple((name, value.code) for name, value in headers),
        auth_query=tuple((name, value.code) for name, value in query),
        auth_summary=summary,
        auth_digest=(digest[0].code, digest[1].code) if digest and _is(api, "digest") else None,
        auth_client=_client(api.auth, digest) if digest and _is(api, "oauth2") else None,
    )
    sent = [*(value for _, value in [*headers, *query]), *digest]
    return model, all_needs(value.needs for value in sent)


def _is(api: Api, kind: str) -> bool:
    return api.auth is not None and api.auth.kind == kind


def _client(auth: Auth | None, codes: tuple[Expression, ...]) -> ClientCredentialsModel:
    assert auth is not None
    return ClientCredentialsModel(
        codes[0].code, codes[1].code, auth.token_url, auth.issuer, auth.scopes, auth.audience
    )


def api_models(apis: Iterable[Api], secrets: Secrets) -> tuple[tuple[ApiModel, Needs], ...]:
    """Every consumed API's model with what its authentication code needs, in spec order."""
    apis = tuple(apis)
    attributes = claim_each((api.namespace, "value") for api in apis)
    return tuple(
        _api_model(api, attribute, secrets) for api, attribute in zip(apis, attributes, strict=True)
    )
