"""The CLI as a new user meets it (in process, with click's runner): empty folders, the
tutorial's folder layout with its `shared/` documents, a spec named twice, an unclosed quote,
grouped dialect warnings, the rebuild command `check` suggests after a hand edit, derivation on
and off, and `import-openapi` from standard input and from a URL on loopback."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from naftiko_codegen.cli import cli
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.load import load_spec
from naftiko_codegen.pipeline import check_spec

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"
# A small spec that builds (the golden error case with its one mistake fixed).
CLEAN = (
    (REPO / "tests" / "errors" / "unknown-operation.yaml")
    .read_text(encoding="utf-8")
    .replace("demo.delete-items", "demo.list-items")
)
CONSUMES_ONLY = CLEAN.split("  exposes:\n")[0]


def _run(*args: str | Path, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, [str(a) for a in args], input=input, prog_name="naftiko-gen", catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


# ----------------------------------------------------------------------------- what is named


def test_an_empty_folder_or_one_without_a_spec_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("not a spec\n")
    for folder in (empty, tmp_path / "docs"):
        for command in (["validate"], ["build", "-o", tmp_path / "out"], ["check", "-o", "x"]):
            code, _, err = _run(*command, folder)
            assert code == 1, (command, err)
            assert f"{folder}: error[NAF121]: no capability file found in {folder}" in err
    assert not (tmp_path / "out").exists()
    code, out, _ = _run("validate", empty, "--format", "json")
    assert code == 1 and json.loads(out)["files"] == []


def test_the_tutorial_layout_validates_as_a_folder(shared_dir: Path, tmp_path: Path) -> None:
    """Specs beside `shared/`: the shared-consumes documents are checked as such (no NAF301)."""
    root = tmp_path / "tutorial"
    (root / "shared").mkdir(parents=True)
    for source in sorted((shared_dir / "corpus" / "official").glob("tutorial__*")):
        name = source.name.removeprefix("tutorial__")
        target = root / "shared" / name.removeprefix("shared__") if "shared__" in name else None
        shutil.copyfile(source, target or root / name)
    (root / "shared" / "secrets.yaml").write_text("registry-bearer-token: x\n")
    code, _, err = _run("validate", root)
    assert code == 0, err
    assert "NAF301" not in err
    assert (
        f"{root / 'shared' / 'step5-registry-consumes.yaml'}: info[NAF123]: shared-consumes " in err
    )
    assert f"{root / 'shared' / 'registry-consumes.yaml'}: info[NAF123]" in err  # imported by none
    assert f"{root / 'shared' / 'secrets.yaml'}: info[NAF123]: file of bind values used by " in err
    assert f"{root / 'shared' / 'legacy-consumes.yaml'}: 0 errors" in err  # checked, not built
    assert f"{root / 'step-1-shipyard-mock.yml'}: 0 errors" in err
    code, out, _ = _run(
        "validate", root / "shared", root / "step-5-shipyard-multi-source.yml", "--format", "json"
    )
    assert code == 0
    codes = {f["file"]: [d["code"] for d in f["diagnostics"]] for f in json.loads(out)["files"]}
    assert codes[str(root / "shared" / "step5-registry-consumes.yaml")][0] == "NAF123"


def test_a_folder_walk_builds_specs_only_and_each_once(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    (specs / "shared").mkdir(parents=True)
    api = "naftiko: 1.0.0-alpha2\n" + CLEAN.split("capability:\n")[1].split("  exposes:\n")[0]
    (specs / "shared" / "api.yaml").write_text(api.replace("\n  ", "\n"))
    spec = CLEAN.replace(
        CLEAN.split("capability:\n")[1].split("  exposes:\n")[0],
        "  consumes:\n  - import: demo\n    location: ./shared/api.yaml\n",
    )
    (specs / "app.yaml").write_text(spec)
    code, _, err = _run("build", specs, specs / "app.yaml", "-o", tmp_path / "out", "--dry-run")
    assert code == 0, err
    assert f"{specs / 'app.yaml'}: info[NAF122]: named twice (also as {specs / 'app.yaml'})" in err
    assert f"{specs / 'shared' / 'api.yaml'}: info[NAF123]: shared-consumes document used" in err
    assert err.count("would build") == 1 and "NAF301" not in err
    code, _, err = _run("validate", SEED, SEED, "-q")
    assert code == 0 and err == ""


def test_an_unclosed_quote_is_located_where_it_opens() -> None:
    text = 'naftiko: "1.0.0-alpha2\ninfo:\n  label: x\ncapability:\n  consumes: []\n'
    with pytest.raises(DiagnosticError) as raised:
        load_spec(text, "spec.yaml")
    (error,) = raised.value.diagnostics
    assert (error.location.line, error.location.column) == (1, 10)
    assert "the quote opened here is never closed" in error.message


# ----------------------------------------------------------------------------- warnings


def test_dialect_deviations_are_one_line_unless_verbose() -> None:
    code, _, err = _run("validate", SEED)
    assert code == 0
    assert f"{SEED}: 19 catalog-dialect deviations accepted (NAF260, NAF261, NAF263, " in err
    assert "warning[NAF264]" not in err
    _, _, verbose = _run("validate", SEED, "--verbose")
    assert verbose.count("warning[NAF264]") == 10 and "catalog-dialect" not in verbose
    _, out, _ = _run("validate", SEED, "--format", "json")
    assert len(json.loads(out)["files"][0]["diagnostics"]) == 19


def test_check_after_a_hand_edit_suggests_a_rebuild_that_works(tmp_path: Path) -> None:
    spec, out = tmp_path / "demo.yaml", tmp_path / "out"
    spec.write_text(CLEAN)
    assert _run("build", spec, "-o", out, "-q")[0] == 0
    readme = out / "demo" / "README.md"
    readme.write_text(readme.read_text() + "\nmine\n")
    code, _, err = _run("check", spec, "-o", out)
    assert code == 1
    suggested = err.split("regenerate with: ")[1].split(" (this discards")[0]
    assert suggested == f"naftiko-gen build {spec} -o {out} --force"
    code, _, err = _run(*suggested.split()[1:])
    assert code == 0, err
    assert _run("check", spec, "-o", out)[0] == 0


# ----------------------------------------------------------------------------- derivation


def test_derivation_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "only.yaml"
    spec.write_text(CONSUMES_ONLY)
    code, _, err = _run("validate", spec)
    assert code == 0 and "warning[NAF390]" in err and "1 tool(s)" in err
    code, _, err = _run("validate", spec, "--no-derive")
    assert code == 1 and "error[NAF302]" in err and "drop --no-derive" in err
    (tmp_path / "pyproject.toml").write_text("[tool.naftiko-gen]\nderive = false\n")
    monkeypatch.chdir(tmp_path)
    assert "error[NAF302]" in _run("validate", spec)[2]
    assert "warning[NAF390]" in _run("validate", spec, "--derive")[2]
    (tmp_path / "pyproject.toml").write_text("[tool.naftiko-gen]\nderive = 'no'\n")
    code, _, err = _run("validate", spec)
    assert code == 1 and "derive must be true or false" in err


# ----------------------------------------------------------------------------- import-openapi

OPENAPI = """\
openapi: 3.0.0
info: {title: Pets, version: "1"}
servers: [{url: "https://pets.test/api"}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [available, sold]}}
      responses:
        "200":
          description: the pets
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: "#/components/schemas/Pet"}}
      responses: {"201": {description: created}}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string, description: The pet's name.}
        age: {type: integer}
"""


@pytest.fixture
def served_openapi() -> Iterator[str]:
    """OPENAPI served over HTTP on loopback; yields its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = OPENAPI.encode()
            self.send_response(200 if self.path == "/openapi.yaml" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_import_openapi_keeps_enums_and_schemas_from_stdin_and_urls(
    served_openapi: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, from_stdin, err = _run("import-openapi", "-", input=OPENAPI)
    assert code == 0, err
    code, from_url, err = _run("import-openapi", served_openapi + "/openapi.yaml")
    assert code == 0, err
    assert from_url.split("\n", 1)[1] == from_stdin.split("\n", 1)[1]  # all but the source line
    capability = load_spec(from_stdin, "pets.yaml").data["capability"]
    listing, creating = capability["consumes"][0]["resources"][0]["operations"]
    assert listing["outputParameters"] == [
        {"name": "name", "type": "string", "value": "$.name"},
        {"name": "age", "type": "number", "value": "$.age"},
    ]
    assert creating["inputParameters"] == [
        {"name": "name", "in": "body"},
        {"name": "age", "in": "body"},
    ]
    rest = capability["exposes"][0]["resources"][0]["operations"]
    (status,) = rest[0]["inputParameters"]
    assert (
        status["pattern"] == "^(?:available|sold)$"
        and "One of: available, sold." in status["description"]
    )
    assert [(p["name"], p["type"]) for p in rest[1]["inputParameters"]] == [
        ("name", "string"),
        ("age", "integer"),
    ]
    tool = capability["exposes"][1]["tools"][1]
    assert [(p["name"], p["required"]) for p in tool["inputParameters"]] == [
        ("name", True),
        ("age", False),
    ]
    written = tmp_path / "pets.yaml"
    written.write_text(from_stdin)
    assert not any(d.is_error for d in check_spec(written))
    code, _, err = _run("import-openapi", served_openapi + "/missing")
    assert code == 1 and "error[NAF100]: cannot fetch the document: HTTP Error 404" in err
    monkeypatch.setenv("NAFTIKO_GEN_MAX_SPEC_BYTES", "100")
    code, _, err = _run("import-openapi", "-", input=OPENAPI)
    assert code == 1 and "<stdin>: error[NAF100]: the document is larger than 100 bytes" in err


def test_a_route_or_tool_declared_twice_is_left_out_and_refused_under_strict(
    tmp_path: Path,
) -> None:
    """The lenient policy: the first unit answers, the shadowed one is left out with a located
    warning, and the build succeeds; `--strict` turns the warnings into a refusal."""
    spec = Path(__file__).with_name("duplicate-route.yaml")
    code, _, err = _run("build", spec, "-o", tmp_path, "--verbose")
    assert code == 0, err
    assert "warning[NAF319]: REST route GET /items/{item_id} is declared twice" in err
    assert "warning[NAF318]: MCP tool name 'get-item' is used twice" in err
    package = tmp_path / "duplicate-route" / "src" / "duplicate_route"
    routes = (package / "rest_app.py").read_text(encoding="utf-8")
    assert routes.count("@router.get(") == 1 and "/items/{item_id}" not in routes
    assert (package / "mcp_tools.py").read_text(encoding="utf-8").count("The same name again") == 0
    code, _, err = _run("validate", "--strict", spec)
    assert code == 1 and "NAF319" in err


@pytest.mark.parametrize("stem", ["mcp", "json", "pydantic-settings"])
def test_a_package_name_a_module_already_takes_gets_a_suffix(stem: str, tmp_path: Path) -> None:
    """A spec named `mcp.yaml` must not build a package `mcp` (it would shadow, and `pip
    install` would replace, the MCP SDK the package runs on): `mcp-capability`, with a warning;
    the output folder keeps the name asked for."""
    spec = tmp_path / f"{stem}.yaml"
    spec.write_text(CLEAN, encoding="utf-8")
    code, _, err = _run("build", spec, "-o", tmp_path / "out")
    assert code == 0, err
    assert f"warning[NAF441]: package name {stem!r} is taken" in err
    own = f"{stem}-capability"
    pyproject = (tmp_path / "out" / stem / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name = "{own}"' in pyproject
    assert f'"{own}" = "{own.replace("-", "_")}.cli:main"' in pyproject
    assert (tmp_path / "out" / stem / "src" / own.replace("-", "_")).is_dir()
