"""Deep corpus check, the oracle: what a consumed API must receive, read from the raw YAML.

`RawSpec` reads a capability file without the generator (`consumes[].authentication`, `binds`,
raw operations and their paths) and chooses the secret values the test sets, so the deep check
compares the generated adapters' requests with the spec rather than with the generator's model.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ExpectedAuth", "RawSpec", "path_pattern"]

_TEMPLATE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


@dataclass
class ExpectedAuth:
    """What every request to one consumed API must carry, derived from the raw YAML."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    """Template names the raw binds do not define (their check is skipped and reported)."""


class RawSpec:
    """The raw capability YAML, read without the generator, and the secrets this test sets."""

    def __init__(self, path: Path) -> None:
        self.data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.bind_keys: dict[str, str] = {}
        """Bind variable → provider key (the environment variable holding it)."""
        self.bind_namespaces: set[str] = set()
        for bind in self.data.get("binds") or []:
            self.bind_namespaces.add(str(bind.get("namespace", "")))
            for variable, provider_key in (bind.get("keys") or {}).items():
                self.bind_keys[str(variable)] = str(provider_key)
        # Catalog dialect: `{{env.VAR}}` without a bind reads environment variable VAR itself.
        for variable in re.findall(r"\{\{\s*env\.([A-Za-z0-9_]+)\s*\}\}", path.read_text()):
            self.bind_keys.setdefault(variable, variable)
            self.bind_namespaces.add("env")
        self.environment = {
            key: f"corpus-secret-{index}-{key.lower()}"
            for index, key in enumerate(sorted(set(self.bind_keys.values())))
        }

    @property
    def consumes(self) -> list[dict[str, Any]]:
        capability = self.data.get("capability") or {}
        return list(capability.get("consumes") or self.data.get("consumes") or [])

    def consumed(self, namespace: str) -> dict[str, Any]:
        return next(c for c in self.consumes if c.get("namespace") == namespace)

    def operation(self, namespace: str, name: str) -> tuple[dict[str, Any], str]:
        """The raw consumed operation and its path (an operation-level `path` replaces the
        resource's; the catalog may name operations with `id` and split one namespace over
        several consumes entries)."""
        for consumed in self.consumes:
            if consumed.get("namespace") != namespace:
                continue
            for resource in consumed.get("resources") or []:
                for operation in resource.get("operations") or []:
                    if (operation.get("name") or operation.get("id")) == name:
                        path = operation.get("path") or resource.get("path", "")
                        return operation, str(path)
        raise LookupError(f"{namespace}.{name} is not in the raw YAML")

    def render(self, template: Any, unresolved: list[str]) -> str:
        """Substitute `{{VAR}}` / `{{namespace.VAR}}` with the values this test sets."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            head, _, tail = name.partition(".")
            variable = tail if tail and head in (*self.bind_namespaces, "env") else name
            provider_key = self.bind_keys.get(variable)
            if provider_key is None:
                unresolved.append(name)
                return match.group(0)
            return self.environment[provider_key]

        return _TEMPLATE.sub(value, "" if template is None else str(template))

    def expected_auth(self, namespace: str) -> ExpectedAuth:
        """What requests to consumed API `namespace` must carry."""
        return self.credentials(self.consumed(namespace).get("authentication") or {})

    def inbound_auth(self, adapter_type: str) -> ExpectedAuth:
        """What a caller must present to the first exposed adapter of `adapter_type`."""
        capability = self.data.get("capability") or {}
        for adapter in capability.get("exposes") or []:
            if adapter.get("type") == adapter_type:
                return self.credentials(adapter.get("authentication") or {})
        return ExpectedAuth()

    def credentials(self, auth: dict[str, Any]) -> ExpectedAuth:
        """Headers and query pairs of an `authentication` block, with this test's secrets."""
        expected = ExpectedAuth()
        kind = str(auth.get("type", "")).lower()
        render = self.render
        if kind == "bearer":
            expected.headers["authorization"] = "Bearer " + render(
                auth.get("token"), expected.unresolved
            )
        elif kind == "basic":
            pair = (
                render(auth.get("username"), expected.unresolved)
                + ":"
                + render(auth.get("password"), expected.unresolved)
            )
            expected.headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif kind == "apikey":
            if isinstance(auth.get("headers"), dict):
                for name, template in auth["headers"].items():
                    expected.headers[str(name).lower()] = render(template, expected.unresolved)
            else:
                key = str(auth.get("key") or auth.get("name"))
                placement = str(auth.get("placement") or auth.get("in") or "header")
                value = render(auth.get("value"), expected.unresolved)
                if placement == "query":
                    expected.query[key] = value
                else:
                    expected.headers[key.lower()] = value
        return expected

    def static_headers(self, operation: dict[str, Any]) -> dict[str, str]:
        """Header parameters with a literal value (no template): sent as written."""
        headers: dict[str, str] = {}
        for parameter in operation.get("inputParameters") or []:
            value = parameter.get("value", parameter.get("const"))
            if (
                parameter.get("in") == "header"
                and isinstance(value, str | int | float)
                and "{{" not in str(value)
                and not str(value).startswith("$")
            ):
                headers[str(parameter.get("name")).lower()] = str(value)
        return headers


def path_pattern(raw_path: str) -> re.Pattern[str]:
    """The raw resource path as a regex: placeholders match one non-empty encoded segment."""
    if not raw_path.startswith("/"):  # joined to the base URL with one slash
        raw_path = "/" + raw_path
    pieces = re.split(r"(\{\{?[^{}]+\}\}?)", raw_path)
    regex = "".join("[^/]+" if piece.startswith("{") else re.escape(piece) for piece in pieces)
    return re.compile(regex)
