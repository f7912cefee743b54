"""Lint checks: a loaded spec → the findings of every enabled rule (one method per rule group)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..diagnostics import Diagnostic, truncate
from ..load import LoadedSpec, NodePath
from .rules import LINT_RULES
from .walk import Walker, as_dict, as_list

__all__ = ["lint_spec"]

_WRITERS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STEP_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _fold(name: str) -> str:
    return name.strip().lower().replace("-", "_")


class _Linter(Walker):
    """Every rule, one method per group of rules; `run` applies them all."""

    def namespaces_unique(self) -> None:
        seen: dict[str, tuple[str, NodePath]] = {}
        entries: list[tuple[str, NodePath, dict[str, Any]]] = [
            *(("consumes", p, e) for p, e in self.consumes()),
            *(("exposes", p, e) for p, e in self.exposes()),
            *(("binds", p, e) for p, e in self.binds()),
        ]
        for kind, path, entry in entries:
            namespace = entry.get("namespace")
            if not isinstance(namespace, str):
                continue
            if namespace in seen:
                first_kind, first_path = seen[namespace]
                if kind == first_kind == "consumes":
                    continue  # resolve reports this one (NAF322)
                line = self.spec.locate((*first_path, "namespace")).line
                self.report(
                    "NAF350",
                    (*path, "namespace"),
                    f"namespace {namespace!r} is already used by a {first_kind} entry "
                    f"(line {line})",
                    "give every consumes, exposes and binds entry its own namespace",
                )
                continue
            seen[namespace] = (kind, path)

    def paths(self) -> None:
        for path, entry in self.consumes():
            for index, resource in enumerate(as_list(entry.get("resources"))):
                value = as_dict(resource).get("path")
                if isinstance(value, str) and "?" in value:
                    self.report(
                        "NAF352",
                        (*path, "resources", index, "path"),
                        f"consumed resource path {truncate(value)} carries a query string",
                        "declare query parameters as `inputParameters` with `in: query`",
                    )
            base = entry.get("baseUri")
            if isinstance(base, str) and "example.com" in base:
                self.report(
                    "NAF369",
                    (*path, "baseUri"),
                    f"baseUri {truncate(base)} is a placeholder address",
                    "write the real API address",
                )
        for path, resource in self.rest_resources():
            value = resource.get("path")
            if not isinstance(value, str):
                continue
            if value.endswith("/") and value != "/":
                self.report(
                    "NAF353",
                    (*path, "path"),
                    f"exposed path {truncate(value)} ends in '/'",
                    "drop the trailing '/'",
                )
            if "?" in value:
                self.report(
                    "NAF354",
                    (*path, "path"),
                    f"exposed path {truncate(value)} carries a query string",
                    "declare query inputs as `inputParameters` with `in: query`",
                )

    def addresses(self) -> None:
        for path, adapter in self.exposes():
            address = adapter.get("address")
            if (
                adapter.get("type") in ("rest", "mcp", "skill")
                and isinstance(address, str)
                and address.lower().rstrip(".").endswith("example.com")
            ):
                self.report(
                    "NAF355",
                    (*path, "address"),
                    f"address {truncate(address)} is a placeholder",
                    "use a real host name, an IP address, or drop `address`",
                )

    def descriptions(self) -> None:
        for path, entry in self.consumes():
            if "import" not in entry and not entry.get("description"):
                self.report(
                    "NAF363",
                    path,
                    f"consumed API {entry.get('namespace', '?')!r} has no description",
                    "add `description:` saying what the API is",
                )
        for path, resource in self.rest_resources():
            if not resource.get("description"):
                self.report(
                    "NAF364",
                    path,
                    f"REST resource {truncate(resource.get('path', '?'))} has no description",
                    "add `description:`; it becomes the OpenAPI tag description",
                )
        for path, operation in self.rest_operations():
            if not operation.get("description"):
                self.report(
                    "NAF365",
                    path,
                    f"REST operation {operation.get('method', '?')} has no description",
                    "add `description:`",
                )
        for path, function, _ in self.functions():
            if not function.get("description"):
                self.report(
                    "NAF356",
                    path,
                    f"aggregate function {function.get('name', '?')!r} has no description",
                    "add `description:`; tools that `ref` it inherit it",
                )
        if not as_list(as_dict(self.data.get("info")).get("tags")):
            self.report(
                "NAF362",
                ("info",),
                "info has no tags",
                "add `tags:` to make the capability easier to find",
            )

    def markdown(self) -> None:
        fields: list[NodePath] = [("info", "description"), ("info", "label")]
        fields += [(*p, "description") for p, _ in self.consumes()]
        fields += [(*p, "description") for p, _ in self.exposes()]
        fields += [(*p, "description") for p, _ in self.rest_resources()]
        fields += [(*p, "description") for p, _ in self.rest_operations()]
        fields += [(*p, "description") for p, _ in self.tools()]
        for path, adapter in self.exposes("skill"):
            for index, _skill in enumerate(as_list(adapter.get("skills"))):
                fields.append((*path, "skills", index, "description"))
        for path in fields:
            value = self.value_at(path)
            if not isinstance(value, str):
                continue
            lowered = value.lower()
            if "<script" in lowered:
                self.report(
                    "NAF367",
                    path,
                    f"{path[-1]} contains a <script> tag: {truncate(value)}",
                    "remove the markup; descriptions are shown to people and agents",
                )
            if "eval(" in lowered:
                self.report(
                    "NAF368",
                    path,
                    f"{path[-1]} contains `eval(`: {truncate(value)}",
                    "remove the code from the description",
                )

    def mcp_auth(self) -> None:
        for path, adapter in self.exposes("mcp"):
            if adapter.get("transport") == "stdio" and adapter.get("authentication"):
                self.report(
                    "NAF358",
                    (*path, "authentication"),
                    "authentication on an MCP adapter with `transport: stdio` is never checked",
                    "remove `authentication`, or use `transport: http`",
                    key=True,
                )

    def oauth2(self) -> None:
        for path, adapter in self.exposes():
            auth = as_dict(adapter.get("authentication"))
            if auth.get("type") != "oauth2":
                continue
            auth_path = (*path, "authentication")
            server = auth.get("authorizationServerUri")
            if isinstance(server, str) and not server.startswith("https://"):
                self.report(
                    "NAF359",
                    (*auth_path, "authorizationServerUri"),
                    f"authorizationServerUri {truncate(server)} is not https",
                    "tokens must be validated against an https authorization server",
                )
            resource = auth.get("resource")
            if isinstance(resource, str) and not resource.startswith("https://"):
                self.report(
                    "NAF360",
                    (*auth_path, "resource"),
                    f"oauth2 resource {truncate(resource)} is not https",
                    "use the https URL of the protected resource",
                )
            if not as_list(auth.get("scopes")):
                self.report(
                    "NAF361",
                    auth_path,
                    "oauth2 authentication declares no scopes",
                    "list the scopes callers need in `scopes:`",
                )

    def steps(self) -> None:
        units: list[tuple[NodePath, dict[str, Any]]] = [
            *self.rest_operations(),
            *self.tools(),
        ]
        for path, unit in units:
            for index, step in enumerate(as_list(unit.get("steps"))):
                name = as_dict(step).get("name")
                if isinstance(name, str) and not _STEP_NAME.match(name):
                    self.report(
                        "NAF366",
                        (*path, "steps", index, "name"),
                        f"step name {truncate(name)} has characters other than letters, "
                        "digits, `_` and `-`",
                        "rename the step, e.g. `get-user`",
                    )

    def control(self) -> None:
        controls = list(self.exposes("control"))
        business = {
            adapter.get("port"): adapter
            for _, adapter in self.exposes()
            if adapter.get("type") in ("rest", "mcp", "skill")
        }
        for number, (path, adapter) in enumerate(controls):
            if number:
                self.report(
                    "NAF370",
                    path,
                    "a second control adapter; at most one is allowed",
                    "merge the control adapters into one",
                )
            port = adapter.get("port")
            if port is not None and port in business:
                self.report(
                    "NAF370",
                    (*path, "port"),
                    f"control port {port} is also the port of adapter "
                    f"{business[port].get('namespace', '?')!r}",
                    "give the control adapter a port of its own",
                )
            address = adapter.get("address")
            if isinstance(address, str) and address not in ("localhost", "127.0.0.1", "::1"):
                self.report(
                    "NAF371",
                    (*path, "address"),
                    f"the control adapter listens on {truncate(address)}, not on localhost",
                    "bind the control port to localhost unless it is protected",
                )
        scripting = as_dict(
            as_dict(controls[0][1].get("management")).get("scripting") if controls else None
        )
        units: list[tuple[NodePath, dict[str, Any]]] = [
            *self.rest_operations(),
            *self.tools(),
            *((p, f) for p, f, _ in self.functions()),
        ]
        for path, unit in units:
            for index, step in enumerate(as_list(unit.get("steps"))):
                step = as_dict(step)
                if step.get("type") != "script":
                    continue
                missing = [
                    key
                    for key, default in (
                        ("language", "defaultLanguage"),
                        ("location", "defaultLocation"),
                    )
                    if not step.get(key) and not scripting.get(default)
                ]
                if missing:
                    self.report(
                        "NAF372",
                        (*path, "steps", index),
                        f"script step {step.get('name', '?')!r} has no "
                        + " or ".join(f"`{m}`" for m in missing)
                        + " and the control port gives no default",
                        "set them on the step, or under control `management.scripting`",
                    )

    def consumed_methods(self) -> dict[str, dict[str, str]]:
        methods: dict[str, dict[str, str]] = {}
        for _, entry in self.consumes():
            table = methods.setdefault(str(entry.get("namespace", "")), {})
            for resource in as_list(entry.get("resources")):
                for operation in as_list(as_dict(resource).get("operations")):
                    operation = as_dict(operation)
                    name, method = operation.get("name"), operation.get("method")
                    if isinstance(name, str) and isinstance(method, str):
                        table.setdefault(name, method.upper())
                        table.setdefault(_fold(name), method.upper())
        return methods

    def semantics(self) -> None:
        methods = self.consumed_methods()
        functions = {f"{ns}.{f.get('name')}": f for _, f, ns in self.functions()}
        for path, tool in self.tools():
            hints = as_dict(tool.get("hints"))
            call = tool.get("call")
            if hints.get("readOnly") is True and isinstance(call, str) and "." in call:
                namespace, _, name = call.partition(".")
                table = methods.get(namespace, {})
                method = table.get(name) or table.get(_fold(name))
                if method in _WRITERS:
                    self.report(
                        "NAF373",
                        (*path, "hints", "readOnly"),
                        f"tool {tool.get('name', '?')!r} is hinted readOnly but calls "
                        f"{method} {call}",
                        "set `readOnly: false` (and `destructive:` to match), or call a GET",
                    )
            function = functions.get(str(tool.get("ref")))
            if function is not None:
                self._tool_semantics(path, hints, as_dict(function.get("semantics")))
        for path, operation in self.rest_operations():
            function = functions.get(str(operation.get("ref")))
            if function is None:
                continue
            semantics = as_dict(function.get("semantics"))
            method = str(operation.get("method", "")).upper()
            problem = ""
            if semantics.get("safe") is True and method != "GET":
                problem = f"function is safe but the operation is {method}"
            elif semantics.get("safe") is False and method == "GET":
                problem = "function is not safe but the operation is GET"
            elif semantics.get("idempotent") is True and method == "POST":
                problem = "function is idempotent but the operation is POST"
            if problem:
                self.report(
                    "NAF357",
                    (*path, "method"),
                    f"{problem} (ref {operation.get('ref')})",
                    "make the method agree with the function's semantics",
                )

    def _tool_semantics(
        self, path: NodePath, hints: Mapping[str, Any], semantics: Mapping[str, Any]
    ) -> None:
        checks: list[tuple[str, Callable[[], bool]]] = [
            (
                "readOnly",
                lambda: "safe" in semantics
                and "readOnly" in hints
                and bool(semantics["safe"]) != bool(hints["readOnly"]),
            ),
            (
                "destructive",
                lambda: semantics.get("safe") is True and hints.get("destructive") is True,
            ),
            (
                "idempotent",
                lambda: "idempotent" in semantics
                and "idempotent" in hints
                and bool(semantics["idempotent"]) != bool(hints["idempotent"]),
            ),
        ]
        for hint, broken in checks:
            if broken():
                self.report(
                    "NAF357",
                    (*path, "hints", hint),
                    f"hint `{hint}: {hints.get(hint)}` contradicts the function's semantics "
                    f"{dict(semantics)}",
                    "drop the hint (it is derived from `semantics`) or make them agree",
                )

    def unused_binds(self) -> None:
        used: set[str] = set()
        for path, text in self.strings(self.data, ()):
            if path and path[0] == "binds":
                continue
            if len(path) > 1 and path[:2] == ("capability", "binds"):
                continue
            for match in _PLACEHOLDER.finditer(text):
                name = match.group(1)
                used.add(name)
                used.add(name.rpartition(".")[2])
        for path, bind in self.binds():
            for variable in as_dict(bind.get("keys")):
                if variable not in used:
                    self.report(
                        "NAF374",
                        (*path, "keys", variable),
                        f"bind variable {variable!r} is never used by a `{{{{{variable}}}}}`",
                        "remove it, or reference it where the secret is needed",
                        key=True,
                    )

    def run(self) -> list[Diagnostic]:
        self.namespaces_unique()
        self.paths()
        self.addresses()
        self.descriptions()
        self.markdown()
        self.mcp_auth()
        self.oauth2()
        self.steps()
        self.control()
        self.semantics()
        self.unused_binds()
        return sorted(self.findings, key=Diagnostic.sort_key)


def lint_spec(spec: LoadedSpec, *, all_rules: bool = False) -> list[Diagnostic]:
    """Check a loaded spec against the lint rules (`all_rules` adds the ones off by default)."""
    enabled = frozenset(rule.code for rule in LINT_RULES if rule.default or all_rules)
    return _Linter(spec, enabled).run()
