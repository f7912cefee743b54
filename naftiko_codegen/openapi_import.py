"""OpenAPI import: an OpenAPI 3.0/3.1 or Swagger 2.0 document → a Naftiko capability (YAML text).

The capability is official 1.0.0-alpha2: one consumed API with a resource per path, and a REST
adapter plus an MCP adapter exposing one route and one tool per operation, inputs declared
and wired through `with`. What the document says is kept as far as the spec can say it: an
`enum` becomes a `pattern` on the REST input (strings) and a "One of: …" in every description;
a JSON request body whose schema is an object with properties becomes one `in: body` input per
property (typed, described, required as the schema says; the spec sends several `in: body`
parameters as the members of one JSON object); the JSON schema of the success response becomes
the consumed operation's `outputParameters` (`$.field` per property, which name the reply's
fields for orchestration steps and change nothing in a plain call). Problems in the document
are NAF16x diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity, truncate
from .load import LoadedSpec, load_spec
from .names import env_var_name, slugify
from .openapi_schema import NAME as _NAME
from .openapi_schema import imported_input, schema_outputs

__all__ = ["ImportOptions", "ImportResult", "import_openapi"]

_METHODS = ("get", "post", "put", "patch", "delete")
_HINTS = {
    "GET": {"readOnly": True, "destructive": False, "idempotent": True},
    "POST": {"readOnly": False, "destructive": False, "idempotent": False},
    "PUT": {"readOnly": False, "destructive": True, "idempotent": True},
    "PATCH": {"readOnly": False, "destructive": False, "idempotent": False},
    "DELETE": {"readOnly": False, "destructive": True, "idempotent": True},
}
_TYPES = {"string", "number", "integer", "boolean", "array", "object"}


@dataclass(frozen=True)
class ImportOptions:
    """Choices the document cannot make: where the API lives, names, ports, authentication."""

    base_url: str | None = None
    """Overrides (or supplies) the document's server URL."""
    namespace: str | None = None
    rest_port: int = 8080
    mcp_port: int = 9090
    api_key_query: str | None = None
    """Send the secret as this query parameter (overrides the document's security)."""
    api_key_header: str | None = None
    bearer: bool = False


@dataclass(frozen=True)
class ImportResult:
    """The capability as YAML text, and what the conversion had to skip or guess."""

    text: str
    capability: dict[str, Any]
    diagnostics: tuple[Diagnostic, ...] = field(default=())


