"""The lenient reader's derivations and repairs, one small document each (docs/dialect-policy.md).

The generated-variant proof is `tests/dialect/`; these pin the meaning each derivation gives.
"""

from __future__ import annotations

from typing import Any

import pytest

from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import check_spec
from naftiko_codegen.validate import read_and_validate, read_leniently, validate_spec

_HEAD = """\
naftiko: 1.0.0-alpha2
info:
  description: Demo.
capability:
  consumes:
  - namespace: demo
    baseUri: https://api.example.com
    authentication:
      token: "{{TOKEN}}"
    resources:
    - path: /items/{{id}}
      operations:
      - method: POST
        outputRawFormat: weird
        body:
          data: "plain text"
        outputParameters:
        - name: total
        - name: kind
          type: widget
      - method: GET
        name: list
        body:
          data: {a: 1}
    - name: by-path
      operations:
      - method: GET
        name: other
        path: /other
"""

_EXPOSES = """\
  exposes:
  - port: 8080
    resources:
    - path: /items
      operations:
      - call: demo.post-items-id
      - method: PUT
        call: demo.list
        steps: []
    - path: /fwd
      forward: {}
  - type: MCP
    transport: sse
    tools:
    - call: demo.list
      description: List.
      inputParameters:
      - name: q
        type: str
        required: "yes"
      - name: ""
        type: string
        description: blank name
    - name: orchestrated
      description: Steps.
      steps:
      - call: demo.list
    resources:
    - name: readme
      location: file:///./readme
    prompts:
    - name: hello
      template:
      - role: bot
        content: Hi
  aggregates:
  - namespace: agg
    functions:
    - name: fn
      call: demo.list
"""


def _read(text: str) -> tuple[dict[str, Any], dict[str, list[tuple[int, str]]]]:
    spec, findings = read_leniently(load_spec(text, "cap.yaml"))
    by_code: dict[str, list[tuple[int, str]]] = {}
    for finding in findings:
        assert finding.location.line >= 1
        by_code.setdefault(finding.code, []).append((finding.location.line, finding.message))
    assert not [d for d in validate_spec(spec) if d.is_error], by_code
    data: dict[str, Any] = spec.data
    return data, by_code


def test_consumes_side_derivations() -> None:
    data, codes = _read(_HEAD + _EXPOSES)
    api = data["capability"]["consumes"][0]
    assert api["type"] == "http"
    assert api["authentication"]["type"] == "bearer"
    first, second = api["resources"]
    assert first["name"] == "items-id"
    assert second["path"] == ""
    post, listing = first["operations"]
    assert post["name"] == "post-items-id"
    assert post["outputRawFormat"] == "binary"
    assert post["body"]["type"] == "text"
    assert listing["body"]["type"] == "json"
    total, kind = post["outputParameters"]
    assert (total["type"], total["value"]) == ("string", "$.total")
    assert kind["type"] == "string"
    assert data["info"]["label"] == "demo"
    assert {"NAF282", "NAF283", "NAF284"} <= set(codes)


