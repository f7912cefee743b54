"""The piecewise, memoised formatter gives exactly what black gives for the whole file."""

from __future__ import annotations

from pathlib import Path

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naftiko_codegen.diagnostics import DiagnosticError
from naftiko_codegen.format import BLACK_MODE, format_files, format_module

REPO = Path(__file__).resolve().parents[2]
GOLDEN_MODULES = sorted((REPO / "golden").glob("*/expected/**/*.py"))


@pytest.mark.parametrize("module", GOLDEN_MODULES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_golden_modules_are_black_stable(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    assert format_module(text) == text


SAMPLES = [
    '"""Doc."""\n\nimport os\nX = 1\ndef f():\n  return os\n# about g\n@decorator\ndef g(): pass\nY = [1,\n 2]\nclass C:\n    a=1\n',
    "def only(): pass\n",
    '"""Doc."""\ndef f(): pass\n',
    "import a\n\n\n\nimport b\nZ = {'a':1,  'b':[1,2,3]}\n",
    # Cuts between simple statements: after imports, the docstring, constants (0 to 3 blanks).
    '"""Doc."""\nimport a\n\n\nX = \'x\'\nY: int = 2\n\n\n\nZ = 3\n\nimport b\nif a:\n    W = 4\nV = 5\n',
    "'''Not a plain docstring.'''\nX = 1\n",
    '"""Doc."""  # and a comment\n\n\nX = 1\n',
    '"""Doc""" """in two."""\n\n\nX = 1\n',
    "X = 1; Y = 'y'\nZ = 2\n# about W\nW = 3\n\x0c\nU = 4\n'loose string'\nT = 5\n",
    "try:\n    import a\nexcept ImportError:\n    a = None\nX = 1\n",
    # String tokens: only plain single-quoted ones are rewritten, and black gives the same.
    "X = ['a', 'b\"c', \"d'e\", 'f\\'g', r'h', b'i', f'{X!r}', u'j', '', 'é' + 'ü']\nY = \"'#'\"  # 'k'\n",
    "def f(x='a'):\n    '''Doc 'quoted'.'''\n    return x + 'b' + '''c'''\n",
    "class C:\n    'Doc.'\n    X = 'x'\n",
    "X = ('a'\n     'b')\nif'c' in X: pass\n",
    "# fmt: off\nX = [ 'a' ]\n# fmt: on\nY = 'b'\n",
    # A decorator after the docstring, a string after a definition, comments after a definition
    # (the first cutter got these wrong), a comment ending the module.
    '"""Doc."""\n\n@d\n# inner\ndef h(): pass\n',
    "def f(): pass\n'A loose string.'\nimport os\n",
    "def f(): pass\n\n# c1\n# c2\n\nX = 'x'\n",
    "import os\nX = 'x'\n# a comment\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_pieces_join_like_black(text: str) -> None:
    assert format_module(text) == black.format_str(text, mode=BLACK_MODE)


_STATEMENTS = [
    "import os",
    "from typing import Any, Final",
    "X = 'x'",
    "Y: Final = {'a': 1, 'b': \"é'\", 'c': [None, True, 1.5]}",
    "Z = " + repr(["a" * 30] * 4),
    "X += 1",
    "'A loose string.'",
    '"""A docstring-like string."""',
    "# a comment",
    "if X:\n    W = 'w'",
    "def f(a='a'):\n    return a",
    "@decorator\ndef g():\n    '''Doc.'''",
    "class C:\n    A = 'a'\n\n    def m(self):\n        pass",
    "try:\n    import json\nexcept ImportError:\n    json = None",
    "# c1\n# c2",
    "@d\n# inner\ndef h(): pass",
    "x = 1; y = 'two'",
    "async def k():\n    await x",
    "for i in []:\n    pass\nelse:\n    pass",
    "print('a', \"b\", 'c\\'d')",
    "L = [\n    'a',\n    'b',\n]",
    "T = ('a',)",
    "def long_one(aaaaaaaaaaaaaaaaaaaaaa: str = 'x', bbbbbbbbbbbbbbbbbbbbbbbbbbb: str = 'y') -> None: pass",
    "while False:\n    def inner(): pass",
    "if X:\n    def f2(): pass\nelse:\n    pass",
    "global q",
]
_GAPS = ["\n", "\n\n", "\n\n\n", "\n\n\n\n", "\n\n\n\n\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_STATEMENTS), st.sampled_from(_GAPS)), max_size=8))
def test_any_mix_of_statements_formats_like_black(statements: list[tuple[str, str]]) -> None:
    text = "".join(statement + gap for statement, gap in statements)
    assert format_module(text) == black.format_str(text, mode=BLACK_MODE)


def test_unparsable_code_is_a_located_generator_error() -> None:
    with pytest.raises(DiagnosticError) as raised:
        format_files({"pkg/broken.py": "def f(:\n    pass\n", "README.md": "# ok\n"})
    (problem,) = raised.value.diagnostics
    assert problem.code == "NAF402"
    assert problem.location.file == "pkg/broken.py"
    assert problem.location.line == 1


def test_corpus_sample_formats_like_whole_file_black(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from naftiko_codegen import pipeline

    rendered: dict[str, str] = {}

    def capture(files: dict[str, str], verbatim: frozenset[str] = frozenset()) -> dict[str, str]:
        rendered.update({path: text for path, text in files.items() if path not in verbatim})
        return dict(files)

    monkeypatch.setattr(pipeline, "format_files", capture)
    specs = sorted((shared_dir / "corpus").rglob("*.y*ml"))[::150]
    compared = 0
    for spec in specs:
        rendered.clear()
        try:
            pipeline.generate(spec)
        except DiagnosticError:
            continue
        for path, text in rendered.items():
            if path.endswith(".py"):
                assert format_module(text) == black.format_str(text, mode=BLACK_MODE), (spec, path)
                compared += 1
    assert compared > 50
