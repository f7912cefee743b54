"""Authentication: what a consumed API sends upstream, and what an adapter requires of callers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..canonical import Auth, ConsumedParameter
from ..diagnostics import truncate
from ..load import NodePath
from ..placeholders import Template
from ._values import as_dict
from .binds import parse_template
from .scope import Scope

__all__ = ["auth_supplies_key", "auth_supplies_parameter", "inbound_auth", "resolve_auth"]


def resolve_auth(scope: Scope, raw: Any, path: NodePath) -> Auth | None:
    """A consumed API's `authentication`; None when absent or unusable (then reported)."""
    if not isinstance(raw, dict):
        return None
    kind = str(raw.get("type", ""))

    def field_template(name: str) -> Template:
        value = raw.get(name)
        if value is None:
            return ()
        return parse_template(scope, str(value), (*path, name))

    if kind == "apikey":
        return _apikey(scope, raw, path, field_template)
    if kind == "bearer":
        return Auth("bearer", value=field_template("token"))
    if kind in ("basic", "digest"):
        return Auth(
            "digest" if kind == "digest" else "basic",
            username=field_template("username"),
            password=field_template("password"),
        )
    if kind == "oauth2":
        return _client_credentials(scope, raw, path, field_template)
    scope.error(
        (*path, "type"),
        "NAF328",
        f"authentication type {truncate(kind)} cannot be used on a consumed API",
        "use apikey, bearer, basic, digest or oauth2 (client credentials)",
    )
    return None


def _first(raw: Mapping[str, Any], *keys: str) -> str | None:
    """The first of several spellings of one key (catalog dialect) that is present."""
    return next((key for key in keys if raw.get(key) not in (None, "")), None)


def _acceptable_token_url(url: str) -> bool:
    """https, or http on loopback (a test server): as `oauth_client.acceptable_token_url`."""
    parts = urlsplit(url)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


def _client_credentials(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    field_template: Callable[[str], Template],
) -> Auth | None:
    """oauth2 on a consumed API: an RFC 6749 §4.4 client credentials grant.

    Read leniently: the token endpoint as `tokenUrl`, `tokenEndpoint`, `token_url` or
    `tokenUri` (else found from `authorizationServerUri`'s RFC 8414 metadata at run time); the
    client as `clientId`/`client_id` and `clientSecret`/`client_secret`; `scopes` as a list or
    a space-separated string; `audience` when the server wants one.
    """
    token_key = _first(raw, "tokenUrl", "tokenEndpoint", "token_url", "tokenUri")
    issuer = str(raw.get("authorizationServerUri") or "")
    id_key = _first(raw, "clientId", "client_id")
    secret_key = _first(raw, "clientSecret", "client_secret")
    missing = [
        name
        for name, key in (
            ("tokenUrl", token_key or issuer),
            ("clientId", id_key),
            ("clientSecret", secret_key),
        )
        if not key
    ]
    if missing:
        scope.error(
            path,
            "NAF133",
            f"oauth2 authentication of a consumed API has no `{missing[0]}`: the client "
            "credentials grant needs a token endpoint, a client id and a client secret",
            'add `tokenUrl: https://auth.example.com/token`, `clientId: "{{CLIENT_ID}}"` and '
            '`clientSecret: "{{CLIENT_SECRET}}"`',
        )
        return None
    token_url = str(raw[token_key]) if token_key else ""
    endpoint = token_url or issuer
    if not _acceptable_token_url(endpoint):
        scope.error(
            (*path, token_key or "authorizationServerUri"),
            "NAF132",
            f"the oauth2 token endpoint {truncate(endpoint)} is not https: the client secret "
            "would travel in clear",
            "use an https:// token endpoint (http:// only for a loopback test server)",
        )
        return None
    scopes = raw.get("scopes", raw.get("scope"))
    if isinstance(scopes, str):
        scopes = scopes.split()
    return Auth(
        "oauth2",
        username=field_template(str(id_key)),
        password=field_template(str(secret_key)),
        token_url=token_url,
        issuer="" if token_url else issuer.rstrip("/"),
        audience=str(raw.get("audience") or ""),
        scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
    )


def _apikey(
    scope: Scope,
    raw: Mapping[str, Any],
    path: NodePath,
    field_template: Callable[[str], Template],
) -> Auth | None:
    """An api key in a header or the query, or a map of headers (catalog dialect)."""
    # OpenAPI's spelling (`in`, `name`) is read as `placement`, `key` (catalog dialect).
    placement = str(raw.get("placement") or raw.get("in") or "header")
    if placement not in ("header", "query"):
        placement = "header"
    key = str(raw.get("key") or raw.get("name") or "")
    headers = as_dict(raw.get("headers"))
    if headers and not key:
        # Catalog dialect: a map of header name → value, all sent with every request.
        return Auth(
            "apikey",
            placement="header",
            key=str(next(iter(headers))),
            headers=tuple(
                (str(name), parse_template(scope, str(value), (*path, "headers", name)))
                for name, value in headers.items()
            ),
        )
    if not key:
        scope.error(
            path,
            "NAF329",
            "apikey authentication names no header or query parameter",
            "add `key: X-API-Key` (and `placement: header` or `query`)",
        )
        return None
    return Auth(
        "apikey",
        placement=placement,  # type: ignore[arg-type]
        key=key,
        value=field_template("value"),
    )


