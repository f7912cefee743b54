"""Part of stage 6, format: break over-long `name: Annotated[T, Kind(...)] = default,` lines as black does.

Route handlers declare one parameter a line (`name: Annotated[str, Query(description=…)]`), and
a spec's descriptions make many of those lines longer than 100 columns. Black then changes the
handler, and a piece black changes costs it a second pass to confirm (a fifth of all of black's
time in a corpus build). Laid out beforehand the way black breaks that one shape, the handler
is already black's output and black confirms it in one pass.

Black still formats every piece afterwards; the property test in `tests/unit/test_format.py`
checks that black's output is the same with and without this step on random parameter lines.
A line of any other shape, or one this module is unsure of, is left for black alone.
"""

from __future__ import annotations

import ast
import re

from black.strings import str_width

__all__ = ["break_parameter_lines"]

_LIMIT = 100
_MARK = ": Annotated["
_INDENT = " " * 4
_SIGNATURE_START = re.compile(r"(async )?def \w+\($")
"""A top-level definition whose parameters follow one a line (the only place this applies)."""


def break_parameter_lines(source: str) -> str:
    """`source` with every over-long one-line `Annotated` parameter (indent 4) broken as black does."""
    if _MARK not in source:
        return source
    out: list[str] = []
    in_signature = False
    for line in source.split("\n"):
        if _SIGNATURE_START.match(line):
            in_signature = True
        elif line.startswith(")"):
            in_signature = False
        elif in_signature and _MARK in line and str_width(line) > _LIMIT:
            out.extend(_broken(line) or [line])
            continue
        out.append(line)
    return "\n".join(out)


def _broken(line: str) -> list[str] | None:
    if not line.startswith(_INDENT) or line[4:5].isspace() or not line.endswith(","):
        return None
    text = line[4:-1]
    try:
        parsed = ast.parse(f"def f({text}): pass")
    except SyntaxError:
        return None
    function = parsed.body[0]
    assert isinstance(function, ast.FunctionDef)
    parameters = function.args
    found = [*parameters.posonlyargs, *parameters.args, *parameters.kwonlyargs]
    defaults = [*parameters.defaults, *(d for d in parameters.kw_defaults if d is not None)]
    if len(found) != 1 or len(defaults) > 1 or parameters.vararg or parameters.kwarg:
        return None
    return _lay_out(f"def f({text}): pass", found[0], defaults[0] if defaults else None)


def _lay_out(code: str, parameter: ast.arg, default: ast.expr | None) -> list[str] | None:
    annotation = parameter.annotation
    if not (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and len(annotation.slice.elts) == 2
        and isinstance(annotation.slice.elts[1], ast.Call)
    ):
        return None
    type_node, call = annotation.slice.elts
    assert isinstance(call, ast.Call)
    if call.args or not call.keywords or any(k.arg is None for k in call.keywords):
        return None
    pieces = [ast.get_source_segment(code, node) for node in (type_node, call, call.func)]
    arguments = [ast.get_source_segment(code, keyword) for keyword in call.keywords]
    if None in pieces or None in arguments:
        return None
    type_text, call_text, function_text = (str(p) for p in pieces)
    tail = "]" if default is None else f"] = {ast.get_source_segment(code, default)}"
    head = [f"    {parameter.arg}: Annotated["]
    if str_width(head[0]) > _LIMIT:  # black would break elsewhere first
        return None
    body = f"        {type_text}, {call_text}"
    if str_width(body) <= _LIMIT:
        return [*head, body, f"    {tail},"]
    lines = [*head, f"        {type_text},"]
    if str_width(f"        {call_text},") <= _LIMIT:
        return [*lines, f"        {call_text},", f"    {tail},"]
    joined = "            " + ", ".join(str(a) for a in arguments)
    if str_width(joined) <= _LIMIT or len(arguments) == 1:
        inner = [joined]  # fits, or one argument nothing can break: no comma is added
    else:
        inner = [f"            {argument}," for argument in arguments]
    return [*lines, f"        {function_text}(", *inner, "        ),", f"    {tail},"]
