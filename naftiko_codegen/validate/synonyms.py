"""The lenient reader's synonym tables (rule N3 of docs/dialect-policy.md): per field, the
spellings real files use for each allowed value, keyed by their folded form (`normalise.fold`).

A synonym is listed only where its meaning is plain; an HTTP method is never guessed from a
verb, and a credential kind only from a name that says it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["SYNONYMS", "synonyms_for"]

SYNONYMS: Mapping[str, Mapping[str, str]] = {
    # An HTTP method is never guessed from a verb (`fetch`, `create`): N1-N5 only.
    "method": {},
    "in": {
        **dict.fromkeys(("querystring", "qs", "params", "param", "search", "url"), "query"),
        **dict.fromkeys(("httpheader", "headerparam"), "header"),
        **dict.fromkeys(("uri", "route", "segment", "pathparam", "template"), "path"),
        **dict.fromkeys(("json", "payload", "data", "requestbody", "content", "entity"), "body"),
        **dict.fromkeys(("env", "environ", "envvar", "secret"), "environment"),
        **dict.fromkeys(
            ("form", "formdata", "formurlencoded", "urlencoded", "field", "formfield", "multipart"),
            "formData",
        ),
    },
    "auth": {
        **dict.fromkeys(
            (
                "token",
                "bearertoken",
                "jwt",
                "accesstoken",
                "pat",
                "personalaccesstoken",
                "httpbearer",
            ),
            "bearer",
        ),
        **dict.fromkeys(
            ("key", "apitoken", "header", "apikeyauth", "xapikey", "apikeyheader", "apikeyquery"),
            "apikey",
        ),
        **dict.fromkeys(
            (
                "oauth",
                "oauth20",
                "oauth2clientcredentials",
                "openid",
                "openidconnect",
                "oidc",
                "clientcredentials",
            ),
            "oauth2",
        ),
        **dict.fromkeys(("httpbasic", "basicauth", "usernamepassword"), "basic"),
        **dict.fromkeys(("httpdigest", "digestauth"), "digest"),
    },
    "placement": {"headers": "header", "querystring": "query", "qs": "query", "url": "query"},
    "format": {
        "yml": "yaml",
        "md": "markdown",
        "proto": "protobuf",
        "pb": "protobuf",
        "text": "binary",
        "txt": "binary",
        "plain": "binary",
        "raw": "binary",
        "bytes": "binary",
        "file": "binary",
        "blob": "binary",
        "octetstream": "binary",
        "htm": "html",
        "tabseparated": "tsv",
        "pipeseparated": "psv",
        "commaseparated": "csv",
    },
    "body": {
        "formurlencoded": "formUrlEncoded",
        "urlencoded": "formUrlEncoded",
        "formdata": "multipartForm",
        "multipart": "multipartForm",
        "plain": "text",
        "string": "text",
        "raw": "text",
        "txt": "text",
        "jsonbody": "json",
        "object": "json",
    },
    "adapter": {
        **dict.fromkeys(
            ("http", "https", "api", "openapi", "restful", "fastapi", "restapi"), "rest"
        ),
        **dict.fromkeys(("modelcontextprotocol", "mcpserver"), "mcp"),
        **dict.fromkeys(("agentskill", "skills"), "skill"),
        **dict.fromkeys(("admin", "management", "ops"), "control"),
    },
    "consumes": dict.fromkeys(("https", "rest", "api", "openapi", "restapi"), "http"),
    "transport": {
        **dict.fromkeys(("https", "streamablehttp", "streamable", "sse", "httpsse", "web"), "http"),
        **dict.fromkeys(("std", "stdin", "stdout", "pipe", "cli"), "stdio"),
    },
    "role": {
        **dict.fromkeys(("human", "system", "customer"), "user"),
        **dict.fromkeys(("ai", "model", "bot", "agent"), "assistant"),
    },
    "step": {
        **dict.fromkeys(("http", "request", "invoke", "operation"), "call"),
        **dict.fromkeys(("find", "join", "match"), "lookup"),
        **dict.fromkeys(("code", "python", "javascript", "groovy"), "script"),
    },
    "language": {
        **dict.fromkeys(("js", "node", "nodejs", "ecmascript", "es6"), "javascript"),
        **dict.fromkeys(("py", "python3"), "python"),
        "gvy": "groovy",
    },
    "propagation": {
        **dict.fromkeys(("tracecontext", "traceparent", "w3ctracecontext"), "w3c"),
        **dict.fromkeys(("b3single", "b3multi", "zipkin"), "b3"),
    },
    "tokenValidation": {
        "jwk": "jwks",
        "jwksuri": "jwks",
        "jwt": "jwks",
        "introspect": "introspection",
        "rfc7662": "introspection",
    },
}
"""Synonym tables by field (folded spelling → member), tried after case-folding."""

# The synonym table of a (object, field), by the field's meaning.
_SYNONYMS_OF: Mapping[tuple[str, str], str] = {
    ("ConsumedHttpOperation", "method"): "method",
    ("ExposedOperation", "method"): "method",
    ("ConsumedInputParameter", "in"): "in",
    ("ExposedInputParameter", "in"): "in",
    ("Authentication", "type"): "auth",
    ("Authentication", "placement"): "placement",
    ("Authentication", "tokenValidation"): "tokenValidation",
    ("ConsumedHttpOperation", "outputRawFormat"): "format",
    ("RequestBody", "type"): "body",
    ("ExposesEntry", "type"): "adapter",
    ("ConsumesHttp", "type"): "consumes",
    ("ExposesMcp", "transport"): "transport",
    ("McpPromptMessage", "role"): "role",
    ("OperationStep", "type"): "step",
    ("OperationStep", "language"): "language",
    ("ExposesControl", "defaultLanguage"): "language",
    ("ExposesControl", "propagation"): "propagation",
}


def synonyms_for(kind: str, field: str) -> Mapping[str, str]:
    """The synonym table of a field (empty when it has none)."""
    return SYNONYMS.get(_SYNONYMS_OF.get((kind, field), ""), {})
