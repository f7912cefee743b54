"""Tests for `names`: identifiers, unique names, literals and docstrings, fuzzed with Hypothesis."""

from __future__ import annotations

import ast
import keyword
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naftiko_codegen.names import (
    PythonCode,
    PythonIdentifier,
    UniqueNames,
    docstring_text,
    env_var_name,
    identifier,
    py_literal,
    slugify,
)

# Text that stresses quoting: quotes, backslashes, newlines, Jinja and f-string braces, unicode.
NASTY = st.sampled_from(
    [
        '"""',
        "'''",
        "'",
        '"',
        "\\",
        "\\n",
        "\n",
        "\r\n",
        "\x00",
        "{{",
        "}}",
        "{% raw %}",
        "{#",
        "__import__('os').system('x')",
        "\u2028",
        "é",
        "😀",
        "\t",
        "\\N{BULLET}",
        "\\x41",
    ]
)
TEXT = st.one_of(st.text(), st.lists(st.one_of(NASTY, st.text(max_size=5))).map("".join))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
PLAIN = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(TEXT, st.integers()), children, max_size=4),
    ),
    max_leaves=20,
)


# ----------------------------------------------------------------------------- identifier


@given(TEXT)
def test_identifier_is_always_safe(text: str) -> None:
    name = identifier(text)
    assert isinstance(name, PythonIdentifier)
    assert name.isidentifier()
    assert not keyword.iskeyword(name)
    assert not keyword.issoftkeyword(name)
    assert name == name.lower()


@given(TEXT, st.sets(st.text(min_size=1)))
def test_identifier_avoids_reserved_names(text: str, reserved: set[str]) -> None:
    assert identifier(text, reserved=reserved) not in reserved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("session-id", "session_id"),
        ("session.id", "session_id"),
        ("items[]", "items"),
        ("sessionId", "session_id"),
        ("HTTPStatus", "httpstatus"),
        ("class", "class_"),
        ("None", "none"),
        ("match", "match_"),
        ("_", "value"),
        ("", "value"),
        ("42", "value_42"),
        ("3d-model", "value_3d_model"),
        ("café crème", "cafe_creme"),
        ("__import__", "import_"),
        ("a--b__c", "a_b_c"),
    ],
)
def test_identifier_examples(text: str, expected: str) -> None:
    assert identifier(text) == expected


def test_identifier_fallback_and_reserved() -> None:
    assert identifier("", fallback="param") == "param"
    assert identifier("1", fallback="param") == "param_1"
    assert identifier("request", reserved={"request"}) == "request_"


@pytest.mark.parametrize("bad", ["", "1a", "class", "a-b", "a b"])
def test_python_identifier_rejects_unsafe_text(bad: str) -> None:
    with pytest.raises(ValueError, match="not a safe Python identifier"):
        PythonIdentifier(bad)


# ----------------------------------------------------------------------------- UniqueNames


@given(st.lists(TEXT, max_size=30), st.sets(st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)))
def test_unique_names_never_repeat(texts: list[str], taken: set[str]) -> None:
    scope = UniqueNames(taken)
    claimed = [scope.claim(text) for text in texts]
    assert len(set(claimed)) == len(claimed)
    assert not set(claimed) & taken
    for name in claimed:
        assert name.isidentifier()
        assert not keyword.iskeyword(name)


def test_unique_names_suffixes_collisions() -> None:
    scope = UniqueNames({"text"})
    assert [scope.claim(t) for t in ("a", "A", "a_2", "a", "text", "request")] == [
        "a",
        "a_2",
        "a_2_2",
        "a_3",
        "text_",  # `text` is reserved (a generated helper), so it takes the `_` suffix
        "request_",
    ]


# ----------------------------------------------------------------------------- literals


@given(PLAIN)
@settings(max_examples=300)
def test_py_literal_round_trips(value: object) -> None:
    code = py_literal(value)
    assert isinstance(code, PythonCode)
    assert ast.literal_eval(code) == value


@given(st.lists(SCALARS, max_size=3))
def test_py_literal_tuples_round_trip(items: list[object]) -> None:
    value = tuple(items)
    assert ast.literal_eval(py_literal(value)) == value


@given(PLAIN)
def test_py_literal_is_one_expression(value: object) -> None:
    tree = ast.parse(py_literal(value), mode="eval")
    forbidden = (ast.Call, ast.Name, ast.Attribute, ast.Lambda, ast.JoinedStr)
    assert not [node for node in ast.walk(tree) if isinstance(node, forbidden)]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_py_literal_non_finite_floats_are_valid_code(value: float) -> None:
    result = eval(py_literal(value), {"__builtins__": {"float": float}})
    assert result == value or (math.isnan(value) and math.isnan(result))


@pytest.mark.parametrize("value", [{1, 2}, object(), b"bytes"])
def test_py_literal_rejects_other_types(value: object) -> None:
    with pytest.raises(TypeError, match="cannot render"):
        py_literal(value)


# ----------------------------------------------------------------------------- docstrings


def _docstring_module(text: str) -> ast.Module:
    return ast.parse('"""' + docstring_text(text) + '"""\n')


@given(TEXT)
@settings(max_examples=300)
def test_docstring_text_cannot_break_out(text: str) -> None:
    module = _docstring_module(text)
    # Exactly one statement, the docstring itself: nothing escaped into code.
    assert len(module.body) == 1
    (statement,) = module.body
    assert isinstance(statement, ast.Expr)
    assert isinstance(statement.value, ast.Constant)
    assert isinstance(statement.value.value, str)


@given(TEXT)
def test_docstring_text_keeps_the_words(text: str) -> None:
    module = _docstring_module(text)
    docstring = ast.get_docstring(module, clean=False)
    assert docstring is not None
    expected_words = "".join(ch for ch in text if ch.isalnum())
    assert "".join(ch for ch in docstring if ch.isalnum()) == expected_words


@given(TEXT, st.integers(min_value=0, max_value=8))
def test_docstring_text_inside_a_function(text: str, indent: int) -> None:
    body = docstring_text(text).replace("\n", "\n" + " " * indent)
    source = f'def f():\n    """{body}"""\n    return 1\n'
    tree = ast.parse(source)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert len(function.body) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('say """hi"""', 'say \\"\\"\\"hi\\"\\"\\" '),
        ("back\\slash", "back\\\\slash"),
        ('ends with "', 'ends with " '),
        ("  padded  \n  lines  \n", "padded\n  lines"),
        ("bell\x07 and\rcr", "bell  and cr"),
    ],
)
def test_docstring_text_examples(text: str, expected: str) -> None:
    assert docstring_text(text) == expected


# ----------------------------------------------------------------------------- other names


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("rest-sessions", "BASE_URL"), "REST_SESSIONS_BASE_URL"),
        (("a.b", "", "c"), "A_B_C"),
        (("-x-",), "X"),
    ],
)
def test_env_var_name(parts: tuple[str, ...], expected: str) -> None:
    assert env_var_name(*parts) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Rest Sessions", "rest-sessions"), ("café_v2", "cafe-v2"), ("!!!", "capability")],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected
