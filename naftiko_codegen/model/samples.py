"""Model stage, samples: the inputs the generated tests send, and what the upstream then receives.

Pure evaluation of the spec's templates over sample values and the tests' secret values; the
test plan (`test_plan.py`) assembles the results per unit.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from ..canonical import Argument, Auth, BodyLeaf, Call, ConsumedParameter, Input
from ..names import PythonCode, py_literal
from ..placeholders import Template
from .code import is_static
from .paths import sent_path

__all__ = [
    "SampleScope",
    "auth_query_value",
    "credential",
    "digest_credentials",
    "expected_body",
    "expected_upstream",
    "input_sample",
    "nested_body",
    "query_pairs",
    "query_text",
    "secret_test_value",
]

_SAMPLES: dict[str, Any] = {
    "string": "sample",
    "integer": 7,
    "number": 2.5,
    "boolean": True,
    "array": ["sample"],
    "object": {"sample": "value"},
}
# Stands in for the parameter of a value evaluated on its own (auth values, body leaves).
_ANY_PARAM = ConsumedParameter("auth", "query", "string", "", True, None, False)
_NO_BODY = py_literal(("none", None))


@dataclass(frozen=True)
class SampleScope:
    """What evaluating a request for the tests needs besides the unit's samples."""

    secrets: Mapping[str, str]
    """Bind variable → its value in the generated tests."""
    auth_query: Mapping[str, tuple[tuple[str, str], ...]]
    """API namespace → the query parameters its authentication adds to every request."""


def secret_test_value(variable: str) -> str:
    """The value a secret has in the generated tests, e.g. `test-api-key`."""
    return f"test-{variable.lower().replace('_', '-')}"


def input_sample(item: Input) -> Any:
    """The value the generated tests send for an input (one its `pattern` accepts)."""
    if item.location == "header" and item.name.lower() == "content-type":
        return "application/json"  # A body must stay parseable for the test requests.
    sample = _SAMPLES.get(item.type, "sample")
    if item.pattern is not None and isinstance(sample, str):
        return _matching(item.pattern, sample)
    return sample


_CANDIDATES = ("sample", "a", "1", "7", "abc-123", "A1", "sample-1", "x_1", "ab12cd")


def _matching(pattern: str, default: str) -> str:
    """A short text `pattern` accepts (pydantic's search semantics), else `default`."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return default
    for candidate in (default, *_CANDIDATES):
        if compiled.search(candidate):
            return candidate
    return default


def nested_body(paths: Iterable[tuple[str, Any]]) -> Any:
    """The JSON body in which each JSONPath (`$.user.id`, `$['x']`) finds its sample."""
    body: dict[str, Any] = {}
    for path, sample in paths:
        keys = re.findall(r"\.([^.\[\]]+)|\[\s*'([^']*)'\s*\]", path)
        names = [dotted or quoted for dotted, quoted in keys]
        if not names:
            return sample  # `$` itself: the whole body is the value.
        node = body
        for name in names[:-1]:
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[names[-1]] = sample
    return body


def query_text(value: Any) -> str:
    """A sample as it travels in a query string or header."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def query_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    """The query parameters a sample becomes (one per item of a list)."""
    if isinstance(value, list):
        return [(name, query_text(v)) for v in value]
    return [(name, query_text(value))]


def _segment(value: Any) -> str:
    encoded = quote(query_text(value), safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def _render(template: Template, samples: Mapping[str, Any], secrets: Mapping[str, str]) -> str:
    out = ""
    for part in template:
        if part.kind == "text":
            out += part.value
        elif part.kind == "secret":
            out += secrets.get(part.value, "")
        elif part.kind == "input" and samples.get(part.value) is not None:
            out += query_text(samples[part.value])
    return out


def _sample_value(
    argument: Argument, samples: Mapping[str, Any], secrets: Mapping[str, str]
) -> Any:
    if argument.is_literal:
        return argument.literal
    meaningful = [p for p in argument.value if p.kind != "unbound"]
    if len(meaningful) == 1 and meaningful[0].kind == "input":
        return samples.get(meaningful[0].value)
    out = ""
    for part in argument.value:
        if part.kind == "text":
            out += part.value
        elif part.kind == "secret":
            out += secrets.get(part.value, "")
        elif part.kind == "input":
            if part.value not in samples:
                return None
            out += query_text(samples[part.value])
    return out


def digest_credentials(auth: Auth | None, secrets: Mapping[str, str]) -> tuple[str, str] | None:
    """The username and password a test caller answers an inbound digest challenge with."""
    if auth is None or auth.kind != "digest":
        return None
    return _render(auth.username, {}, secrets), _render(auth.password, {}, secrets)


def credential(auth: Auth | None, secrets: Mapping[str, str]) -> str | None:
    """What a caller sends to pass an adapter's inbound authentication in the tests."""
    if auth is None or auth.kind in ("oauth2", "digest"):
        # oauth2: the generated tests sign a JWT at run time; digest: they answer the
        # challenge with `digest_credentials` (`support.py`).
        return None
    if auth.kind == "bearer":
        return "Bearer " + _render(auth.value, {}, secrets)
    if auth.kind == "apikey":
        return _render(auth.value, {}, secrets)
    user, password = _render(auth.username, {}, secrets), _render(auth.password, {}, secrets)
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def auth_query_value(auth: Auth | None, secrets: Mapping[str, str]) -> str:
    """The value an API's query-parameter authentication sends in the tests."""
    assert auth is not None
    return _sample_value(Argument(_ANY_PARAM, auth.value), {}, secrets) or ""