class _Importer:
    def __init__(self, spec: LoadedSpec, options: ImportOptions) -> None:
        self.spec = spec
        self.doc: dict[str, Any] = spec.data
        self.options = options
        self.findings: list[Diagnostic] = []
        self.swagger = str(self.doc.get("swagger", "")).startswith("2")
        title = str(_dict(self.doc.get("info")).get("title") or "api")
        self.namespace = slugify(options.namespace or title) or "api"
        self.op_names: set[str] = set()

    def warn(self, path: tuple[str | int, ...], message: str, hint: str) -> None:
        self.findings.append(
            Diagnostic(self.spec.locate(path), "NAF161", Severity.WARNING, message, hint)
        )

    def resolve_ref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return {}
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node = target if target is not None else {}
            seen += 1
        return node

    # -- document level

    def base_url(self) -> str:
        if self.options.base_url:
            return self.options.base_url.rstrip("/")
        if self.swagger:
            host = self.doc.get("host")
            base_path = str(self.doc.get("basePath") or "").rstrip("/")
            schemes = [str(s) for s in _list(self.doc.get("schemes"))]
            scheme = "https" if "https" in schemes or not schemes else schemes[0]
            if host:
                return f"{scheme}://{host}{base_path}"
            url = "http://localhost" + base_path
        else:
            servers = [_dict(s) for s in _list(self.doc.get("servers"))]
            url = str(servers[0].get("url") or "") if servers else ""
            for name, variable in _dict(servers[0].get("variables") if servers else {}).items():
                url = url.replace("{" + name + "}", str(_dict(variable).get("default", "")))
            if urlsplit(url).scheme in ("http", "https"):
                return url.rstrip("/")
            url = "http://localhost" + url.rstrip("/")
        self.warn(
            ("host",) if self.swagger else ("servers",),
            f"the document names no absolute server URL; using {url!r}",
            "pass --base-url, or set the generated <NAMESPACE>_BASE_URL variable at run time",
        )
        return url

    def authentication(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        variable = env_var_name(self.namespace) + ("_TOKEN" if self.options.bearer else "_API_KEY")
        secret = "{{" + variable + "}}"
        binds = [{"namespace": f"{self.namespace}-env", "keys": {variable: variable}}]
        if self.options.bearer:
            return {"type": "bearer", "token": secret}, binds
        if self.options.api_key_query or self.options.api_key_header:
            placement = "query" if self.options.api_key_query else "header"
            key = self.options.api_key_query or self.options.api_key_header
            return {"type": "apikey", "key": key, "value": secret, "placement": placement}, binds
        schemes = (
            _dict(self.doc.get("securityDefinitions"))
            if self.swagger
            else _dict(_dict(self.doc.get("components")).get("securitySchemes"))
        )
        for raw in schemes.values():
            scheme = _dict(self.resolve_ref(raw))
            kind = str(scheme.get("type", "")).lower()
            if kind == "apikey" and scheme.get("in") in ("query", "header"):
                return {
                    "type": "apikey",
                    "key": str(scheme.get("name")),
                    "value": secret,
                    "placement": scheme["in"],
                }, binds
            if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                variable = env_var_name(self.namespace) + "_TOKEN"
                return {"type": "bearer", "token": "{{" + variable + "}}"}, [
                    {"namespace": f"{self.namespace}-env", "keys": {variable: variable}}
                ]
            if kind == "basic" or (
                kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"
            ):
                prefix = env_var_name(self.namespace)
                return {
                    "type": "basic",
                    "username": "{{" + prefix + "_USERNAME}}",
                    "password": "{{" + prefix + "_PASSWORD}}",
                }, [
                    {
                        "namespace": f"{self.namespace}-env",
                        "keys": {f"{prefix}_USERNAME": f"{prefix}_USERNAME"}
                        | {f"{prefix}_PASSWORD": f"{prefix}_PASSWORD"},
                    }
                ]
        return None, []

    # -- operations

    def op_name(self, method: str, path: str, operation: Mapping[str, Any]) -> str:
        raw = str(operation.get("operationId") or f"{method}-{path}")
        base = re.sub(r"[^a-zA-Z0-9]+", "-", raw).strip("-").lower() or method
        name, counter = base, 2
        while name in self.op_names:
            name, counter = f"{base}-{counter}", counter + 1
        self.op_names.add(name)
        return name

    def parameters(
        self, path_item: Mapping[str, Any], operation: Mapping[str, Any], where: tuple[Any, ...]
    ) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*_list(path_item.get("parameters")), *_list(operation.get("parameters"))]:
            param = _dict(self.resolve_ref(raw))
            name, location = str(param.get("name", "")), str(param.get("in", ""))
            if location == "formData":
                self.warn(
                    where,
                    f"form parameter {name!r} is not imported",
                    "add it to the consumed operation's `body` by hand",
                )
                continue
            if location not in ("path", "query", "header", "cookie", "body"):
                continue
            if location != "body" and not _NAME.match(name):
                self.warn(
                    where,
                    f"parameter name {truncate(name)} is not a Naftiko name; skipped",
                    "Naftiko parameter names use letters, digits, `_`, `-` and `*`",
                )
                continue
            merged[(name, location)] = param
        result: list[dict[str, Any]] = []
        for (name, location), param in merged.items():
            schema = _dict(self.resolve_ref(param.get("schema"))) if "schema" in param else {}
            if location == "body":
                required = bool(param.get("required"))
                result.extend(self.body_inputs(schema, param.get("description"), required))
                continue
            kind = str(param.get("type") or schema.get("type") or "string")
            enum = param.get("enum", schema.get("enum"))
            result.append(
                imported_input(
                    name,
                    location,
                    kind,
                    _one_line(param.get("description")) or f"The {name} parameter.",
                    bool(param.get("required")) or location == "path",
                    enum,
                )
            )
        body = _dict(self.resolve_ref(operation.get("requestBody")))
        if body and not self.swagger:
            content = _dict(body.get("content"))
            if content and not any("json" in media for media in content):
                self.warn(
                    where,
                    f"request body media types {sorted(content)} are sent as JSON",
                    "adjust the consumed operation's `body` by hand",
                )
            media = next((m for m in content if "json" in m), None)
            schema = _dict(self.resolve_ref(_dict(content.get(media or "")).get("schema")))
            result.extend(
                self.body_inputs(schema, body.get("description"), bool(body.get("required")))
            )
        return result

    def body_inputs(
        self, schema: Mapping[str, Any], description: Any, required: bool
    ) -> list[dict[str, Any]]:
        """A JSON body: one input per property of an object schema, else one `body` object."""
        properties = {
            str(key): _dict(self.resolve_ref(value))
            for key, value in _dict(schema.get("properties")).items()
        }
        needed = {str(n) for n in _list(schema.get("required"))}
        # Two or more: a lone `in: body` parameter would be sent as the whole body instead.
        if len(properties) > 1 and all(_NAME.match(k) and k != "body" for k in properties):
            return [
                imported_input(
                    key,
                    "body",
                    str(prop.get("type") or "string"),
                    _one_line(prop.get("description")) or f"The {key} field of the request body.",
                    required and key in needed,
                    prop.get("enum"),
                )
                for key, prop in properties.items()
            ]
        return [
            {
                "name": "body",
                "in": "body",
                "type": "object",
                "description": _one_line(description) or "Request body (JSON).",
                "required": required,
            }
        ]

    def outputs(self, operation: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The success response's JSON schema as named outputs (`$.field`), or none."""
        responses = _dict(operation.get("responses"))
        code = next((c for c in ("200", "201", "202", "default") if c in responses), None)
        response = _dict(self.resolve_ref(responses.get(code))) if code else {}
        if self.swagger:
            schema = _dict(self.resolve_ref(response.get("schema")))
        else:
            content = _dict(response.get("content"))
            media = next((m for m in content if "json" in m), None)
            schema = _dict(self.resolve_ref(_dict(content.get(media or "")).get("schema")))
        if schema.get("type") == "array":
            schema = _dict(self.resolve_ref(schema.get("items")))
        return schema_outputs(schema, self.resolve_ref)

    def run(self) -> dict[str, Any]:
        info = _dict(self.doc.get("info"))
        title = str(info.get("title") or self.namespace)
        description = _one_line(info.get("description")) or title
        auth, binds = self.authentication()
        rest_ns, mcp_ns = f"{self.namespace}-rest", f"{self.namespace}-mcp"
        consumed: list[dict[str, Any]] = []
        exposed: list[dict[str, Any]] = []
        tools: list[dict[str, Any]] = []
        tags: list[str] = []
        resource_names: set[str] = set()
        for path, raw_item in _dict(self.doc.get("paths")).items():
            item = _dict(self.resolve_ref(raw_item))
            base_name = re.sub(r"[^a-zA-Z0-9]+", "-", path).strip("-").lower() or "root"
            resource_name, counter = base_name, 2
            while resource_name in resource_names:
                resource_name, counter = f"{base_name}-{counter}", counter + 1
            resource_names.add(resource_name)
            consumed_ops: list[dict[str, Any]] = []
            exposed_ops: list[dict[str, Any]] = []
            for method_key, raw_op in item.items():
                if method_key not in _METHODS:
                    if method_key in ("head", "options", "trace"):
                        self.warn(
                            ("paths", path, method_key),
                            f"{method_key.upper()} {path} is not imported",
                            "Naftiko operations use GET, POST, PUT, PATCH or DELETE",
                        )
                    continue
                operation = _dict(raw_op)
                method = method_key.upper()
                name = self.op_name(method_key, path, operation)
                summary = _one_line(operation.get("summary") or operation.get("description"))
                summary = summary or f"{method} {path}"
                tags += [str(t) for t in _list(operation.get("tags")) if str(t) not in tags]
                params = self.parameters(item, operation, ("paths", path, method_key))
                consumed_op: dict[str, Any] = {
                    "name": name,
                    "method": method,
                    "description": summary,
                }
                if params:
                    consumed_op["inputParameters"] = [
                        {"name": p["name"], "in": p["in"]} for p in params
                    ]
                outputs = self.outputs(operation)
                if outputs:
                    consumed_op["outputParameters"] = outputs
                consumed_ops.append(consumed_op)
                rest_op: dict[str, Any] = {
                    "method": method,
                    "name": name,
                    "description": summary,
                    "call": f"{self.namespace}.{name}",
                }
                tool: dict[str, Any] = {
                    "name": name,
                    "description": summary,
                    "hints": dict(_HINTS[method]),
                    "call": f"{self.namespace}.{name}",
                }
                if params:
                    rest_op["inputParameters"] = [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": p["type"],
                            "description": p["description"],
                            **({"pattern": p["pattern"]} if "pattern" in p else {}),
                        }
                        for p in params
                    ]
                    rest_op["with"] = {p["name"]: f"{rest_ns}.{p['name']}" for p in params}
                    tool["inputParameters"] = [
                        {
                            "name": p["name"],
                            "type": p["type"],
                            "description": p["description"],
                            "required": p["required"],
                        }
                        for p in params
                    ]
                    tool["with"] = {p["name"]: f"{mcp_ns}.{p['name']}" for p in params}
                exposed_ops.append(rest_op)
                tools.append(tool)
            if not consumed_ops:
                continue
            consumed.append(
                {
                    "name": resource_name,
                    "path": re.sub(r"\{([^{}]+)\}", r"{{\1}}", path),
                    "operations": consumed_ops,
                }
            )
            exposed.append(
                {
                    "path": path,
                    "name": resource_name,
                    "description": f"{title}: {path}",
                    "operations": exposed_ops,
                }
            )
        if not consumed:
            raise DiagnosticError(
                [
                    Diagnostic(
                        self.spec.locate(("paths",)),
                        "NAF162",
                        Severity.ERROR,
                        "the document has no operation to import",
                        "an OpenAPI document lists its operations under `paths`",
                    )
                ]
            )
        consumes: dict[str, Any] = {
            "type": "http",
            "namespace": self.namespace,
            "baseUri": self.base_url(),
            "description": description,
        }
        if auth is not None:
            consumes["authentication"] = auth
        consumes["resources"] = consumed
        document: dict[str, Any] = {
            "naftiko": "1.0.0-alpha2",
            "info": {"label": title, "description": description},
        }
        if tags:
            document["info"]["tags"] = tags
        if binds:
            document["binds"] = binds
        document["capability"] = {
            "consumes": [consumes],
            "exposes": [
                {
                    "type": "rest",
                    "namespace": rest_ns,
                    "port": self.options.rest_port,
                    "resources": exposed,
                },
                {
                    "type": "mcp",
                    "namespace": mcp_ns,
                    "transport": "http",
                    "port": self.options.mcp_port,
                    "description": description,
                    "tools": tools,
                },
            ],
        }
        return document


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def import_openapi(text: str, source: str, options: ImportOptions | None = None) -> ImportResult:
    """Convert an OpenAPI/Swagger document's text into a capability; raise for unusable input."""
    spec = load_spec(text, source)
    data = spec.data
    if not ("openapi" in data or str(data.get("swagger", "")).startswith("2")):
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source, 1, 1),
                    "NAF160",
                    Severity.ERROR,
                    "not an OpenAPI document: no `openapi:` or `swagger: '2.0'` key",
                    "import-openapi reads OpenAPI 3.0/3.1 (JSON or YAML) and Swagger 2.0",
                )
            ]
        )
    importer = _Importer(spec, options or ImportOptions())
    capability = importer.run()
    header = (
        f"# Imported by naftiko-gen import-openapi from {source}.\n"
        "# Review names, descriptions and hints, then: naftiko-gen build <this file> -o out/\n"
    )
    body = yaml.safe_dump(capability, sort_keys=False, allow_unicode=True, width=100)
    return ImportResult(header + body, capability, tuple(importer.findings))
