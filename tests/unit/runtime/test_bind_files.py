"""`runtime/bind_files.py`: binds read from JSON or YAML files, unless the environment has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_codegen.runtime.bind_files import BindFileReader


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # Bind files are relative to the working directory.


def test_values_come_from_json_and_yaml_files() -> None:
    Path("secrets.json").write_text('{"TOKEN": "t-1", "PORT": 8080}', encoding="utf-8")
    Path("secrets.yaml").write_text("KEY: k-1\n", encoding="utf-8")
    Path("other.yml").write_text("NAME: n-1\n", encoding="utf-8")
    reader = BindFileReader({})
    assert reader.file_secret("TOKEN", "TOKEN_VAR", "secrets.json") == "t-1"
    assert reader.file_secret("PORT", "PORT_VAR", "secrets.json") == "8080"
    assert reader.file_secret("KEY", "KEY_VAR", "secrets.yaml") == "k-1"
    assert reader.file_secret("NAME", "NAME_VAR", "other.yml") == "n-1"
    reader.check()


def test_the_environment_overrides_the_file_which_is_then_not_read() -> None:
    reader = BindFileReader({"TOKEN": "from-env"})
    assert reader.file_secret("TOKEN", "TOKEN_VAR", "absent.json") == "from-env"
    assert reader.problems == []


def test_each_file_is_read_once() -> None:
    path = Path("secrets.json")
    path.write_text('{"A": "1", "B": "2"}', encoding="utf-8")
    reader = BindFileReader({})
    assert reader.file_secret("A", "A", "secrets.json") == "1"
    path.unlink()
    assert reader.file_secret("B", "B", "secrets.json") == "2"


def test_unreadable_files_and_missing_values_are_problems() -> None:
    Path("bad.json").write_text("{", encoding="utf-8")
    Path("bad.yaml").write_text("a: [1,", encoding="utf-8")
    Path("list.json").write_text("[1]", encoding="utf-8")
    Path("empty.json").write_text('{"E": ""}', encoding="utf-8")
    reader = BindFileReader({})
    for name, path in (
        ("M", "missing.json"),
        ("M2", "missing.json"),
        ("J", "bad.json"),
        ("Y", "bad.yaml"),
        ("L", "list.json"),
        ("E", "empty.json"),
    ):
        assert reader.file_secret(name, f"{name}_VAR", path) == ""
    assert reader.problems == [
        "cannot read bind file 'missing.json' (FileNotFoundError) for 'M' (bind variable M_VAR); "
        "set environment variable M instead",
        "cannot read bind file 'missing.json' (FileNotFoundError) for 'M2' (bind variable "
        "M2_VAR); set environment variable M2 instead",
        "cannot read bind file 'bad.json' (JSONDecodeError) for 'J' (bind variable J_VAR); "
        "set environment variable J instead",
        "cannot read bind file 'bad.yaml' (ParserError) for 'Y' (bind variable Y_VAR); "
        "set environment variable Y instead",
        "bind file 'list.json' has no value for 'L' (bind variable L_VAR)",
        "bind file 'empty.json' has no value for 'E' (bind variable E_VAR)",
    ]


def test_plain_environment_binds_still_work() -> None:
    reader = BindFileReader({"KEY": "k"})
    assert reader.secret("KEY", "KEY") == "k"