def _values(call: Call, samples: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, Any]:
    """The sample value of each consumed parameter the call sends."""
    values: dict[str, Any] = {}
    for argument in call.arguments:
        if is_static(argument.parameter.value):
            continue  # The parameter's own value is sent, whatever `with` says (operations.py).
        value = _sample_value(argument, samples, secrets)
        if value is not None:
            values[argument.parameter.name] = value
    for param in call.operation.parameters:
        if param.name not in values and param.value is not None:
            value = _sample_value(Argument(param, param.value), samples, secrets)
            if value is not None:
                values[param.name] = value
    return values


def expected_upstream(
    call: Call, samples: Mapping[str, Any], scope: SampleScope
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The upstream path and query a call sends for the sample inputs."""
    values = _values(call, samples, scope.secrets)
    path = "".join(
        part.value if part.kind == "text" else _segment(values.get(part.value, ""))
        for part in sent_path(call.operation.path)
    )
    # The generated tests point each API at a stub served at "/", so nothing is stripped.
    query: list[tuple[str, str]] = []
    # A fragment never leaves the client; a query written into the path is kept.
    path = path.split("#", 1)[0] or "/"
    if "?" in path:
        path, _, written = path.partition("?")
        query.extend(parse_qsl(written, keep_blank_values=True))
    for param in call.operation.parameters:
        if param.location == "query" and param.name in values:
            query.extend(query_pairs(param.name, values[param.name]))
    query.extend(scope.auth_query.get(call.operation.namespace, ()))
    return path, tuple(query)


def _evaluate(node: Any, samples: Mapping[str, Any], secrets: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _evaluate(v, samples, secrets) for k, v in node.items()}
    if isinstance(node, list):
        return [_evaluate(v, samples, secrets) for v in node]
    if isinstance(node, BodyLeaf):
        if node.typed:
            return _sample_value(Argument(_ANY_PARAM, node.value), samples, secrets)
        return _render(node.value, samples, secrets)
    return node


def _form(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: query_text(v) for k, v in value.items() if v not in (None, "")}


def _multipart(parts: Any) -> list[dict[str, Any]]:
    """The parts the upstream receives: values as text, absent ones left out."""
    return [
        {
            key: query_text(v) if key == "value" else v
            for key, v in part.items()
            if v is not None and not (key == "contentType" and str(v).startswith("text/plain"))
        }
        for part in parts
        if part.get("value") is not None
    ]


def _template_body(
    call: Call, samples: Mapping[str, Any], secrets: Mapping[str, str]
) -> PythonCode:
    value = _evaluate(call.body_tree, samples, secrets)
    if value is None:  # A lone optional input left out: no body is sent.
        return _NO_BODY
    if call.body_format == "form":
        value = _form(value)
    if call.body_format == "multipart":
        value = _multipart(value)
    return py_literal((call.body_format, value))


def expected_body(call: Call, samples: Mapping[str, Any], scope: SampleScope) -> PythonCode:
    """What the upstream receives as body for the sample inputs: `(format, value)`."""
    secrets = scope.secrets
    if call.body_mode == "template":
        return _template_body(call, samples, secrets)
    by_param = {a.parameter.name: a for a in call.arguments}
    body_params = [p for p in call.operation.parameters if p.location == "body"]
    if call.body_mode == "whole":
        argument = by_param.get(body_params[0].name)
        value = _sample_value(argument, samples, secrets) if argument else None
        return py_literal(("json", value)) if value is not None else _NO_BODY
    if call.body_mode != "properties":
        return _NO_BODY
    body: dict[str, Any] = {}
    for param in body_params:
        argument = by_param.get(param.name)
        if argument is not None and argument.tree is not None:
            sample = _evaluate(argument.tree, samples, secrets)
        else:
            sample = _sample_value(argument, samples, secrets) if argument else None
        if sample is not None:
            body[param.name] = sample
    if call.body_format == "form":
        return py_literal(("form", _form(body)))
    return py_literal(("json", body))
