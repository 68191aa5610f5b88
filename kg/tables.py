"""Read the CSV tables of a dataset and check them against the table contract.

Every problem is reported as a :class:`DataIssue` that names the file, the row as a
spreadsheet user counts it (the header is row 1), the column, the value and what was
expected; one run collects all of them. The checks are vectorised with pandas so that a
table of a million rows is checked in seconds.

>>> from kg.paths import default_data_dir
>>> tables = load_tables(default_data_dir())
>>> sorted(tables)[:3]
['assets', 'chains', 'company_products']
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg.errors import KgError
from kg.schema import TABLE_ORDER, TABLES, Column, Table

ID_PATTERN = r"[a-z0-9][a-z0-9._-]*"
DATE_PATTERN = r"\d{4}(-\d{2}(-\d{2})?)?"
ROW = "_row"  # the spreadsheet row number, kept beside each table's data


@dataclass(frozen=True)
class DataIssue:
    """One problem in one cell (or row, or file) of the input."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        got = "" if self.value is None else f"{self.value!r}: "
        return f"{', '.join(where)}: {got}{self.expected}"


class DataErrors(KgError):
    """The input has problems; ``issues`` lists every one of them."""

    def __init__(self, issues: list[DataIssue]):
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        super().__init__(f"{len(errors)} data error(s):\n" + "\n".join(f"  {i}" for i in errors))


Tables = dict[str, pd.DataFrame]


def decode(raw: bytes, file: str, issues: list[DataIssue]) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else GB18030 as Excel saves it on a
    Chinese Windows, with a warning; anything else is an error."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        issues.append(DataIssue(file, None, None, None,
                                f"not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                                "and not GBK/GB18030 either: save the file as CSV UTF-8"))
        return ""
    issues.append(DataIssue(file, None, None, None,
                            "read as GBK/GB18030 (as Excel saves CSV on a Chinese Windows); "
                            "save it as 'CSV UTF-8' to silence this warning", "warning"))
    return text


def clean_cell(value: str) -> str:
    """Trim spaces, including non-breaking and full-width ones, around a cell."""
    return value.strip(" \t\r\n\u00a0\u3000\ufeff")


