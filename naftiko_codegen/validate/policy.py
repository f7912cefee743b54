"""The lenient reader's policy, as data: per object and field, what an unknown value, a missing
key and an empty list become. docs/dialect-policy.md is rendered from this table and the schema.

Every field of every schema object is covered: a field listed in `RULES` has its own decision;
any other field follows `generic_rule` (a missing required key leaves out the enclosing unit,
an empty optional list is dropped, an empty required list leaves out the unit). `kind_at`
names the schema object (`$defs` name) a node of a document is, from its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .normalise import match_member
from .synonyms import SYNONYMS, synonyms_for

__all__ = [
    "CHILDREN",
    "DEFAULT",
    "DROP",
    "KEEP",
    "REFUSE",
    "RULES",
    "SYNONYMS",
    "UNIT",
    "UNITS",
    "Rule",
    "generic_rule",
    "is_adapter",
    "kind_at",
    "rule_for",
    "synonyms_for",
    "unit_path",
]

REFUSE, UNIT, DEFAULT, DROP, KEEP = "refuse", "unit", "default", "drop", "keep"


@dataclass(frozen=True)
class Rule:
    """One field's decision. `unknown`/`missing`/`empty` are one of refuse, unit (leave out the
    enclosing unit), default (give `default` or derive it with `derive`), drop (remove the key)
    or keep (read as written)."""

    unknown: str = REFUSE
    missing: str = KEEP
    empty: str = DROP
    meaning: str = ""
    default: Any = None
    derive: str = ""
    """The name of a derivation in `validate.lenient` (it sees the object and the document)."""


_TYPE = Rule(
    DEFAULT,
    DEFAULT,
    DROP,
    "a type name is read as its JSON type; unknown → `string`",
    "string",
    "type",
)
_IN = Rule(
    DEFAULT,
    DEFAULT,
    DROP,
    "`path` when the name is a placeholder of the path, else `query`",
    derive="in",
)
_PORT = Rule(REFUSE, DEFAULT, DROP, "a free port from 8080 up, distinct per adapter", derive="port")
_LABEL = Rule(KEEP, DEFAULT, DROP, "the object's `name`", derive="label")
_DESCRIPTION = Rule(KEEP, DEFAULT, DROP, "the object's `label`, else its `name`", derive="label")
_NAME_REQUIRED = Rule(KEEP, UNIT, DROP, "nothing names it: the unit is left out")
_STEPS = Rule(KEEP, KEEP, UNIT, "an orchestration with no step does nothing: the unit is left out")

RULES: Mapping[tuple[str, str], Rule] = {
    ("Root", "naftiko"): Rule(DEFAULT, DEFAULT, DROP, "read as 1.0.0-alpha2", "1.0.0-alpha2"),
    ("Root", "consumes"): Rule(KEEP, KEEP, DROP, "no shared API: the key is dropped"),
    ("Info", "description"): Rule(KEEP, DEFAULT, DROP, "empty text", ""),
    ("Info", "label"): Rule(
        KEEP,
        DEFAULT,
        DROP,
        "`title`, else the capability's first namespace",
        derive="info_label",
    ),
    ("Person", "role"): Rule(KEEP, DEFAULT, DROP, "`stakeholder`", "stakeholder"),
    ("Person", "fullName"): _NAME_REQUIRED,
    ("Binding", "keys"): Rule(KEEP, DEFAULT, DROP, "no keys", {}),
    ("Capability", "exposes"): Rule(
        KEEP,
        KEEP,
        DROP,
        "consumes only: the key is dropped (adapters are derived from `consumes`); "
        "neither key written → refused (NAF203); no adapter and no consumed operation left "
        "once units are left out → nothing to serve (NAF302, naming them)",
    ),
    ("ConsumesHttp", "type"): Rule(UNIT, DEFAULT, DROP, "`http` (the only generated type)", "http"),
    ("ConsumesHttp", "baseUri"): Rule(KEEP, UNIT, DROP, "no upstream to call: unit left out"),
    ("ConsumesHttp", "resources"): Rule(
        KEEP, KEEP, DROP, "no operation: the key is dropped and calls into the API are left out"
    ),
    ("ConsumedHttpResource", "name"): Rule(
        KEEP, DEFAULT, DROP, "a kebab name made of the path", derive="resource_name"
    ),
    ("ConsumedHttpResource", "path"): Rule(
        KEEP,
        DEFAULT,
        DROP,
        "empty (the base URI) when every operation carries its own `path`",
        derive="path",
    ),
    ("ConsumedHttpResource", "operations"): Rule(
        KEEP, UNIT, UNIT, "nothing to call: the resource is left out"
    ),
    ("ConsumedHttpOperation", "method"): Rule(
        UNIT, DEFAULT, DROP, "`GET` (the spec's default)", "GET"
    ),
    ("ConsumedHttpOperation", "name"): Rule(
        KEEP, DEFAULT, DROP, "`<method>-<resource name>`", derive="operation_name"
    ),
    ("ConsumedHttpOperation", "outputRawFormat"): Rule(
        DEFAULT,
        KEEP,
        DROP,
        "a media type is read as its format; unknown → `binary` (passed through)",
        "binary",
    ),
    ("ConsumedInputParameter", "name"): _NAME_REQUIRED,
    ("ConsumedInputParameter", "in"): _IN,
    # Official 1.0.0-alpha2 has no `type` on a consumed parameter (NAF260 when written): a
    # missing one is the official form, read without a warning.
    ("ConsumedInputParameter", "type"): Rule(
        DEFAULT,
        KEEP,
        DROP,
        "a type name is read as its JSON type; unknown → `string`; none (the official form): "
        "`string`, `object` for an `in: body` parameter",
        "string",
        "type",
    ),
    ("ConsumedOutputParameter", "name"): _NAME_REQUIRED,
    ("ConsumedOutputParameter", "type"): _TYPE,
    ("ConsumedOutputParameter", "value"): Rule(
        KEEP, DEFAULT, DROP, "`$.<name>`", derive="output_value"
    ),
    ("RequestBody", "type"): Rule(
        DEFAULT,
        DEFAULT,
        DROP,
        "a media type is read as its body "
        "type; else `json` for structured `data`, `text` for a string",
        derive="body_type",
    ),
    ("Authentication", "type"): Rule(
        UNIT,
        DEFAULT,
        DROP,
        "the kind its keys imply (`token` → "
        "bearer, `username` → basic, `key` → apikey, "
        "`authorizationServerUri` → oauth2); else the unit is left "
        "out. `none`, `noauth`, `anonymous`, `public` mean no authentication (the key is "
        "dropped, NAF283); `http` with a `scheme` of basic, bearer or digest is that scheme",
        derive="auth_type",
    ),
    ("Authentication", "placement"): Rule(
        UNIT,
        DEFAULT,
        DROP,
        "`header`, with the warning although the schema lets it be left out (the reference "
        "engine requires it on a consumed API)",
        "header",
    ),
    ("Authentication", "tokenValidation"): Rule(
        UNIT, KEEP, DROP, "a credential check is never guessed: the unit is left out"
    ),
    ("Authentication", "authorizationServerUri"): Rule(KEEP, UNIT, DROP, "no issuer to trust"),
    ("Authentication", "resource"): Rule(KEEP, UNIT, DROP, "no audience to check"),
    ("ExposesEntry", "type"): Rule(
        KEEP,
        DEFAULT,
        DROP,
        "the adapter its keys imply (`tools` → mcp, `skills` → skill, `resources` → rest)",
        derive="adapter_type",
    ),
    ("ExposesEntry", "namespace"): Rule(
        KEEP, DEFAULT, DROP, "the adapter type", derive="namespace"
    ),
    ("ExposesEntry", "port"): _PORT,
    ("ExposesRest", "resources"): Rule(KEEP, KEEP, UNIT, "nothing to serve: adapter left out"),
    ("ExposesMcp", "transport"): Rule(DEFAULT, KEEP, DROP, "`http` (the spec's default)", "http"),
    ("ExposesMcp", "tools"): Rule(KEEP, UNIT, UNIT, "nothing to serve: adapter left out"),
    ("ExposesSkill", "skills"): Rule(KEEP, UNIT, UNIT, "nothing to serve: adapter left out"),
    ("ExposedResource", "path"): Rule(KEEP, UNIT, DROP, "no route: the resource is left out"),
    ("ExposedResource", "operations"): Rule(KEEP, UNIT, UNIT, "no route: the resource is left out"),
    ("ExposedOperation", "method"): Rule(
        UNIT, DEFAULT, DROP, "the method of the operation it calls, else `GET`", derive="method"
    ),
    ("ExposedOperation", "steps"): _STEPS,
    ("ExposedInputParameter", "name"): _NAME_REQUIRED,
    ("ExposedInputParameter", "in"): _IN,
    ("ExposedInputParameter", "type"): _TYPE,
    ("ForwardConfig", "targetNamespace"): Rule(
        KEEP,
        DEFAULT,
        DROP,
        "the only consumes namespace; else the resource is left out",
        derive="target",
    ),
    ("McpTool", "name"): Rule(
        KEEP,
        DEFAULT,
        DROP,
        "the name of the operation it calls, else the unit is left out",
        derive="tool_name",
    ),
    ("McpTool", "steps"): _STEPS,
    ("McpToolInputParameter", "name"): _NAME_REQUIRED,
    ("McpToolInputParameter", "type"): _TYPE,
    ("McpToolInputParameter", "description"): _DESCRIPTION,
    ("McpResource", "name"): _NAME_REQUIRED,
    ("McpResource", "label"): _LABEL,
    ("McpResource", "description"): _DESCRIPTION,
    ("McpResource", "uri"): Rule(KEEP, DEFAULT, DROP, "`data://<name>`", derive="uri"),
    ("McpResource", "steps"): _STEPS,
    ("McpPrompt", "name"): _NAME_REQUIRED,
    ("McpPrompt", "label"): _LABEL,
    ("McpPrompt", "description"): _DESCRIPTION,
    ("McpPrompt", "template"): Rule(KEEP, KEEP, UNIT, "a prompt with no message: left out"),
    ("McpPromptArgument", "name"): _NAME_REQUIRED,
    ("McpPromptArgument", "description"): _DESCRIPTION,
    ("McpPromptMessage", "role"): Rule(DEFAULT, DEFAULT, DROP, "`user`", "user"),
    ("ExposedSkill", "name"): _NAME_REQUIRED,
    ("ExposedSkill", "description"): _DESCRIPTION,
    ("SkillTool", "description"): _DESCRIPTION,
    ("ExposesControl", "propagation"): Rule(DEFAULT, KEEP, DROP, "`w3c` (the default)", "w3c"),
    ("Aggregate", "label"): Rule(
        KEEP, DEFAULT, DROP, "the aggregate's namespace", derive="aggregate_label"
    ),
    ("Aggregate", "functions"): Rule(KEEP, UNIT, UNIT, "nothing to reference: left out"),
    ("AggregateFunction", "description"): _DESCRIPTION,
    ("AggregateFunction", "steps"): _STEPS,
    ("OperationStep", "type"): Rule(
        DEFAULT,
        DEFAULT,
        DROP,
        "the kind its keys imply (`call` → call, `index` → lookup, `file` → script)",
        derive="step_type",
    ),
    ("OperationStep", "name"): Rule(
        KEEP, DEFAULT, DROP, "the called operation's name", derive="step_name"
    ),
    ("OperationStep", "language"): Rule(
        UNIT, KEEP, DROP, "a script is never run in a guessed language: the unit is left out"
    ),
    ("OutputParameter", "type"): Rule(
        DEFAULT,
        DEFAULT,
        DROP,
        "a type name is read as its JSON "
        "type; missing → `object` with `properties`, `array` with "
        "`items`, else `string`",
        "string",
        "output_type",
    ),
}
"""(object, field) → its decision; the object names are the schema's `$defs` names."""


