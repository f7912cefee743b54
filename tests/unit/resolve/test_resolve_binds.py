"""resolve/binds.py: binds are collected once, and every `{{…}}` is bound to something."""

from __future__ import annotations

from _specs import capability, codes, rejected, scope_for

from naftiko_codegen.canonical import Input
from naftiko_codegen.placeholders import Part
from naftiko_codegen.resolve.binds import collect_binds, parse_template

_BINDS = """\
binds:
- namespace: env
  keys:
    TOKEN: API_TOKEN
- namespace: vault
  description: Secrets.
  keys:
    TOKEN: VAULT_TOKEN
    OTHER: OTHER_KEY
"""


def test_binds_by_variable_first_wins_and_by_namespace() -> None:
    scope = scope_for(_BINDS)
    collect_binds(scope, scope.spec.data)
    assert list(scope.binds) == ["TOKEN", "OTHER"]
    assert scope.binds["TOKEN"].provider_key == "API_TOKEN"
    assert scope.binds_by_ns[("vault", "TOKEN")].provider_key == "VAULT_TOKEN"
    assert scope.binds["OTHER"].description == "Secrets."
    assert scope.findings == []


def test_capability_binds_are_read_too() -> None:
    scope = scope_for("capability:\n  binds:\n  - namespace: env\n    keys: {KEY: KEY}\n")
    collect_binds(scope, scope.spec.data)
    assert scope.binds["KEY"].namespace == "env"


def test_bind_location_must_be_a_file_uri() -> None:
    text = capability(
        top="binds:\n- namespace: vault\n  location: https://vault.example.com\n"
        "  keys:\n    TOKEN: TOKEN\n"
    )
    (error,) = [d for d in rejected(text) if d.code == "NAF310"]
    assert error.location.line == 7
    assert "'https://vault.example.com'" in error.message


def test_file_bind_location_is_kept() -> None:
    scope = scope_for("binds:\n- namespace: f\n  location: file:///etc/x.json\n  keys: {A: a}\n")
    collect_binds(scope, scope.spec.data)
    assert scope.binds["A"].location == "file:///etc/x.json"
    assert scope.findings == []


def test_placeholders_bind_to_secrets_inputs_and_text() -> None:
    scope = scope_for(_BINDS)
    collect_binds(scope, scope.spec.data)
    inputs = {"item-id": Input("item-id", "query", "string", "", True, True)}
    template = parse_template(
        scope,
        "a {{vault.TOKEN}} {{TOKEN}} {{demo.item_id}} {{ITEM-ID}}",
        ("a",),
        inputs,
        frozenset({"demo"}),
    )
    assert template == (
        Part("text", "a "),
        Part("secret", "TOKEN"),
        Part("text", " "),
        Part("secret", "TOKEN"),
        Part("text", " "),
        Part("input", "item-id"),
        Part("text", " "),
        Part("input", "item-id"),
    )
    assert scope.findings == []


def test_env_placeholder_without_bind_reads_the_environment() -> None:
    scope = scope_for()
    assert parse_template(scope, "{{env.HOME}}", ("a",)) == (Part("secret", "HOME"),)
    assert codes(scope.findings) == ["NAF311"]
    assert scope.binds["HOME"].namespace == "env"
    assert scope.binds_by_ns[("env", "HOME")] is scope.binds["HOME"]
    # Read silently, the bind is still added.
    quiet = scope_for()
    assert parse_template(quiet, "{{env.PATH}}", ("a",), warn=False) == (Part("secret", "PATH"),)
    assert quiet.findings == [] and "PATH" in quiet.binds


def test_unbound_placeholder_warns_unless_silent() -> None:
    scope = scope_for()
    assert parse_template(scope, "{{nothing}}", ("a",)) == (Part("unbound", "nothing"),)
    assert codes(scope.findings) == ["NAF312"]
    assert parse_template(scope, "{{nothing}}", ("a",), warn=False) == (Part("unbound", "nothing"),)
    assert len(scope.findings) == 1


def test_inferred_and_step_placeholders() -> None:
    scope = scope_for().after_steps(frozenset({"first"}))
    inferred: list[str] = []

    def infer(name: str) -> str:
        inferred.append(name)
        return name.upper()

    template = parse_template(scope, "{{first.id}}{{new_field}}{{bad name!}}", ("a",), infer=infer)
    assert template == (
        Part("step", "first.id"),
        Part("input", "NEW_FIELD"),
        Part("unbound", "bad name!"),
    )
    assert inferred == ["new_field"]
    assert codes(scope.findings) == ["NAF312"]
