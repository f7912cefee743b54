"""Fuzzed capability documents for the generator, and what building one must lead to.

`variant(rng)` draws a small capability around one consumed API: path parameters of every type,
required and optional parameters with and without values, hostile literal text in upstream
paths, header and cookie names and constant values with control characters, and duplicate MCP
names and REST routes. `outcome(spec_path, out)` builds it and checks the rule of issue 11: the
generator refuses it with located ERROR diagnostics, or writes a package whose modules compile.
`run_generated_tests(packages)` runs the packages' own tests in one pytest process.

Shared by `tests/faults/test_fuzzed_specs.py` (a short run in the suite) and
`bench/fuzz_specs.py` (a long run that prints figures).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.pipeline import build_spec

__all__ = ["Outcome", "SuiteResult", "outcome", "run_generated_tests", "variant", "write_variant"]

_TYPES = ("string", "integer", "number", "boolean", "array", "object")
_WORDS = ("items", "users", "v1", "api", "orders", "x")
# Literal text a resource path may carry: every character class that needs encoding.
_HOSTILE_TEXT = (
    "a b",
    "q?x=1",
    "frag#ment",
    "50%",
    "%41",
    "%zz",
    "é",
    "日本",
    "<id>",
    '"q"',
    "back\\slash",
    "pipe|caret^",
    "`tick`",
    "a;b=c",
    "a&b",
    "a+b",
    "~user",
    "..",
    ".",
    "tab\t",
    "nul\x00",
    "cr\r\nlf",
    "del\x7f",
    "{",
    "}",
    "[1]",
    "@:!$'()*,",
)
_GOOD_HEADER_NAMES = ("X-Trace", "Accept-Language", "x_under", "X-Api-Version")
_BAD_HEADER_NAMES = ("X Bad", "X:Colon", "Ünï", "X(paren)", "X/Slash", "", "X\r\nInjected")
_GOOD_VALUES = ("plain", "with space", "é", "{{TOKEN}}", "Bearer {{TOKEN}}", "tab\tinside")
_BAD_VALUES = ("a\r\nInjected: 1", "nul\x00", "bell\x07", "del\x7f")
_GOOD_COOKIE_NAMES = ("session", "sid", "ok_cookie")
_BAD_COOKIE_NAMES = ("bad name", "a=b", "c;d")
_TOOL_NAMES = ("get-item", "list-items", "update-item", "get-item")
# The generated packages' own `[tool.pytest.ini_options]`, but for `testpaths`.
_PYTEST_INI = "[pytest]\naddopts = --strict-markers\nfilterwarnings =\n    error\n"
_URIS = ("data://items", "data://items/{id}", "data://items/{key}", "data://other")


@dataclass
class _Param:
    name: str
    location: str
    raw: dict[str, Any]


def _pick(rng: random.Random, items: Sequence[Any]) -> Any:
    return items[rng.randrange(len(items))]


def _mostly(rng: random.Random, good: Sequence[Any], bad: Sequence[Any]) -> Any:
    """A good item nine times in ten, else a hostile one."""
    return _pick(rng, good) if rng.random() < 0.9 else _pick(rng, bad)


def _path(rng: random.Random) -> tuple[str, list[str]]:
    """A consumed resource path and its placeholders."""
    segments: list[str] = []
    placeholders: list[str] = []
    for index in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.35:
            name = _pick(rng, ("id", "key", "item_id", f"p{index}"))
            if name not in placeholders:
                placeholders.append(name)
                segments.append("{" + name + "}")
                continue
        if roll < 0.7:
            segments.append(_pick(rng, _WORDS))
        else:
            segments.append(_pick(rng, _WORDS) + _pick(rng, _HOSTILE_TEXT))
    return "/" + "/".join(segments), placeholders


def _parameter(rng: random.Random, name: str, location: str) -> dict[str, Any]:
    raw: dict[str, Any] = {"name": name, "in": location}
    if rng.random() < 0.5:
        raw["type"] = _pick(rng, _TYPES)
    if location != "path" and rng.random() < 0.5:
        raw["required"] = rng.random() < 0.6
    if location in ("header", "cookie") and rng.random() < 0.6:
        raw["value"] = _mostly(rng, _GOOD_VALUES, _BAD_VALUES)
    elif location == "query" and rng.random() < 0.2:
        raw["value"] = _pick(rng, ("fixed", "{{TOKEN}}", "a b"))
    return raw


def _operation(
    rng: random.Random, name: str, placeholders: list[str]
) -> tuple[dict[str, Any], list[_Param]]:
    params = [_Param(p, "path", _parameter(rng, p, "path")) for p in placeholders]
    for _ in range(rng.randint(0, 3)):
        location = _pick(rng, ("query", "query", "header", "cookie"))
        if location == "query":
            pname = _pick(rng, ("limit", "q", "page"))
        elif location == "header":
            pname = _mostly(rng, _GOOD_HEADER_NAMES, _BAD_HEADER_NAMES)
        else:
            pname = _mostly(rng, _GOOD_COOKIE_NAMES, _BAD_COOKIE_NAMES)
        if any(p.name == pname and p.location == location for p in params):
            continue
        params.append(_Param(pname, location, _parameter(rng, pname, location)))
    operation: dict[str, Any] = {"name": name, "method": _pick(rng, ("GET", "POST", "DELETE"))}
    if params:
        operation["inputParameters"] = [p.raw for p in params]
    return operation, params


def _with(rng: random.Random, namespace: str, params: list[_Param]) -> dict[str, Any] | None:
    """A unit's `with`: absent (every parameter an input), or binding some of them."""
    if rng.random() < 0.4 or not params:
        return None
    bound: dict[str, Any] = {}
    for param in params:
        roll = rng.random()
        if roll < 0.4:
            bound[param.name] = f"{namespace}.{param.name}"
        elif roll < 0.55 and param.location in ("header", "cookie", "query"):
            bound[param.name] = _mostly(rng, _GOOD_VALUES, _BAD_VALUES)
    return bound or {params[0].name: f"{namespace}.{params[0].name}"}


