"""The piecewise, memoised formatter gives exactly what black gives for the whole file."""

from __future__ import annotations

from pathlib import Path

import black
import pytest

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
]


@pytest.mark.parametrize("text", SAMPLES)
def test_pieces_join_like_black(text: str) -> None:
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

    def capture(files: dict[str, str]) -> dict[str, str]:
        rendered.update(files)
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
