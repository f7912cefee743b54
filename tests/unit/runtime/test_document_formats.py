"""HTML tables and Markdown documents read as the Naftiko engine reads them."""

from __future__ import annotations

import pytest

from naftiko_codegen.runtime.document_formats import html_tables, markdown_document
from naftiko_codegen.runtime.formats import parse_body


def test_every_table_without_a_selector_header_rows_skipped_missing_cells_empty() -> None:
    page = (
        "<table><tr><th>A</th><th> B </th></tr><tr><td>1</td><td>x\n  y</td></tr>"
        "<tr><td>2</td></tr><tr><th>A</th><td>header row</td></tr><tr></tr></table>"
        "<table><tbody><tr><td>no header</td></tr></tbody></table>"
    )
    assert html_tables(page, None) == {
        "tables": [[{"A": "1", "B": "x y"}, {"A": "2", "B": ""}], [{}]]
    }


def test_a_selector_picks_tables_or_the_tables_inside_what_it_picks() -> None:
    page = (
        "<table class='t'><thead><tr><th>N</th></tr></thead><tbody><tr><td>t</td></tr></tbody>"
        "</table><section><table><tr><th>M</th></tr><tr><td>s</td></tr></table></section>"
    )
    assert html_tables(page, "table.t") == {"tables": [[{"N": "t"}]]}
    assert html_tables(page, "section") == {"tables": [[{"M": "s"}]]}
    assert html_tables(page, "  ") == html_tables(page, None)
    assert parse_body(page.encode(), "html", "section") == {"tables": [[{"M": "s"}]]}


def test_markdown_front_matter_tables_and_sections() -> None:
    text = (
        "---\r\nname: demo\r\n---\r\nIntro before any heading.\n\n# One\n\nPara *a*  \nline\n\n"
        "| H1 | H2 |\n|----|----|\n| a | b |\n| c |\n\n|   |   |\n|---|---|\n| x | y |\n\n"
        "```\ncode is left out\n```\n\n## One more\n\n- i\n- j\n"
    )
    assert markdown_document(text, None) == {
        "frontMatter": {"name": "demo"},
        "tables": [[{"H1": "a", "H2": "b"}, {"H1": "c", "H2": ""}]],
        "sections": [
            {"heading": "One", "level": 1, "content": "Para a\nline"},
            {"heading": "One more", "level": 2, "content": "ij"},
        ],
    }
    assert [s["heading"] for s in markdown_document(text, "One m")["sections"]] == ["One more"]


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("---\n---\nx", {}),
        ("---\n \n---\nx", {}),
        ("---\n- a list\n---\nx", {}),
        ("---\nunclosed", {}),
    ],
)
def test_front_matter_that_is_empty_not_an_object_or_unclosed_reads_as_empty(
    text: str, front: dict[str, object]
) -> None:
    assert markdown_document(text, None)["frontMatter"] == front


def test_malformed_front_matter_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="front matter"):
        parse_body(b"---\na: [\n---\n# x\n", "markdown")
