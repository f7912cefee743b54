"""The lenient reader's derivations: the value a missing or unknown key is given, from the
object it sits in and the rest of the document (docs/dialect-policy.md, "meaning given").

Also the discriminators the schema lets through as "another type" (`consumes[].type`,
`exposes[].type`): a misspelt or missing one is read before the schema sees the entry.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..load import NodePath
from .normalise import fold, match_member
from .policy import SYNONYMS, Rule

if TYPE_CHECKING:
    from .lenient import _Reader

__all__ = ["adapter_type", "discriminators_to_fix", "fix_discriminators", "value_for"]

_Derivation = Callable[["_Reader", NodePath, Mapping[str, Any]], Any]
_ADAPTER_TYPES = ("rest", "mcp", "skill", "control")
_FIRST_PORT = 8080


def value_for(reader: _Reader, owner: NodePath, field: str, rule: Rule, *, unknown: bool) -> Any:
    """The meaning the policy gives `field` of the object at `owner`; None when it has none."""
    try:
        obj = reader.get(owner)
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(obj, dict):
        return None
    derivation = _DERIVATIONS.get(rule.derive)
    if derivation is not None and not (unknown and rule.derive == "type"):
        return derivation(reader, owner, obj)
    return copy.deepcopy(rule.default)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def _name_in_path(path: Any, name: str) -> bool:
    return isinstance(path, str) and bool(
        re.search(r"\{\{?\s*" + re.escape(name) + r"\s*\}?\}", path)
    )


def _in(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str:
    """`path` when the parameter's name is a placeholder of an enclosing path, else `query`."""
    name = str(obj.get("name", ""))
    for end in range(len(owner) - 1, 0, -1):
        holder = reader.get(owner[:end])
        if isinstance(holder, dict) and _name_in_path(holder.get("path"), name):
            return "path"
    return "query"