def parse_csv(text: str, table: Table, file: str, issues: list[DataIssue]) -> pd.DataFrame | None:
    """Rows of a CSV text as a DataFrame of strings with a ``_row`` column, or None when the
    file cannot be read as a table at all (the reason is added to ``issues``)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        issues.append(DataIssue(file, None, None, None, f"not a valid CSV file: {exc}"))
        return None
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(clean_cell(c) for c in r)]
    if not numbered:
        issues.append(DataIssue(file, None, None, None,
                                "the file is empty: expected a header row with the columns "
                                + ", ".join(c.name for c in table.columns)))
        return None
    header_row, header = numbered[0]
    header = [clean_cell(h) for h in header]
    while header and not header[-1]:
        header.pop()  # Excel leaves empty trailing columns
    known = {c.name for c in table.columns}
    missing = [c.name for c in table.columns if c.name not in header]
    for name in missing:
        col = table.column(name)
        if col.required:
            issues.append(DataIssue(file, header_row, name, None,
                                    f"required column '{name}' is missing from the header"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            issues.append(DataIssue(file, header_row, name, None, "column appears twice in the header"))
        seen.add(name)
        if not name:
            issues.append(DataIssue(file, header_row, None, None, "a header cell is empty"))
        elif name not in known and not name.startswith("_"):
            issues.append(DataIssue(file, header_row, name, None,
                                    "unknown column (ignored); known columns: " + ", ".join(sorted(known)),
                                    "warning"))
    width = len(header)
    records = []
    for n, r in numbered[1:]:
        cells = [clean_cell(c) for c in r]
        if len(cells) > width and any(cells[width:]):
            issues.append(DataIssue(file, n, None, ",".join(cells[width:]),
                                    f"row has {len(cells)} cells but the header has {width}"))
            continue
        cells = (cells + [""] * width)[:width]
        records.append([n, *cells])
    if any(i.file == file and i.severity == "error" for i in issues):
        return None
    frame = pd.DataFrame(records, columns=[ROW, *header], dtype=object)
    for name in missing:
        frame[name] = ""
    frame[ROW] = frame[ROW].astype(int)
    return frame


def read_table(path: Path, table: Table, issues: list[DataIssue]) -> pd.DataFrame | None:
    """One table file, decoded and parsed (not yet checked)."""
    text = decode(path.read_bytes(), path.name, issues)
    if not text and any(i.file == path.name and i.severity == "error" for i in issues):
        return None
    return parse_csv(text, table, path.name, issues)


def read_raw_tables(data: Path, issues: list[DataIssue]) -> Tables:
    """Every table of a dataset folder, parsed but not checked; missing optional tables are
    empty frames."""
    data = Path(data)
    if not data.is_dir():
        raise KgError(f"data folder not found: {data}")
    tables: Tables = {}
    for name in TABLE_ORDER:
        table = TABLES[name]
        path = data / table.file
        frame = None
        if path.exists():
            frame = read_table(path, table, issues)
        elif table.required_file:
            issues.append(DataIssue(table.file, None, None, None, f"required file is missing from {data}"))
        if frame is None:
            columns = {c.name: pd.Series(dtype=object) for c in table.columns}
            frame = pd.DataFrame({ROW: pd.Series(dtype=int), **columns})
        tables[name] = frame
    return tables


def _bad(frame: pd.DataFrame, mask: pd.Series, file: str, column: str, expected: str,
         issues: list[DataIssue]) -> None:
    for row, value in zip(frame.loc[mask, ROW], frame.loc[mask, column]):
        issues.append(DataIssue(file, int(row), column, str(value), expected))


def _check_column(frame: pd.DataFrame, table: Table, col: Column, keys: dict[str, set[str]],
                  issues: list[DataIssue]) -> None:
    values = frame[col.name].astype(str)
    empty = values == ""
    file = table.file
    if col.required:
        _bad(frame, empty, file, col.name, "is empty; this column is required", issues)
    present = ~empty
    if col.kind == "id":
        bad = present & ~values.str.fullmatch(ID_PATTERN)
        _bad(frame, bad, file, col.name,
             "is not a valid id: use lowercase letters a-z, digits, '-', '_' or '.', starting "
             "with a letter or digit (e.g. sodium-cyanide)", issues)
    elif col.kind == "enum":
        bad = present & ~values.isin(col.choices)
        _bad(frame, bad, file, col.name, "expected one of: " + ", ".join(col.choices), issues)
    elif col.kind == "int":
        bad = present & ~values.str.fullmatch(r"\d{1,9}")
        _bad(frame, bad, file, col.name, "expected a whole number such as 2026", issues)
    elif col.kind == "number":
        numbers = pd.to_numeric(values.where(present, "0"), errors="coerce")
        bad = present & (numbers.isna() | (numbers < 0) | ~numbers.abs().lt(float("inf")))
        _bad(frame, bad, file, col.name, "expected a number >= 0 (digits only, e.g. 1200000000)", issues)
    elif col.kind == "bool":
        bad = present & ~values.str.lower().isin(("true", "false"))
        _bad(frame, bad, file, col.name, "expected true or false", issues)
    elif col.kind == "date":
        bad = present & ~values.str.fullmatch(DATE_PATTERN)
        _bad(frame, bad, file, col.name, "expected a date as YYYY, YYYY-MM or YYYY-MM-DD", issues)
    elif col.kind == "ref":
        bad = present & ~values.isin(keys.get(col.ref, set()))
        _bad(frame, bad, file, col.name, f"is not an id in {TABLES[col.ref].file}", issues)
    elif col.kind == "refs":
        items = values[present].str.split(";").explode().str.strip()
        known = keys.get(col.ref, set())
        bad_items = items[(items != "") & ~items.isin(known)]
        for idx, item in bad_items.items():
            issues.append(DataIssue(file, int(frame.at[idx, ROW]), col.name, item,
                                    f"is not an id in {TABLES[col.ref].file} (lists are separated by ';')"))


def _check_keys(frame: pd.DataFrame, table: Table, issues: list[DataIssue]) -> None:
    key = frame[list(table.key)].astype(str).agg("\x1f".join, axis=1) if len(frame) else pd.Series(dtype=str)
    dup = key.duplicated(keep=False) & (key.str.replace("\x1f", "") != "")
    if not dup.any():
        return
    first_row: dict[str, int] = {}
    for k, row in zip(key[dup], frame.loc[dup, ROW]):
        if k not in first_row:
            first_row[k] = int(row)
            continue
        issues.append(DataIssue(table.file, int(row), ", ".join(table.key), k.replace("\x1f", ", "),
                                f"duplicate of row {first_row[k]}: each {'/'.join(table.key)} must appear once"))


def check_tables(tables: Tables, issues: list[DataIssue]) -> None:
    """Check every table against the contract and against each other, adding to ``issues``."""
    keys: dict[str, set[str]] = {}
    for name in TABLE_ORDER:
        table, frame = TABLES[name], tables[name]
        if table.key == ("id",):
            keys[name] = set(frame["id"].astype(str))
        for col in table.columns:
            _check_column(frame, table, col, keys, issues)
        _check_keys(frame, table, issues)
    # A fact taken from an article must quote it.
    article_sources = set(tables["sources"].loc[tables["sources"]["kind"] == "article", "id"])
    for name in TABLE_ORDER:
        table, frame = TABLES[name], tables[name]
        if not table.facts or "quote" not in frame:
            continue
        mask = frame["source"].isin(article_sources) & (frame["quote"] == "")
        _bad(frame, mask, table.file, "quote",
             "is empty: a fact from an article needs the words it was copied from", issues)
    if len(tables["park"]) > 1:
        for row in tables["park"][ROW].iloc[1:]:
            issues.append(DataIssue("park.csv", int(row), None, None, "park.csv holds exactly one row: the zone"))


def load_tables(data: Path, warnings: list[DataIssue] | None = None) -> Tables:
    """Read and check a dataset folder; raise :class:`DataErrors` listing every problem.

    Warnings (e.g. a file read as GBK) are appended to ``warnings`` when it is given."""
    issues: list[DataIssue] = []
    tables = read_raw_tables(Path(data), issues)
    check_tables(tables, issues)
    if warnings is not None:
        warnings.extend(i for i in issues if i.severity == "warning")
    if any(i.severity == "error" for i in issues):
        raise DataErrors(issues)
    return tables


def split_list(cell: str) -> list[str]:
    """Items of a ``;``-separated cell, trimmed, without empties."""
    return [item.strip() for item in re.split(";", cell or "") if item.strip()]
