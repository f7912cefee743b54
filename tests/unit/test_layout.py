"""Data assignments laid out without black come out exactly as black lays them out."""

from __future__ import annotations

import ast
from pathlib import Path

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naftiko_codegen.format import BLACK_MODE
from naftiko_codegen.format.layout import LINE_LENGTH, layout_assignment
from naftiko_codegen.format.pieces import double_quoted

REPO = Path(__file__).resolve().parents[2]


def _layout(source: str) -> str | None:
    tree = ast.parse(source)
    (statement,) = tree.body
    return layout_assignment(statement, source, 1)


def _black(source: str) -> str:
    return black.format_str(source, mode=BLACK_MODE)


LAID_OUT = [
    "X = 1\n",
    'X: Final = {"a": [1, 2, 3], "b": ("x",), "c": f(1, k="v"), "d": -1.5e-07, "e": ...}\n',
    "# about X\n# and more\nX = " + repr(["a" * 30] * 4).replace("'", '"') + "\n",
    # One element: no trailing comma is added; a one-element tuple keeps its comma.
    'X = ["' + "a" * 120 + '"]\n',
    'X = ("' + "a" * 120 + '",)\n',
    'X = [{"k": "' + "v" * 90 + '"}]\n',
    # Calls: arguments on one line if they fit there, else one per line.
    'X = [pytest.param("GET", "/v1/items", [], None, ("none", None), False, id="list-items")]\n',
    'X = [pytest.param("GET", "'
    + "p" * 60
    + '", [("q", "1")], None, False, id="'
    + "i" * 30
    + '")]\n',
    'X = frozenset({"' + '", "'.join("abcdefghijklmnopqrstuvwxyz") + '"})\n',
    # Lines black cannot split stay long: a long string, empty brackets.
    'X = {"k": "' + "v" * 120 + '", "l": []}\n',
    'X = {"' + "k" * 100 + '": [], "l": f()}\n',
    # Width counts East Asian wide characters twice, as black does.
    'X = ["' + "中" * 45 + '", "' + "é" * 10 + '"]\n',
    'X = ["' + "a" * 94 + '"]\n',
    'X = ["' + "a" * 95 + '"]\n',
    'X = ["' + "a" * 93 + '", 1]\n',
    # Nothing to split at in the value: parentheses around it if that makes it fit.
    'X = "' + "a" * 120 + '"\n',
    'X = "' + "a" * 95 + '"\n',
    'X = "' + "a" * 94 + '"\n',
    'X: Final = "' + "a" * 120 + '"\n',
    "X = " + "a" * 100 + "\n",
    # Tuple keys: a line ending in a bracketless value is split at the key.
    'X = {("' + "a" * 50 + '", "' + "b" * 40 + '"): "c", ("d", "e"): ["' + "f" * 90 + '"]}\n',
    # Strings black keeps in single quotes.
    "X = ['say \"hi\"', 'a\\n\"b\"', 'x\"" + "y" * 100 + "']\n",
    # Magic trailing commas explode their brackets and every bracket around them.
    "X = [1, 2,]\n",
    'X = {"a": [1,], "b": f(1, 2,), "c": (1,), "d": [(1, 2)]}\n',
    'X = frozenset({"a", "b",})\n',
    'X = [pytest.param("GET", [("q", "1"),], id="x")]\n',
    # What the templates emit: tables already exploded the way black explodes them.
    'TOOLS: Final[tuple[dict[str, Any], ...]] = (\n    {\n        "name": "a",\n'
    '        "inputSchema": {"type": "object", "properties": {}},\n    },\n)\n',
]


@pytest.mark.parametrize("source", LAID_OUT)
def test_laid_out_like_black(source: str) -> None:
    assert _layout(source) == _black(source)


LEFT_TO_BLACK = [
    "X = f(1,)\n",  # one argument and a comma: no magic trailing comma, kept as written
    "X = [(1), 2]\n",  # redundant parentheses
    "X = [\n    1,  # one\n    2,\n]\n",  # a comment inside
    "X = 1e+20\n",  # black drops the `+`
    "X = [1., .5, 0XFF, 1_000]\n",
    "X = ['single']\n",  # black would change the quotes
    'X = ["a\\"b"]\n',  # black would drop an escape by switching quotes
    'X = ["\\xAB"]\n',  # black lowercases hex escapes
    'X = ["a" "b"]\n',  # implicit concatenation
    'X = [b"bytes", f"{x}", r"raw"]\n',
    "X = [a + b]\n",
    "X = [*rest]\n",
    "X = f(**kwargs)\n",
    "X = [1];\n",
    "X = 1, 2\n",  # a tuple without parentheses
    "X = Y = [1]\n",
    "X.attr = [1]\n",
    "X = -" + "1" * 120 + "\n",  # too long and nothing to split but the minus sign
    "X = []" + " " * 0 + "  # trailing\n",
    "# about\n\nX = [1]\n",  # a blank line between comment and statement
    "#about\nX = [1]\n",  # black adds the space
    "X: "
    + "Final[dict[str, " * 7
    + "int"
    + "]]" * 7
    + ' = {"'
    + "k" * 60
    + '": 1}\n',  # head too long
]


