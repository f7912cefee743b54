"""Tests for template customisation: override, `builtin:` extension, extra files, errors, config."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from naftiko_codegen import customise
from naftiko_codegen.config import find_config
from naftiko_codegen.customise import (
    builtin_source,
    builtin_templates,
    create_user_environment,
    ejected_template,
    extra_templates,
    override_name,
    templates_digest,
)
from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.model.docs import render_context_reference
from naftiko_codegen.package_data import runtime_dir
from naftiko_codegen.pipeline import build_spec, generate
from naftiko_codegen.render import RENDER_PLAN, create_environment, verbatim_outputs

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"
DOC = REPO / "docs" / "template-context.md"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    shutil.copyfile(SEED, path)
    return path


def test_builtin_templates_are_listed() -> None:
    names = builtin_templates()
    assert "README.md.jinja" in names and "src/package/rest_app.py.jinja" in names


def test_a_template_overrides_the_builtin_by_path(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "README.md.jinja").write_text("# {{ model.title | md }} (ours)\n")
    package = generate(spec, templates=[folder])
    assert package.files["README.md"] == "# Jupyter Notebook REST API — Sessions (ours)\n"


def test_a_template_can_include_the_builtin_it_overrides(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "README.md.jinja").write_text(
        '{% include "builtin:README.md.jinja" %}\n## Our section\n'
    )
    files = generate(spec, templates=[folder]).files
    # trim_blocks eats the newline after the tag, as everywhere in our templates.
    assert files["README.md"] == generate(spec).files["README.md"] + "## Our section\n"


def test_extra_templates_become_extra_files(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    (folder / "src" / "package").mkdir(parents=True)
    (folder / "_macros").mkdir()
    (folder / "_macros" / "m.jinja").write_text("{% macro x() %}x{% endmacro %}")
    (folder / "src" / "package" / "extra.py.jinja").write_text(
        '{% from "_macros/m.jinja" import x %}\nNAME   =   {{ model.distribution | py }}  # {{ x() }}\n'
    )
    (folder / "Procfile.jinja").write_text("web: demo serve\n")
    # A built-in template's name replaces it rather than adding a file.
    (folder / "Dockerfile.jinja").write_text("FROM python:3.11\n")
    assert extra_templates([folder]) == ["Procfile.jinja", "src/package/extra.py.jinja"]
    files = generate(spec, templates=[folder]).files
    assert files["src/demo/extra.py"] == 'NAME = "demo"  # x\n'  # formatted by black
    assert files["Procfile"] == "web: demo serve\n"
    assert files["Dockerfile"] == "FROM python:3.11\n"


def test_customised_template_end_to_end_with_check(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "README.md.jinja").write_text('{% include "builtin:README.md.jinja" %}\nOurs.\n')
    out = tmp_path / "out"
    outcome = build_spec(spec, out, templates=[folder])
    assert outcome.ok, outcome.diagnostics
    assert (out / "demo" / "README.md").read_text().endswith(".\nOurs.\n")
    assert templates_digest([folder]) != templates_digest()


def test_template_error_names_the_user_file_and_line(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "NOTES.md.jinja").write_text("fine\n{{ model.no_such_field }}\n")
    with pytest.raises(DiagnosticError) as caught:
        generate(spec, templates=[folder])
    (problem,) = caught.value.diagnostics
    assert problem.code == "NAF401"
    assert problem.location.file.endswith("NOTES.md.jinja") and problem.location.line == 2


def test_extra_template_may_not_replace_a_generated_file(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl" / "src" / "demo"
    folder.mkdir(parents=True)
    (folder / "cli.py.jinja").write_text("x = 1\n")
    with pytest.raises(DiagnosticError) as caught:
        generate(spec, templates=[tmp_path / "tpl"])
    assert [d.code for d in caught.value.diagnostics] == ["NAF403"]


def test_pyproject_sets_the_templates_folder(tmp_path: Path) -> None:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.naftiko-gen]\ntemplates = "tpl"\n')
    (tmp_path / "sub").mkdir()
    config = find_config(tmp_path / "sub")
    assert config.templates == ((tmp_path / "tpl").resolve(),)


def test_pyproject_without_the_table_or_with_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(tmp_path).templates == ()
    (tmp_path / "pyproject.toml").write_text('[tool.naftiko-gen]\ntemplates = "missing"\n')
    with pytest.raises(DiagnosticError, match="does not exist"):
        find_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.naftiko-gen]\ntemplates = 3\n")
    with pytest.raises(DiagnosticError, match="folder name"):
        find_config(tmp_path)


def test_template_context_reference_is_up_to_date(update_golden: bool) -> None:
    text = render_context_reference()
    if update_golden:
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/template-context.md is stale; refresh with: "
        "naftiko-gen templates context > docs/template-context.md"
    )


def test_template_context_reference_documents_every_field() -> None:
    import dataclasses

    from naftiko_codegen import model

    text = render_context_reference()
    for name in model.__all__:
        cls = getattr(model, name)
        if dataclasses.is_dataclass(cls):
            assert f"## `{name}`" in text
            for field in dataclasses.fields(cls):
                assert f"| `{field.name}` |" in text


def test_extends_builtin_and_overrides_a_block(tmp_path: Path) -> None:
    from naftiko_codegen.pipeline import generate

    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "README.md.jinja").write_text(
        '{% extends "builtin:README.md.jinja" %}\n'
        "{% block footer %}Maintained by the platform team.\n{% endblock %}\n",
        encoding="utf-8",
    )
    repo = Path(__file__).resolve().parents[2]
    package = generate(repo / "examples" / "rest-sessions.yaml", templates=[custom])
    readme = package.files["README.md"]
    assert "## Install" in readme  # the built-in blocks stay
    assert readme.endswith("Maintained by the platform team.\n")
    assert "Regenerate instead of editing by hand" not in readme


# ----------------------------------------------------------------------------- runtime modules

RUNTIME = [p.template for p in RENDER_PLAN if p.verbatim]


def test_runtime_modules_are_listed_after_the_templates() -> None:
    names = builtin_templates()
    assert "runtime:mcp_http.py" in names and names[-len(RUNTIME) :] == sorted(RUNTIME)
    assert builtin_source("runtime:mcp_http.py") == runtime_dir() / "mcp_http.py"
    assert override_name("runtime:mcp_http.py") == "src/package/mcp_http.py.jinja"
    assert override_name("README.md.jinja") == "README.md.jinja"


@pytest.mark.parametrize("name", RUNTIME)
def test_an_ejected_runtime_module_renders_to_the_module(name: str) -> None:
    template = ejected_template(name)
    assert template.startswith("{# naftiko-gen runtime module")
    rendered = create_environment().from_string(template).render(model=None)
    assert rendered == builtin_source(name).read_text(encoding="utf-8")


def test_jinja_marks_in_a_runtime_module_are_kept_raw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.py").write_text('X = "{{x}}"\n')
    monkeypatch.setattr(customise, "builtin_source", lambda name: tmp_path / "x.py")
    template = ejected_template("runtime:x.py")
    assert "{% raw -%}" in template
    assert create_environment().from_string(template).render() == 'X = "{{x}}"\n'


def test_a_user_template_replaces_a_runtime_module(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    (folder / "src" / "package").mkdir(parents=True)
    (folder / "src" / "package" / "mcp_http.py.jinja").write_text(
        "NAME   =   {{ model.distribution | py }}\n"
    )
    assert extra_templates([folder]) == []  # an override, not an extra file (NAF403)
    package = generate(spec, templates=[folder])
    assert package.files["src/demo/mcp_http.py"] == 'NAME = "demo"\n'  # rendered and formatted
    environment = create_user_environment([folder])
    assert "src/demo/mcp_http.py" not in verbatim_outputs(package.model, environment)
    assert "src/demo/mcp_tools.py" in verbatim_outputs(package.model, environment)


def test_ejected_runtime_modules_build_the_same_package(spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    for name in RUNTIME:
        target = folder / override_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ejected_template(name), encoding="utf-8")
    assert generate(spec, templates=[folder]).files == generate(spec).files


def test_the_digest_covers_runtime_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mcp_http.py").write_text("A = 1\n")
    monkeypatch.setattr(customise, "runtime_dir", lambda: tmp_path)
    before = templates_digest()
    (tmp_path / "mcp_http.py").write_text("A = 2\n")
    assert templates_digest() != before
