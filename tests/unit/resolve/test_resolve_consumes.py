"""resolve/consumes.py: consumed APIs, shared-consumes imports, operations and parameters."""

from __future__ import annotations

import textwrap

from _specs import (
    DEMO_API,
    LIST_ITEMS,
    call_of,
    capability,
    codes,
    loaded,
    only_operation,
    rejected,
    resolved,
)

from naftiko_codegen.placeholders import Part

_SHARED = """\
naftiko: 1.0.0-alpha2
consumes:
- type: http
  namespace: shop
  baseUri: https://shop.example.com/
  resources:
  - name: items
    path: /items
    operations:
    - name: list-items
      method: GET
"""


def _imported(entry: str, call: str) -> str:
    exposes = f"""\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items
        operations:
        - method: GET
          call: {call}
    """
    return capability(consumes=entry, exposes=exposes)


def test_imported_api_is_renamed_and_located_in_its_file() -> None:
    text = _imported("- location: ./shared.yaml\n  import: shop\n  as: store\n", "store.list-items")
    found = resolved(text, {"./shared.yaml": loaded(_SHARED, "shared.yaml")})
    (api,) = found.apis
    assert (api.namespace, api.base_uri) == ("store", "https://shop.example.com")
    assert {op.namespace for op in api.operations} == {"store"}
    assert call_of(only_operation(found)).operation.namespace == "store"
    # The trailing '/' of the imported baseUri is reported in the imported file.
    (warning,) = found.diagnostics
    assert (warning.code, warning.location.file, warning.location.line) == (
        "NAF323",
        "shared.yaml",
        5,
    )


def test_imported_api_keeps_its_name_without_as() -> None:
    text = _imported("- location: ./shared.yaml\n  import: shop\n", "shop.list-items")
    found = resolved(text, {"./shared.yaml": loaded(_SHARED, "shared.yaml")})
    assert [api.namespace for api in found.apis] == ["shop"]


def test_import_that_was_not_loaded() -> None:
    text = _imported("- location: ./missing.yaml\n  import: shop\n", "shop.list-items")
    # The call into the import that was not loaded is left out (NAF330, a warning).
    assert codes(rejected(text)) == ["NAF342", "NAF302"]


def test_import_of_an_unknown_namespace_lists_the_file_namespaces() -> None:
    text = _imported("- location: ./shared.yaml\n  import: nope\n", "shop.list-items")
    errors = rejected(text, {"./shared.yaml": loaded(_SHARED, "shared.yaml")})
    assert codes(errors) == ["NAF343", "NAF302"]
    assert errors[0].hint == "namespaces there: shop"


def test_import_clashing_with_a_declared_namespace() -> None:
    consumes = DEMO_API + "- location: ./shared.yaml\n  import: shop\n  as: demo\n"
    errors = rejected(_imported(consumes, "demo.list-items"), {"./shared.yaml": loaded(_SHARED)})
    assert codes(errors) == ["NAF322"]
    assert "declared twice" in errors[0].message


def test_same_api_declared_twice_is_merged() -> None:
    again = DEMO_API.replace("name: items", "name: more").replace("list-items", "list-more")
    found = resolved(capability(consumes=DEMO_API + again + DEMO_API))
    # Sorted by position: the merges (at each `namespace`), then the operation named twice.
    assert codes(found) == ["NAF322", "NAF322", "NAF326"]
    (api,) = found.apis
    assert [op.name for op in api.operations] == ["list-items", "list-more", "list-items"]


def test_same_namespace_with_another_base_uri_is_an_error() -> None:
    other = DEMO_API.replace("api.example.com", "other.example.com")
    errors = rejected(capability(consumes=DEMO_API + other))
    assert codes(errors) == ["NAF322"]
    assert errors[0].location.line == 17


def test_non_http_consumes_are_skipped_and_their_calls_left_out() -> None:
    consumes = DEMO_API + "- type: grpc\n  namespace: rpc\n"
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items
        operations:
        - method: GET
          call: demo.list-items
        - method: POST
          call: rpc.create
    """
    found = resolved(capability(consumes=consumes, exposes=exposes))
    assert codes(found) == ["NAF321", "NAF397"]
    assert [op.method for op in found.rest_adapters[0].operations] == ["GET"]


def test_parameters_paths_and_formats_of_consumed_operations() -> None:
    consumes = """\
    - type: http
      namespace: demo
      baseUri: https://api.example.com
      inputParameters:
      - name: version
        in: header
        value: '2'
      - name: q
        in: query
      resources:
      - name: items
        path: items/{item_id}/{{part}}
        operations:
        - name: get-item
          method: fetch
          outputRawFormat: Thrift
          inputParameters:
          - name: q
            in: query
            required: true
            type: [integer, 'null']
          - name: ITEM-ID
            in: path
          - name: photo
            in: formData
          outputParameters:
          - name: title
            type: string
            mapping: $.title
    """
    exposes = """\
    - type: rest
      namespace: demo-rest
      port: 8080
      resources:
      - path: /items/{id}
        operations:
        - method: GET
          call: demo.get-item
    """
    found = resolved(capability(consumes=consumes, exposes=exposes), validate=False)
    assert "NAF399" in codes(found)
    (operation,) = found.apis[0].operations
    assert (operation.method, operation.output_format) == ("GET", "thrift")
    assert operation.path_text == "/items/{item_id}/{{part}}"
    assert operation.path == (
        Part("text", "/items/"),
        Part("input", "ITEM-ID"),
        Part("text", "/"),
        Part("input", "part"),
    )
    params = {p.name: p for p in operation.parameters}
    assert list(params) == ["version", "q", "ITEM-ID", "photo", "part"]
    assert params["version"].value == (Part("text", "2"),)
    assert (params["q"].type, params["q"].required) == ("integer", True)
    assert (params["photo"].location, params["photo"].form) == ("body", True)
    assert params["part"].required and params["ITEM-ID"].required
    assert operation.projections == (("title", "$.title"),)


def test_file_upload_operations_are_left_out() -> None:
    upload = textwrap.indent(
        "- name: upload\n  method: POST\n  inputParameters:\n"
        "  - name: photo\n    in: formData\n    type: file\n",
        "    ",
    )
    exposes = LIST_ITEMS + "    - method: POST\n      call: demo.upload\n"
    found = resolved(capability(consumes=DEMO_API + upload, exposes=exposes))
    assert codes(found) == ["NAF398"]
    assert "uploads a file" in found.apis[0].operations[1].unsupported
    assert [op.method for op in found.rest_adapters[0].operations] == ["GET"]


def test_a_base_uri_with_a_query_fragment_or_userinfo_is_refused() -> None:
    for base, what in (
        ("https://api.example.com/v1?token=abc", "has a query"),
        ("https://api.example.com/v1#top", "has a fragment"),
        ("https://ada:s3cret@api.example.com/v1", "carries user information"),
    ):
        consumes = DEMO_API.replace("https://api.example.com", base)
        [error] = rejected(capability(consumes=consumes))
        assert (error.code, error.location.line) == ("NAF348", 9)
        assert what in error.message
        # The message shows where, never the part that may hold a secret.
        assert "abc" not in error.message and "s3cret" not in error.message
