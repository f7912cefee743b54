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
