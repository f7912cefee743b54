"""docs/constructs.md cannot rot: every row's tests exist, its status and proof are well formed,
its spec sections exist, and the README's "Spec coverage" table is the count of its rows.

The page has one `## <area>` section per area, each holding one table whose columns are
`construct | spec § | status | proof | proving test(s)`. A test is written
`` `tests/<path>.py::<function>` `` (a parametrised test counts once), optionally followed by a
note in parentheses. Run this file as a script to print the README summary table, or with
`--write` to rewrite it in the README.
No network, no generator: the files are read and the tests parsed with `ast` (well under 1 s).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "constructs.md"
README = REPO / "README.md"
SPEC = REPO.parent / "shared" / "docs" / "naftiko-spec.md"

HEADER = ["construct", "spec §", "status", "proof", "proving test(s)"]
PROOFS = (
    "e2e (process)",
    "e2e",
    "e2e (generated tests)",
    "build",
    "unit only",
    "golden only",
    "none",
)
"""How strong the evidence is, strongest first (the page's legend says what each means)."""
_STATUS = re.compile(
    r"^(supported"
    r"|supported \(differs from the reference engine: .+\)"
    r"|partial: .+"
    r"|not supported: .+)$"
)
_REFERENCE = re.compile(r"`(tests/[^`\s:]+\.py)::([A-Za-z_][A-Za-z0-9_]*)`")
_SECTION = re.compile(r"§(\d+(?:\.\d+)?)")
_SPEC_HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", re.MULTILINE)
SUMMARY_HEADING = "## Spec coverage"
SUMMARY_HEADER = [
    "area",
    "constructs",
    "supported",
    "partial",
    "not supported",
    "proved end to end",
    "by generated tests",
    "at build",
    "unit, golden or no test",
]


@dataclass(frozen=True)
class Row:
    """One construct of the page."""

    area: str
    line: int
    construct: str
    sections: tuple[str, ...]
    status: str
    proof: str
    tests: tuple[tuple[str, str], ...]
    """(file relative to the repository, test function name)."""

    @property
    def kind(self) -> str:
        """`supported`, `partial` or `not supported`."""
        if self.status.startswith("supported"):
            return "supported"
        return "partial" if self.status.startswith("partial") else "not supported"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_rows(text: str) -> list[Row]:
    """Every construct row of the page, with its area (the `##` heading above its table)."""
    rows: list[Row] = []
    area = ""
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            area, in_table = line[3:].strip(), False
        elif not line.startswith("|"):
            in_table = False
        elif _cells(line) == HEADER:
            in_table = True
        elif in_table and not set(line) <= set("|-: "):
            cells = _cells(line)
            assert len(cells) == len(HEADER), f"constructs.md:{number}: {len(cells)} cells"
            construct, sections, status, proof, tests = cells
            rows.append(
                Row(
                    area=area,
                    line=number,
                    construct=construct,
                    sections=tuple(_SECTION.findall(sections)),
                    status=status,
                    proof=proof,
                    tests=tuple(_REFERENCE.findall(tests)),
                )
            )
    return rows


@functools.cache
def rows() -> list[Row]:
    return parse_rows(PAGE.read_text(encoding="utf-8"))


@functools.cache
def _test_functions(relative: str) -> frozenset[str]:
    """Names of the functions of a test file (module level and in classes)."""
    tree = ast.parse((REPO / relative).read_text(encoding="utf-8"), relative)
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def summary_table(found: list[Row]) -> str:
    """The README's "Spec coverage" table: one line per area, then the totals."""
    areas = list(dict.fromkeys(row.area for row in found))
    lines = [
        "| " + " | ".join(SUMMARY_HEADER) + " |",
        "|" + "---|" * len(SUMMARY_HEADER),
    ]

    def counts(chosen: list[Row]) -> list[int]:
        kinds = Counter(row.kind for row in chosen)
        proofs = Counter(row.proof for row in chosen)
        return [
            len(chosen),
            kinds["supported"],
            kinds["partial"],
            kinds["not supported"],
            proofs["e2e"] + proofs["e2e (process)"],
            proofs["e2e (generated tests)"],
            proofs["build"],
            proofs["unit only"] + proofs["golden only"] + proofs["none"],
        ]

    for area in areas:
        numbers = counts([row for row in found if row.area == area])
        link = f"[{area}](docs/constructs.md#{slug(area)})"
        lines.append("| " + " | ".join([link, *map(str, numbers)]) + " |")
    total = counts(found)
    lines.append("| " + " | ".join(["**all**", *(f"**{n}**" for n in total)]) + " |")
    return "\n".join(lines)


def _readme_summary(text: str) -> str:
    """The table under the README's "Spec coverage" heading, as written."""
    assert SUMMARY_HEADING in text, f"README.md has no {SUMMARY_HEADING!r} section"
    section = text.split(SUMMARY_HEADING, 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


def rewrite_readme_summary(text: str, table: str) -> str:
    """`text` (the README) with the table of its "Spec coverage" section replaced by `table`."""
    written = _readme_summary(text)
    assert written, f"README.md's {SUMMARY_HEADING!r} section has no table"
    head, tail = text.split(SUMMARY_HEADING, 1)
    return head + SUMMARY_HEADING + tail.replace(written, table, 1)


# ----------------------------------------------------------------------------- the checks


def test_the_page_has_areas_and_rows() -> None:
    found = rows()
    assert len(found) >= 60, f"only {len(found)} rows: a table lost its header?"
    assert all(row.area for row in found)
    seen = Counter((row.area, row.construct) for row in found)
    assert not [key for key, count in seen.items() if count > 1], "a construct is listed twice"


def test_every_status_and_proof_is_well_formed() -> None:
    problems = []
    for row in rows():
        where = f"constructs.md:{row.line} ({row.construct})"
        if not _STATUS.match(row.status):
            problems.append(f"{where}: status {row.status!r}")
        if row.proof not in PROOFS:
            problems.append(f"{where}: proof {row.proof!r} is not one of {PROOFS}")
        elif row.proof == "none" and row.tests:
            problems.append(f"{where}: proof 'none' but tests are named")
        elif row.proof != "none" and not row.tests:
            problems.append(f"{where}: proof {row.proof!r} names no test")
        if row.kind == "supported" and row.proof == "none":
            problems.append(f"{where}: 'supported' needs a test (say 'partial: …, but untested')")
        if not row.sections:
            problems.append(f"{where}: no spec section (§…)")
    assert not problems, "\n".join(problems)


def test_every_named_test_exists() -> None:
    missing = []
    for row in rows():
        for relative, name in row.tests:
            path = REPO / relative
            if not path.is_file():
                missing.append(f"constructs.md:{row.line}: no file {relative}")
            elif not name.startswith("test") or name not in _test_functions(relative):
                missing.append(f"constructs.md:{row.line}: {relative} has no test {name!r}")
    assert not missing, "\n".join(missing)


def test_every_spec_section_exists() -> None:
    if not SPEC.is_file():
        pytest.skip("../shared/docs/naftiko-spec.md is not available in this checkout")
    headings = set(_SPEC_HEADING.findall(SPEC.read_text(encoding="utf-8")))
    unknown = [
        f"constructs.md:{row.line}: §{section}"
        for row in rows()
        for section in row.sections
        if section not in headings
    ]
    assert not unknown, "no such section in the spec digest:\n" + "\n".join(unknown)


def test_the_readme_summary_counts_the_rows() -> None:
    expected = summary_table(rows())
    assert _readme_summary(README.read_text(encoding="utf-8")) == expected, (
        "README.md's Spec coverage table does not count docs/constructs.md's rows; "
        "rewrite it with: python tests/test_constructs_doc.py --write"
    )


def test_the_parser_reads_a_row_and_its_references() -> None:
    text = (
        "## Area one\n\n| " + " | ".join(HEADER) + " |\n|---|---|---|---|---|\n"
        "| `x` | §2.3, §3.4 | partial: no `y` | unit only | "
        "`tests/a.py::test_b` (note), `tests/c/d.py::test_e` |\n\nprose\n"
    )
    (row,) = parse_rows(text)
    assert (row.area, row.sections, row.kind, row.proof) == (
        "Area one",
        ("2.3", "3.4"),
        "partial",
        "unit only",
    )
    assert row.tests == (("tests/a.py", "test_b"), ("tests/c/d.py", "test_e"))
    assert slug("Outputs, `with` and expressions") == "outputs-with-and-expressions"


def test_the_readme_table_is_rewritten_in_place() -> None:
    text = f"# x\n\n{SUMMARY_HEADING}\n\nprose\n\n| a |\n|---|\n| 1 |\n\nmore\n\n## Next\n| b |\n"
    rewritten = rewrite_readme_summary(text, "| a |\n|---|\n| 2 |")
    assert rewritten == text.replace("| 1 |", "| 2 |")


if __name__ == "__main__":
    table = summary_table(rows())
    if sys.argv[1:] == ["--write"]:
        README.write_text(
            rewrite_readme_summary(README.read_text(encoding="utf-8"), table), encoding="utf-8"
        )
    else:
        print(table)
