"""Property-based tests of the loader: whatever a table holds (random cells, random bytes,
random CSV shapes, random typed workbook cells), the result is a build or a list of errors
that each name their file (or sheet), row and column; never a traceback, and a failed build
never touches the previous one."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.cli import main
from kg.store.build import build
from kg.store.generations import current_generation
from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors
from kg.tables.schema import TABLES

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini"
FILES = {t.file: t for t in TABLES.values()}
SHEETS = {f"{t.name} (sheet)": t for t in TABLES.values()}

# Cells that look like data (so that some examples get far into the checks) and cells that do not.
MEANINGFUL = st.sampled_from([
    "", "salt", "sodium", "methionine", "co-a", "p-met", "fixture", "general", "Sodium ", " salt;fine",
    "salt；fine", "upstream", "midstream", "operating", "签约", "zone", "external", "true", "FALSE", "2",
    "２", "2026", "２０２６年", "1,200", "1,2", "12.5亿", "12.5亿美元", "3000万元", "-5", "1e400", "nan",
    "2026-02-30", "2026年1月5日", "=1+1", "\u00a0", "\u3000", "甲公司", "\"", "a\nb", "x\x00y", "\x07",
])
CELL = st.one_of(MEANINGFUL, st.text(max_size=12))
EXAMPLES = int(os.environ.get("KG_HYPOTHESIS_EXAMPLES", "40"))  # raise it for a longer search
BUILD_EXAMPLES = max(12, EXAMPLES // 4)  # each example builds twice
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@st.composite
def table_contents(draw) -> tuple[str, bytes]:
    """A table file of the mini dataset and new content for it: a random CSV shape with
    real or made-up header names, or random bytes."""
    file = draw(st.sampled_from(sorted(FILES)))
    if draw(st.integers(0, 4)) == 0:
        return file, draw(st.binary(max_size=200))
    names = [c.name for c in FILES[file].columns]
    header = draw(st.lists(st.one_of(st.sampled_from(names), CELL), min_size=0, max_size=len(names) + 2))
    if draw(st.booleans()):
        header = names  # the right header, random cells
    rows = draw(st.lists(st.lists(CELL, max_size=len(header) + 2), max_size=6))
    return file, csv_text([header, *rows]).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])),
                                                 errors="replace")


# The errors about a whole file or workbook, which has no row or column to name: it is
# missing, empty, or cannot be decoded or parsed at all.
WHOLE_FILE = ("the file is empty", "not UTF-8", "not a valid CSV file", "cannot be read as an Excel workbook",
              "required file is missing", "required sheet", "two sheets are named")


def assert_named(issues, names: dict) -> None:
    """Every error names its file or sheet, the row (>= 1) and the column: a column of the
    table, a key's columns, or a column's letter where it has no name (an empty header
    cell, cells past the header). Only an error about the whole file names neither."""
    errors = [i for i in issues if i.severity == "error"]
    assert errors
    for issue in errors:
        assert issue.file in names or issue.file.endswith((".csv", ".xlsx")), issue
        text = str(issue)
        assert text.startswith(issue.file), issue
        if issue.row is None and issue.column is None:
            assert issue.expected.startswith(WHOLE_FILE), f"names only the file: {text}"
            continue
        assert issue.row is not None and issue.row >= 1, f"names no row: {text}"
        assert issue.column, f"names no column: {text}"
        assert f"row {issue.row}, column '{issue.column}'" in text, text
        if issue.value is not None and issue.file in names:
            known = {c.name for c in names[issue.file].columns}
            assert "," in issue.column or issue.column in known or re.fullmatch("[A-Z]+", issue.column), issue


@SETTINGS
@given(table_contents())
def test_any_table_content_loads_or_names_its_errors(content):
    file, data = content
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(MINI, folder)
        (folder / file).write_bytes(data)
        try:
            load_tables(folder)
        except DataErrors as exc:
            assert_named(exc.issues, FILES)


@settings(max_examples=BUILD_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(table_contents())
def test_any_table_content_builds_or_fails_cleanly_keeping_the_previous_build(content):
    file, data = content
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "data", Path(tmp) / "build"
        shutil.copytree(MINI, folder)
        build(folder, out)
        previous = current_generation(out)
        before = {p.relative_to(previous): p.read_bytes() for p in previous.rglob("*") if p.is_file()}
        (folder / file).write_bytes(data)
        result = CliRunner().invoke(main, ["build", "--data", str(folder), "--out", str(out)])
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        after = {p.relative_to(previous): p.read_bytes() for p in previous.rglob("*") if p.is_file()}
        assert after == before  # the previous generation is never written to
        if result.exit_code == 1:
            assert current_generation(out) == previous
            assert "nothing was written" in result.output
            assert not list(out.glob(".tmp-*"))


TYPED_CELL = st.one_of(
    st.none(), st.booleans(), st.integers(-10**18, 10**18), st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    MEANINGFUL.filter(lambda s: not any(ord(c) < 32 and c not in "\t\n\r" for c in s)),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=10),
)


def quick_workbook(path: Path, name: str, rows: list[list[object]], keep_header: bool) -> None:
    """The mini dataset as a plain workbook, with the sheet ``name`` replaced by ``rows``
    (after the right header when ``keep_header``)."""
    book = openpyxl.Workbook(write_only=True)
    for table, frame in MINI_TABLES.items():
        sheet = book.create_sheet(table)
        columns = [c.name for c in TABLES[table].columns]
        if table != name or keep_header:
            sheet.append(columns)
        body = rows if table == name else frame[columns].values.tolist()
        for row in body:
            sheet.append(row)
    book.save(path)


MINI_TABLES = load_tables(MINI)


@SETTINGS
@given(st.sampled_from(sorted(TABLES)), st.lists(st.lists(TYPED_CELL, max_size=8), max_size=5), st.booleans())
def test_any_workbook_sheet_loads_or_names_its_errors(name, rows, keep_header):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xlsx"
        quick_workbook(path, name, rows, keep_header)
        try:
            load_tables(path)
        except DataErrors as exc:
            assert_named(exc.issues, SHEETS)