def _rest_inputs(rng: random.Random, placeholders: list[str]) -> list[dict[str, Any]]:
    return [
        {"name": p, "in": "path", "type": _pick(rng, _TYPES), "description": f"The {p}."}
        for p in placeholders
        if rng.random() < 0.5
    ]


def variant(rng: random.Random) -> dict[str, Any]:
    """One capability document (plain data, ready for YAML)."""
    resources = []
    operations: list[tuple[str, list[str], list[_Param]]] = []
    for r_index in range(rng.randint(1, 3)):
        path, placeholders = _path(rng)
        ops = []
        for o_index in range(rng.randint(1, 2)):
            name = f"op-{r_index}-{o_index}"
            operation, params = _operation(rng, name, placeholders)
            ops.append(operation)
            operations.append((name, placeholders, params))
        resources.append({"name": f"res-{r_index}", "path": path, "operations": ops})
    rest_resources = []
    for index, (name, placeholders, params) in enumerate(operations):
        if rng.random() < 0.3:
            continue
        exposed = "/r" + str(index if rng.random() < 0.85 else 0)
        renamed = [p if rng.random() < 0.8 else p + "x" for p in placeholders]
        exposed += "".join("/{" + p + "}" for p in renamed)
        unit: dict[str, Any] = {
            "method": _pick(rng, ("GET", "GET", "POST")),
            "call": f"demo.{name}",
        }
        wiring = _with(rng, "demo-rest", params)
        if wiring is not None:
            unit["with"] = wiring
        resource: dict[str, Any] = {"path": exposed, "description": "R.", "operations": [unit]}
        inputs = _rest_inputs(rng, [p for p in renamed if p in placeholders])
        if inputs:
            resource["inputParameters"] = inputs
        rest_resources.append(resource)
    tools = []
    for index, (name, _, params) in enumerate(operations):
        if rng.random() < 0.3:
            continue
        tool: dict[str, Any] = {
            "name": _pick(rng, _TOOL_NAMES) if rng.random() < 0.3 else f"tool-{index}",
            "description": "T.",
            "call": f"demo.{name}",
        }
        wiring = _with(rng, "demo-mcp", params)
        if wiring is not None:
            tool["with"] = wiring
        tools.append(tool)
    exposes: list[dict[str, Any]] = []
    if rest_resources:
        exposes.append(
            {"type": "rest", "namespace": "demo-rest", "port": 8080, "resources": rest_resources}
        )
    mcp: dict[str, Any] = {"type": "mcp", "namespace": "demo-mcp", "port": 9090}
    mcp["tools"] = tools or [
        {
            "name": "static",
            "description": "S.",
            "outputParameters": [{"name": "ok", "type": "string", "value": "yes"}],
        }
    ]
    if rng.random() < 0.3:
        mcp["resources"] = _mcp_resources(rng, operations)
    if rng.random() < 0.2:
        mcp["prompts"] = [
            {
                "name": _pick(rng, ("greet", "greet", "summarise")),
                "label": "P",
                "description": "P.",
                "template": [{"role": "user", "content": "Hi"}],
            }
            for _ in range(rng.randint(1, 2))
        ]
    exposes.append(mcp)
    return {
        "naftiko": "1.0.0-alpha2",
        "info": {"label": "Fuzz", "description": "A fuzzed capability."},
        "binds": [{"namespace": "env", "keys": {"TOKEN": "FUZZ_TOKEN"}}],
        "capability": {
            "consumes": [
                {
                    "type": "http",
                    "namespace": "demo",
                    "baseUri": "https://api.example.com",
                    "description": "Demo API.",
                    "resources": resources,
                }
            ],
            "exposes": exposes,
        },
    }


