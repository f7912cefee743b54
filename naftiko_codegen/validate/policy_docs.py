"""docs/dialect-policy.md, rendered from the policy table (`validate.policy`) and our schema.

`policy_markdown()` returns the page; `tests/dialect/test_policy_docs.py` checks the committed
file equals it. Refresh: `python -m naftiko_codegen.validate.policy_docs > docs/dialect-policy.md`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

from .policy import DEFAULT, DROP, RULES, UNIT, UNITS, Rule, generic_rule, rule_for, synonyms_for
from .schema import schema

__all__ = ["policy_markdown", "properties_of"]

# Schema objects that are variants of one policy object, and the object they are read as.
_FAMILY = {
    "AuthBasic": "Authentication",
    "AuthDigest": "Authentication",
    "AuthBearer": "Authentication",
    "AuthApiKey": "Authentication",
    "AuthOAuth2": "Authentication",
    "StepCall": "OperationStep",
    "StepLookup": "OperationStep",
    "StepScript": "OperationStep",
    "RequestBodyJson": "RequestBody",
    "RequestBodyText": "RequestBody",
    "RequestBodyForm": "RequestBody",
    "RequestBodyMultipart": "RequestBody",
    "ConsumesEntry": "ConsumesHttp",
}
_SCALARS = {
    "IdentifierKebab",
    "ResourceName",
    "Namespace",
    "IdentifierExtended",
    "ParameterName",
    "CallReference",
    "Address",
    "FileUri",
    "Date",
    "HttpMethod",
    "WithInjector",
    "McpToolHints",
}

_INTRO = """# Dialect policy: what the lenient reader does with files one step past the spec

naftiko-gen reads capability files written for official Naftiko 1.0.0-alpha2 and for the
catalog dialect (see [`naftiko-spec.md` §4](../../shared/docs/naftiko-spec.md)). Real files
go one step further than either: a value outside an enum whose meaning is plain (`Integer`,
`application/json`, `Bearer`), a key left out where an obvious default exists, an empty list
where the spec wants one item, a `call` naming an operation its API does not declare. This page
is the policy for all of them, decided once per field rather than per file seen.

**Who it applies to.** Every file, in both dialects: the reader is the same. A file written for
the official dialect still gets the official lint findings (`naftiko-gen validate`, or
`build --lint`) as warnings about the file *as written*; the build reads it as this policy
says. `--strict` turns every warning below into an error, for files meant for the reference
engine.

**Three outcomes, in order of preference.**

1. *Accept with a located warning and a sensible meaning*: the value is normalised by the
   rules below (NAF282), an unknown value gets the meaning of the table (NAF283), a missing key
   its default (NAF284), an empty optional list is ignored (NAF285), a value of the wrong JSON
   type is converted when nothing is lost (NAF287), a misspelt key is renamed (NAF288).
2. *Leave out only the unit concerned*, with a located warning (NAF286; NAF330-NAF332 for a
   `call` that names an undeclared API or operation, NAF340 for a `ref` that names no
   aggregate function, NAF318/NAF319 for a unit that repeats an earlier MCP name or REST route
   and so could never be reached, NAF315 for an MCP resource whose URI cannot carry a value its
   call needs, NAF346/NAF347 for a `forward` that cannot be served): a unit is one list item — a consumes
   entry, resource, operation, parameter, adapter, REST resource or operation, MCP tool,
   resource or prompt, skill, aggregate or function, binding, stakeholder. A call into a unit
   that was left out leaves out the calling unit in turn.
