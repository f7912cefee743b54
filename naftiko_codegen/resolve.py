"""Stage 3, resolve: validated raw data → the canonical capability, the same for every dialect.

Binds every `call` to a consumed operation, every `with` value to an input, a literal or a
template, every `{{VAR}}` to a bind, and every path placeholder to a value; infers the inputs
the catalog dialect leaves implicit (digest §4.2 to §4.3). Each rewrite of the catalog dialect is
reported with its location; anything that cannot work is an error.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from .canonical import (
    Action,
    Api,
    Argument,
    Auth,
    Bind,
    BodyLeaf,
    Call,
    CallStep,
    CanonicalCapability,
    ConsumedOperation,
    ConsumedParameter,
    ControlAdapter,
    Folder,
    Input,
    InputLocation,
    LookupStep,
    McpAdapter,
    McpPrompt,
    McpResource,
    McpTool,
    Mock,
    MockOutput,
    Orchestration,
    Output,
    PromptArgument,
    RestAdapter,
    RestForward,
    RestOperation,
    Step,
    StepMapping,
)
from .diagnostics import Diagnostic, DiagnosticError, Severity, truncate
from .load import LoadedSpec, NodePath
from .templating import Part, Template, normalise_name, split_placeholders

__all__ = ["resolve_spec"]


_ADAPTER_TYPES = ("rest", "mcp", "skill", "control")
_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
_REFERENCE = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_\-.\[\]*]+)$")
_SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})


# ----------------------------------------------------------------------------- resolver


class _Resolver:
    """Walks the raw document once, collecting the canonical form and findings."""

    def __init__(self, spec: LoadedSpec, imports: Mapping[str, LoadedSpec] | None = None) -> None:
        self.spec = spec
        self.imports: Mapping[str, LoadedSpec] = imports or {}
        self.findings: list[Diagnostic] = []
        self.binds: dict[str, Bind] = {}
        self.binds_by_ns: dict[tuple[str, str], Bind] = {}
        self.apis: dict[str, Api] = {}
        self.functions: dict[str, tuple[str, dict[str, Any], NodePath]] = {}
        self.skipped_apis: dict[str, str] = {}
        """Consumes namespaces of a type naftiko-gen does not generate, by namespace."""
        # Names of the call steps run so far while resolving one orchestration: templates and
        # `with` values may read their outputs as `step.field`.
        self.step_scope: frozenset[str] = frozenset()

    # -- reporting

    def report(
        self,
        path: NodePath,
        code: str,
        severity: Severity,
        message: str,
        hint: str = "",
        *,
        key: bool = False,
    ) -> None:
        self.findings.append(
            Diagnostic(self.spec.locate(path, key=key), code, severity, message, hint)
        )

    def error(self, path: NodePath, code: str, message: str, hint: str = "") -> None:
        self.report(path, code, Severity.ERROR, message, hint)

    def warn(self, path: NodePath, code: str, message: str, hint: str = "") -> None:
        self.report(path, code, Severity.WARNING, message, hint)

    # -- binds

    def collect_binds(self, data: Mapping[str, Any]) -> None:
        capability = data.get("capability") or {}
        sources: list[tuple[NodePath, Any]] = [(("binds",), data.get("binds"))]
        sources.append((("capability", "binds"), capability.get("binds")))
        for base, binds in sources:
            for index, bind in enumerate(_list(binds)):
                if not isinstance(bind, dict):
                    continue
                namespace = str(bind.get("namespace", ""))
                for variable, provider in _dict(bind.get("keys")).items():
                    entry = Bind(
                        variable=str(variable),
                        namespace=namespace,
                        provider_key=str(provider),
                        location=_opt_str(bind.get("location")),
                        description=str(bind.get("description") or ""),
                    )
                    self.binds.setdefault(entry.variable, entry)
                    self.binds_by_ns[(namespace, entry.variable)] = entry
                location = bind.get("location")
                if location is not None and not str(location).startswith("file:"):
                    self.error(
                        (*base, index, "location"),
                        "NAF310",
                        f"bind location {truncate(location)} is not supported",
                        "use a `file:///…` URI to a JSON or YAML file, or drop `location` "
                        "to read environment variables",
                    )

    # -- templates

    def parse_template(
        self,
        text: str,
        path: NodePath,
        inputs: Mapping[str, Input] | None = None,
        roots: frozenset[str] = frozenset(),
        *,
        warn: bool = True,
        infer: Callable[[str], str] | None = None,
    ) -> Template:
        """Bind each `{{…}}` of a string to an input or a bind variable."""
        parts: list[Part] = []
        for is_placeholder, content in split_placeholders(text):
            if not is_placeholder:
                parts.append(Part("text", content))
                continue
            parts.append(
                self.bind_placeholder(content, path, inputs or {}, roots, warn=warn, infer=infer)
            )
        return tuple(parts)

    def bind_placeholder(
        self,
        name: str,
        path: NodePath,
        inputs: Mapping[str, Input],
        roots: frozenset[str] = frozenset(),
        *,
        warn: bool = True,
        infer: Callable[[str], str] | None = None,
    ) -> Part:
        """One placeholder: `ns.VAR` bind, `<unit root>.input`, a bind variable, an input, or
        (inside an orchestration) `<earlier step>.field`."""
        if name.partition(".")[0] in self.step_scope:
            return Part("step", name)
        if "." in name:
            namespace, _, variable = name.partition(".")
            bind = self.binds_by_ns.get((namespace, variable))
            if bind is not None:
                return Part("secret", bind.variable)
            if namespace in roots:
                name = variable
            elif namespace == "env" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
                if warn:
                    self.warn(
                        path,
                        "NAF311",
                        f"`{{{{{name}}}}}` names no declared bind; reading environment variable "
                        f"{variable} directly",
                        f"declare it: binds: [{{namespace: env, keys: {{{variable}: {variable}}}}}]",
                    )
                self.binds.setdefault(variable, Bind(variable, "env", variable, None, ""))
                self.binds_by_ns.setdefault(("env", variable), self.binds[variable])
                return Part("secret", variable)
        if name in self.binds:
            return Part("secret", name)
        matched = _match_name(name, inputs)
        if matched is not None:
            return Part("input", matched)
        if infer is not None and re.fullmatch(r"[A-Za-z0-9_\-\[\].]+", name):
            return Part("input", infer(name))
        if warn:
            self.warn(
                path,
                "NAF312",
                f"placeholder `{{{{{name}}}}}` is bound to nothing and renders as an empty string",
                "declare the variable in `binds`, or an input parameter of that name",
            )
        return Part("unbound", name)

    def parse_body(
        self,
        raw: Any,
        path: NodePath,
        inputs: Mapping[str, Input],
        roots: frozenset[str],
        infer: Callable[[str], str],
    ) -> tuple[Any, Literal["json", "form", "text"], str | None] | None:
        """Read a consumed operation's `body:` into a tree of literals and `BodyLeaf`s."""
        kind, data = "json", raw
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("type"), str)
            and set(raw)
            <= {
                "type",
                "data",
            }
        ):
            kind, data = str(raw["type"]), raw.get("data")
        if data is None:
            return None

        def leaf(text: str, *, typed: bool = False) -> Any:
            if "{{" not in text:
                return text
            template = self.parse_template(text, path, inputs, roots, infer=infer)
            return BodyLeaf(template, typed)

        def walk(node: Any) -> Any:
            if isinstance(node, dict):
                return {str(k): walk(v) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v) for v in node]
            if isinstance(node, str):
                whole = re.fullmatch(r"\{\{\s*[^{}]+?\s*\}\}", node.strip())
                return leaf(node, typed=whole is not None)
            return node

        if kind in ("form", "formUrlEncoded"):
            if isinstance(data, str):
                return leaf(data), "text", "application/x-www-form-urlencoded"
            return walk(data), "form", "application/x-www-form-urlencoded"
        if kind == "multipartForm":
            self.warn(
                path,
                "NAF335",
                "multipart bodies are sent as form fields (application/x-www-form-urlencoded)",
                "file uploads are not supported by generated adapters yet",
            )
            fields = {
                str(item.get("name")): item.get("value")
                for item in _list(data)
                if isinstance(item, dict)
            }
            return walk(fields), "form", "application/x-www-form-urlencoded"
        if kind in ("text", "xml", "sparql"):
            media = {"text": "text/plain", "xml": "application/xml"}
            return (
                leaf(str(data)),
                "text",
                media.get(kind, "application/sparql-query"),
            )
        if isinstance(data, str):
            parsed = _json_template(data)
            if parsed is not None:
                return self._json_tree(parsed, path, inputs, roots, infer), "json", None
            self.warn(
                path,
                "NAF336",
                "the body template is not JSON once its placeholders are filled; it is sent as "
                "text with a JSON content type",
                "write the body as YAML data (`body: {type: json, data: {...}}`)",
            )
            return leaf(data), "text", "application/json"
        return walk(data), "json", None

    def _json_tree(
        self,
        node: Any,
        path: NodePath,
        inputs: Mapping[str, Input],
        roots: frozenset[str],
        infer: Callable[[str], str],
    ) -> Any:
        """Turn a JSON body template parsed with sentinels back into literals and leaves."""
        if isinstance(node, dict):
            return {str(k): self._json_tree(v, path, inputs, roots, infer) for k, v in node.items()}
        if isinstance(node, list):
            return [self._json_tree(v, path, inputs, roots, infer) for v in node]
        if isinstance(node, str) and _SENTINEL.search(node):
            raw = _SENTINEL.fullmatch(node)
            if raw is not None and raw.group(1) == "raw":
                text = "{{" + _unsentinel(raw.group(2)) + "}}"
                return BodyLeaf(self.parse_template(text, path, inputs, roots, infer=infer), True)
            text = _SENTINEL.sub(lambda m: "{{" + _unsentinel(m.group(2)) + "}}", node)
            return BodyLeaf(self.parse_template(text, path, inputs, roots, infer=infer), False)
        return node

    # -- consumes

    def collect_apis(self, data: Mapping[str, Any]) -> None:
        capability = data.get("capability") or {}
        for index, entry in enumerate(_list(capability.get("consumes"))):
            path: NodePath = ("capability", "consumes", index)
            if not isinstance(entry, dict):
                continue
            if "import" in entry or "location" in entry:
                imported = self.import_api(entry, path)
                if imported is not None and imported.namespace in self.apis:
                    self.error(
                        (*path, "as"),
                        "NAF322",
                        f"consumes namespace {imported.namespace!r} is declared twice",
                        "give the imported API another name with `as:`",
                    )
                elif imported is not None:
                    self.apis[imported.namespace] = imported
                continue
            if entry.get("type") != "http":
                namespace = str(entry.get("namespace") or "")
                self.skipped_apis[namespace] = str(entry.get("type"))
                self.warn(
                    (*path, "type"),
                    "NAF321",
                    f"consumes type {truncate(entry.get('type'))} is not generated (naftiko-gen "
                    f"consumes HTTP APIs only); namespace {namespace!r} is skipped, and the units "
                    "that call it are left out",
                    "express it as `type: http` operations, or run it with the Naftiko engine",
                )
                continue
            api = self.resolve_api(entry, path)
            first = self.apis.get(api.namespace)
            if first is None:
                self.apis[api.namespace] = api
            elif (first.base_uri_text, first.auth) == (api.base_uri_text, api.auth):
                # The catalog splits one API over several entries; same URL and auth: merge.
                self.warn(
                    (*path, "namespace"),
                    "NAF322",
                    f"consumes namespace {api.namespace!r} is declared again with the same "
                    "baseUri and authentication; its resources are merged into the first",
                    "declare each consumed API once, with all its resources",
                )
                merged = first.operations + api.operations
                self.check_duplicate_operations(list(api.operations), against=first.operations)
                self.apis[api.namespace] = dataclasses.replace(
                    first,
                    operations=merged,
                    strip_base_path=first.strip_base_path or api.strip_base_path,
                )
            else:
                self.error(
                    (*path, "namespace"),
                    "NAF322",
                    f"consumes namespace {api.namespace!r} is declared twice, with a different "
                    "baseUri or authentication",
                    "give each consumed API its own namespace",
                )

    def import_api(self, entry: Mapping[str, Any], path: NodePath) -> Api | None:
        """An API imported from a shared-consumes file, renamed by `as` when given."""
        location = str(entry.get("location") or "")
        source = self.imports.get(location)
        if source is None:
            self.error(
                (*path, "location"),
                "NAF342",
                f"imported consumes file {location!r} was not loaded",
                "check the `location` path (relative to this file)",
            )
            return None
        wanted = str(entry.get("import") or "")
        candidates = [
            (index, item)
            for index, item in enumerate(_list(source.data.get("consumes")))
            if isinstance(item, dict) and item.get("namespace") == wanted
        ]
        if not candidates:
            names = [
                str(item.get("namespace"))
                for item in _list(source.data.get("consumes"))
                if isinstance(item, dict)
            ]
            self.error(
                (*path, "import"),
                "NAF343",
                f"{location!r} declares no consumed API {wanted!r}",
                f"namespaces there: {', '.join(names) or 'none'}",
            )
            return None
        index, item = candidates[0]
        # Findings about the imported API point into the imported file.
        child = _Resolver(source)
        child.binds, child.binds_by_ns, child.findings = self.binds, self.binds_by_ns, self.findings
        api = child.resolve_api(item, ("consumes", index))
        alias = str(entry.get("as") or api.namespace)
        if alias == api.namespace:
            return api
        operations = tuple(dataclasses.replace(op, namespace=alias) for op in api.operations)
        return dataclasses.replace(api, namespace=alias, operations=operations)

    def resolve_api(self, entry: Mapping[str, Any], path: NodePath) -> Api:
        namespace = str(entry.get("namespace", ""))
        raw_base = str(entry.get("baseUri") or "")
        base_uri: str | None = raw_base.rstrip("/")
        if raw_base.endswith("/") and raw_base.strip("/"):
            self.warn(
                (*path, "baseUri"),
                "NAF323",
                f"baseUri {truncate(raw_base)} ends in '/'; it is joined without it",
                "drop the trailing '/'",
            )
        if not raw_base or "{" in raw_base or not re.match(r"^https?://[^/{]+", raw_base):
            base_uri = None
            self.warn(
                (*path, "baseUri"),
                "NAF324",
                f"baseUri {truncate(raw_base)} is not a fixed http(s) URL; the generated server "
                f"requires it from the environment at start-up",
                "write the full URL, e.g. `baseUri: https://api.example.com/v1`",
            )
        base_path = urlsplit(base_uri).path.rstrip("/") if base_uri else ""
        api_params = self.consumed_parameters(_list(entry.get("inputParameters")), (*path,))
        auth = self.resolve_auth(entry.get("authentication"), (*path, "authentication"))
        operations: list[ConsumedOperation] = []
        strip = False
        for r_index, resource in enumerate(_list(entry.get("resources"))):
            r_path: NodePath = (*path, "resources", r_index)
            if not isinstance(resource, dict):
                continue
            resource_path = str(resource.get("path") or "")
            if base_path and (
                resource_path == base_path or resource_path.startswith(base_path + "/")
            ):
                strip = True
                base_line = self.spec.locate((*path, "baseUri")).line
                path_line = self.spec.locate((*r_path, "path")).line
                self.warn(
                    (*r_path, "path"),
                    "NAF325",
                    (
                        f"resource path {resource_path!r} (line {path_line}) repeats the path "
                        f"{base_path!r} of baseUri {raw_base!r} (line {base_line}); joined once "
                        f"as {base_uri.rsplit(base_path, 1)[0] + resource_path!r}"
                        if base_uri
                        else ""
                    ),
                    "drop the repeated segment from the baseUri or from the resource path",
                )
            for o_index, op in enumerate(_list(resource.get("operations"))):
                if not isinstance(op, dict):
                    continue
                o_path: NodePath = (*r_path, "operations", o_index)
                op_resource_path = str(op.get("path") or resource_path)
                if op_resource_path and not op_resource_path.startswith("/"):
                    # `baseUri` and path are joined with exactly one `/` (digest §4.2 #10).
                    op_resource_path = "/" + op_resource_path
                operations.append(
                    self.resolve_consumed_operation(
                        namespace, resource, op, op_resource_path, api_params, o_path
                    )
                )
        if auth is not None:
            # Parameters the authentication supplies are never asked of callers (§4.2 #15).
            operations = [
                dataclasses.replace(
                    op, parameters=tuple(p for p in op.parameters if not _same_param(p, auth))
                )
                for op in operations
            ]
        self.check_duplicate_operations(operations)
        return Api(
            namespace=namespace,
            base_uri=base_uri,
            base_uri_text=raw_base,
            strip_base_path=strip,
            description=str(entry.get("description") or ""),
            auth=auth,
            operations=tuple(operations),
        )

    def check_duplicate_operations(
        self, operations: list[ConsumedOperation], *, against: Iterable[ConsumedOperation] = ()
    ) -> None:
        seen: set[str] = {op.name for op in against}
        for op in operations:
            if op.name in seen:
                self.findings.append(
                    Diagnostic(
                        op.location,
                        "NAF326",
                        Severity.WARNING,
                        f"operation name {op.name!r} is used twice in {op.namespace!r}; "
                        f"`call` reaches the first one",
                        "give each operation of an API a unique name",
                    )
                )
            seen.add(op.name)

    def consumed_parameters(
        self, raw: Iterable[Any], path: NodePath, *, start: int = 0
    ) -> list[ConsumedParameter]:
        params: list[ConsumedParameter] = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            p_path: NodePath = (*path, "inputParameters", index + start)
            location = str(item.get("in") or "query")
            form = location == "formData"
            if form:
                location = "body"
            if location not in ("path", "query", "header", "cookie", "body", "environment"):
                location = "query"
            value = item.get("value")
            tree = value if isinstance(value, dict | list) else None
            # Read silently here: a value may name the inputs of whichever unit calls it.
            template = (
                self.parse_template(str(value), (*p_path, "value"), warn=False)
                if value is not None and tree is None
                else None
            )
            param_type = _json_type(item.get("type"), "object" if location == "body" else "string")
            required = item.get("required")
            params.append(
                ConsumedParameter(
                    name=str(item.get("name", "")),
                    location=location,  # type: ignore[arg-type]
                    type=param_type,
                    description=str(item.get("description") or ""),
                    required=bool(required) if required is not None else location == "path",
                    value=template,
                    value_text=None if value is None or tree is not None else str(value),
                    value_tree=tree,
                    form=form,
                )
            )
        return params

    def resolve_consumed_operation(
        self,
        namespace: str,
        resource: Mapping[str, Any],
        op: Mapping[str, Any],
        resource_path: str,
        api_params: list[ConsumedParameter],
        path: NodePath,
    ) -> ConsumedOperation:
        params = self.consumed_parameters(_list(op.get("inputParameters")), path)
        # API-level parameters apply to every operation; operation-level ones win by (name, in).
        own = {(p.name, p.location) for p in params}
        params = [p for p in api_params if (p.name, p.location) not in own] + params
        declared = {p.name: p for p in params if p.location == "path"}
        parts: list[Part] = []
        for is_placeholder, content in split_placeholders(resource_path, path=True):
            if not is_placeholder:
                parts.append(Part("text", content))
                continue
            match = declared.get(content) or _match_param(content, params, "path")
            if match is None:
                # Undeclared placeholders are forwarded by name (catalog dialect).
                match = ConsumedParameter(content, "path", "string", "", True, None, False)
                params.append(match)
                declared[content] = match
            parts.append(Part("input", match.name))
        method = str(op.get("method") or "GET").upper()
        raw_format = str(op.get("outputRawFormat") or "json").lower()
        if raw_format not in ("json", "xml", "csv", "tsv", "psv", "yaml"):
            self.warn(
                (*path, "outputRawFormat"),
                "NAF399",
                f"`outputRawFormat: {truncate(raw_format)}` is not converted: bodies are relayed "
                "as the upstream sends them, and output mappings over them select nothing",
                "naftiko-gen converts json, xml, csv, tsv, psv and yaml",
            )
        return ConsumedOperation(
            namespace=namespace,
            name=str(op.get("name") or op.get("id") or ""),
            method=method if method in _HTTP_METHODS else "GET",
            resource=str(resource.get("name") or ""),
            path=tuple(parts),
            path_text=resource_path,
            parameters=tuple(params),
            body=op.get("body"),
            output_format=raw_format,
            label=str(op.get("label") or ""),
            description=str(op.get("description") or ""),
            location=self.spec.locate(path),
            unsupported=next(
                (
                    f"parameter {truncate(item.get('name'))} of {namespace}."
                    f"{op.get('name') or op.get('id')} uploads a file (`type: file`, "
                    "multipart/form-data), which naftiko-gen does not generate"
                    for item in _list(op.get("inputParameters"))
                    if isinstance(item, dict) and item.get("type") == "file"
                ),
                "",
            ),
            projections=tuple(
                (str(item["name"]), str(item.get("value") or item.get("mapping")))
                for item in _list(op.get("outputParameters"))
                if isinstance(item, dict)
                and item.get("name")
                and str(item.get("value") or item.get("mapping") or "").startswith("$")
            ),
        )

    def inbound_auth(self, raw: Any, path: NodePath) -> Auth | None:
        """Credentials an adapter requires from its callers; oauth2 is not generated."""
        if not isinstance(raw, dict):
            return None
        if raw.get("type") == "oauth2":
            self.warn(
                (*path, "type"),
                "NAF344",
                "oauth2 inbound authentication is not generated; the adapter is served without "
                "authentication",
                "use bearer, apikey or basic, or put the adapter behind an OAuth2 proxy",
            )
            return None
        auth = self.resolve_auth(raw, path)
        if auth is not None and not any(
            part.kind == "secret" for part in (*auth.value, *auth.username, *auth.password)
        ):
            self.warn(
                path,
                "NAF345",
                "inbound credentials are written in the spec instead of read from a bind",
                'reference a bind variable, e.g. `token: "{{MCP_SERVER_TOKEN}}"`',
            )
        return auth

    def resolve_auth(self, raw: Any, path: NodePath) -> Auth | None:
        if not isinstance(raw, dict):
            return None
        kind = str(raw.get("type", ""))

        def field_template(name: str) -> Template:
            value = raw.get(name)
            if value is None:
                return ()
            return self.parse_template(str(value), (*path, name))

        if kind == "apikey":
            # OpenAPI's spelling (`in`, `name`) is read as `placement`, `key` (catalog dialect).
            placement = str(raw.get("placement") or raw.get("in") or "header")
            if placement not in ("header", "query"):
                placement = "header"
            key = str(raw.get("key") or raw.get("name") or "")
            headers = _dict(raw.get("headers"))
            if headers and not key:
                # Catalog dialect: a map of header name → value, all sent with every request.
                return Auth(
                    "apikey",
                    placement="header",
                    key=str(next(iter(headers))),
                    headers=tuple(
                        (str(name), self.parse_template(str(value), (*path, "headers", name)))
                        for name, value in headers.items()
                    ),
                )
            if not key:
                self.error(
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
        if kind == "bearer":
            return Auth("bearer", value=field_template("token"))
        if kind in ("basic", "digest"):
            if kind == "digest":
                self.warn(
                    (*path, "type"),
                    "NAF327",
                    "digest authentication is sent as basic authentication",
                    "use `type: basic` if the upstream accepts it",
                )
            return Auth(
                "basic", username=field_template("username"), password=field_template("password")
            )
        self.error(
            (*path, "type"),
            "NAF328",
            f"authentication type {truncate(kind)} cannot be used on a consumed API",
            "use apikey, bearer, basic or digest",
        )
        return None

    # -- calls

    def find_operation(self, call: str, path: NodePath) -> ConsumedOperation | None:
        """The operation a `call` names; None (reported) when the unit cannot be generated."""
        namespace, _, name = call.partition(".")
        api = self.apis.get(namespace) or _match_key(namespace, self.apis)
        if api is None and namespace in self.skipped_apis:
            self.warn(
                path,
                "NAF397",
                f"call {call!r} names the `{self.skipped_apis[namespace]}` consumes entry "
                f"{namespace!r}, which is not generated; this unit is left out",
                "call an operation of an HTTP consumes entry instead",
            )
            return None
        if api is None:
            known = ", ".join(sorted(self.apis)) or "none"
            self.error(
                path,
                "NAF330",
                f"call {call!r} names consumes namespace {namespace!r}, which is not declared",
                f"declared consumes namespaces: {known}",
            )
            return None
        exact = [op for op in api.operations if op.name == name]
        found = exact[0] if exact else self.loose_operation(api, call, name, path)
        if found is not None and found.unsupported:
            self.warn(
                path,
                "NAF398",
                f"call {call!r}: {found.unsupported}; this unit is left out",
                "expose the other operations, or run this one with the Naftiko engine",
            )
            return None
        return found

    def loose_operation(
        self, api: Api, call: str, name: str, path: NodePath
    ) -> ConsumedOperation | None:
        """An operation named like `name` once `-`/`_` and case are ignored (catalog dialect)."""
        loose = [op for op in api.operations if normalise_name(op.name) == normalise_name(name)]
        if len({op.name for op in loose}) > 1:
            self.error(
                path,
                "NAF331",
                f"call {call!r} matches several operations once `-`/`_` and case are ignored: "
                + ", ".join(sorted({op.name for op in loose})),
                "spell the operation name exactly",
            )
            return None
        if loose:
            return loose[0]
        names = ", ".join(op.name for op in api.operations[:8])
        self.error(
            path,
            "NAF332",
            f"call {call!r}: API {api.namespace!r} has no operation {name!r}",
            f"operations of {api.namespace!r}: {names}",
        )
        return None

    def classify_with(
        self,
        value: Any,
        roots: frozenset[str],
        path: NodePath,
    ) -> tuple[str, Any]:
        """Read one `with` value: ("ref", name) | ("literal", value) | ("template", text)."""
        if isinstance(value, bool | int | float) or value is None:
            return "literal", value
        text = str(value)
        match = _REFERENCE.match(text)
        if match and match.group(1) in self.step_scope:
            return "template", "{{" + text + "}}"  # An earlier step's output, read as a template.
        if match and match.group(1) in roots:
            return "ref", match.group(2)
        whole = re.fullmatch(r"\{\{\s*([^{}]+?)\s*\}\}", text)
        if whole and "." not in whole.group(1) and whole.group(1) not in self.binds:
            return "ref", whole.group(1)
        if "{{" in text:
            return "template", text
        return "literal", text

    def bind_call(
        self,
        operation: ConsumedOperation,
        with_block: Mapping[str, Any],
        roots: frozenset[str],
        declared: list[Input],
        path_inputs: list[Input],
        unit_path: NodePath,
        *,
        infer_default: Literal["path-only", "all"],
        input_location: Literal["rest", "mcp"],
    ) -> tuple[Call, tuple[Input, ...]]:
        """Bind a unit's `with` to its consumed operation; infer the inputs it implies."""
        inputs: dict[str, Input] = {i.name: i for i in [*path_inputs, *declared]}
        auth = self.apis[operation.namespace].auth
        params_by_name = {p.name: p for p in operation.parameters}
        arguments: dict[str, Argument] = {}

        def infer_body_input(name: str) -> str:
            """A body template names an input nobody declared: accept it, optional."""
            existing = _match_name(name, inputs)
            if existing is not None:
                return existing
            inputs[name] = Input(
                name=name,
                location="argument" if input_location == "mcp" else "body",
                type="string",
                description=f"body field {name}",
                required=False,
                declared=False,
            )
            return name

        def input_for(name: str, param: ConsumedParameter) -> str:
            """Find or infer the unit input a reference names; return its public name."""
            existing = _match_name(name, inputs)
            if existing is not None:
                return existing
            location: InputLocation
            if input_location == "mcp":
                location = "argument"
            elif param.location in ("query", "header", "cookie", "body"):
                location = param.location
            elif param.location == "path":
                location = "query"
            else:
                location = "query"
            inferred = Input(
                name=name,
                location=location,
                type=param.type,
                description=param.description or f"{param.location} parameter {param.name}",
                required=param.required,
                declared=False,
            )
            inputs[name] = inferred
            return name

        for key, raw_value in with_block.items():
            w_path: NodePath = (*unit_path, "with", key)
            if auth is not None and _auth_supplies(auth, key):
                # The consumed API's own credential wins: callers cannot replace it.
                self.warn(
                    w_path,
                    "NAF337",
                    f"`with` sets {key!r}, which the authentication of "
                    f"{operation.namespace!r} supplies; the authentication is sent instead",
                    "drop this `with` entry (or the consumed API's `authentication`)",
                )
                continue
            param = params_by_name.get(key) or _match_param(key, operation.parameters, None)
            if param is None:
                # The engine feeds unknown `with` keys to templates only; keep them addressable.
                param = ConsumedParameter(key, "query", "string", "", False, None, False)
                self.warn(
                    w_path,
                    "NAF333",
                    f"`with` key {key!r} is not a parameter of {operation.namespace}."
                    f"{operation.name}; it is sent as a query parameter",
                    "declare the parameter on the consumed operation, or remove the key",
                )
            kind, content = self.classify_with(raw_value, roots, w_path)
            if kind == "ref":
                name = input_for(str(content), param)
                arguments[param.name] = Argument(param, (Part("input", name),))
            elif kind == "template":
                arguments[param.name] = Argument(
                    param, self.parse_template(str(content), w_path, inputs, roots)
                )
            else:
                arguments[param.name] = Argument(
                    param,
                    (Part("text", str(content)),) if isinstance(content, str) else (),
                    literal=content,
                    is_literal=True,
                )

        # Parameters the `with` block leaves out: their own value, else an input of the same name.
        for param in operation.parameters:
            if param.name in arguments:
                continue
            if param.value_tree is not None:
                walked = self.parse_body(
                    {"type": "json", "data": param.value_tree},
                    unit_path,
                    inputs,
                    roots,
                    infer_body_input,
                )
                arguments[param.name] = Argument(
                    param, (), tree=walked[0] if walked is not None else None
                )
                continue
            if param.value is not None:
                value = param.value
                if param.value_text is not None and any(p.kind == "unbound" for p in value):
                    value = self.parse_template(
                        param.value_text, unit_path, inputs, roots, infer=None
                    )
                arguments[param.name] = Argument(param, value)
                continue
            if auth is not None and _same_param(param, auth):
                continue  # The api key is supplied by authentication (digest §4.2 #15).
            if param.location == "environment":
                continue
            existing = _match_name(param.name, inputs)
            if existing is not None:
                arguments[param.name] = Argument(param, (Part("input", existing),))
            elif param.location == "path" or (infer_default == "all" and not with_block):
                name = input_for(param.name, param)
                arguments[param.name] = Argument(param, (Part("input", name),))

        body_params = [p for p in operation.parameters if p.location == "body"]
        body_mode: Literal["none", "whole", "properties", "template"] = "none"
        body = (
            self.parse_body(operation.body, unit_path, inputs, roots, infer_body_input)
            if operation.body is not None
            else None
        )
        if body is not None:
            body_mode = "template"
        elif len(body_params) == 1 and (
            body_params[0].name == "body" or body_params[0].type in ("object", "array")
        ):
            body_mode = "whole"
        elif body_params:
            body_mode = "properties"
        if body_mode != "none" and operation.method in ("GET", "HEAD"):
            self.warn(
                unit_path,
                "NAF334",
                f"{operation.method} {operation.namespace}.{operation.name} declares a request "
                "body; it is sent anyway",
                "most servers ignore a body on GET; move it to query parameters",
            )
        # Placeholder-implied inputs take the type and description of the parameter they feed.
        for argument in arguments.values():
            fed = argument.parameter
            for part in argument.value:
                current = inputs.get(part.value) if part.kind == "input" else None
                if current is not None and not current.declared and fed.description:
                    inputs[part.value] = Input(
                        current.name,
                        current.location,
                        fed.type,
                        fed.description,
                        current.required or fed.required,
                        False,
                    )
        ordered = tuple(arguments[p.name] for p in operation.parameters if p.name in arguments)
        extra = tuple(a for name, a in arguments.items() if name not in params_by_name)
        call = Call(operation, ordered + extra, body_mode)
        if body is None and any(p.form for p in body_params):
            call = Call(
                operation,
                ordered + extra,
                "properties",
                None,
                "form",
                "application/x-www-form-urlencoded",
            )
        if body is not None:
            call = Call(operation, ordered + extra, body_mode, body[0], body[1], body[2])
        return call, tuple(inputs.values())

    # -- exposes

    def declared_inputs(
        self, raw: Iterable[Any], path: NodePath, *, default_location: InputLocation
    ) -> list[Input]:
        inputs: list[Input] = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            location = str(item.get("in") or default_location)
            if location not in ("path", "query", "header", "cookie", "body", "argument"):
                location = default_location
            param_type = _json_type(item.get("type"), "string")
            inputs.append(
                Input(
                    name=str(item.get("name", "")),
                    location=location,  # type: ignore[arg-type]
                    type=param_type,
                    description=str(item.get("description") or ""),
                    required=bool(item.get("required", location in ("path", "argument"))),
                    declared=True,
                )
            )
        return inputs

    def resolve_output(self, raw: Any) -> Output:
        outputs = [o for o in _list(raw) if isinstance(o, dict)]
        if not outputs:
            return Output(True)
        first = outputs[0]
        mapping = first.get("mapping")
        if (
            first.get("type") in ("object", "array", None)
            and "properties" not in first
            and "items" not in first
            and "value" not in first
            and mapping in (None, "$", "$.")
        ):
            return Output(True)
        return Output(False, first)

    def resolve_rest(self, entry: Mapping[str, Any], path: NodePath) -> RestAdapter:
        namespace = str(entry.get("namespace", ""))
        roots = frozenset({namespace, "rest"})
        operations: list[RestOperation] = []
        forwards: list[RestForward] = []
        for r_index, resource in enumerate(_list(entry.get("resources"))):
            r_path: NodePath = (*path, "resources", r_index)
            if not isinstance(resource, dict):
                continue
            resource_path = str(resource.get("path") or "/")
            if not resource_path.startswith("/"):
                resource_path = "/" + resource_path
            if "#" in resource_path or "?" in resource_path:
                self.warn(
                    (*r_path, "path"),
                    "NAF396",
                    f"exposed path {resource_path!r} contains `#` or `?`, which never reach a "
                    "server as part of the path; the resource is left out of the REST adapter",
                    "expose a plain path and pass the rest as parameters",
                )
                continue
            if isinstance(resource.get("forward"), dict):
                forward = self.resolve_forward(resource, resource_path, (*r_path, "forward"))
                if forward is not None:
                    forwards.append(forward)
            placeholders = [
                name for is_ph, name in split_placeholders(resource_path, path=True) if is_ph
            ]
            path_inputs = [
                Input(name, "path", "string", f"path parameter {name}", True, False)
                for name in dict.fromkeys(placeholders)
            ]
            resource_inputs = self.declared_inputs(
                _list(resource.get("inputParameters")), r_path, default_location="query"
            )
            for o_index, op in enumerate(_list(resource.get("operations"))):
                if not isinstance(op, dict):
                    continue
                o_path: NodePath = (*r_path, "operations", o_index)
                unit = self.rest_operation(
                    resource, resource_path, op, o_path, roots, path_inputs, resource_inputs
                )
                if unit is not None:
                    operations.append(unit)
        port = entry.get("port")
        return RestAdapter(
            namespace=namespace,
            port=int(port) if isinstance(port, int) else 8080,
            address=_opt_str(entry.get("address")),
            description=str(entry.get("description") or ""),
            operations=tuple(operations),
            auth=self.inbound_auth(entry.get("authentication"), (*path, "authentication")),
            forwards=tuple(forwards),
        )

    def resolve_forward(
        self, resource: Mapping[str, Any], resource_path: str, path: NodePath
    ) -> RestForward | None:
        """A pass-through resource: every method its operations do not handle goes upstream."""
        forward = _dict(resource.get("forward"))
        target = str(forward.get("targetNamespace") or "")
        api = self.apis.get(target) or _match_key(target, self.apis)
        if api is None:
            self.error(
                (*path, "targetNamespace"),
                "NAF346",
                f"forward target {target!r} is not a consumed API",
                f"declared consumes namespaces: {', '.join(sorted(self.apis)) or 'none'}",
            )
            return None
        placeholders = [n for is_ph, n in split_placeholders(resource_path, path=True) if is_ph]
        if len(placeholders) > 1:
            self.error(
                path,
                "NAF347",
                f"forwarded path {resource_path!r} has {len(placeholders)} placeholders",
                "a forward takes at most one placeholder, the rest of the path: `/proxy/{path}`",
            )
            return None
        declared = {
            str(op.get("method") or "GET").upper()
            for op in _list(resource.get("operations"))
            if isinstance(op, dict)
        }
        return RestForward(
            resource=str(resource.get("name") or ""),
            path=resource_path,
            tail=placeholders[0] if placeholders else None,
            api=api.namespace,
            trusted_headers=tuple(str(h) for h in _list(forward.get("trustedHeaders"))),
            excluded_methods=tuple(m for m in _HTTP_METHODS if m in declared),
            label=str(resource.get("label") or ""),
            description=str(resource.get("description") or ""),
        )

    def collect_functions(self, data: Mapping[str, Any]) -> None:
        """Index aggregate functions by `namespace.name` for `ref`."""
        capability = _dict(data.get("capability"))
        for a_index, aggregate in enumerate(_list(capability.get("aggregates"))):
            if not isinstance(aggregate, dict):
                continue
            namespace = str(aggregate.get("namespace") or "")
            for f_index, function in enumerate(_list(aggregate.get("functions"))):
                if not isinstance(function, dict):
                    continue
                path: NodePath = ("capability", "aggregates", a_index, "functions", f_index)
                key = f"{namespace}.{function.get('name')}"
                if key in self.functions:
                    self.error(
                        (*path, "name"),
                        "NAF341",
                        f"aggregate function {key!r} is declared twice",
                        "give each function of an aggregate its own name",
                    )
                    continue
                self.functions[key] = (namespace, function, path)

    def unit_definition(
        self, unit: Mapping[str, Any], path: NodePath, roots: frozenset[str]
    ) -> tuple[dict[str, Any], NodePath, frozenset[str], dict[str, bool]] | None:
        """The unit itself, or merged with the aggregate function its `ref` names."""
        hints = _hints(unit.get("hints"))
        ref = unit.get("ref")
        if ref is None or "call" in unit:
            return dict(unit), path, roots, hints
        found = self.functions.get(str(ref))
        if found is None:
            known = ", ".join(sorted(self.functions)) or "none"
            self.error(
                (*path, "ref"),
                "NAF340",
                f"ref {truncate(ref)} names no aggregate function",
                f"declared functions: {known}",
            )
            return None
        namespace, function, f_path = found
        merged = dict(unit)
        for key in ("name", "description", "inputParameters", "outputParameters"):
            if key not in merged and key in function:
                merged[key] = function[key]
        for key in ("call", "with", "steps", "mappings"):
            merged.pop(key, None)
            if key in function:
                merged[key] = function[key]
        semantics = _dict(function.get("semantics"))
        derived: dict[str, bool] = {}
        if isinstance(semantics.get("safe"), bool):
            derived["readOnly"] = semantics["safe"]
            if semantics["safe"]:
                derived["destructive"] = False
        if isinstance(semantics.get("idempotent"), bool):
            derived["idempotent"] = semantics["idempotent"]
        # A function's `with` qualifies inputs by the aggregate namespace (digest §3.3).
        return merged, f_path, roots | {namespace}, {**derived, **hints}

    def unit_kind(self, unit: Mapping[str, Any], path: NodePath, what: str) -> str | None:
        """`call`, `steps`, `mock`, or None (reported and left out)."""
        if "call" in unit:
            return "call"
        if "steps" in unit:
            unsupported = [
                (index, step.get("type"))
                for index, step in enumerate(_list(unit.get("steps")))
                if not isinstance(step, dict) or step.get("type", "call") not in ("call", "lookup")
            ]
            if unsupported or not _list(unit.get("steps")):
                index, kind = unsupported[0] if unsupported else (0, None)
                self.warn(
                    (*path, "steps", index) if unsupported else (*path, "steps"),
                    "NAF391",
                    (
                        f"{what} uses a `{kind}` step, which naftiko-gen does not generate (only "
                        "`call` and `lookup` steps); it is left out of the generated package"
                        if unsupported
                        else f"{what} has no steps; it is left out of the generated package"
                    ),
                    "express it with `call` and `lookup` steps, or as a single `call`",
                )
                return None
            return "steps"
        if _has_values(unit.get("outputParameters")):
            return "mock"
        self.warn(
            path,
            "NAF392",
            f"{what} has neither `call` nor static output values; it is left out",
            "add `call: <namespace>.<operation>`, or outputs with `value` for a mock",
        )
        return None

    def orchestration(
        self,
        unit: Mapping[str, Any],
        unit_path: NodePath,
        roots: frozenset[str],
        declared: list[Input],
        path_inputs: list[Input],
        *,
        input_location: Literal["rest", "mcp"],
    ) -> tuple[Orchestration, tuple[Input, ...]] | None:
        """Bind `steps` and `mappings` (digest §3.11); None when a step cannot work."""
        steps: list[Step] = []
        kinds: dict[str, str] = {}
        inputs: list[Input] = [*declared]
        implied = list(path_inputs)
        try:
            for index, raw in enumerate(_list(unit.get("steps"))):
                s_path: NodePath = (*unit_path, "steps", index)
                name = str(raw.get("name") or raw.get("id") or f"step-{index + 1}")
                if name in kinds:
                    self.error(
                        (*s_path, "name"),
                        "NAF380",
                        f"step name {name!r} is used twice in this unit",
                        "give every step of a unit its own name",
                    )
                    return None
                self.step_scope = frozenset(n for n, k in kinds.items() if k == "call")
                if raw.get("type", "call") == "call":
                    operation = self.find_operation(str(raw.get("call")), (*s_path, "call"))
                    if operation is None:
                        return None
                    call, bound = self.bind_call(
                        operation,
                        _dict(raw.get("with")),
                        roots,
                        inputs,
                        implied,
                        s_path,
                        infer_default="path-only",
                        input_location=input_location,
                    )
                    inputs, implied = list(bound), []
                    steps.append(CallStep(name, call))
                else:
                    lookup = self.lookup_step(raw, s_path, name, kinds, roots, inputs)
                    if lookup is None:
                        return None
                    steps.append(lookup)
                kinds[name] = str(raw.get("type", "call"))
        finally:
            self.step_scope = frozenset()
        mappings: list[StepMapping] = []
        for index, raw in enumerate(_list(unit.get("mappings"))):
            m_path: NodePath = (*unit_path, "mappings", index)
            if not isinstance(raw, dict) or not raw.get("targetName"):
                continue
            target = tuple(str(raw["targetName"]).split("."))
            source = _step_path(str(raw.get("value") or ""))
            if source is None or source[0] not in kinds:
                self.warn(
                    (*m_path, "value"),
                    "NAF381",
                    f"mapping value {truncate(raw.get('value'))} is not `$.<step>.<field>…` "
                    f"naming a step of this unit; {'.'.join(target)!r} is always null",
                    "steps here: " + (", ".join(kinds) or "none"),
                )
                continue
            mappings.append(StepMapping(target, source))
        if not mappings:
            self.warn(
                (*unit_path, "mappings") if "mappings" in unit else unit_path,
                "NAF382",
                "this orchestrated unit has no usable `mappings`; it answers with the last call "
                "step's reply",
                "add `mappings: [{targetName: …, value: $.<step>.<field>}]`",
            )
        return Orchestration(tuple(steps), tuple(mappings)), (*implied, *inputs)

    def lookup_step(
        self,
        raw: Mapping[str, Any],
        path: NodePath,
        name: str,
        kinds: Mapping[str, str],
        roots: frozenset[str],
        inputs: list[Input],
    ) -> LookupStep | None:
        index = str(raw.get("index") or "")
        if kinds.get(index) != "call":
            earlier = ", ".join(n for n, k in kinds.items() if k == "call") or "none"
            self.error(
                (*path, "index"),
                "NAF383",
                f"lookup step {name!r}: index {index!r} is not an earlier call step of this unit",
                f"earlier call steps: {earlier}",
            )
            return None
        fields = tuple(str(f) for f in _list(raw.get("outputParameters")) if f is not None)
        text = str(raw.get("lookupValue") or "")
        source = _step_path(text) if text.startswith("$") else None
        value: Template = ()
        if source is not None and source[0] not in kinds:
            self.warn(
                (*path, "lookupValue"),
                "NAF381",
                f"lookupValue {truncate(text)} names no earlier step; nothing is found",
                "steps before this one: " + (", ".join(kinds) or "none"),
            )
        elif source is None:
            reference = _REFERENCE.match(text)
            if reference and reference.group(1) in roots and "{{" not in text:
                text = "{{" + reference.group(2) + "}}"  # `ns.input`, as the spec's docs write it
            value = self.parse_template(text, (*path, "lookupValue"), {i.name: i for i in inputs})
        return LookupStep(
            name=name,
            index=index,
            match=str(raw.get("match") or ""),
            source=source,
            value=value,
            fields=fields,
        )

    def mock_outputs(
        self, raw: Any, path: NodePath, inputs: Mapping[str, Input], roots: frozenset[str]
    ) -> tuple[MockOutput, ...]:
        def node(item: Mapping[str, Any], item_path: NodePath, name: str | None) -> MockOutput:
            value = item.get("value")
            template = (
                self.parse_template(str(value), (*item_path, "value"), inputs, roots)
                if value is not None and not isinstance(value, dict | list)
                else None
            )
            properties = tuple(
                (str(key), node(sub, (*item_path, "properties", key), str(key)))
                for key, sub in _dict(item.get("properties")).items()
                if isinstance(sub, dict)
            )
            items_raw = item.get("items")
            if isinstance(items_raw, list):
                items_raw = items_raw[0] if items_raw else None
            items = (
                node(items_raw, (*item_path, "items"), None)
                if isinstance(items_raw, dict)
                else None
            )
            kind = str(item.get("type") or ("object" if properties else "string"))
            return MockOutput(name, kind, template, properties, items)

        return tuple(
            node(item, (*path, "outputParameters", index), _opt_str(item.get("name")))
            for index, item in enumerate(_list(raw))
            if isinstance(item, dict)
        )

    def rest_operation(
        self,
        resource: Mapping[str, Any],
        resource_path: str,
        op: Mapping[str, Any],
        path: NodePath,
        roots: frozenset[str],
        path_inputs: list[Input],
        resource_inputs: list[Input],
    ) -> RestOperation | None:
        method = str(op.get("method") or "GET").upper()
        what = f"REST operation {method} {resource_path}"
        definition = self.unit_definition(op, path, roots)
        if definition is None:
            return None
        unit, unit_path, unit_roots, _ = definition
        kind = self.unit_kind(unit, unit_path, what)
        if kind is None:
            return None
        declared = [
            # An input named like a path placeholder is that path parameter (inherited
            # function inputs carry no `in`).
            (
                Input(i.name, "path", i.type, i.description, True, True)
                if any(i.name == p.name for p in path_inputs)
                else i
            )
            for i in resource_inputs
            + self.declared_inputs(
                _list(unit.get("inputParameters")), unit_path, default_location="query"
            )
        ]
        # Declared path inputs replace the placeholder-implied ones of the same name.
        declared_names = {i.name for i in declared}
        implied = [i for i in path_inputs if i.name not in declared_names]
        acting = self.unit_action(unit, unit_path, unit_roots, kind, declared, implied, "rest")
        if acting is None:
            return None
        action, inputs, description = acting
        return RestOperation(
            resource=str(resource.get("name") or ""),
            resource_description=str(resource.get("description") or ""),
            path=resource_path,
            method=method if method in _HTTP_METHODS else "GET",
            name=str(unit.get("name") or ""),
            label=str(unit.get("label") or ""),
            description=description,
            inputs=inputs,
            action=action,
            output=self.unit_output(unit, action),
            location=self.spec.locate(path),
        )

    def unit_action(
        self,
        unit: Mapping[str, Any],
        unit_path: NodePath,
        unit_roots: frozenset[str],
        kind: str,
        declared: list[Input],
        implied: list[Input],
        input_location: Literal["rest", "mcp"],
    ) -> tuple[Action, tuple[Input, ...], str] | None:
        """What a REST operation or MCP tool does, its inputs and its description.

        None when the unit is left out (its call or steps did not resolve; already reported).
        """
        description = str(unit.get("description") or "")
        if kind == "mock":
            inputs = (*implied, *declared)
            outputs = self.mock_outputs(
                unit.get("outputParameters"), unit_path, {i.name: i for i in inputs}, unit_roots
            )
            return Mock(outputs), inputs, description
        if kind == "steps":
            orchestrated = self.orchestration(
                unit, unit_path, unit_roots, declared, implied, input_location=input_location
            )
            return None if orchestrated is None else (*orchestrated, description)
        operation = self.find_operation(str(unit.get("call")), (*unit_path, "call"))
        if operation is None:
            return None
        call, inputs = self.bind_call(
            operation,
            _dict(unit.get("with")),
            unit_roots,
            declared,
            implied,
            unit_path,
            infer_default="all",
            input_location=input_location,
        )
        return call, inputs, description or operation.description or ""

    def unit_output(self, unit: Mapping[str, Any], action: Action | Folder) -> Output:
        """How a unit shapes its answer; orchestrated units answer their `mappings` object."""
        if isinstance(action, Orchestration):
            return Output(True)
        return self.resolve_output(unit.get("outputParameters"))

    def resolve_mcp(self, entry: Mapping[str, Any], path: NodePath) -> McpAdapter:
        namespace = str(entry.get("namespace", ""))
        roots = frozenset({namespace, "tools", "mcp"})
        tools: list[McpTool] = []
        for t_index, tool in enumerate(_list(entry.get("tools"))):
            t_path: NodePath = (*path, "tools", t_index)
            if not isinstance(tool, dict):
                continue
            definition = self.unit_definition(tool, t_path, roots)
            if definition is None:
                continue
            unit, unit_path, unit_roots, hints = definition
            name = str(unit.get("name") or "")
            kind = self.unit_kind(unit, unit_path, f"MCP tool {name!r}")
            if kind is None:
                continue
            declared = self.declared_inputs(
                _list(unit.get("inputParameters")), unit_path, default_location="argument"
            )
            acting = self.unit_action(unit, unit_path, unit_roots, kind, declared, [], "mcp")
            if acting is None:
                continue
            action, inputs, description = acting
            tools.append(
                McpTool(
                    name=name,
                    label=str(unit.get("label") or ""),
                    description=description,
                    inputs=tuple(
                        Input(i.name, "argument", i.type, i.description, i.required, i.declared)
                        for i in inputs
                    ),
                    hints=hints,
                    action=action,
                    output=self.unit_output(unit, action),
                    location=self.spec.locate(t_path),
                )
            )
        resources = [
            resource
            for r_index, raw in enumerate(_list(entry.get("resources")))
            if isinstance(raw, dict)
            and (resource := self.mcp_resource(raw, (*path, "resources", r_index), roots))
        ]
        prompts = [
            self.mcp_prompt(raw)
            for raw in _list(entry.get("prompts"))
            if isinstance(raw, dict) and raw.get("name")
        ]
        transport: Literal["http", "stdio"] = (
            "stdio" if entry.get("transport") == "stdio" else "http"
        )
        port = entry.get("port")
        return McpAdapter(
            namespace=namespace,
            transport=transport,
            port=int(port) if isinstance(port, int) else (None if transport == "stdio" else 9090),
            address=_opt_str(entry.get("address")),
            description=str(entry.get("description") or ""),
            tools=tuple(tools),
            auth=self.inbound_auth(entry.get("authentication"), (*path, "authentication")),
            resources=tuple(resources),
            prompts=tuple(prompts),
        )

    def mcp_resource(
        self, raw: Mapping[str, Any], path: NodePath, roots: frozenset[str]
    ) -> McpResource | None:
        """A resource read through `call` or `steps`, or the files of a `location` folder."""
        uri = str(raw.get("uri") or "")
        parameters = tuple(re.findall(r"\{([A-Za-z0-9_]+)\}", uri))
        declared = [Input(name, "argument", "string", "", True, True) for name in parameters]
        action: Call | Orchestration | Folder
        if "location" in raw:
            action = Folder(_file_uri_path(str(raw["location"])))
        elif "steps" in raw:
            kind = self.unit_kind(raw, path, f"MCP resource {raw.get('name')!r}")
            orchestrated = (
                self.orchestration(raw, path, roots, declared, [], input_location="mcp")
                if kind == "steps"
                else None
            )
            if orchestrated is None:
                return None
            action = orchestrated[0]
        elif "call" in raw:
            operation = self.find_operation(str(raw.get("call")), (*path, "call"))
            if operation is None:
                return None
            action, _ = self.bind_call(
                operation,
                _dict(raw.get("with")),
                roots,
                declared,
                [],
                path,
                infer_default="path-only",
                input_location="mcp",
            )
        else:
            self.warn(
                path,
                "NAF393",
                f"MCP resource {raw.get('name')!r} has none of `call`, `steps` or `location`; "
                "it is left out",
                "read it through `call: <namespace>.<operation>`, or serve a folder",
            )
            return None
        return McpResource(
            name=str(raw.get("name") or ""),
            label=str(raw.get("label") or ""),
            description=str(raw.get("description") or ""),
            uri=uri,
            mime_type=str(raw.get("mimeType") or "application/json"),
            parameters=parameters,
            action=action,
            output=self.unit_output(raw, action),
            location=self.spec.locate(path),
        )

    def mcp_prompt(self, raw: Mapping[str, Any]) -> McpPrompt:
        """A prompt: its messages (placeholders are filled when a client asks), or a file."""
        arguments = tuple(
            PromptArgument(
                str(item.get("name") or ""),
                str(item.get("description") or ""),
                item.get("required", True) is not False,
            )
            for item in _list(raw.get("arguments"))
            if isinstance(item, dict)
        )
        messages = tuple(
            (str(item.get("role") or "user"), str(item.get("content") or ""))
            for item in _list(raw.get("template") or raw.get("messages"))
            if isinstance(item, dict)
        )
        location = raw.get("location")
        return McpPrompt(
            name=str(raw["name"]),
            label=str(raw.get("label") or ""),
            description=str(raw.get("description") or ""),
            arguments=arguments,
            messages=messages,
            file=_file_uri_path(str(location)) if location else None,
        )

    def resolve(self) -> CanonicalCapability:
        data = self.spec.data
        self.collect_binds(data)
        self.collect_apis(data)
        self.collect_functions(data)
        capability = data.get("capability")
        if not isinstance(capability, dict):
            self.error(
                (),
                "NAF301",
                "this document has no `capability` (a shared-consumes file); nothing to serve",
                "build the capability file that imports it instead",
            )
            raise DiagnosticError(self.findings)
        rest: list[RestAdapter] = []
        mcp: list[McpAdapter] = []
        control: ControlAdapter | None = None
        for index, entry in enumerate(_list(capability.get("exposes"))):
            path: NodePath = ("capability", "exposes", index)
            if not isinstance(entry, dict):
                continue
            kind = entry.get("type")
            if kind in ("rest", "mcp") and (rest if kind == "rest" else mcp):
                first = (rest if kind == "rest" else mcp)[0].namespace
                self.warn(
                    (*path, "type"),
                    "NAF304",
                    f"a second {kind.upper()} adapter ({truncate(entry.get('namespace'))}) is "
                    f"not generated; the package serves one {kind.upper()} adapter, {first!r}",
                    "move its units into the first adapter, or split the capability in two",
                )
            elif kind == "rest":
                rest.append(self.resolve_rest(entry, path))
            elif kind == "mcp":
                mcp.append(self.resolve_mcp(entry, path))
            elif kind == "control" and control is None:
                control = self.resolve_control(entry, path)
            elif kind in ("skill", "control"):
                self.warn(
                    (*path, "type"),
                    "NAF394",
                    f"`{kind}` adapters are not generated; the package serves the REST and MCP "
                    "adapters only",
                    "remove this adapter, or run it with the Naftiko engine",
                )
            else:
                close = difflib.get_close_matches(str(kind), _ADAPTER_TYPES, n=1)
                self.warn(
                    (*path, "type"),
                    "NAF394",
                    f"adapter type {truncate(kind)} is not a Naftiko adapter; it is not generated "
                    "(the package serves the REST and MCP adapters only)",
                    (
                        f"did you mean `{close[0]}`?"
                        if close
                        else "Naftiko adapters are " + ", ".join(_ADAPTER_TYPES)
                    ),
                )
        self.check_ports(rest, mcp, control)
        if (
            not any(a.operations or a.forwards for a in rest)
            and not any(a.tools for a in mcp)
            and control is None
        ):
            self.error(
                ("capability", "exposes"),
                "NAF302",
                "no REST operation, MCP tool or control port can be generated from this "
                "capability",
                "expose at least one REST operation or MCP tool with `call` or `steps`",
            )
        info = _dict(data.get("info"))
        diagnostics = tuple(sorted(self.findings, key=Diagnostic.sort_key))
        if any(d.is_error for d in diagnostics):
            raise DiagnosticError(diagnostics)
        return CanonicalCapability(
            label=str(info.get("label") or info.get("title") or ""),
            description=str(info.get("description") or ""),
            tags=tuple(str(t) for t in _list(info.get("tags"))),
            spec_version=str(data.get("naftiko", "")),
            binds=tuple(self.binds.values()),
            apis=tuple(self.apis.values()),
            rest_adapters=tuple(rest),
            mcp_adapters=tuple(mcp),
            diagnostics=diagnostics,
            control=control,
        )

    def resolve_control(self, entry: Mapping[str, Any], path: NodePath) -> ControlAdapter:
        """The control port: health and status are generated; the rest is reported."""
        management = _dict(entry.get("management"))
        for key in ("reload", "validate", "logs"):
            if management.get(key):
                self.warn(
                    (*path, "management", key),
                    "NAF395",
                    f"control endpoint `{key}` is not generated (the reference engine does not "
                    "implement it in 1.0.0-alpha2 either); the control port serves health and "
                    "status only",
                    f"remove `{key}` to silence this warning",
                )
        for key, where in (("scripting", "management"), ("observability", None)):
            block = management.get(key) if where else entry.get(key)
            enabled = isinstance(block, dict) and block.get("enabled", True) is not False
            if enabled:
                self.warn(
                    (*path, *((where,) if where else ()), key),
                    "NAF395",
                    f"control `{key}` (metrics, traces or script settings) is not generated; "
                    "the control port serves health and status only",
                    f"remove `{key}` or set `enabled: false` to silence this warning",
                )
        port = entry.get("port")
        return ControlAdapter(
            port=int(port) if isinstance(port, int) else 9191,
            address=_opt_str(entry.get("address")),
            health=management.get("health", True) is not False,
            info=management.get("info", False) is True,
            auth=self.inbound_auth(entry.get("authentication"), (*path, "authentication")),
        )

    def check_ports(
        self, rest: list[RestAdapter], mcp: list[McpAdapter], control: ControlAdapter | None
    ) -> None:
        seen: dict[int, str] = {}
        adapters: list[RestAdapter | McpAdapter] = [*rest, *mcp]
        if control is not None:
            seen[control.port] = "control"
        for adapter in adapters:
            port = adapter.port
            if port is None:
                continue
            if port in seen:
                self.warn(
                    ("capability", "exposes"),
                    "NAF303",
                    f"adapters {seen[port]!r} and {adapter.namespace!r} share port {port}",
                    "give each adapter its own port (both can be overridden at run time)",
                )
            seen[port] = adapter.namespace


# ----------------------------------------------------------------------------- helpers


_HINT_NAMES = {
    "readOnly": "readOnly",
    "readOnlyHint": "readOnly",
    "destructive": "destructive",
    "destructiveHint": "destructive",
    "idempotent": "idempotent",
    "idempotentHint": "idempotent",
    "openWorld": "openWorld",
    "openWorldHint": "openWorld",
}
_SENTINEL = re.compile(r"__naftiko_(raw|str)_([0-9a-f]+)__")


def _hints(raw: Any) -> dict[str, bool]:
    """Tool hints by their spec names; MCP's `…Hint` spellings are accepted too."""
    return {
        _HINT_NAMES[str(k)]: v
        for k, v in _dict(raw).items()
        if str(k) in _HINT_NAMES and isinstance(v, bool)
    }


def _unsentinel(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode()


def _json_template(text: str) -> Any:
    """Parse a JSON body template, placeholders swapped for sentinels; `None` if not JSON.

    A placeholder outside a JSON string stands for a JSON value (a list stays a list); inside a
    string it is text. Filling values in after parsing keeps any input from breaking the JSON.
    """
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(text):
        if text.startswith("{{", index):
            end = text.find("}}", index + 2)
            if end < 0:
                return None
            name = text[index + 2 : end].strip().encode().hex()
            out.append(f"__naftiko_str_{name}__" if in_string else f'"__naftiko_raw_{name}__"')
            index = end + 2
            continue
        char = text[index]
        if in_string and char == "\\":
            out.append(text[index : index + 2])
            index += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        index += 1
    try:
        return json.loads("".join(out))
    except ValueError:
        return None


def _file_uri_path(uri: str) -> str:
    """The path of a `file:` URI; `file:///./x` is relative to the working directory."""
    path = uri.removeprefix("file://")
    return path[1:] if path.startswith("/./") else path


def _step_path(text: str) -> tuple[str, ...] | None:
    """`$.step.a.b` (or `{{$.step.a}}`) as ("step", "a", "b"); None for anything else."""
    text = text.strip()
    if text.startswith("{{") and text.endswith("}}"):
        text = text[2:-2].strip()
    if not text.startswith("$.") or len(text) < 3:
        return None
    parts = tuple(text[2:].split("."))
    return parts if all(parts) else None


def _has_values(outputs: Any) -> bool:
    """Whether some output (at any depth) carries a static `value`."""
    for item in _list(outputs):
        if not isinstance(item, dict):
            continue
        if "value" in item and "mapping" not in item:
            return True
        nested = [*_dict(item.get("properties")).values()]
        items = item.get("items")
        nested.extend(items if isinstance(items, list) else [items] if items else [])
        if _has_values(nested):
            return True
    return False


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _match_name(name: str, candidates: Mapping[str, Any]) -> str | None:
    """Match exactly, then ignoring case and `-`/`_`; `None` when absent or ambiguous."""
    if name in candidates:
        return name
    folded = [c for c in candidates if normalise_name(c) == normalise_name(name)]
    return folded[0] if len(folded) == 1 else None


def _match_key(name: str, candidates: Mapping[str, Api]) -> Api | None:
    matched = _match_name(name, candidates)
    return candidates[matched] if matched is not None else None


def _match_param(
    name: str, params: Iterable[ConsumedParameter], location: str | None
) -> ConsumedParameter | None:
    folded = [
        p
        for p in params
        if normalise_name(p.name) == normalise_name(name)
        and (location is None or p.location == location)
    ]
    return folded[0] if len(folded) == 1 else None


def _same_param(param: ConsumedParameter, auth: Auth) -> bool:
    """Whether authentication already supplies this parameter (digest §4.2 #15)."""
    if auth.kind in ("bearer", "basic"):
        return param.location == "header" and param.name.lower() == "authorization"
    if param.location != auth.placement:
        return False
    if auth.placement == "header":
        return param.name.lower() == auth.key.lower()
    return param.name == auth.key


def _auth_supplies(auth: Auth, name: str) -> bool:
    """Whether a `with` key names what authentication sends (its header or query key)."""
    if auth.kind in ("bearer", "basic"):
        return name.lower() == "authorization"
    keys = [auth.key, *(header for header, _ in auth.headers)]
    if auth.placement == "header":
        return name.lower() in {k.lower() for k in keys}
    return name in keys


def _json_type(raw: Any, default: str) -> str:
    """A parameter type; an OpenAPI 3.1 list such as `[string, 'null']` gives its first type."""
    if isinstance(raw, list):
        raw = next((t for t in raw if t != "null"), None)
    text = str(raw) if raw else default
    return text if text in _SCALAR_TYPES else "string"


def resolve_spec(
    spec: LoadedSpec, imports: Mapping[str, LoadedSpec] | None = None
) -> CanonicalCapability:
    """Resolve a validated document (with its loaded imports, by `location`).

    Raise `DiagnosticError` when it cannot be served.
    """
    return _Resolver(spec, imports).resolve()
