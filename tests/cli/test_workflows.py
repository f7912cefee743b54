"""CLI workflows end to end (in process, with click's runner): validate, build, check, templates,
OpenAPI in and out, new, version, completion and help."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from naftiko_codegen import __version__
from naftiko_codegen.cli import cli

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"


def _run(*args: str | Path, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, [str(a) for a in args], input=input, prog_name="naftiko-gen", catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    shutil.copyfile(SEED, path)
    return path


def test_version() -> None:
    code, out, _ = _run("--version")
    assert code == 0 and out.strip() == f"naftiko-gen, version {__version__}"


def test_every_command_has_help_with_examples() -> None:
    assert isinstance(cli, click.Group)
    for name in cli.commands:
        code, out, _ = _run(name, "--help")
        assert code == 0, name
        assert "Examples:" in out and f"naftiko-gen {name}" in out, name
    code, out, _ = _run("--help")
    assert "_NAFTIKO_GEN_COMPLETE=bash_source" in out and "Exit codes" in out


def test_shell_completion_script() -> None:
    result = CliRunner().invoke(
        cli, [], prog_name="naftiko-gen", env={"_NAFTIKO_GEN_COMPLETE": "bash_source"}
    )
    assert "_naftiko_gen_completion" in result.stdout


# ----------------------------------------------------------------------------- validate


def test_validate_exit_codes(spec: Path) -> None:
    code, _, err = _run("validate", spec)
    assert code == 0 and "0 errors" in err
    code, _, _ = _run("validate", spec, "--strict")
    assert code == 1
    code, _, err = _run("validate", spec, "--format", "xml")
    assert code == 2 and "xml" in err


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_validate_machine_formats_go_to_stdout(spec: Path, fmt: str) -> None:
    code, out, err = _run("validate", spec, "--format", fmt)
    assert code == 0 and err == ""
    if fmt == "github":
        assert out.startswith("::warning file=") and ",title=NAF" in out
    else:
        assert json.loads(out)


def test_validate_reports_lint_errors(tmp_path: Path, spec: Path) -> None:
    text = spec.read_text().replace("label: Jupyter", "label: <script>Jupyter", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    code, _, err = _run("validate", bad)
    assert code == 1 and "error[NAF367]" in err and "naftiko-no-script-tags-in-markdown" in err


# ----------------------------------------------------------------------------- build


def test_batch_build_collisions_and_bad_files(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    (specs / "sub").mkdir(parents=True)
    for name in ("a.yaml", "b.yaml", "sub/a.yaml"):
        shutil.copyfile(SEED, specs / name)
    (specs / "broken.yaml").write_text("naftiko: [\n")
    out = tmp_path / "out"
    code, _, err = _run("build", specs, "-o", out, "-j", "2", "-q")
    assert code == 1
    assert "error[NAF411]" in err and "error[NAF101]" in err
    assert re.search(r"\n2 built, \d+ warning\(s\), 2 failed \(NAF101: 1, NAF411: 1\)\n$", err)
    assert (out / "a" / "pyproject.toml").is_file() and (out / "b" / "pyproject.toml").is_file()
    assert not (out / "broken").exists()


def test_build_reports_each_spec_and_a_progress_bar_for_people(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    code, _, err = _run("build", spec, "-o", out)
    assert code == 0 and f"{spec}: built {out / 'demo'} (" in err and "file(s) written" in err
    code, _, err = _run("build", spec, "-o", out, "--dry-run")
    assert code == 0 and "would build" in err and "up to date" in err
    second = tmp_path / "second.yaml"
    shutil.copyfile(spec, second)
    monkeypatch.setattr("naftiko_codegen.cli.build._interactive", lambda: True)
    code, _, err = _run("build", second, spec, "-o", out)
    assert code == 0 and "building" in err
    # Outcomes follow the order the specs were given in, not the order they finished in.
    assert err.index(f"{second}: built") < err.index(f"{spec}: built")
    assert re.search(r"\n2 built, \d+ warning\(s\), 0 failed\n$", err)


def test_one_failed_spec_is_counted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("naftiko: [\n")
    code, _, err = _run("build", bad, "-o", tmp_path / "out")
    assert code == 1 and err.endswith("1 of 1 spec(s) failed\n")


def test_name_needs_a_single_spec(spec: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    shutil.copyfile(spec, other)
    for command in ("build", "check"):
        code, _, err = _run(command, spec, other, "-o", tmp_path, "--name", "x")
        assert code == 2 and "--name works with a single spec only" in err


def test_dry_run_lists_and_writes_nothing(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = _run("build", spec, "-o", out, "--dry-run", "-q")
    assert code == 0 and not out.exists()
    assert f"create: {out / 'demo' / 'README.md'}" in stdout
    assert "create (yours from now on):" in stdout and "hooks.py" in stdout


def test_check_passes_then_catches_a_hand_edit(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run("build", spec, "-o", out, "-q")[0] == 0
    assert _run("build", spec, "-o", out, "--check")[0] == 0
    assert _run("check", spec, "-o", out)[0] == 0
    readme = out / "demo" / "README.md"
    readme.write_text(readme.read_text() + "edit\n")
    code, stdout, err = _run("check", spec, "-o", out)
    assert code == 1
    assert "edited: README.md was edited by hand" in err
    assert stdout.startswith("--- a/") and "-edit" in stdout
    code, _, err = _run("build", spec, "-o", out, "-q")
    assert code == 1 and "NAF410" in err  # the edit survives a plain rebuild
    assert readme.read_text().endswith("edit\n")


def test_check_cannot_check_a_broken_spec(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("naftiko: [\n")
    code, _, err = _run("check", bad, "-o", tmp_path / "out", "--templates", tmp_path)
    assert code == 1 and f"{bad}: cannot check (1 error, 0 warnings)" in err
    assert f"1 of 1 package(s) stale; regenerate with: naftiko-gen build {bad}" in err
    assert err.rstrip().endswith(f"--templates {tmp_path}")


def test_a_bad_project_configuration_is_reported(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.naftiko-gen]\ntemplates = "missing"\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = _run("build", spec, "-o", "out")
    assert code == 1 and "error[NAF105]" in err and "see: " in err


def test_check_and_force_do_not_mix(spec: Path, tmp_path: Path) -> None:
    code, _, err = _run("build", spec, "-o", tmp_path, "--check", "--force")
    assert code == 2 and "--check" in err


def test_templates_from_pyproject(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "NOTES.md.jinja").write_text("{{ model.title | md }}\n")
    (tmp_path / "pyproject.toml").write_text('[tool.naftiko-gen]\ntemplates = "tpl"\n')
    monkeypatch.chdir(tmp_path)
    assert _run("build", spec, "-o", "out", "-q")[0] == 0
    assert (tmp_path / "out" / "demo" / "NOTES.md").is_file()
    assert _run("check", spec, "-o", "out")[0] == 0


# ----------------------------------------------------------------------------- templates


def test_templates_list_show_eject(tmp_path: Path) -> None:
    code, out, _ = _run("templates", "list")
    assert code == 0 and "README.md.jinja" in out.splitlines()
    code, out, _ = _run("templates", "show", "pyproject.toml.jinja")
    assert code == 0 and "[project]" in out
    code, _, err = _run("templates", "show", "README")
    assert code == 2 and "README.md.jinja" in err
    folder = tmp_path / "mine"
    assert _run("templates", "eject", "src/package/cli.py.jinja", "--dir", folder)[0] == 0
    assert (folder / "src" / "package" / "cli.py.jinja").is_file()
    assert _run("templates", "eject", "src/package/cli.py.jinja", "--dir", folder)[0] == 1
    # A runtime module is listed as such and ejected as the template that replaces it.
    assert "runtime:mcp_http.py" in _run("templates", "list")[1].splitlines()
    assert _run("templates", "show", "runtime:mcp_http.py")[1].startswith('"""MCP over')
    assert _run("templates", "eject", "runtime:mcp_http.py", "--dir", folder)[0] == 0
    assert (folder / "src" / "package" / "mcp_http.py.jinja").is_file()


