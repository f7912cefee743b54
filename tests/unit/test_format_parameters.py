"""`format/parameters.py`: over-long `Annotated` parameter lines are broken exactly as black does."""

from __future__ import annotations

import json
import keyword

import black
from hypothesis import example, given, settings
from hypothesis import strategies as st

from naftiko_codegen.format import BLACK_MODE
from naftiko_codegen.format.parameters import break_parameter_lines

_TYPES = ["str", "str | None", "int | None", "dict[str, Any]", "list[str] | None", "Any", "bool"]
_KINDS = ["Query", "Path", "Header", "Cookie", "Body"]
_TEXT = st.text(alphabet=st.sampled_from("abc XYZ.,:;()[]{}-_/漢字é😀#'"), max_size=120).map(
    json.dumps
)
"""Strings as black writes them (double quotes; no `"` or backslash inside to re-quote)."""


def _handler(parameter: str) -> str:
    return (
        '@router.get(\n    "/x",\n    summary="S",\n)\n'
        f"async def handler(\n    request: Request,\n    *,\n{parameter}\n) -> Response:\n"
        '    """Doc."""\n    return relay(x)\n'
    )


def _not_keyword(name: str) -> bool:
    return not keyword.iskeyword(name) and not keyword.issoftkeyword(name)


@st.composite
def _parameters(draw: st.DrawFn) -> str:
    name = draw(st.from_regex(r"[a-z][a-z0-9_]{0,45}", fullmatch=True).filter(_not_keyword))
    arguments = []
    if draw(st.booleans()):
        arguments.append("embed=True")
    if draw(st.booleans()):
        arguments.append(f"alias={draw(_TEXT)}")
    arguments.append(f"description={draw(_TEXT)}")
    default = draw(st.sampled_from(["", " = None"]))
    kind = draw(st.sampled_from(_KINDS))
    annotation = f"Annotated[{draw(st.sampled_from(_TYPES))}, {kind}({', '.join(arguments)})]"
    return f"    {name}: {annotation}{default},"


@settings(max_examples=150, deadline=None)
@given(_parameters())
@example('    x: Annotated[str, Query(description="' + "d" * 95 + '")] = None,')
@example('    x: Annotated[str, Query(alias="a", description="' + "d" * 70 + '")],')
@example('    x: Annotated[str, Query(alias="a", description="' + "d" * 83 + '")],')
def test_broken_lines_are_what_black_writes(parameter: str) -> None:
    source = _handler(parameter)
    prepared = break_parameter_lines(source)
    formatted = black.format_str(source, mode=BLACK_MODE)

    assert black.format_str(prepared, mode=BLACK_MODE) == formatted  # the output never changes
    assert prepared in (source, formatted)  # and when the line was broken, black agrees


def test_other_lines_and_shapes_are_left_alone() -> None:
    long = "d" * 100
    sources = [
        f'    x: Annotated[str, Query(description="{long}")] = None,\n',  # not in a signature
        f'def f(\n    x: Annotated[str, Query("{long}")],\n):\n    pass\n',  # positional argument
        f'def f(\n    x: Annotated[str, Query(**{{"d": "{long}"}})],\n):\n    pass\n',
        f'def f(\n    x: Annotated[str, Query(description="{long}"), 1],\n):\n    pass\n',
        f'def f(\n    x: list[Query(description="{long}")],\n):\n    pass\n',
        f'def f(\n        x: Annotated[str, Query(description="{long}")],\n):\n    pass\n',
        f'def f(\n    x: Annotated[str, Query(description="{long}")], y: int,\n):\n    pass\n',
        f'def f(\n    x: Annotated[str, Query(description="{long}")\n):\n    pass\n',
    ]
    for source in sources:
        assert break_parameter_lines(source) == source


def test_a_long_parameter_is_broken_over_lines() -> None:
    source = _handler(
        '    q: Annotated[str | None, Query(alias="Q", description="' + "d" * 80 + '")] = None,'
    )
    prepared = break_parameter_lines(source)

    assert prepared != source
    assert prepared == black.format_str(source, mode=BLACK_MODE)
