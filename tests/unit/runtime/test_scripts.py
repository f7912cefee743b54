"""`runtime/scripts.py`: script steps in a bounded child process (results, refusals, limits)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from naftiko_codegen.runtime.scripts import ScriptError, render_with, run_script, script_folder


def _folder(**files: str) -> dict[str, str]:
    return {
        name.replace("__", "/"): base64.b64encode(text.encode()).decode()
        for name, text in files.items()
    }


FOLDER = _folder(
    main="result = {'doubled': context['n'] * 2, 'note': note(), 'data': open('d.txt').read()}",
    lib__dep="def note():\n    print('ignored output')\n    return 'from a dependency'\n",
    **{"d.txt": "data"},
    listing="import os\nresult = sorted(os.listdir('/'))",
    nothing="x = 1",
    bad="result = {1, 2}",
    boom="raise ValueError('no')",
    huge="result = 'x' * 100000",
    silent="import os\nos._exit(3)",
)


def _run(file: str, context: Any = None, *dependencies: str, timeout: float = 5) -> Any:
    return asyncio.run(
        run_script(FOLDER, file, dependencies, context or {"n": 2}, step="s", timeout=timeout)
    )


def test_a_script_reads_context_dependencies_and_its_folder() -> None:
    assert _run("main", {"n": 21}, "lib/dep") == {
        "doubled": 42,
        "note": "from a dependency",
        "data": "data",
    }
    assert script_folder(FOLDER) == script_folder(FOLDER)  # copied once per process
    assert _run("nothing") is None


@pytest.mark.parametrize(
    ("file", "status", "words"),
    [
        ("listing", 500, "cannot list folders"),
        ("bad", 500, "not JSON serializable"),
        ("boom", 500, "ValueError: no"),
        ("silent", 500, "exit status 3"),
    ],
)
def test_failures_say_what_happened(file: str, status: int, words: str) -> None:
    with pytest.raises(ScriptError) as caught:
        _run(file)
    assert caught.value.status == status and words in caught.value.detail


def test_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAFTIKO_SCRIPT_MAX_OUTPUT_BYTES", "1000")
    with pytest.raises(ScriptError, match="more than 1,000 bytes"):
        _run("huge")
    monkeypatch.setenv("NAFTIKO_SCRIPT_TIMEOUT", "0.3")
    with pytest.raises(ScriptError) as caught:
        asyncio.run(
            run_script(_folder(spin="while True: pass"), "spin", (), {}, step="s", timeout=9)
        )
    assert caught.value.status == 504 and "0.3 s" in caught.value.detail
    with pytest.raises(ScriptError, match=r"Out of range float|not JSON|allowed"):
        _run("main", {"n": float("nan")})


def test_with_values_are_rendered_from_inputs_and_outputs() -> None:
    assert render_with(
        {"a": "id {{id}} / {{step.total}} / {{step}} / {{missing}}", "b": 3},
        {"id": "7"},
        {"step": {"total": 4}},
    ) == {"a": 'id 7 / 4 / {"total": 4} / ', "b": 3}


def test_scripting_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAFTIKO_SCRIPTING", "false")
    with pytest.raises(ScriptError) as caught:
        _run("main")
    assert caught.value.status == 503 and "NAFTIKO_SCRIPTING" in caught.value.detail
