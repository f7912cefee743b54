"""HTML and Markdown upstream bodies read as JSON-like data, the way the Naftiko engine reads them.

- **HTML** (`outputRawFormat: html`): every `<table>` (or, with `outputSchema`, the tables the
  CSS selector picks, or that lie inside what it picks) becomes a list of row objects keyed by
  the header cells. The header is the first row of `<thead>`, else the `<th>` cells of the first
  row; a row holding any `<th>` is a header, not data; a missing cell reads as "". Cell text is
  whitespace-collapsed. Result: `{"tables": [[{header: cell, …}, …], …]}`. Parsed by
  BeautifulSoup (the standard library's parser, no native code) with soupsieve selectors.
- **Markdown** (`outputRawFormat: markdown`): CommonMark with GFM tables (markdown-it-py).
  Result: `{"frontMatter": {…}, "tables": […], "sections": [{"heading", "level", "content"}]}`.
  `frontMatter` is a leading `---` YAML block; `tables` are the top-level tables as for HTML;
  a section runs from one heading to the next, its `content` the text of its blocks (tables
  excluded) one per line. With `outputSchema`, only sections whose heading starts with it.

Both libraries are dependencies only of packages that declare these formats; they are imported
when the first such body arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["html_tables", "markdown_document"]


def html_tables(text: str, selector: str | None) -> dict[str, Any]:
    """`{"tables": [...]}` of an HTML document; `selector` is a CSS selector or None."""
    from bs4 import BeautifulSoup

    document = BeautifulSoup(text, "html.parser")
    if selector and selector.strip():
        tables: list[Any] = []
        for element in document.select(selector):
            if element.name == "table":
                tables.append(element)
            else:
                tables.extend(element.select("table"))
    else:
        tables = document.select("table")
    return {"tables": [_html_table(table) for table in tables]}


def _html_table(table: Any) -> list[dict[str, str]]:
    cells = table.select("thead tr:first-child th") or table.select("tr:first-child th")
    headers = _headers([_cell_text(cell) for cell in cells])
    rows: list[list[str]] = []
    for row in table.select("tbody tr") or table.select("tr"):
        if row.select("th"):
            continue  # A row holding a header cell is a header row.
        values = [_cell_text(cell) for cell in row.select("td")]
        if values:
            rows.append(values)
    return _keyed(headers, rows)


def _cell_text(cell: Any) -> str:
    return " ".join(cell.get_text().split())


def markdown_document(text: str, heading_filter: str | None) -> dict[str, Any]:
    """`{"frontMatter", "tables", "sections"}` of a Markdown document."""
    from markdown_it import MarkdownIt

    text = text.replace("\r\n", "\n")
    front_matter, body = _front_matter(text)
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    tables: list[list[dict[str, str]]] = []
    sections: list[dict[str, Any]] = []
    heading: tuple[str, int] | None = None
    content: list[str] = []

    def close_section() -> None:
        if heading is not None and (not heading_filter or heading[0].startswith(heading_filter)):
            sections.append(
                {"heading": heading[0], "level": heading[1], "content": _lines(content)}
            )

    for block in _top_level_blocks(tokens):
        kind = block[0].type
        if kind == "heading_open":
            close_section()
            heading = (_inline_text(block).strip(), int(block[0].tag[1:]))
            content = []
        elif kind == "table_open":
            table = _markdown_table(block)
            if table is not None:
                tables.append(table)
        elif heading is not None:
            content.append(_inline_text(block))
    close_section()
    return {"frontMatter": front_matter, "tables": tables, "sections": sections}


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A leading `---` … `---` YAML block (an object, else `{}`) and the rest of the text."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        return {}, text
    block, body = text[4:end].strip(), text[end + 5 :]
    if not block:
        return {}, body
    import yaml

    try:
        parsed = yaml.safe_load(block)
    except yaml.YAMLError as error:
        raise ValueError(f"malformed Markdown front matter: {error}") from None
    return (parsed if isinstance(parsed, dict) else {}), body


def _top_level_blocks(tokens: Sequence[Any]) -> list[list[Any]]:
    """The document's top-level blocks, each the tokens from its opening to its closing one."""
    blocks: list[list[Any]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            blocks.append([])
        blocks[-1].append(token)
        depth += token.nesting
    return blocks


def _inline_text(block: Sequence[Any]) -> str:
    """The text of a block as the engine collects it: text and code, soft breaks as spaces."""
    parts: list[str] = []
    for token in block:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type == "softbreak":
                parts.append(" ")
            elif child.type == "hardbreak":
                parts.append("\n")
    return "".join(parts)


def _markdown_table(block: Sequence[Any]) -> list[dict[str, str]] | None:
    headers: list[str] = []
    rows: list[list[str]] = []
    section = ""
    row: list[str] | None = None
    for token in block:
        if token.type in ("thead_open", "tbody_open"):
            section = token.type[:5]
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(_inline_text([token]).strip())
        elif token.type == "tr_close" and row is not None:
            if section == "thead" and not headers:
                headers = row
            elif section == "tbody":
                rows.append(row)
            row = None
    keys = _headers(headers)
    return _keyed(keys, rows) if keys else None


def _headers(raw: Sequence[str]) -> list[str]:
    """Trimmed header names; none at all when every one is blank."""
    headers = [header.strip() for header in raw]
    return headers if any(headers) else []


def _keyed(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    return [
        {header: row[index] if index < len(row) else "" for index, header in enumerate(headers)}
        for row in rows
    ]


def _lines(texts: Sequence[str]) -> str:
    return "\n".join(text.strip() for text in texts if text.strip()).strip()