def _port(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> int | None:
    if obj.get("transport") == "stdio":
        return None
    capability = reader.data.get("capability")
    exposes = capability.get("exposes") if isinstance(capability, dict) else None
    used = {e.get("port") for e in exposes or [] if isinstance(e, dict)}
    port = _FIRST_PORT
    while port in used:
        port += 1
    return port


def _label(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    found = obj.get("label") or obj.get("name")
    return str(found) if found else None


def _info_label(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    if "title" in obj:
        return None  # the dialect's `title` is read as the label (NAF265)
    capability = reader.data.get("capability")
    for key in ("exposes", "consumes"):
        entries = capability.get(key) if isinstance(capability, dict) else None
        for entry in entries or []:
            if isinstance(entry, dict) and entry.get("namespace"):
                return str(entry["namespace"])
    return "capability"


def _resource_name(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str:
    return _slug(str(obj.get("path", ""))) or f"resource-{owner[-1]}"


def _path(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    operations = obj.get("operations")
    if (
        isinstance(operations, list)
        and operations
        and all(isinstance(op, dict) and "path" in op for op in operations)
    ):
        return ""
    return None


def _operation_name(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    if "id" in obj:
        return None  # the dialect's `id` is read as the name (NAF272)
    resource = reader.get(owner[:-2])
    base = resource.get("name") or _slug(str(resource.get("path", ""))) or "operation"
    return _slug(f"{obj.get('method', 'get')}-{base}")


def _output_value(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    return f"$.{obj['name']}" if obj.get("name") else None


def _body_type(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str:
    return "text" if isinstance(obj.get("data"), str) else "json"


def _auth_type(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    for key, kind in (
        ("authorizationServerUri", "oauth2"),
        ("token", "bearer"),
        ("username", "basic"),
        ("key", "apikey"),
        ("placement", "apikey"),
    ):
        if key in obj:
            return kind
    return None


def adapter_type(obj: Mapping[str, Any]) -> str | None:
    """The adapter type an entry's keys imply."""
    for key, kind in (
        ("tools", "mcp"),
        ("prompts", "mcp"),
        ("skills", "skill"),
        ("resources", "rest"),
        ("management", "control"),
        ("observability", "control"),
    ):
        if key in obj:
            return kind
    return None


def _namespace(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    kind = obj.get("type")
    return str(kind) if kind in _ADAPTER_TYPES else None


def _called(reader: _Reader, call: Any) -> Mapping[str, Any] | None:
    """The consumed operation a `call` names, looked up loosely in the document."""
    if not isinstance(call, str) or "." not in call:
        return None
    namespace, _, name = call.partition(".")
    capability = reader.data.get("capability")
    entries = capability.get("consumes") if isinstance(capability, dict) else None
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("namespace") != namespace:
            continue
        for resource in entry.get("resources") or []:
            for op in (resource or {}).get("operations") or []:
                if isinstance(op, dict) and fold(str(op.get("name", op.get("id")))) == fold(name):
                    return op
    return None


def _method(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str:
    called = _called(reader, obj.get("call"))
    method = called.get("method") if called else None
    return method if method in ("GET", "POST", "PUT", "PATCH", "DELETE") else "GET"


def _target(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    capability = reader.data.get("capability")
    entries = capability.get("consumes") if isinstance(capability, dict) else None
    namespaces = [e.get("namespace") for e in entries or [] if isinstance(e, dict)]
    return str(namespaces[0]) if len(namespaces) == 1 and namespaces[0] else None


def _tool_name(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    call = obj.get("call")
    return _slug(call.partition(".")[2]) or None if isinstance(call, str) else None


def _uri(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    return f"data://{_slug(str(obj['name']))}" if obj.get("name") else None


def _aggregate_label(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    return str(obj["namespace"]) if obj.get("namespace") else None


def _step_type(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    for key, kind in (("call", "call"), ("index", "lookup"), ("file", "script")):
        if key in obj:
            return kind
    return None


def _step_name(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str | None:
    call = obj.get("call")
    return _slug(call.partition(".")[2]) or None if isinstance(call, str) else None


def _output_type(reader: _Reader, owner: NodePath, obj: Mapping[str, Any]) -> str:
    return "object" if "properties" in obj else "array" if "items" in obj else "string"


_DERIVATIONS: Mapping[str, _Derivation] = {
    "in": _in,
    "port": _port,
    "label": _label,
    "info_label": _info_label,
    "resource_name": _resource_name,
    "path": _path,
    "operation_name": _operation_name,
    "output_value": _output_value,
    "body_type": _body_type,
    "auth_type": _auth_type,
    "adapter_type": lambda reader, owner, obj: adapter_type(obj),
    "namespace": _namespace,
    "method": _method,
    "target": _target,
    "tool_name": _tool_name,
    "uri": _uri,
    "aggregate_label": _aggregate_label,
    "step_type": _step_type,
    "step_name": _step_name,
    "output_type": _output_type,
}


def _entries(data: Mapping[str, Any]) -> list[tuple[NodePath, dict[str, Any], str]]:
    """Every consumes and exposes entry, with its path and which list it is in."""
    found: list[tuple[NodePath, dict[str, Any], str]] = []
    capability = data.get("capability")
    lists: list[tuple[NodePath, Any, str]] = [(("consumes",), data.get("consumes"), "consumes")]
    if isinstance(capability, dict):
        lists += [
            (("capability", "consumes"), capability.get("consumes"), "consumes"),
            (("capability", "exposes"), capability.get("exposes"), "exposes"),
        ]
    for prefix, items, which in lists:
        for index, entry in enumerate(items if isinstance(items, list) else []):
            if isinstance(entry, dict) and not ("import" in entry or "location" in entry):
                found.append(((*prefix, index), entry, which))
    return found


def _discriminator(entry: Mapping[str, Any], which: str) -> str | None:
    """The type an entry should have, when it differs from the one written."""
    raw = entry.get("type")
    if which == "consumes":
        if raw is None:
            return "http" if "baseUri" in entry or "resources" in entry else None
        member = match_member(str(raw), ["http"], SYNONYMS["consumes"])
        return member if member != raw else None
    if raw is None:
        return adapter_type(entry)
    member = match_member(str(raw), list(_ADAPTER_TYPES), SYNONYMS["adapter"])
    return member if member not in (None, raw) else None


_AUTH_TYPES = ("basic", "digest", "bearer", "apikey", "oauth2")
_TOKEN_KEYS = ("token", "accessToken", "access_token", "bearerToken")


_CLIENT_KEYS = ("clientId", "client_id")


def _outbound_oauth(entry: Mapping[str, Any], which: str) -> dict[str, Any] | None:
    """A consumed API's oauth2 authentication that is not a client-credentials grant (which
    resolve reads and the generated client runs)."""
    auth = entry.get("authentication")
    if which != "consumes" or not isinstance(auth, dict):
        return None
    kind = match_member(str(auth.get("type", "")), _AUTH_TYPES, SYNONYMS["auth"])
    if kind != "oauth2" or any(auth.get(key) for key in _CLIENT_KEYS):
        return None
    return auth


def _apikey_without_placement(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """An API key authentication that says neither `placement` nor OpenAPI's `in`."""
    auth = entry.get("authentication")
    if not isinstance(auth, dict) or "placement" in auth or "in" in auth:
        return None
    kind = match_member(str(auth.get("type", "")), _AUTH_TYPES, SYNONYMS["auth"])
    return auth if kind == "apikey" else None


def discriminators_to_fix(data: Mapping[str, Any]) -> bool:
    """Whether some consumes or exposes entry has a type (or an API key placement) to read
    differently."""
    return any(
        _discriminator(entry, which)
        or _outbound_oauth(entry, which)
        or _apikey_without_placement(entry)
        for _, entry, which in _entries(data)
    )


def _read_outbound_oauth(reader: _Reader, path: NodePath, auth: dict[str, Any]) -> bool:
    """oauth2 on a consumed API without a client id: its token sent as a bearer token when it
    carries one; else the API is left out (credentials are never guessed)."""
    at = (*path, "authentication")
    token_key = next((k for k in _TOKEN_KEYS if auth.get(k)), None)
    if token_key is None:
        return reader.leave_out(
            at,
            "oauth2 on a consumed API names neither a client (`clientId`, for the client "
            "credentials grant) nor a token to send",
        )
    reader.set(at, {"type": "bearer", "token": auth[token_key]})
    reader.warn(
        (*at, "type"),
        "NAF283",
        f"oauth2 on a consumed API without a client: its `{token_key}` is sent as a bearer "
        "token",
    )
    return True


# An authentication whose kind says there is none: the entry is read without one (nothing is
# dropped that would send a credential, and nothing is guessed).
_NO_AUTH = frozenset(
    ("none", "noauth", "noauthentication", "anonymous", "public", "unauthenticated", "nosecurity")
)
# OpenAPI's `type: http` names its kind in `scheme`.
_HTTP_SCHEMES = frozenset(("basic", "bearer", "digest"))


def _read_auth_kind(reader: _Reader, path: NodePath, auth: Mapping[str, Any]) -> bool:
    """`type: none` (and its spellings) as no authentication; `type: http` with a `scheme` as
    that scheme. Report each change."""
    at = (*path, "authentication")
    raw = str(auth.get("type", ""))
    if fold(raw) in _NO_AUTH:
        reader.warn(
            (*at, "type"), "NAF283", f"`type` is {raw!r}: read as no authentication (key dropped)"
        )
        reader.delete(at)
        return True
    scheme = fold(str(auth.get("scheme", "")))
    if fold(raw) == "http" and scheme in _HTTP_SCHEMES:
        reader.warn(
            (*at, "type"), "NAF282", f"`type` is {raw!r} with scheme {scheme!r}: read as `{scheme}`"
        )
        reader.set(at, {**{k: v for k, v in auth.items() if k != "scheme"}, "type": scheme})
        return True
    return False


def fix_discriminators(reader: _Reader) -> bool:
    """Read the type of each consumes and exposes entry and of its authentication; report each
    change."""
    changed = False
    for path, entry, which in _entries(reader.data):
        auth = entry.get("authentication")
        if isinstance(auth, dict):
            changed = _read_auth_kind(reader, path, auth) or changed
        oauth = _outbound_oauth(entry, which)
        if oauth is not None:
            changed = _read_outbound_oauth(reader, path, oauth) or changed
        apikey = _apikey_without_placement(entry)
        if apikey is not None:
            # The schema leaves it optional, so no schema finding brings the table's default
            # (docs/dialect-policy.md, Authentication.placement) with its warning: read it here.
            apikey["placement"] = "header"
            reader.warn(
                (*path, "authentication"),
                "NAF284",
                "API key authentication has no `placement`; read as `header` (the reference "
                "engine requires it on a consumed API)",
            )
            changed = True
        wanted = _discriminator(entry, which)
        if wanted is None:
            continue
        raw = entry.get("type")
        entry["type"] = wanted
        if raw is None:
            reader.warn(
                path,
                "NAF284",
                f"{which} entry has no `type`; read as `{wanted}` (the kind its keys imply)",
            )
        else:
            reader.warn((*path, "type"), "NAF282", f"`type` is {raw!r}; read as `{wanted}`")
        changed = True
    return changed
