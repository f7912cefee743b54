"""`runtime/scripts.py`: script steps in a bounded child process (results, refusals, limits)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from naftiko_codegen.runtime.scripting import Scripting
from naftiko_codegen.runtime.scripts import ScriptError, render_with, run_script, script_folder

NINE = Scripting(timeout_ms=9000)


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


def _run(file: str, context: Any = None, *dependencies: str, spec: Scripting | None = None) -> Any:
    spec = spec or Scripting(timeout_ms=5000)
    return asyncio.run(
        run_script(FOLDER, file, dependencies, context or {"n": 2}, step="s", scripting=spec)
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
            run_script(_folder(spin="while True: pass"), "spin", (), {}, step="s", scripting=NINE)
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


def test_settings_that_refuse_a_step_say_which(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScriptError) as caught:
        _run("main", spec=Scripting(enabled=False))
    assert caught.value.status == 503 and "PUT /scripting" in caught.value.detail
    with pytest.raises(ScriptError) as caught:
        _run("main", spec=Scripting(allowed_languages=("javascript",)))
    assert caught.value.status == 503 and "allowedLanguages (javascript)" in caught.value.detail
    monkeypatch.setenv("NAFTIKO_SCRIPT_STATEMENT_LIMIT", "many")
    with pytest.raises(ScriptError, match="NAFTIKO_SCRIPT_STATEMENT_LIMIT: 'many'"):
        _run("main")


ESCAPES = _folder(
    counted="n = 0\nwhile True:\n    n += 1\n",
    caught="n = 0\ntry:\n    while True:\n        n += 1\nexcept BaseException:\n    pass\n",
    hidden="exec('n = 0\\nwhile True:\\n    n += 1')",
    untrace="import sys\nsys.settrace(None)\nwhile True:\n    pass\n",
    frame="try:\n    1 / 0\nexcept Exception as error:\n    result = error.__traceback__.tb_frame\n",
    getframe="import sys\nresult = sys._getframe(0)\n",
    gettrace="import sys\nresult = sys.gettrace()\n",
    walk="import gc\nresult = len(gc.get_objects())\n",
    fine="result = sum(i for i in range(1000))\n",
)


CAUGHT = {
    "counted": "ran more than 2,000 statements (management.scripting.statementLimit)",
    "caught": "ran more than 2,000 statements",
    "hidden": "ran more than 2,000 statements",
    "untrace": "sys.settrace is not allowed",
    "frame": "cannot reach frames",
    "getframe": "sys._getframe is not allowed",
    "gettrace": "has no attribute 'gettrace'",
    "walk": "gc.get_objects is not allowed",
}


def test_the_statement_limit_holds() -> None:
    spec = Scripting(timeout_ms=5000, statement_limit=2000)

    async def attempt(file: str) -> Any:
        try:
            return await run_script(ESCAPES, file, (), {}, step="s", scripting=spec)
        except ScriptError as error:
            return error.detail

    async def every() -> list[Any]:
        return list(await asyncio.gather(*(attempt(file) for file in [*CAUGHT, "fine"])))

    *details, fine = asyncio.run(every())
    for (file, words), detail in zip(CAUGHT.items(), details, strict=True):
        assert words in detail, (file, detail)
    assert "raise it with --script-statement-limit / NAFTIKO_SCRIPT_STATEMENT_LIMIT" in details[0]
    assert fine == 499500


def test_a_forged_answer_and_malformed_limits_fail_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    forged = _folder(forge="import os\nos.write(1, b'[1]')\nos._exit(0)\n")
    monkeypatch.setenv("NAFTIKO_SCRIPT_MEMORY_BYTES", "lots")  # start-up refuses it; default here
    with pytest.raises(ScriptError, match="answered no object"):
        asyncio.run(run_script(forged, "forge", (), {}, step="s", scripting=NINE))