def test_exposes_side_derivations() -> None:
    data, codes = _read(_HEAD + _EXPOSES)
    rest, mcp = data["capability"]["exposes"]
    assert (rest["type"], rest["namespace"]) == ("rest", "rest")
    items, forward = rest["resources"]
    # The operation with `steps: []` is left out; the other takes the called operation's method.
    assert [op["method"] for op in items["operations"]] == ["POST"]
    assert forward["forward"]["targetNamespace"] == "demo"
    assert (mcp["type"], mcp["transport"], mcp["port"]) == ("mcp", "http", 8081)
    tool, orchestrated = mcp["tools"]
    assert tool["name"] == "list"
    assert tool["inputParameters"] == [
        {"name": "q", "type": "string", "required": True, "description": "q"}
    ]
    assert orchestrated["steps"][0] == {"call": "demo.list", "type": "call", "name": "list"}
    resource = mcp["resources"][0]
    assert (resource["label"], resource["uri"], resource["description"]) == (
        "readme",
        "data://readme",
        "readme",
    )
    prompt = mcp["prompts"][0]
    assert (prompt["label"], prompt["template"][0]["role"]) == ("hello", "assistant")
    aggregate = data["capability"]["aggregates"][0]
    assert (aggregate["label"], aggregate["functions"][0]["description"]) == ("agg", "fn")
    assert {"NAF286", "NAF287"} <= set(codes)


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ("username: u\n      password: p", "basic"),
        ("key: X-Key\n      value: v", "apikey"),
        ("type: Api-Key\n      key: X-Key\n      value: v\n      placement: headers", "apikey"),
    ],
)
def test_auth_kinds(auth: str, expected: str) -> None:
    text = _HEAD.replace('token: "{{TOKEN}}"', auth) + _EXPOSES
    data, _ = _read(text)
    assert data["capability"]["consumes"][0]["authentication"]["type"] == expected


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ('type: http\n      scheme: Bearer\n      token: "{{TOKEN}}"', "bearer"),
        ("type: HTTP\n      scheme: basic\n      username: u\n      password: p", "basic"),
    ],
)
def test_openapi_http_auth_is_read_as_its_scheme(auth: str, expected: str) -> None:
    data, codes = _read(_HEAD.replace('token: "{{TOKEN}}"', auth) + _EXPOSES)
    read = data["capability"]["consumes"][0]["authentication"]
    assert read["type"] == expected and "scheme" not in read
    assert any(f"read as `{expected}`" in message for _, message in codes["NAF282"])


@pytest.mark.parametrize("kind", ["none", "No Auth", "anonymous", "public"])
def test_an_auth_that_says_none_is_read_as_no_authentication(kind: str) -> None:
    data, codes = _read(_HEAD.replace('token: "{{TOKEN}}"', f"type: {kind}") + _EXPOSES)
    assert "authentication" not in data["capability"]["consumes"][0]
    line, message = next(f for f in codes["NAF283"] if "no authentication" in f[1])
    assert line == 9 and repr(kind) in message  # located at the `type` it read


def test_an_auth_without_meaning_leaves_out_its_api(tmp_path: Any) -> None:
    text = _HEAD.replace('token: "{{TOKEN}}"', "type: kerberos") + _EXPOSES
    spec = tmp_path / "cap.yaml"
    spec.write_text(text, encoding="utf-8")
    (tmp_path / "readme").mkdir()  # the static resource's folder, shipped at build time
    found = check_spec(spec)
    codes = {d.code for d in found}
    assert {"NAF286", "NAF330", "NAF302"} <= codes
    left_out = next(d for d in found if d.code == "NAF286" and "kerberos" in d.message)
    assert left_out.location.line == 6  # the consumes entry


def test_coercions_and_nulls() -> None:
    text = _HEAD + _EXPOSES.replace("port: 8080", "port: 8080\n    description: 12\n    address:")
    data, codes = _read(text)
    rest = data["capability"]["exposes"][0]
    assert rest["description"] == "12"
    assert "address" not in rest
    assert len(codes["NAF287"]) >= 3


def test_a_file_already_valid_is_read_unchanged() -> None:
    spec = load_spec("naftiko: 1.0.0-alpha2\n", "cap.yaml")
    assert read_leniently(spec) == (spec, [])


def test_oauth2_on_a_consumed_api() -> None:
    with_token = _HEAD.replace('token: "{{TOKEN}}"', 'type: OAuth\n      accessToken: "{{T}}"')
    data, codes = _read(with_token + _EXPOSES)
    assert data["capability"]["consumes"][0]["authentication"] == {
        "type": "bearer",
        "token": "{{T}}",
    }
    assert any("bearer token" in message for _, message in codes["NAF283"])
    flow = _HEAD.replace(
        'token: "{{TOKEN}}"',
        "type: oauth2\n      authorizationServerUri: https://id.example.com\n"
        "      resource: https://api.example.com",
    )
    spec, findings = read_leniently(load_spec(flow + _EXPOSES, "cap.yaml"))
    assert "consumes" not in spec.data["capability"]  # left out, then the empty list ignored
    (left_out,) = [d for d in findings if d.code == "NAF286" and "nor a token" in d.message]
    assert left_out.location.line == 6


