"""Pieces that share a shape (names and plain strings of the same lengths) format alike: the
formatter asks black once per shape and still gives exactly what black gives for each text."""

from __future__ import annotations

import black
import pytest
from black.parsing import InvalidInput
from hypothesis import given, settings
from hypothesis import strategies as st

from naftiko_codegen.format import BLACK_MODE, format_module
from naftiko_codegen.format.shapes import shape, unshape


def _black(text: str) -> str:
    return black.format_str(text, mode=BLACK_MODE)


# Each pair has one shape: the second is formatted from the first's black run.
TWINS = [
    (
        'def handler_one(alpha: str, beta: int = 3) -> None:\n    " Doc  of one ."\n'
        '    return call("path/one", alpha=alpha, beta=beta, gamma=["x", "y", "z"])\n',
        'def handler_two(omega: str, delt: int = 3) -> None:\n    " Say  it two ."\n'
        '    return kall("path/two", omega=omega, delt=delt, gamma=["p", "q", "r"])\n',
    ),
    # Black compares function names (same-name definitions in if/else): a name used twice stays
    # one name (and two names stay two: see below).
    (
        "if flag:\n    @deco\n    def same(): pass\nelse:\n    @deco\n    def same(): pass\n",
        "if flip:\n    @deko\n    def sane(): pass\nelse:\n    @deko\n    def sane(): pass\n",
    ),
    # Lines at black's limit: 99, 100 and 101 characters.
    (
        "x = function_name("
        + '"'
        + "a" * 76
        + '"'
        + ", b)\ny = f2("
        + '"'
        + "b" * 88
        + '"'
        + ")\n",
        "q = function_nome("
        + '"'
        + "c" * 76
        + '"'
        + ", d)\nz = f3("
        + '"'
        + "d" * 88
        + '"'
        + ")\n",
    ),
    (
        "value = some_call(argument_number_one, argument_number_two, argument_number_three_x)\n",
        "other = emit_call(argument_number_uno, argument_number_dos, argument_number_tres_xx)\n",
    ),
    # Keywords, soft keywords and non-ASCII names are kept as they are.
    (
        "match = case = type = 1\nasync def f(éa):\n    await g(match, éa)\n",
        "match = case = type = 1\nasync def h(éa):\n    await k(match, éa)\n",
    ),
    # Strings black rewrites (prefixes, quotes, escapes) are kept; `#` inside a string is no
    # comment; numbers stay numbers.
    (
        "x = [u'a', b'b', r'c', f'{d}', 'e\"', \"f#g\", 1e5, 0x1F, 1_000j]  # note 'h'\n",
        "y = [u'a', b'b', r'c', f'{d}', 'e\"', \"h#i\", 1e5, 0x1F, 1_000j]  # note 'h'\n",
    ),
    (
        'class Model:\n    "Doc."\n    field: str = "x"\n\n    def m(self): return self.field\n',
        'class Other:\n    "Cod."\n    fiend: str = "y"\n\n    def n(self): return self.fiend\n',
    ),
]


@pytest.mark.parametrize(("first", "second"), TWINS)
def test_twins_format_like_black(first: str, second: str) -> None:
    one, two = shape(first), shape(second)
    assert one is not None and two is not None and one.text == two.text
    assert format_module(first) == _black(first)
    assert format_module(second) == _black(second)


def test_one_name_is_one_placeholder_and_two_are_two() -> None:
    same = "if a:\n    @d\n    def same(): pass\nelse:\n    @d\n    def same(): pass\n"
    two = same.replace("same", "othr", 1)
    assert shape(same) != shape(two)
    assert format_module(same) == _black(same)
    assert format_module(two) == _black(two)


def test_many_names_and_fmt_directives() -> None:
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = "def f():\n    return [" + ", ".join([*letters, "ä", "_x", "_"]) + "]\n"
    piece = shape(text)
    # 52 letters (`f` among them) and `_x`; `def`, `return`, `_` and `ä` are kept.
    assert piece is not None and len(set(piece.placeholders)) == 53
    assert format_module(text) == _black(text)
    pairs = [a + b for a in "pq" for b in "abcdefghijklmnopqrstuvwxyz"]  # 52 two-letter names
    two_letters = shape("x = [" + ", ".join(pairs) + "]\n")
    assert two_letters is not None and not {"as", "if", "in", "is", "or"} & set(
        two_letters.text.split()
    )
    assert shape("# fmt: off\nx = [1,2]\n") is None
    future = shape("from __future__ import annotations\n")
    assert future is not None and future.originals == ("annotations",)


def test_a_changed_token_in_blacks_output_is_refused() -> None:
    piece = shape('x = call(alpha, "text")\n')
    assert piece is not None and piece.originals == ("x", "call", "alpha", '"text"')
    assert unshape(piece.text, piece) == 'x = call(alpha, "text")\n'
    assert unshape(piece.text.replace('"xxxx"', '"xxxy"'), piece) is None
    assert unshape(piece.text + "extra_name\n", piece) is None


_NAMES = st.text("abcdefghij_", min_size=1, max_size=38).filter(
    lambda name: not name[0].isdigit() and name not in {"if", "in", "def"}
)
_BODIES = st.text("ab #/{}-:", max_size=40)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(_NAMES, min_size=5, max_size=5),
    st.lists(_BODIES, min_size=2, max_size=2),
    st.sampled_from([0, 1, 2]),
)
def test_handlers_of_any_lengths_format_like_black(
    names: list[str], bodies: list[str], docstring: int
) -> None:
    first, second, third, fourth, fifth = names
    doc = ['    """' + bodies[0] + '"""\n', "    " + '"' + bodies[0] + '"\n', ""][docstring]
    text = (
        f"@router.get({bodies[1]!r}, operation_id={first!r}, responses=ERRORS)\n"
        f"async def {first}(request: Request, *, {second}: Annotated[str, Path()], "
        f"{third}: int = 3) -> Response:\n{doc}"
        f"    upstream = await operations.{fourth}(_client(request), {fifth}={second}, "
        f"{third}={third})\n    return relay(upstream)\n"
    )
    assert format_module(text) == _black(text)


def test_a_shape_black_cannot_parse_is_reported_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    import naftiko_codegen.format as formatter

    name = "piece_that_black_refuses"
    placeholder = shape(name + "\n")
    assert placeholder is not None

    def strict_black(text: str) -> str:
        if placeholder.text.strip() in text:
            raise InvalidInput("Cannot parse for target version Python 3.11: 1:4: " + text)
        return _black(text)

    monkeypatch.setattr(formatter, "_black", strict_black)
    text = f"import os\n\n\ndef f():\n    return {name}(os)\n"
    assert format_module(text) == _black(text)
