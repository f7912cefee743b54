"""Hostile spec files: alias bombs, deep nesting, huge numbers, NUL, bad encodings, devices.

One `validate` and one `build` batch over every hostile file, in subprocesses whose address
space is capped (RLIMIT_AS): each file gets its own located error, the batch goes on, nothing is
written, and the whole run stays far below the seconds and gigabytes the unbounded loader took.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from genfaults import SEED, run

_MEMORY = 1536 * 1024 * 1024  # the 421-byte bomb alone reached 2.4 GB before the limits


def _bomb(levels: int, width: int) -> str:
    """The billion-laughs kind: each anchor lists `width` aliases of the previous one."""
    names = "abcdefghijklmnop"
    lines = ["a: &a [" + ",".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        name, previous = names[level], names[level - 1]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _hostile(folder: Path) -> dict[str, tuple[str, str]]:
    """File name → (expected code, expected `line:col`) for every hostile input written."""
    seed = SEED.read_text(encoding="utf-8")
    files = {
        "bomb-421.yaml": (_bomb(9, 9), "NAF107"),
        "bomb-570.yaml": (_bomb(10, 10), "NAF107"),
        "deep-brackets.yaml": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "NAF107"),
        "deep-600.yaml": ("a:\n  b: " + "{c: " * 600 + "1" + "}" * 600 + "\n", "NAF107"),
        "long-int.yaml": (seed.replace("port: 8080", "port: " + "9" * 5000, 1), "NAF106"),
        "nul.yaml": (seed.replace("port: 8080", "port: 80\x0080", 1), "NAF101"),
        "control.yaml": (
            seed.replace("namespace: rest-sessions-rest", "namespace: a\x07b", 1),
            "NAF101",
        ),
    }
    expected: dict[str, tuple[str, str]] = {}
    for name, (text, code) in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        expected[name] = (code, "")
    assert len(files["bomb-421.yaml"][0]) < 450 and len(files["bomb-570.yaml"][0]) < 600
    bad = seed.encode().replace(b"port: 8080", b"port: 80\xff80", 1)
    (folder / "latin1.yaml").write_bytes(bad)
    expected["latin1.yaml"] = ("NAF108", _line_col(bad, bad.index(b"\xff")))
    (folder / "utf16.yaml").write_bytes(seed.encode("utf-16"))
    expected["utf16.yaml"] = ("NAF108", "1:1")
    line = seed[: seed.index("port: 8080")].count("\n") + 1
    column = len(seed[: seed.index("port: 8080")].rsplit("\n", 1)[-1]) + 1
    expected["long-int.yaml"] = ("NAF106", f"{line}:{column + 6}")
    expected["nul.yaml"] = ("NAF101", f"{line}:{column + 8}")
    os.mkfifo(folder / "fifo.yaml")
    expected["fifo.yaml"] = ("NAF100", "1:1")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    expected["zero.yaml"] = ("NAF100", "1:1")
    return expected


def _line_col(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


@pytest.mark.parametrize("command", ["validate", "build"])
def test_every_hostile_file_is_a_located_error_in_bounded_time_and_memory(
    tmp_path: Path, command: str
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    expected = _hostile(specs)
    names = sorted(expected)
    args = [command, *names] + (["-o", str(tmp_path / "out")] if command == "build" else [])
    started = time.monotonic()
    result = run(*args, cwd=specs, memory=_MEMORY, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert elapsed < 20, f"{len(names)} hostile files took {elapsed:.1f} s"
    for name, (code, position) in expected.items():
        found = re.findall(rf"^{re.escape(name)}:(\d+:\d+): error\[(NAF\d+)\]", result.stderr, re.M)
        assert found, f"{name}: no located error in\n{result.stderr[-3000:]}"
        assert found[0][1] == code, (name, found)
        if position:
            assert found[0][0] == position, (name, found)
        if code == "NAF107":
            assert "NAFTIKO_GEN_MAX_" in result.stderr
    if command == "build":
        assert not (tmp_path / "out").exists()


def test_bomb_is_refused_at_an_alias_within_two_seconds(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(_bomb(10, 10), encoding="utf-8")
    started = time.monotonic()
    result = run("validate", "bomb.yaml", cwd=tmp_path, memory=_MEMORY)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    match = re.search(r"^bomb\.yaml:(\d+):(\d+): error\[NAF107\]", result.stderr, re.M)
    assert match, result.stderr
    line, column = int(match[1]), int(match[2])
    text_line = _bomb(10, 10).splitlines()[line - 1]
    assert text_line[column - 1] == "*", "the error is located at an alias"
    assert elapsed < 10  # the load itself takes well under 2 s; the rest is start-up