3. *Refuse the file* only when nothing sensible can be generated: no unit is left to serve
   (NAF302), or the table says "refused" (a value the reader cannot give any meaning, e.g. a
   port out of range, a pattern the value breaks). The refusal names its cause: when the units
   left out (and the lists ignored) leave a capability with no adapter and no consumed
   operation to derive one from, NAF302 says so and names the first of them with their lines
   (the schema's "missing `exposes`" is not reported then); NAF203 is for a capability
   *written* with neither `consumes` nor `exposes`.
   Credentials are never guessed: an authentication the reader cannot read leaves out the API
   or adapter that declares it.
   `oauth2` on a consumed API with a client (`clientId`) is the client-credentials grant the
   generated client runs; without one, it sends its `token`/`accessToken` as a bearer token
   when it carries one (NAF283), else leaves the API out.

**Where it runs.** `validate/lenient.py` repairs a copy of the document before the schema
check, keyword by keyword as the schema reports them, until nothing changes; the positions of
the nodes are kept, so every warning and every later error points at the file's own line and
column. `resolve/` applies the `call` rule. The table below is rendered from
`validate/policy.py` (`python -m naftiko_codegen.validate.policy_docs`), and
`tests/dialect/` checks it against generated variants of the corpus (§ Proof).

## Normalisation rules

An enum value that is not a member is tried against the members by these rules, in order; the
first that gives exactly one member wins (`validate/normalise.py`):

| rule | what it does | example |
|---|---|---|
| N1 fold | compare case-folded, with every character but letters and digits removed | `Bearer` → `bearer`, `api-key` → `apikey`, `Query` → `query` |
| N2 MIME | a media type is read as the format it names (suffix `+json`, `x-`, `vnd.` and parameters ignored; images, audio, video and other `application/*` → `binary`) | `application/json` → `json`, `application/x-yaml` → `yaml`, `application/x-www-form-urlencoded` → `formUrlEncoded` |
| N3 synonym | the field's synonym table (below) | `yml` → `yaml`, `oauth` → `oauth2`, `querystring` → `query` |
| N4 plural | a trailing `s` dropped | `headers` → `header` |
| N5 one slip | one letter inserted, deleted, replaced, or two neighbours swapped, when exactly one member is that close (values of 4+ letters) | `PSOT` → `POST`, `bolean` → `boolean` |
| N6 type alias | for a type field: the JSON type a language or OpenAPI `format` name means; the nearest member when the field lacks it (`integer` → `number` for outputs) | `int`, `Integer`, `int64` → `integer`; `float`, `double` → `number`; `bool` → `boolean`; `str`, `date-time`, `uuid`, `email` → `string`; `dict`, `map` → `object`; `list` → `array` |

Other repairs, for every field:

| finding | policy |
|---|---|
| wrong JSON type | a quoted integer → integer, `"true"`/`"yes"`/`"off"` → boolean, a number → string, one item → a one-item list (NAF287); a null → key ignored; anything else refused (NAF205) |
| empty string | read as a missing key |
| unknown key | renamed to the one allowed key it equals after N1 or is one slip from (NAF288), when that key is absent; else ignored (NAF201) or refused as a typo (NAF202) |
| `consumes[].type`, `exposes[].type` | normalised by N1-N5; when missing, the kind the entry's keys imply |
"""

_PROOF = """
## Proof

`tests/dialect/variants.py` generates variants of the corpus files: each key the table gives a
meaning when missing (and common optional keys) dropped, each enum value replaced by near
misses (case change, synonym, type alias, plural, one-letter swap, MIME spelling) and by an
unknown type name, each list emptied, and each `call` pointed at an undeclared operation.
`tests/dialect/test_variants.py` runs a seeded sample through load → lenient read → validate →
resolve → model → render in memory and compiles every generated module; each variant must build
with a located warning, or be refused with located errors only where this page says so (nothing
left to serve). `bench/dialect_variants.py` runs every variant of many files and prints counts;
the corpus gate's report has a line with the sample's figures.
"""


def properties_of(node: Any) -> Iterator[tuple[str, Any]]:
    """Every property a schema object declares, in its branches too."""
    if not isinstance(node, dict):
        return
    yield from (node.get("properties") or {}).items()
    for key in ("then", "else"):
        yield from properties_of(node.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(key) or []:
            yield from properties_of(branch)


def _required(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    found = set(node.get("required") or [])
    for key in ("then", "else"):
        found |= _required(node.get(key))
    for branch in node.get("allOf") or []:
        found |= _required(branch)
    return found


def _enum(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    ref = str(prop.get("$ref", ""))
    target = defs.get(ref.rsplit("/", 1)[-1], {}) if ref else prop
    for node in (target, target.get("then", {}), target.get("items", {})):
        if isinstance(node, dict) and "enum" in node:
            return [str(v) for v in node["enum"]]
    return []


def _unknown(rule: Rule, members: list[str]) -> str:
    if not members:
        return "—"
    tail = {
        DEFAULT: "else the meaning given (NAF283)",
        UNIT: "else unit left out (NAF286)",
        DROP: "else key ignored",
    }.get(rule.unknown, "else refused (NAF204)")
    return f"N1-N6 (NAF282); {tail}"


def _missing(rule: Rule, required: bool) -> str:
    if rule.missing == DEFAULT:
        return "default (NAF284); else unit left out" if rule.derive else "default (NAF284)"
    if rule.missing == UNIT or (required and rule.missing != "keep"):
        return "unit left out (NAF286)"
    return "refused (NAF203)" if required else "optional"


def _empty(rule: Rule, prop: Mapping[str, Any]) -> str:
    if prop.get("type") != "array":
        return "—"
    if "minItems" not in prop:
        return "accepted"
    return "unit left out (NAF286)" if rule.empty == UNIT else "key ignored (NAF285)"


def _table(name: str, node: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    kind = _FAMILY.get(name, name)
    required = _required(node)
    rows = [
        "| field | unknown value | missing key | empty collection | meaning given |",
        "|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    for field, prop in properties_of(node):
        if field in seen or not isinstance(prop, dict):
            continue
        seen.add(field)
        is_list = prop.get("type") == "array"
        rule = rule_for(kind, field) or generic_rule(field in required, is_list)
        members = _enum(prop, defs)
        synonyms = synonyms_for(kind, field)
        meaning = rule.meaning
        if synonyms:
            shown = ", ".join(f"`{k}`→`{v}`" for k, v in list(synonyms.items())[:8])
            meaning = f"{meaning}; synonyms: {shown}" if meaning else f"synonyms: {shown}"
        rows.append(
            f"| `{field}` | {_unknown(rule, members)} | {_missing(rule, field in required)} | "
            f"{_empty(rule, prop)} | {meaning.replace('|', '/')} |"
        )
    unit = " Unit: yes (may be left out whole)." if kind in UNITS else ""
    note = (f"Read as `{kind}`.{unit}" if kind != name else unit).strip()
    return [f"### {name}", "", *([note, ""] if note else []), *rows, ""]


def policy_markdown() -> str:
    """The whole page."""
    document = schema()
    defs: Mapping[str, Any] = document["$defs"]
    lines = [_INTRO, "## The table, object by object", ""]
    root = {"properties": document["properties"], "required": ["naftiko"]}
    lines += _table("Root", root, defs)
    for name, node in defs.items():
        if name in _SCALARS or not list(properties_of(node)):
            continue
        lines += _table(name, node, defs)
    listed = sorted(f"{k}.{f}" for k, f in RULES)
    lines += [
        "Fields with a decision of their own: " + ", ".join(f"`{x}`" for x in listed) + ".",
        "Every other field follows the generic rule: a missing required key leaves out "
        "its unit (refused when no unit holds it), an empty optional list is ignored, an "
        "empty required list leaves out its unit, and a value outside an enum is "
        "normalised or refused.",
        "",
    ]
    return "\n".join(line for line in lines if line is not None).rstrip() + "\n" + _PROOF


if __name__ == "__main__":  # pragma: no cover - the refresh command of the module docstring
    sys.stdout.write(policy_markdown())