def test_templates_context_matches_docs() -> None:
    code, out, _ = _run("templates", "context")
    assert code == 0 and out == (REPO / "docs" / "template-context.md").read_text()


# ----------------------------------------------------------------------------- diagnostics


def test_diagnostics_lists_explains_and_renders_the_docs() -> None:
    code, out, _ = _run("diagnostics")
    assert code == 0 and "NAF204  error    value not allowed" in out.splitlines()
    code, out, _ = _run("diagnostics", "naf204")
    assert code == 0 and out.startswith("# NAF204\n") and "How to fix:" in out
    assert out.endswith(
        "See: https://github.com/naftiko/naftiko-gen/blob/main/docs/diagnostics.md#naf204\n"
    )
    code, out, _ = _run("diagnostics", "--markdown")
    assert code == 0 and out == (REPO / "docs" / "diagnostics.md").read_text()
    code, _, err = _run("diagnostics", "NAF2040")
    assert code == 2 and "NAF204" in err
    assert _run("diagnostics", "NAF204", "--markdown")[0] == 2


# ----------------------------------------------------------------------------- OpenAPI, new


def test_export_openapi_is_what_the_app_serves(spec: Path, tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    code, out, err = _run("export-openapi", spec)
    assert code == 0, err
    document = json.loads(out)
    assert document["openapi"].startswith("3.1")
    assert "/v1/api/sessions/{session-id}" in document["paths"]
    target = tmp_path / "openapi.yaml"
    assert _run("export-openapi", spec, "--format", "yaml", "-o", target)[0] == 0
    assert "openapi: 3.1" in target.read_text()


def test_import_openapi_then_build(tmp_path: Path) -> None:
    jupyter_server = pytest.importorskip("jupyter_server")
    document = Path(jupyter_server.__file__).parent / "services" / "api" / "api.yaml"
    target = tmp_path / "jupyter.yaml"
    code, _, err = _run(
        "import-openapi",
        document,
        "-o",
        target,
        "--base-url",
        "http://127.0.0.1:8888",
        "--api-key-query",
        "token",
    )
    assert code == 0, err
    assert _run("import-openapi", document, "-o", target)[0] == 2  # exists
    assert _run("build", target, "-o", tmp_path / "out", "-q")[0] == 0


def test_openapi_commands_report_problems(tmp_path: Path) -> None:
    assert _run("export-openapi", tmp_path / "missing.yaml")[0] == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("naftiko: [\n")
    code, _, err = _run("export-openapi", broken)
    assert code == 1 and "error[NAF101]" in err
    code, _, err = _run("import-openapi", broken, "--bearer", "--api-key-query", "key")
    assert code == 2 and "choose one of" in err
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = _run("import-openapi", binary)
    assert code == 1 and err.startswith(f"{binary}:1:1: error[NAF108]: the file is UTF-16")
    assert "#naf108" in err
    code, _, err = _run("import-openapi", tmp_path / "missing.json")
    assert code == 1 and "error[NAF100]: cannot read the file: " in err
    code, _, err = _run("import-openapi", broken)
    assert code == 1 and "error[NAF101]" in err
    document = tmp_path / "pets.yaml"
    document.write_text(
        "openapi: 3.0.0\ninfo: {title: Pets, version: '1'}\nservers: [{url: 'https://pets.test'}]\n"
        "paths:\n  /pets:\n    get: {operationId: listPets, responses: {'200': {description: ok}}}\n"
    )
    code, out, _ = _run("import-openapi", document)
    assert code == 0 and "\nnaftiko: " in out and "https://pets.test" in out


def test_new_from_flags_and_interactively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(
        "new",
        "weather",
        "--base-url",
        "https://w.test",
        "--operation",
        "GET /f/{city}",
        "--no-input",
    )
    assert code == 0, err
    assert _run("build", "weather.yaml", "-o", "out", "-q")[0] == 0
    answers = "shop\nShop\nA shop.\nhttps://shop.test\nGET /items\nDELETE /items/{id}\n\n"
    code, _, err = _run("new", input=answers)
    assert code == 0, err
    text = (tmp_path / "shop.yaml").read_text()
    assert "method: DELETE" in text and "baseUri: https://shop.test" in text
    assert _run("build", "shop.yaml", "-o", "out", "-q")[0] == 0
    assert _run("new", "shop", "--no-input")[0] == 2  # exists
    assert _run("new", "x", "--operation", "FETCH /x", "--no-input")[0] == 2
