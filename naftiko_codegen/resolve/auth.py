"""Authentication: what a consumed API sends upstream, and what an adapter requires of callers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

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
    scope.error(
        (*path, "type"),
        "NAF328",
        f"authentication type {truncate(kind)} cannot be used on a consumed API",
        "use apikey, bearer, basic or digest",
    )
    return None


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
    if auth.kind in ("bearer", "basic"):
        return param.location == "header" and param.name.lower() == "authorization"
    if param.location != auth.placement:
        return False
    if auth.placement == "header":
        return param.name.lower() == auth.key.lower()
    return param.name == auth.key


def auth_supplies_key(auth: Auth, name: str) -> bool:
    """Whether a `with` key names what authentication sends (its header or query key)."""
    if auth.kind in ("bearer", "basic"):
        return name.lower() == "authorization"
    keys = [auth.key, *(header for header, _ in auth.headers)]
    if auth.placement == "header":
        return name.lower() in {k.lower() for k in keys}
    return name in keys
