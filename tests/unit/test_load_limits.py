"""Stage 1 on hostile input, in process: every refusal located, nothing read that is not a file.

(tests/faults/test_yaml_limits.py runs the same kinds through the CLI under a memory cap.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.load import decode_text, load_imports, load_spec, read_spec_file


def _refusal(text: str) -> tuple[str, int, int, str]:
    with pytest.raises(DiagnosticError) as caught:
        load_spec(text, "x.yaml")
    first = caught.value.diagnostics[0]
    return first.code, first.location.line, first.location.column, first.message


def test_alias_bomb_is_refused_at_an_alias() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, name in enumerate("bcdefghij"):
        previous = "abcdefghij"[level]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    code, line, column, message = _refusal("\n".join(lines) + "\n")
    assert code == "NAF107" and "alias" in message
    assert lines[line - 1][column - 1] == "*"


def test_alias_text_counts_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAFTIKO_GEN_MAX_ALIAS_NODES", "50")
    text = "a: &a " + "x" * 100_000 + "\nb: [*a]\n"
    assert _refusal(text)[:3] == ("NAF107", 2, 5)


def test_small_aliases_and_merges_still_load() -> None:
    spec = load_spec("base: &b {x: 1}\nc: {<<: *b, y: 2}\nd: [*b, *b]\n", "x.yaml")
    assert spec.data["c"] == {"x": 1, "y": 2} and spec.data["d"] == [{"x": 1}, {"x": 1}]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000,  # libyaml's own composer crashed the process
        "a: " + "{b: " * 150 + "1" + "}" * 150,
        "a0: &a0 []\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 150)),
    ],
    ids=["brackets", "mappings", "alias-chain"],
)
def test_nesting_is_bounded(text: str) -> None:
    code, _, _, message = _refusal(text)
    assert code == "NAF107" and "nested too deeply" in message


def test_depth_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAFTIKO_GEN_MAX_DEPTH", "3")
    assert _refusal("a: {b: {c: {d: 1}}}\n")[0] == "NAF107"
    monkeypatch.setenv("NAFTIKO_GEN_MAX_DEPTH", "not a number")  # falls back to the default
    assert load_spec("a: {b: {c: {d: 1}}}\n", "x.yaml").data["a"]["b"]["c"] == {"d": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: " + "9" * 5000 + "\n", ("NAF106", 2, 4, "5,000 digits")),
        ("a: !!int abc\n", ("NAF106", 1, 4, "as int")),
        ("a: é\nb: x\x00y\n", ("NAF101", 2, 5, "#x0000")),
        ("a: 1\nb: x\x07\n", ("NAF101", 2, 5, "#x0007")),
        ("a: [1\n", ("NAF101", 2, 1, "YAML syntax error")),
        ("a: 1\n---\nb: 2\n", ("NAF101", 2, 1, "YAML syntax error")),
        ("a: \ud800\n", ("NAF108", 1, 1, "surrogate")),
        ("---\n", ("NAF103", 1, 1, "empty")),
        ("", ("NAF103", 1, 1, "empty")),
        ("- 1\n", ("NAF104", 1, 1, "list")),
    ],
)
def test_bad_values_are_located(text: str, expected: tuple[str, int, int, str]) -> None:
    code, line, column, message = _refusal(text)
    assert (code, line, column) == expected[:3] and expected[3] in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a: 1\nb: \xc3\xa9\xff\n", ("NAF108", 2, 5, "0xff")),
        ("a: 1\n".encode("utf-16"), ("NAF108", 1, 1, "UTF-16")),
        ("a: 1\n".encode("utf-32"), ("NAF108", 1, 1, "UTF-32")),
    ],
)
def test_encodings_are_located(data: bytes, expected: tuple[str, int, int, str]) -> None:
    with pytest.raises(DiagnosticError) as caught:
        decode_text(data, "x.yaml")
    first = caught.value.diagnostics[0]
    assert (first.code, first.location.line, first.location.column) == expected[:3]
    assert expected[3] in first.message


def test_only_regular_files_of_bounded_size_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    for path in (tmp_path / "fifo.yaml", Path("/dev/zero"), tmp_path, tmp_path / "missing.yaml"):
        with pytest.raises(DiagnosticError) as caught:
            read_spec_file(path, "x.yaml")
        assert caught.value.diagnostics[0].code == "NAF100"
    (tmp_path / "big.yaml").write_text("a: " + "x" * 200 + "\n")
    monkeypatch.setenv("NAFTIKO_GEN_MAX_SPEC_BYTES", "100")
    with pytest.raises(DiagnosticError) as caught:
        read_spec_file(tmp_path / "big.yaml", "big.yaml")
    assert caught.value.diagnostics[0].code == "NAF107"
    assert "NAFTIKO_GEN_MAX_SPEC_BYTES" in caught.value.diagnostics[0].hint


def test_imported_files_are_read_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"a: \xff\n")
    os.mkfifo(tmp_path / "fifo.yaml")
    text = "capability:\n  consumes:\n  - location: ./bad.yaml\n  - location: ./fifo.yaml\n"
    spec = load_spec(text, "main.yaml")
    with pytest.raises(DiagnosticError) as caught:
        load_imports(spec, tmp_path / "main.yaml")
    found = [(d.code, d.location.line) for d in caught.value.diagnostics]
    assert found == [("NAF108", 1), ("NAF120", 4)]
    assert "not a regular file" in caught.value.diagnostics[1].message