def generic_rule(required: bool, is_list: bool) -> Rule:
    """The decision for a field `RULES` does not list."""
    if is_list:
        return Rule(REFUSE, UNIT if required else KEEP, UNIT if required else DROP)
    return Rule(REFUSE, UNIT if required else KEEP, DROP)


UNITS = frozenset(
    {
        "ConsumesHttp",
        "ImportedConsumesHttp",
        "ConsumedHttpResource",
        "ConsumedHttpOperation",
        "ExposesEntry",
        "ExposesRest",
        "ExposesMcp",
        "ExposesSkill",
        "ExposesControl",
        "ExposedResource",
        "ExposedOperation",
        "McpTool",
        "McpResource",
        "McpPrompt",
        "ExposedSkill",
        "SkillTool",
        "Aggregate",
        "AggregateFunction",
        "Binding",
        "Person",
        "ConsumedInputParameter",
        "ConsumedOutputParameter",
        "ExposedInputParameter",
        "McpToolInputParameter",
        "McpPromptArgument",
    }
)
"""Objects the lenient reader may leave out whole (a list item), reported where it stood."""

CHILDREN: Mapping[str, Mapping[str, str]] = {
    "Root": {
        "info": "Info",
        "capability": "Capability",
        "consumes": "[ConsumesEntry",
        "binds": "[Binding",
    },
    "Info": {"stakeholders": "[Person"},
    "Capability": {
        "exposes": "[ExposesEntry",
        "consumes": "[ConsumesEntry",
        "binds": "[Binding",
        "aggregates": "[Aggregate",
    },
    "ConsumesHttp": {
        "resources": "[ConsumedHttpResource",
        "authentication": "Authentication",
        "inputParameters": "[ConsumedInputParameter",
    },
    "ConsumedHttpResource": {
        "operations": "[ConsumedHttpOperation",
        "inputParameters": "[ConsumedInputParameter",
    },
    "ConsumedHttpOperation": {
        "inputParameters": "[ConsumedInputParameter",
        "body": "RequestBody",
        "outputParameters": "[ConsumedOutputParameter",
    },
    "ExposesRest": {"resources": "[ExposedResource", "authentication": "Authentication"},
    "ExposesMcp": {
        "tools": "[McpTool",
        "resources": "[McpResource",
        "prompts": "[McpPrompt",
        "authentication": "Authentication",
    },
    "ExposesSkill": {"skills": "[ExposedSkill", "authentication": "Authentication"},
    "ExposesControl": {
        "authentication": "Authentication",
        "management": "ExposesControl",
        "observability": "ExposesControl",
        "scripting": "ExposesControl",
        "traces": "ExposesControl",
        "exporters": "ExposesControl",
        "otlp": "ExposesControl",
        "metrics": "ExposesControl",
        "local": "ExposesControl",
        "logs": "ExposesControl",
    },
    "ExposedResource": {
        "operations": "[ExposedOperation",
        "forward": "ForwardConfig",
        "inputParameters": "[ExposedInputParameter",
    },
    "ExposedOperation": {
        "inputParameters": "[ExposedInputParameter",
        "steps": "[OperationStep",
        "outputParameters": "[OutputParameter",
    },
    "McpTool": {
        "inputParameters": "[McpToolInputParameter",
        "steps": "[OperationStep",
        "outputParameters": "[OutputParameter",
        "hints": "McpToolHints",
    },
    "McpResource": {"steps": "[OperationStep", "outputParameters": "[OutputParameter"},
    "McpPrompt": {"arguments": "[McpPromptArgument", "template": "[McpPromptMessage"},
    "ExposedSkill": {"tools": "[SkillTool"},
    "Aggregate": {"functions": "[AggregateFunction"},
    "AggregateFunction": {
        "inputParameters": "[McpToolInputParameter",
        "steps": "[OperationStep",
        "outputParameters": "[OutputParameter",
    },
    "OutputParameter": {"properties": "{OutputParameter", "items": "OutputParameter"},
}
"""Object → its fields holding objects: `[X` a list of X, `{X` a map of X, `X` one X."""

