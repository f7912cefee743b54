"""Consumed APIs: `consumes` entries, imports of shared consumes files, operations, parameters."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..canonical import Api, Bind, ConsumedOperation, ConsumedParameter
from ..diagnostics import Diagnostic, Severity, truncate
from ..load import NodePath
from ..placeholders import Part, split_placeholders
from ..runtime.formats import CONVERTED_FORMATS, SCHEMA_FORMATS
from ._values import HTTP_METHODS, as_list, json_type, match_param
from .auth import auth_supplies_parameter, resolve_auth
from .binds import parse_template
from .scope import Scope
from .wire import check_field, check_path_text

__all__ = ["collect_apis"]


def collect_apis(scope: Scope, data: Mapping[str, Any]) -> None:
    """Index the consumed HTTP APIs by namespace (imported ones by their `as` name)."""
    capability = data.get("capability") or {}
    for index, entry in enumerate(as_list(capability.get("consumes"))):
        path: NodePath = ("capability", "consumes", index)
        if not isinstance(entry, dict):
            continue
        if "import" in entry or "location" in entry:
            _add_imported(scope, entry, path)
        elif entry.get("type") != "http":
            namespace = str(entry.get("namespace") or "")
            scope.skipped_apis[namespace] = str(entry.get("type"))
            scope.warn(
                (*path, "type"),
                "NAF321",
                f"consumes type {truncate(entry.get('type'))} is not generated (naftiko-gen "
                f"consumes HTTP APIs only); namespace {namespace!r} is skipped, and the units "
                "that call it are left out",
                "express it as `type: http` operations, or run it with the Naftiko engine",
            )
        else:
            _add_declared(scope, _resolve_api(scope, entry, path), path)


def _add_imported(scope: Scope, entry: Mapping[str, Any], path: NodePath) -> None:
    imported = _import_api(scope, entry, path)
    if imported is not None and imported.namespace in scope.apis:
        scope.error(
            (*path, "as"),
            "NAF322",
            f"consumes namespace {imported.namespace!r} is declared twice",
            "give the imported API another name with `as:`",
        )
    elif imported is not None:
        scope.apis[imported.namespace] = imported


def _add_declared(scope: Scope, api: Api, path: NodePath) -> None:
    first = scope.apis.get(api.namespace)
    if first is None:
        scope.apis[api.namespace] = api
    elif (first.base_uri_text, first.auth) == (api.base_uri_text, api.auth):
        # The catalog splits one API over several entries; same URL and auth: merge.
        scope.warn(
            (*path, "namespace"),
            "NAF322",
            f"consumes namespace {api.namespace!r} is declared again with the same "
            "baseUri and authentication; its resources are merged into the first",
            "declare each consumed API once, with all its resources",
        )
        merged = first.operations + api.operations
        _check_duplicate_operations(scope, list(api.operations), against=first.operations)
        scope.apis[api.namespace] = dataclasses.replace(
            first,
            operations=merged,
            strip_base_path=first.strip_base_path or api.strip_base_path,
        )
    else:
        scope.error(
            (*path, "namespace"),
            "NAF322",
            f"consumes namespace {api.namespace!r} is declared twice, with a different "
            "baseUri or authentication",
            "give each consumed API its own namespace",
        )


def _import_api(scope: Scope, entry: Mapping[str, Any], path: NodePath) -> Api | None:
    """An API imported from a shared-consumes file, renamed by `as` when given."""
    location = str(entry.get("location") or "")
    source = scope.imports.get(location)
    if source is None:
        scope.error(
            (*path, "location"),
            "NAF342",
            f"imported consumes file {location!r} was not loaded",
            "check the `location` path (relative to this file)",
        )
        return None
    wanted = str(entry.get("import") or "")
    candidates = [
        (index, item)
        for index, item in enumerate(as_list(source.data.get("consumes")))
        if isinstance(item, dict) and item.get("namespace") == wanted
    ]
    if not candidates:
        names = [
            str(item.get("namespace"))
            for item in as_list(source.data.get("consumes"))
            if isinstance(item, dict)
        ]
        scope.error(
            (*path, "import"),
            "NAF343",
            f"{location!r} declares no consumed API {wanted!r}",
            f"namespaces there: {', '.join(names) or 'none'}",
        )
        return None
    index, item = candidates[0]
    # Findings about the imported API point into the imported file.
    api = _resolve_api(scope.within(source), item, ("consumes", index))
    alias = str(entry.get("as") or api.namespace)
    if alias == api.namespace:
        return api
    operations = tuple(dataclasses.replace(op, namespace=alias) for op in api.operations)
    return dataclasses.replace(api, namespace=alias, operations=operations)


def _resolve_api(scope: Scope, entry: Mapping[str, Any], path: NodePath) -> Api:
    namespace = str(entry.get("namespace", ""))
    raw_base = str(entry.get("baseUri") or "")
    base_uri = _base_uri(scope, raw_base, path)
    base_path = urlsplit(base_uri).path.rstrip("/") if base_uri else ""
    api_params = _consumed_parameters(scope, as_list(entry.get("inputParameters")), (*path,))
    auth = resolve_auth(scope, entry.get("authentication"), (*path, "authentication"))
    operations: list[ConsumedOperation] = []
    strip = False
    for r_index, resource in enumerate(as_list(entry.get("resources"))):
        r_path: NodePath = (*path, "resources", r_index)
        if not isinstance(resource, dict):
            continue
        resource_path = str(resource.get("path") or "")
        if base_path and (resource_path == base_path or resource_path.startswith(base_path + "/")):
            strip = True
            base_line = scope.locate((*path, "baseUri")).line
            path_line = scope.locate((*r_path, "path")).line
            scope.warn(
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
        # Resource-level parameters apply to the resource's operations, between the API's and
        # the operation's own (by name and `in`). The reference engine parses them but never
        # sends them (spec §2.3); the spec declares them, so naftiko-gen sends them.
        resource_params = [
            dataclasses.replace(p, resource_level=True)
            for p in _consumed_parameters(scope, as_list(resource.get("inputParameters")), r_path)
        ]
        own = {(p.name, p.location) for p in resource_params}
        inherited = [p for p in api_params if (p.name, p.location) not in own] + resource_params
        for o_index, op in enumerate(as_list(resource.get("operations"))):
            if not isinstance(op, dict):
                continue
            o_path: NodePath = (*r_path, "operations", o_index)
            op_resource_path = str(op.get("path") or resource_path)
            if op_resource_path and not op_resource_path.startswith("/"):
                # `baseUri` and path are joined with exactly one `/` (digest §4.2 #10).
                op_resource_path = "/" + op_resource_path
            operations.append(
                _consumed_operation(
                    scope, namespace, resource, op, op_resource_path, inherited, o_path
                )
            )
    if auth is not None:
        # Parameters the authentication supplies are never asked of callers (§4.2 #15).
        operations = [
            dataclasses.replace(
                op,
                parameters=tuple(p for p in op.parameters if not auth_supplies_parameter(auth, p)),
            )
            for op in operations
        ]
    _check_duplicate_operations(scope, operations)
    return Api(
        namespace=namespace,
        base_uri=base_uri,
        base_uri_text=raw_base,
        strip_base_path=strip,
        description=str(entry.get("description") or ""),
        auth=auth,
        operations=tuple(operations),
        parameters=tuple(p for p in api_params if not (auth and auth_supplies_parameter(auth, p))),
    )


def _base_uri(scope: Scope, raw_base: str, path: NodePath) -> str | None:
    """The `baseUri` to join paths to; None when the server must read it at start-up."""
    if raw_base.endswith("/") and raw_base.strip("/"):
        scope.warn(
            (*path, "baseUri"),
            "NAF323",
            f"baseUri {truncate(raw_base)} ends in '/'; it is joined without it",
            "drop the trailing '/'",
        )
    if not raw_base or "{" in raw_base or not re.match(r"^https?://[^/{]+", raw_base):
        scope.warn(
            (*path, "baseUri"),
            "NAF324",
            f"baseUri {truncate(raw_base)} is not a fixed http(s) URL; the generated server "
            f"requires it from the environment at start-up",
            "write the full URL, e.g. `baseUri: https://api.example.com/v1`",
        )
        return None
    problem = _base_uri_problem(raw_base)
    if problem is not None:
        scope.error(
            (*path, "baseUri"),
            "NAF348",
            f"baseUri {truncate(_without_secrets(raw_base))} {problem}",
            "write the base URL as scheme://host[:port][/path]; credentials go in "
            "`authentication`, fixed query parameters in the operations",
        )
    return raw_base.rstrip("/")


def _base_uri_problem(raw_base: str) -> str | None:
    """What makes a fixed baseUri unsafe to join paths to (the run-time check's twin), or None."""
    parts = urlsplit(raw_base)
    if "@" in parts.netloc:
        return "carries user information (user:password@), which would be sent to the upstream"
    if parts.query or "?" in raw_base:
        return "has a query ('?…'), which every request would carry"
    if parts.fragment or "#" in raw_base:
        return "has a fragment ('#…'), which would drop the resource path and the credential"
    return None


def _without_secrets(raw_base: str) -> str:
    """The baseUri as shown in a message: no userinfo, no query, no fragment."""
    parts = urlsplit(raw_base)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _check_duplicate_operations(
    scope: Scope,
    operations: list[ConsumedOperation],
    *,
    against: Iterable[ConsumedOperation] = (),
) -> None:
    seen: set[str] = {op.name for op in against}
    for op in operations:
        if op.name in seen:
            scope.findings.append(
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


def _consumed_parameters(
    scope: Scope, raw: Iterable[Any], path: NodePath
) -> list[ConsumedParameter]:
    params: list[ConsumedParameter] = []
    raw = list(raw)
    for item in raw:
        if isinstance(item, dict) and item.get("in") == "environment" and item.get("name"):
            # `in: environment` reads the variable of that name (spec §3.4), which `{{NAME}}`
            # placeholders then see: a bind read at start-up, like any other.
            variable = str(item["name"])
            description = str(item.get("description") or "environment parameter")
            scope.binds.setdefault(variable, Bind(variable, "env", variable, None, description))
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        p_path: NodePath = (*path, "inputParameters", index)
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
            parse_template(scope, str(value), (*p_path, "value"), warn=False)
            if value is not None and tree is None
            else None
        )
        param_type = json_type(item.get("type"), "object" if location == "body" else "string")
        required = item.get("required")
        check_field(scope, location, str(item.get("name", "")), template, p_path)
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


def _consumed_operation(
    scope: Scope,
    namespace: str,
    resource: Mapping[str, Any],
    op: Mapping[str, Any],
    resource_path: str,
    api_params: list[ConsumedParameter],
    path: NodePath,
) -> ConsumedOperation:
    params = _consumed_parameters(scope, as_list(op.get("inputParameters")), path)
    # API-level parameters apply to every operation; operation-level ones win by (name, in).
    own = {(p.name, p.location) for p in params}
    params = [p for p in api_params if (p.name, p.location) not in own] + params
    declared = {p.name: p for p in params if p.location == "path"}
    parts: list[Part] = []
    for is_placeholder, content in split_placeholders(resource_path, path=True):
        if not is_placeholder:
            parts.append(Part("text", content))
            continue
        match = declared.get(content) or match_param(content, params, "path")
        if match is None:
            # Undeclared placeholders are forwarded by name (catalog dialect).
            match = ConsumedParameter(content, "path", "string", "", True, None, False)
            params.append(match)
            declared[content] = match
        parts.append(Part("input", match.name))
    at: NodePath = (*path, "path") if "path" in op else (*path[:-2], "path")
    check_path_text(scope, resource_path, at)
    if "#" in resource_path:
        _fragment(scope, resource_path, at)
    method = str(op.get("method") or "GET").upper()
    raw_format, output_schema, schema_text = _output_format(scope, op, path)
    return ConsumedOperation(
        namespace=namespace,
        name=str(op.get("name") or op.get("id") or ""),
        method=method if method in HTTP_METHODS else "GET",
        resource=str(resource.get("name") or ""),
        path=tuple(parts),
        path_text=resource_path,
        parameters=tuple(params),
        body=op.get("body"),
        output_format=raw_format,
        output_schema=output_schema,
        schema_text=schema_text,
        label=str(op.get("label") or ""),
        description=str(op.get("description") or ""),
        location=scope.locate(path),
        unsupported=_unsupported(namespace, op),
        projections=tuple(
            (str(item["name"]), str(item.get("value") or item.get("mapping")))
            for item in as_list(op.get("outputParameters"))
            if isinstance(item, dict)
            and item.get("name")
            and str(item.get("value") or item.get("mapping") or "").startswith("$")
        ),
    )


def _fragment(scope: Scope, resource_path: str, path: NodePath) -> None:
    """A `#` in a consumed path: the model drops the fragment from the call (it is never sent)."""
    fragment = "#" + resource_path.partition("#")[2]
    scope.warn(
        path,
        "NAF338",
        f"resource path {truncate(resource_path)} carries a fragment ({truncate(fragment)}), "
        "which is never sent; it is dropped",
        "drop the `#…` part (OpenAPI keys sometimes carry one to tell operations apart)",
    )


def _unsupported(namespace: str, op: Mapping[str, Any]) -> str:
    """Why a consumed operation cannot be generated (a file upload), or ""."""
    return next(
        (
            f"parameter {truncate(item.get('name'))} of {namespace}."
            f"{op.get('name') or op.get('id')} uploads a file (`type: file`, "
            "multipart/form-data), which naftiko-gen does not generate"
            for item in as_list(op.get("inputParameters"))
            if isinstance(item, dict) and item.get("type") == "file"
        ),
        "",
    )


def _output_format(scope: Scope, op: Mapping[str, Any], path: NodePath) -> tuple[str, str, str]:
    """`(outputRawFormat, outputSchema, schema file text)`; a format not converted is relayed."""
    raw_format = str(op.get("outputRawFormat") or "json").lower()
    schema = op.get("outputSchema")
    output_schema = schema.strip() if isinstance(schema, str) else ""
    if raw_format != "json" and raw_format not in CONVERTED_FORMATS:
        scope.warn(
            (*path, "outputRawFormat"),
            "NAF399",
            f"`outputRawFormat: {truncate(raw_format)}` is not converted: bodies are relayed "
            "as the upstream sends them, and output mappings over them select nothing",
            "naftiko-gen converts json, xml, csv, tsv, psv, yaml, html, markdown, avro and "
            "protobuf",
        )
        return raw_format, output_schema, ""
    if raw_format in SCHEMA_FORMATS and not output_schema:
        # The engine refuses such a body at run time; an Avro object container file carries
        # its own schema, so naftiko-gen still reads that one.
        readable = (
            "only Avro object container files are read"
            if raw_format == "avro"
            else "bodies are relayed as the upstream sends them"
        )
        scope.warn(
            (*path, "outputRawFormat"),
            "NAF399",
            f"`outputRawFormat: {raw_format}` without `outputSchema`: {readable}",
            "name the schema file (.avsc or .proto, relative to this spec) in `outputSchema`",
        )
        return (raw_format if raw_format == "avro" else "json"), "", ""
    if raw_format not in SCHEMA_FORMATS:
        return raw_format, output_schema, ""
    text = scope.schema_files.get(output_schema)
    if text is None:  # Named in an imported shared-consumes file: not read (see load).
        scope.warn(
            (*path, "outputSchema"),
            "NAF399",
            f"the schema file {truncate(output_schema)!r} was not loaded (one named in an "
            "imported consumes file is not read): bodies are relayed as the upstream sends them",
            "declare the operation in the capability itself to have its body converted",
        )
        return "json", "", ""
    return raw_format, output_schema, text
