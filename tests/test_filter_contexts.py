"""Every `{{ … }}` ends with the filter its lexical context needs (style.md §2, issue 10 item 4).

A small lexer per output language classifies where each expression lands once rendered — Python
code, a docstring, another string or a comment; TOML value, string or comment; Markdown text, a
code span, a fenced block, a Mermaid label — and `ALLOWED` says which filters suit each place.
`md` inside a code span (which shows its backslashes) is the mistake this catches; so is `py`
inside a string, or `toml` inside a TOML comment. The rendered side is checked on the hostile
golden case: its README shows no Markdown escape inside a code span or a fenced block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
HOSTILE_README = REPO / "golden" / "hostile-strings" / "expected" / "README.md"

ALLOWED: dict[str, frozenset[str]] = {
    "python code": frozenset({"py", "py_set", "ident", "code"}),
    "python docstring": frozenset({"doc", "ident"}),
    "python string": frozenset(),
    "python comment": frozenset(),
    "toml value": frozenset({"toml"}),
    "toml string": frozenset(),
    "toml comment": frozenset({"toml_comment"}),
    "markdown text": frozenset({"md"}),
    "markdown code span": frozenset({"md_code"}),
    "markdown fenced block": frozenset({"md_fence"}),
    "mermaid label": frozenset({"mermaid"}),
    "mermaid syntax": frozenset(),
    "dotenv comment": frozenset({"env_comment"}),
    "dotenv line": frozenset({"env_name"}),
    "dockerfile": frozenset({"json"}),
    "dockerfile comment": frozenset(),
    "yaml value": frozenset({"yaml"}),
    "yaml string": frozenset(),
    "yaml comment": frozenset(),
    "plain text": frozenset(),
}
"""Filters that may end a `{{ … }}` in each context; a context missing here is a test bug."""

UNFILTERED_ALLOWED = frozenset({"loop.index"})
"""Expressions that carry no spec text (counters), allowed anywhere."""

_JINJA = re.compile(
    r"\{%-?\s*raw\s*-?%\}(?P<raw>.*?)\{%-?\s*endraw\s*-?%\}"
    r"|\{#.*?#\}|\{%.*?%\}|\{\{(?P<expression>.*?)\}\}",
    re.DOTALL,
)
_LAST_FILTER = re.compile(r"\|\s*([A-Za-z_]\w*)\s*(\([^|]*\))?\s*$")


def _blank(text: str) -> str:
    """The same text with every character but newlines turned into a space (keeps positions)."""
    return re.sub(r"[^\n]", " ", text)


def _template_output(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """What a template writes, positions kept: tags and comments blanked, raw blocks kept as
    text, and each `{{ … }}` replaced by `x`s; also the (start, end, expression) of each."""
    out: list[str] = []
    expressions: list[tuple[int, int, str]] = []
    position = 0
    for match in _JINJA.finditer(text):
        out.append(text[position : match.start()])
        if match.group("raw") is not None:
            out.append(_blank(text[match.start() : match.start("raw")]))
            out.append(match.group("raw"))
            out.append(_blank(text[match.end("raw") : match.end()]))
        elif match.group("expression") is not None:
            expressions.append((match.start(), match.end(), match.group("expression").strip()))
            out.append(re.sub(r"[^\n]", "x", match.group()))
        else:
            out.append(_blank(match.group()))
        position = match.end()
    out.append(text[position:])
    return "".join(out), expressions


# ----------------------------------------------------------------------------- lexers


def _python_contexts(text: str) -> list[str]:
    """The context of every character of Python source (code, docstring, string, comment).

    Triple-quoted strings count as docstrings: the `doc` filter is what keeps them closed (a
    model-sanitised identifier cannot open or close one either).
    """
    contexts = ["python code"] * len(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char == "#":
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            contexts[index:end] = ["python comment"] * (end - index)
            index = end
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, index) else char
            kind = "python docstring" if len(quote) == 3 else "python string"
            end = index + len(quote)
            while end < len(text) and not text.startswith(quote, end):
                if len(quote) == 1 and text[end] == "\n":
                    break  # An unclosed one-line string: stop at the line end.
                end += 2 if text[end] == "\\" else 1
            end = min(len(text), end + len(quote))
            contexts[index:end] = [kind] * (end - index)
            index = end
        else:
            index += 1
    return contexts


def _toml_contexts(text: str) -> list[str]:
    """The context of every character of TOML (value, string, comment)."""
    contexts = ["toml value"] * len(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char == "#":
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            contexts[index:end] = ["toml comment"] * (end - index)
            index = end
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, index) else char
            end = index + len(quote)
            while end < len(text) and not text.startswith(quote, end):
                end += 2 if text[end] == "\\" and char == '"' else 1
            end = min(len(text), end + len(quote))
            contexts[index:end] = ["toml string"] * (end - index)
            index = end
        else:
            index += 1
    return contexts


def _dockerfile_contexts(text: str) -> list[str]:
    """The context of every character of a Dockerfile: a comment line, or an instruction
    (whose values `json` quotes: exec-form arrays are JSON)."""
    contexts: list[str] = []
    for line in text.splitlines(keepends=True):
        comment = line.lstrip().startswith("#")
        contexts += ["dockerfile comment" if comment else "dockerfile"] * len(line)
    return contexts


def _yaml_contexts(text: str) -> list[str]:
    """The context of every character of YAML (plain value, quoted string, comment)."""
    contexts = ["yaml value"] * len(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char == "#" and (index == 0 or text[index - 1] in " \t\n"):
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            contexts[index:end] = ["yaml comment"] * (end - index)
            index = end
        elif char in "'\"":
            end = index + 1
            while end < len(text) and text[end] != char and text[end] != "\n":
                end += 2 if text[end] == "\\" and char == '"' else 1
            end = min(len(text), end + 1)
            contexts[index:end] = ["yaml string"] * (end - index)
            index = end
        else:
            index += 1
    return contexts


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w-]*)")


def _code_span_mask(line: str) -> list[bool]:
    """Which characters of one Markdown line lie inside a code span (CommonMark backtick runs)."""
    mask = [False] * len(line)
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", line)]
    index = 0
    while index < len(runs):
        start, end = runs[index]
        closer = next(
            (i for i in range(index + 1, len(runs)) if runs[i][1] - runs[i][0] == end - start),
            None,
        )
        if closer is None:
            index += 1
            continue
        mask[start : runs[closer][1]] = [True] * (runs[closer][1] - start)
        index = closer + 1
    return mask


def _markdown_contexts(text: str) -> list[str]:
    """The context of every character of Markdown (text, code span, fenced block, Mermaid)."""
    contexts: list[str] = []
    fence: tuple[str, str] | None = None  # (marker, info string) of the open fenced block
    for line in text.splitlines(keepends=True):
        opener = _FENCE.match(line)
        if fence is None and opener:
            fence = (opener.group(1), opener.group(2))
            contexts += ["markdown fenced block"] * len(line)
        elif fence is not None and opener and opener.group(1).startswith(fence[0]):
            fence = None
            contexts += ["markdown fenced block"] * len(line)
        elif fence is not None and fence[1] == "mermaid":
            quoted = False
            for char in line:
                if char == '"':
                    quoted = not quoted
                contexts.append("mermaid label" if quoted else "mermaid syntax")
        elif fence is not None:
            contexts += ["markdown fenced block"] * len(line)
        else:
            mask = _code_span_mask(line)
            contexts += ["markdown code span" if inside else "markdown text" for inside in mask]
    return contexts


def _dotenv_contexts(output: str) -> list[str]:
    """A `.env` file: comment lines, and `NAME=value` lines."""
    contexts: list[str] = []
    for line in output.splitlines(keepends=True):
        comment = line.lstrip().startswith("#")
        contexts += ["dotenv comment" if comment else "dotenv line"] * len(line)
    return contexts


def expression_contexts(name: str, text: str) -> Iterator[tuple[int, str, str, str | None]]:
    """(line, expression, context, last filter) of every `{{ … }}` of template `name`."""
    output, expressions = _template_output(text)
    if name.endswith(".py.jinja") or _is_python_macro_file(name):
        contexts = _python_contexts(output)
    elif name.endswith(".toml.jinja"):
        contexts = _toml_contexts(output)
    elif name.endswith(".md.jinja"):
        contexts = _markdown_contexts(output)
    elif name.endswith("env.example.jinja"):
        contexts = _dotenv_contexts(output)
    elif name.endswith(".yaml.jinja"):
        contexts = _yaml_contexts(output)
    elif name.endswith("Dockerfile.jinja"):
        contexts = _dockerfile_contexts(output)
    else:
        contexts = ["plain text"] * len(output)
    for start, _end, expression in expressions:
        last = _LAST_FILTER.search(expression)
        yield (
            text.count("\n", 0, start) + 1,
            expression,
            contexts[start],
            last.group(1) if last else None,
        )


def _is_python_macro_file(name: str) -> bool:
    """Macros and fragments (`_macros/`, `_actions/`) write Python unless their name says not."""
    return name.startswith("_") and not name.endswith((".md.jinja", ".toml.jinja", ".yaml.jinja"))


_MACRO_DEFINITION = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(")
_MACRO_IMPORT = re.compile(r"\{%-?\s*from\s+.+?\s+import\s+([\w\s,]+?)\s*-?%\}", re.DOTALL)
_MACRO_CALL = re.compile(r"^(\w+)\s*\(.*\)$", re.DOTALL)


def _macros(text: str) -> set[str]:
    """Macros the template defines or imports explicitly: their output is filtered inside them."""
    names = set(_MACRO_DEFINITION.findall(text))
    for imported in _MACRO_IMPORT.findall(text):
        names.update(name.strip() for name in imported.split(","))
    return names


def misfiltered(name: str, text: str) -> list[str]:
    """Every expression whose last filter does not suit its context, described."""
    macros = _macros(text)
    return [
        f"line {line}: {{{{ {expression} }}}} is in a {context}, where "
        + (", ".join(sorted(ALLOWED[context])) or "no spec text")
        + " belongs"
        for line, expression, context, last in expression_contexts(name, text)
        if expression not in UNFILTERED_ALLOWED
        and last not in ALLOWED[context]
        and not ((call := _MACRO_CALL.match(expression)) and call.group(1) in macros)
    ]


# ----------------------------------------------------------------------------- the classifier


@pytest.mark.parametrize(
    ("name", "text", "context"),
    [
        ("a.py.jinja", "x = {{ a | py }}\n", "python code"),
        ("a.py.jinja", '"""Doc {{ a | doc }}."""\n', "python docstring"),
        ("a.py.jinja", "x = '{{ a | py }}'\n", "python string"),
        ("a.py.jinja", "x = 'it\\'s {{ a | py }}'\n", "python string"),
        ("a.py.jinja", "x = '#'  # {{ a | doc }}\n", "python comment"),
        ("a.py.jinja", '"""a\n"b" {{ a | doc }}\n"""\n', "python docstring"),
        ("a.py.jinja", '{% raw %}"{{"{% endraw %} + {{ a | py }}\n', "python code"),
        ("a.toml.jinja", "name = {{ a | toml }}\n", "toml value"),
        ("a.toml.jinja", "# made from {{ a | toml_comment }}\n", "toml comment"),
        ("a.toml.jinja", 'name = "{{ a | toml }}"\n', "toml string"),
        ("a.md.jinja", "Port {{ a | md }}.\n", "markdown text"),
        ("a.md.jinja", "| `{{ a | md_code }}` |\n", "markdown code span"),
        ("a.md.jinja", "`x` and {{ a | md }} and `y`\n", "markdown text"),
        ("a.md.jinja", "{% if b %}`x`{% endif %} `{{ a | md_code }}`\n", "markdown code span"),
        ("a.md.jinja", "``a ` {{ a | md_code }}``\n", "markdown code span"),
        ("a.md.jinja", "```bash\nexport {{ a | md_fence }}=1\n```\n", "markdown fenced block"),
        ("a.md.jinja", '```mermaid\n  a["{{ a | mermaid }}"]\n```\n', "mermaid label"),
        ("a.md.jinja", "```mermaid\n  a{{ a | mermaid }}\n```\n", "mermaid syntax"),
        ("a.md.jinja", "```\nx\n```\n`{{ a | md_code }}`\n", "markdown code span"),
        ("Dockerfile.jinja", "EXPOSE {{ a | json }}\n", "dockerfile"),
        ("Dockerfile.jinja", "  # from {{ a | json }}\n", "dockerfile comment"),
        ("a.yaml.jinja", "name: {{ a | yaml }}\n", "yaml value"),
        ("a.yaml.jinja", 'name: "{{ a | yaml }}"\n', "yaml string"),
        ("a.yaml.jinja", "name: x  # {{ a | yaml }}\n", "yaml comment"),
        ("a.yaml.jinja", "url: a#b {{ a | yaml }}\n", "yaml value"),
    ],
)
def test_classifier_finds_the_context(name: str, text: str, context: str) -> None:
    assert [found for _, _, found, _ in expression_contexts(name, text)] == [context]


def test_misfiltered_names_the_mistake() -> None:
    assert misfiltered("a.md.jinja", "| `{{ a | md }}` |\n") == [
        "line 1: {{ a | md }} is in a markdown code span, where md_code belongs"
    ]
    assert misfiltered("a.md.jinja", "| `{{ loop.index }}` | {{ a | md }} |\n") == []
    assert misfiltered("a.py.jinja", "x = '{{ a | py }}'\n") == [
        "line 1: {{ a | py }} is in a python string, where no spec text belongs"
    ]
    macro = "{% macro m(x) %}{{ x | py }}{% endmacro %}"
    assert misfiltered("_macros/m.jinja", macro + "y = {{ m(a) }}\n") == []
    assert misfiltered("_macros/m.jinja", "y = '{{ a | py }}'\n") == [
        "line 1: {{ a | py }} is in a python string, where no spec text belongs"
    ]


# ----------------------------------------------------------------------------- the templates


def _template_names() -> list[str]:
    return sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.jinja"))


@pytest.mark.parametrize("name", _template_names())
def test_every_filter_suits_its_context(name: str) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    found = misfiltered(name, text)
    assert found == [], f"{name}:\n  " + "\n  ".join(found)


# ----------------------------------------------------------------------------- rendered output

_MARKDOWN_ESCAPE = re.compile(r"\\[\\`*_{}\[\]<>()#+!~]")
"""A backslash escape of `md` (`\\|` is left out: a table needs it even inside a code span)."""


def _code_texts(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of every code span and every fenced-block line of a Markdown file."""
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines(), 1):
        opener = _FENCE.match(line)
        if opener and (fence is None or opener.group(1).startswith(fence)):
            fence = opener.group(1) if fence is None else None
            continue
        if fence is not None:
            yield number, line
            continue
        mask = _code_span_mask(line)
        for span in re.finditer(r"(?<=`)[^`]+(?=`)", line):
            if all(mask[span.start() : span.end()]):
                yield number, span.group()


def test_hostile_readme_has_no_escapes_in_code() -> None:
    if not HOSTILE_README.is_file():
        pytest.skip("golden/hostile-strings has not been generated")
    text = HOSTILE_README.read_text(encoding="utf-8")
    found = [
        f"line {number}: {code!r}"
        for number, code in _code_texts(text)
        if _MARKDOWN_ESCAPE.search(code)
    ]
    assert found == [], "Markdown escapes shown verbatim in code:\n  " + "\n  ".join(found)