_ADAPTERS = {
    "rest": "ExposesRest",
    "mcp": "ExposesMcp",
    "skill": "ExposesSkill",
    "control": "ExposesControl",
}


def _refine(kind: str, node: Any) -> str:
    """A discriminated object's own kind, read from its (possibly misspelt) discriminator."""
    if not isinstance(node, dict):
        return kind
    if kind == "ConsumesEntry":
        if "import" in node or "location" in node:
            return "ImportedConsumesHttp"
        raw = node.get("type")
        if raw is None or match_member(str(raw), ["http"], SYNONYMS["consumes"]):
            return "ConsumesHttp"
        return "ConsumesOther"
    if kind == "ExposesEntry":
        raw = node.get("type")
        member = match_member(str(raw), list(_ADAPTERS), SYNONYMS["adapter"]) if raw else None
        return _ADAPTERS.get(member or "", "ExposesEntry")
    return kind


def kind_at(data: Any, path: tuple[Any, ...]) -> str | None:
    """The schema object at `path` (`Root` for the document); None for a non-object node."""
    kind, node = "Root", data
    index = 0
    while index < len(path):
        child = CHILDREN.get(kind, {}).get(str(path[index]))
        if child is None or not isinstance(node, dict) or path[index] not in node:
            return None
        node = node[path[index]]
        index += 1
        if child[0] in "[{":
            if index == len(path):
                return None
            try:
                node = node[path[index]]
            except (KeyError, IndexError, TypeError):
                return None
            index += 1
            child = child[1:]
        kind = _refine(child, node)
    return kind if isinstance(node, dict) else None


def unit_path(data: Any, path: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The path of the innermost unit (a list item of a `UNITS` kind) holding `path`."""
    for end in range(len(path), 0, -1):
        probe = path[:end]
        if isinstance(probe[-1], int) and kind_at(data, probe) in UNITS:
            return probe
    return None


def is_adapter(kind: str) -> bool:
    """Whether `kind` is an exposed adapter (rules written for `ExposesEntry` apply to it)."""
    return kind.startswith("Exposes")


def rule_for(kind: str, field: str) -> Rule | None:
    """The listed rule of a field, looking through adapter and step kinds to their family."""
    for family in (kind, "ExposesEntry" if is_adapter(kind) else "", _STEP_FAMILY.get(kind, "")):
        if family and (family, field) in RULES:
            return RULES[(family, field)]
    return None


_STEP_FAMILY = {
    "StepCall": "OperationStep",
    "StepLookup": "OperationStep",
    "StepScript": "OperationStep",
}
