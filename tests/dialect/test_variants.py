"""The lenient reader (docs/dialect-policy.md), proved on generated variants of the corpus.

The main test takes a seeded, deterministic sample of variants (`variants.py`) of the official
and jupyter files and one file per catalog provider, and runs each through load → lenient read
→ validate → resolve → model → render in memory, compiling what the templates made: each must
build with a located warning, or be refused only where the policy says. The other tests pin
the rules (`validate/normalise.py`), a few worked cases, and the rendered policy page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from variants import RESULTS, corpus_files, gate_line, judge, sample, variants

from naftiko_codegen.load import load_spec
from naftiko_codegen.validate import read_leniently, validate_spec
from naftiko_codegen.validate.normalise import match_member, mime_format, scalar_type
from naftiko_codegen.validate.policy_docs import policy_markdown

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SIZE = 150
RENDER_EVERY = 2
"""Every variant runs up to the model; every second one is also rendered and compiled, to keep
the test within its budget (the bench script renders all)."""
SEED = 13


def test_generated_variants_follow_the_policy(shared_dir: Path) -> None:
    corpus = shared_dir / "corpus"
    picked = sample(corpus_files(corpus), SAMPLE_SIZE, SEED, corpus)
    assert len(picked) == SAMPLE_SIZE
    assert {v.change for v in picked} >= {"drop", "near-miss", "empty", "undeclared-call"}
    outcomes = [judge(v, render=i % RENDER_EVERY == 0) for i, v in enumerate(picked)]
    RESULTS["sample"] = outcomes  # the corpus gate's report line reads them (gate_line)
    failed = [f"{o.variant.origin} {o.variant.path} {o.variant.detail}: {o.why}" for o in outcomes
              if not o.ok]  # fmt: skip
    assert not failed, "\n".join(failed)
    assert sum(o.built for o in outcomes) > SAMPLE_SIZE * 3 // 4


@pytest.mark.parametrize(
    ("value", "members", "expected"),
    [
        ("Bearer", ["basic", "bearer", "apikey"], "bearer"),
        ("api-key", ["basic", "bearer", "apikey"], "apikey"),
        ("headers", ["query", "header"], "header"),
        ("PSOT", ["GET", "POST", "PUT"], "POST"),
        ("application/json", ["json", "xml"], "json"),
        ("FETCH", ["GET", "POST", "PUT", "PATCH", "DELETE"], None),
        ("PUTS", ["PUT", "POST"], "PUT"),
    ],
)
def test_match_member(value: str, members: list[str], expected: str | None) -> None:
    assert match_member(value, members) == expected


def test_type_aliases_and_media_types() -> None:
    numbers = ["string", "number", "boolean", "object", "array"]
    assert scalar_type("int64", [*numbers, "integer"]) == "integer"
    assert scalar_type("Integer", numbers) == "number"
    assert scalar_type("date-time", numbers) == "string"
    assert scalar_type("money-amount", numbers) is None
    assert mime_format("application/vnd.api+json; charset=utf-8") == "json"
    assert mime_format("image/png") == "binary"
    assert mime_format("text/weird") is None
    assert mime_format("json") is None


_SPEC = """\
naftiko: 1.0.0-alpha2
info:
  label: Demo
  description: Demo capability.
capability:
  consumes:
  - type: http
    namespace: demo
    baseUri: https://api.example.com
    resources:
    - name: items
      path: /items/{{id}}
      operations:
      - name: get-item
        methd: POST
        outputRawFormat: application/json
        inputParameters:
        - name: id
        - name: limit
          type: Integer
  exposes:
  - namespace: demo-mcp
    port: "3001"
    tools:
    - name: get-item
      description: Get one item.
      call: demo.get-item
    - name: gone
      description: Calls nothing declared.
      call: demo.no-such-operation
"""


def test_worked_case_builds_with_located_warnings() -> None:
    spec, findings = read_leniently(load_spec(_SPEC, "cap.yaml"))
    shown = {(d.code, d.location.line) for d in findings}
    assert ("NAF288", 15) in shown  # `methd` read as `method`
    assert ("NAF282", 16) in shown  # media type read as `json`
    assert ("NAF284", 18) in shown  # `in` of `id` derived
    assert ("NAF282", 20) in shown  # `Integer` read as `integer`
    assert ("NAF284", 22) in shown  # the adapter's type implied by `tools`
    assert ("NAF287", 23) in shown  # a quoted port
    params = spec.data["capability"]["consumes"][0]["resources"][0]["operations"][0]
    assert params["method"] == "POST"
    assert [p["in"] for p in params["inputParameters"]] == ["path", "query"]
    assert not [d for d in validate_spec(spec) if d.is_error]


def test_policy_page_is_current() -> None:
    page = (REPO / "docs" / "dialect-policy.md").read_text(encoding="utf-8")
    assert (
        page == policy_markdown()
    ), "refresh: python -m naftiko_codegen.validate.policy_docs > docs/dialect-policy.md"


def test_variants_of_a_file_cover_every_change(shared_dir: Path) -> None:
    seed = shared_dir / "corpus" / "jupyter" / "jupyter-notebook" / "rest-sessions.yaml"
    made = list(variants(seed))
    assert {v.change for v in made} >= {"drop", "near-miss", "unknown", "empty"}
    assert all(v.text != seed.read_text(encoding="utf-8") for v in made[:3])


def test_gate_line_reports_the_sample(shared_dir: Path) -> None:
    corpus = shared_dir / "corpus"
    kept = RESULTS.get("sample")
    seed = corpus / "jupyter" / "jupyter-notebook" / "rest-sessions.yaml"
    RESULTS["sample"] = [judge(v, render=False) for v in list(variants(seed, corpus))[:2]]
    try:
        line = gate_line(corpus)
    finally:
        if kept is not None:
            RESULTS["sample"] = kept
    assert line.startswith(
        "dialect policy (docs/dialect-policy.md): 2 generated variants, 2 passed"
    )