def inbound_auth(scope: Scope, raw: Any, path: NodePath) -> Auth | None:
    """Credentials an adapter requires from its callers; what cannot be enforced is an error.

    A declared authentication is enforced or the capability is not built (NAF344): an adapter
    is never served open because its `authentication` was read as something else.
    """
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind == "oauth2":
        return _oauth2(scope, raw, path)
    auth = resolve_auth(scope, raw, path)
    if auth is None:
        return None
    auth = _one_header(scope, auth, path)
    if auth is not None and _missing_credential(scope, auth, path):
        return None
    if auth is not None and not any(
        part.kind == "secret" for part in (*auth.value, *auth.username, *auth.password)
    ):
        scope.warn(
            path,
            "NAF345",
            "inbound credentials are written in the spec instead of read from a bind",
            'reference a bind variable, e.g. `token: "{{MCP_SERVER_TOKEN}}"`',
        )
    return auth


def _one_header(scope: Scope, auth: Auth, path: NodePath) -> Auth | None:
    """An api key given as a `headers:` map (catalog dialect): one header is checked."""
    if not auth.headers:
        return auth
    if len(auth.headers) > 1:
        scope.error(
            (*path, "headers"),
            "NAF344",
            f"inbound apikey authentication with {len(auth.headers)} headers cannot be "
            "enforced: an adapter checks one credential",
            'keep one header: `key: X-API-Key` and `value: "{{API_KEY}}"`',
        )
        return None
    ((name, value),) = auth.headers
    return Auth("apikey", placement="header", key=name, value=value)


def _missing_credential(scope: Scope, auth: Auth, path: NodePath) -> bool:
    """Report an inbound authentication that names no credential to compare with."""
    needed = {"bearer": ("token",), "apikey": ("value",), "basic": ("username", "password")}
    needed["digest"] = needed["basic"]  # RFC 7616, answered per challenge (runtime/digest_auth)
    templates = {"token": auth.value, "value": auth.value}
    templates |= {"username": auth.username, "password": auth.password}
    missing = [name for name in needed[auth.kind] if not templates[name]]
    if not missing:
        return False
    fields = " and ".join(f"`{name}`" for name in missing)
    scope.error(
        path,
        "NAF344",
        f"inbound {auth.kind} authentication has no {fields}: there is no credential to "
        "check callers against",
        f'add {fields} read from a bind, e.g. `{missing[0]}: "{{{{ADAPTER_SECRET}}}}"`',
    )
    return True


def _oauth2(scope: Scope, raw: dict[str, Any], path: NodePath) -> Auth | None:
    """JWT bearer tokens from an authorization server, checked against its keys (JWKS)."""
    if raw.get("tokenValidation", "jwks") != "jwks":
        scope.error(
            (*path, "tokenValidation"),
            "NAF344",
            f"oauth2 token validation {truncate(str(raw.get('tokenValidation')))} cannot be "
            "enforced: the generated adapters validate JWTs against the issuer's keys (jwks)",
            "write `tokenValidation: jwks` (the default), or put the adapter behind a gateway "
            "that introspects tokens",
        )
        return None
    issuer = str(raw.get("authorizationServerUri") or "")
    resource = str(raw.get("resource") or "")
    audience = str(raw.get("audience") or resource)
    if not issuer or not audience:
        scope.error(
            path,
            "NAF344",
            "oauth2 inbound authentication needs `authorizationServerUri` and `resource`: "
            "tokens are checked for their issuer and audience",
            "add `authorizationServerUri: https://auth.example.com` and "
            "`resource: https://api.example.com`",
        )
        return None
    scopes = raw.get("scopes")
    return Auth(
        "oauth2",
        issuer=issuer,
        audience=audience,
        resource=resource,
        scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
    )


def auth_supplies_parameter(auth: Auth, param: ConsumedParameter) -> bool:
    """Whether authentication already supplies this parameter (digest §4.2 #15)."""
    if auth.kind in ("bearer", "basic", "digest", "oauth2"):
        return param.location == "header" and param.name.lower() == "authorization"
    if param.location != auth.placement:
        return False
    if auth.placement == "header":
        return param.name.lower() == auth.key.lower()
    return param.name == auth.key


def auth_supplies_key(auth: Auth, name: str) -> bool:
    """Whether a `with` key names what authentication sends (its header or query key)."""
    if auth.kind in ("bearer", "basic", "digest", "oauth2"):
        return name.lower() == "authorization"
    keys = [auth.key, *(header for header, _ in auth.headers)]
    if auth.placement == "header":
        return name.lower() in {k.lower() for k in keys}
    return name in keys