@pytest.mark.parametrize("source", LEFT_TO_BLACK)
def test_unknown_shapes_are_left_to_black(source: str) -> None:
    assert _layout(source) is None


# Random data: strings around the line length, wide characters, nesting, calls, comments.
_TEXT = st.text(alphabet=st.sampled_from("abcxyz -_/[{(#é中😀\u0301'\"\\\n\t"), max_size=110)
_SCALARS = st.one_of(
    _TEXT.map(repr),
    st.sampled_from(["0", "7", "-3", "1.5", "-2.5e-07", "123456789012345", "1e+20"]),
    st.sampled_from(["None", "True", "False", "name", "module.attr", "..."]),
)


def _containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(children, max_size=6)
    comma = st.sampled_from(["", "", ","])  # sometimes a magic trailing comma

    def joined(parts: list[str], trailing: str) -> str:
        return ", ".join(parts) + (trailing if parts else "")

    return st.one_of(
        st.tuples(items, comma).map(lambda c: "[" + joined(*c) + "]"),
        items.map(lambda xs: "(" + xs[0] + ",)" if len(xs) == 1 else "(" + ", ".join(xs) + ")"),
        st.tuples(items, comma).map(lambda c: "{" + joined(*c) + "}" if c[0] else "set()"),
        st.tuples(st.lists(st.tuples(_TEXT.map(repr), children), max_size=6), comma).map(
            lambda c: "{" + joined([f"{k}: {v}" for k, v in c[0]], c[1]) + "}"
        ),
        st.tuples(
            st.sampled_from(["f", "pytest.param", "frozenset", "a_rather_long_function_name"]),
            items,
            st.lists(children, max_size=2),
            comma,
        ).map(
            lambda c: c[0]
            + "("
            + joined(c[1] + [f"key{i}={v}" for i, v in enumerate(c[2])], c[3])
            + ")"
        ),
    )


_VALUES = st.recursive(_SCALARS, _containers, max_leaves=40)
_HEADS = st.sampled_from(
    [
        "X = ",
        "DESCRIPTION: Final = ",
        "ROUTES: list[Any] = ",
        "_ARGUMENTS: Final[dict[str, tuple[tuple[str, str, bool], ...]]] = ",
        "A_NAME_OF_SIXTY_CHARACTERS_OR_SO_FOR_THE_BOUNDARY_CASES_XXXX = ",
    ]
)


@settings(max_examples=400, deadline=None)
@given(_HEADS, _VALUES, st.booleans())
def test_random_data_is_laid_out_like_black_or_left_to_it(
    head: str, value: str, comment: bool
) -> None:
    source = double_quoted(("# a table\n" if comment else "") + head + value + "\n")
    laid_out = _layout(source)
    if laid_out is not None:
        assert laid_out == _black(source)


def test_a_real_packages_tables_skip_black(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed-up applies to a real package: its tables and import blocks never reach black."""
    from naftiko_codegen import format as formatting
    from naftiko_codegen import pipeline

    rendered: dict[str, str] = {}

    def capture(files: dict[str, str], verbatim: frozenset[str] = frozenset()) -> dict[str, str]:
        rendered.update({path: text for path, text in files.items() if path not in verbatim})
        return files

    monkeypatch.setattr(pipeline, "format_files", capture)
    pipeline.generate(REPO / "examples" / "rest-sessions.yaml")
    to_black: list[str] = []

    def recording_black(text: str) -> str:
        to_black.append(text)
        return _black(text)

    monkeypatch.setattr(formatting, "_black", recording_black)
    formatting._format_code.cache_clear()  # pieces earlier tests formatted would skip black
    formatting.format_files(rendered)
    assert to_black, "the rest still goes to black"
    for table in [
        "TOOLS: Final[",  # mcp_server.py: the tool registry
        "ROUTES: list[Any] = [",  # tests
        "TOOLS: list[Any] = [",
        "TOOL_NAMES: set[str]",
        "OPERATION_IDS: set[str]",
    ]:
        assert not any(table in piece for piece in to_black), table


def test_line_length_is_blacks() -> None:
    assert BLACK_MODE.line_length == LINE_LENGTH