_CONSUMES_ONLY = """\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  description: Demo.
capability:
  consumes:
  - type: http
    namespace: demo
    baseUri: https://api.example.com
    resources:
    - name: items
      path: /items
      operations:
      - name: list-items
        method: GET
"""


def _errors(text: str) -> list[Any]:
    _spec, findings = read_and_validate(load_spec(text, "cap.yaml"))
    return [d for d in findings if d.is_error]


def test_nothing_left_after_the_reader_names_what_was_left_out(tmp_path: Any) -> None:
    # A consumes-only file whose only API cannot be read: the refusal is "nothing left"
    # (NAF302), naming the unit and its line, never the schema's "missing `exposes`".
    text = _CONSUMES_ONLY.replace("    baseUri: https://api.example.com\n", "")
    (tmp_path / "cap.yaml").write_text(text, encoding="utf-8")
    assert [d.code for d in check_spec(tmp_path / "cap.yaml") if d.is_error] == ["NAF302"]
    (error,) = _errors(text)
    assert (error.code, error.location.line) == ("NAF302", 6)
    assert "every consumed API" in error.message
    assert "line 7: consumes http has no `baseUri`" in error.message
    assert "'demo' is left out" in error.message and "exposes" in error.hint
    # An API whose operations were all left out: nothing to derive adapters from.
    (error,) = _errors(_CONSUMES_ONLY.replace("        method: GET\n", "        method: 12.5\n"))
    assert error.code == "NAF302" and "every consumed operation" in error.message
    assert "line 14: `method` is '12.5', which has no sure meaning" in error.message
    # A list written empty is named; one the reader emptied is not (its units are).
    (error,) = _errors(_CONSUMES_ONLY.split("    resources:")[0] + "    resources: []\n")
    assert "line 10: `resources` is an empty list" in error.message
    # An emptied list is named too; only the first three causes are spelt out.
    head, apis = _CONSUMES_ONLY.split("  consumes:\n")
    (error,) = _errors(head + "  consumes: []\n")
    assert error.code == "NAF302" and "`consumes` is an empty list" in error.message
    unreadable = apis.replace("    baseUri: https://api.example.com\n", "")
    (error,) = _errors(head + "  consumes:\n" + unreadable * 4)
    assert error.message.count("has no `baseUri`") == 3 and "and 1 more" in error.message


def test_nothing_left_of_the_adapters_and_nothing_written() -> None:
    adapters = (
        "naftiko: 1.0.0-alpha2\ninfo: {label: D, description: D.}\ncapability:\n  exposes:\n"
        "  - type: mcp\n    namespace: m\n    port: 9000\n    tools: []\n"
    )
    (error,) = _errors(adapters)
    assert error.code == "NAF302" and "every adapter of this capability" in error.message
    assert "line 5: `tools` is an empty list" in error.message
    # A capability written with neither key is the schema's to refuse (the table: NAF203).
    (error,) = _errors("naftiko: 1.0.0-alpha2\ninfo: {label: D, description: D.}\ncapability: {}\n")
    assert error.code == "NAF203" and "`exposes`" in error.message
    # Something left: no refusal from the reader (the consumes-only file is derived).
    assert not _errors(_CONSUMES_ONLY)


def test_an_api_key_without_placement_is_read_as_header_with_a_warning() -> None:
    # The schema leaves `placement` optional, so a file otherwise valid got the header silently.
    auth = "    authentication:\n      type: apikey\n      key: X-Key\n      value: v\n"
    text = _CONSUMES_ONLY.replace("    resources:\n", auth + "    resources:\n", 1)
    spec, findings = read_leniently(load_spec(text, "cap.yaml"))
    assert spec.data["capability"]["consumes"][0]["authentication"]["placement"] == "header"
    (warning,) = findings
    assert (warning.code, warning.location.line) == ("NAF284", 11)
    assert "no `placement`; read as `header`" in warning.message
    # Written (or OpenAPI's `in`), it is left as it is.
    for written in ("      placement: query\n", "      in: query\n"):
        spec = load_spec(text.replace("      value: v\n", "      value: v\n" + written), "c.yaml")
        assert not [d for d in read_leniently(spec)[1] if d.code == "NAF284"]