def _mcp_resources(
    rng: random.Random, operations: list[tuple[str, list[str], list[_Param]]]
) -> list[dict[str, Any]]:
    found = []
    for index in range(rng.randint(1, 2)):
        name, _, _ = _pick(rng, operations)
        found.append(
            {
                "name": f"res-{index}",
                "label": "R",
                "description": "R.",
                "uri": _pick(rng, _URIS),
                "call": f"demo.{name}",
            }
        )
    return found


def write_variant(data: dict[str, Any], folder: Path, name: str) -> Path:
    """Write a document as YAML (control characters escaped, as YAML allows)."""
    spec = folder / f"{name}.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@dataclass
class Outcome:
    """What building one variant did."""

    refused: tuple[str, ...] = ()
    """The error codes, when refused."""
    unlocated: tuple[str, ...] = ()
    """Error findings without a line and column (must stay empty)."""
    package: Path | None = None
    not_compiling: tuple[str, ...] = ()
    """Modules of the written package that do not compile (must stay empty)."""
    crash: str = ""
    """An exception other than a refusal (must stay empty)."""


def outcome(spec: Path, out: Path) -> Outcome:
    """Build `spec` into `out`; check the refusal is located, or the package compiles."""
    try:
        built = build_spec(spec, out)
    except DiagnosticError as error:  # build_spec reports refusals itself; never expected
        return Outcome(crash=f"DiagnosticError escaped: {error}")
    except Exception as error:  # the fuzzer counts crashes, it does not stop
        return Outcome(crash=f"{type(error).__name__}: {error}")
    if not built.ok:
        errors = [d for d in built.diagnostics if d.is_error]
        unlocated = tuple(
            f"{d.code} {d.location} {d.message}"
            for d in errors
            if d.location.line <= 0 or d.location.column <= 0
        )
        return Outcome(refused=tuple(sorted({d.code for d in errors})), unlocated=unlocated)
    assert built.target is not None
    broken = []
    for module in sorted(built.target.rglob("*.py")):
        try:
            compile(module.read_text(encoding="utf-8"), str(module), "exec")
        except (SyntaxError, ValueError) as error:
            broken.append(f"{module}: {error}")
    return Outcome(package=built.target, not_compiling=tuple(broken))


@dataclass
class SuiteResult:
    """The generated tests of some packages, run together."""

    passed: int = 0
    failed: dict[str, list[str]] = field(default_factory=dict)
    """Package folder → the failing tests (and collection errors) of that package."""
    suites: int = 0
    log: str = ""


def run_generated_tests(packages: Sequence[Path], *, timeout: float = 600) -> SuiteResult:
    """Run the packages' own tests in one pytest process (as the corpus gate does)."""
    result = SuiteResult(suites=len(packages))
    if not packages:
        return result
    # Module names derive from paths below the root dir: it must hold every package.
    root = os.path.commonpath([str(p.parent) for p in packages])
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(p / "src") for p in packages] + [env.get("PYTHONPATH", "")]
        )
        env.pop("PYTEST_ADDOPTS", None)
        ini = Path(folder) / "pytest.ini"
        ini.write_text(_PYTEST_INI, encoding="utf-8")
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-c",
                str(ini),
                "--rootdir",
                root,
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "--import-mode=importlib",
                "--continue-on-collection-errors",
                "-q",
                "--no-header",
                "-o",
                "junit_family=xunit1",
                f"--junitxml={report}",
                *(str(p / "tests") for p in packages),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result.log = run.stdout[-20000:] + run.stderr[-5000:]
        if not report.exists():
            result.failed = {str(p): ["no report: pytest did not run"] for p in packages}
            return result
        for case in ET.parse(report).getroot().iter("testcase"):
            where = case.get("file") or case.get("classname") or ""
            owner = next((str(p) for p in packages if p.name in re.split(r"[/.]", where)), where)
            problems = [e for e in case if e.tag in ("failure", "error")]
            if problems:
                result.failed.setdefault(owner, []).append(
                    f"{case.get('name')}: {problems[0].get('message', '')[:300]}"
                )
            elif not any(e.tag == "skipped" for e in case):
                result.passed += 1
    return result
