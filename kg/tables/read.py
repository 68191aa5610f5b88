"""Read the tables of a dataset, tidy what people type, and check them against the contract.

A dataset is a folder of CSV files or one Excel workbook (``.xlsx``) with a sheet per table.
Cells are tidied where what was typed has one clear meaning (spaces around a cell,
full-width digits and punctuation, ``1,200``, ``12.5亿``, ``2026年1月``, ``TRUE``; the rules are
listed in ``data/README.md``, "What kg cleans up") and refused where it has not (``1,2``,
``12.5亿美元``). Every problem is reported as a :class:`DataIssue` that names the file (or
sheet), the row as a spreadsheet user counts it (the header is row 1), the column, the value
and what was expected; one run collects all of them. The checks are vectorised with pandas so
that a table of a million rows is checked in seconds.

>>> from kg.paths import default_data_dir
>>> from kg.tables.dataset import load_tables
>>> tables = load_tables(default_data_dir())
>>> sorted(tables)[:3]
['assets', 'chains', 'companies']
>>> normalise_amount("12.5亿元", "元")
('1250000000', None)
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from kg import vocab
from kg.cells import restore_rows
from kg.errors import KgError
from kg.tables.schema import TABLE_ORDER, TABLES, Column, Table
from kg.tables.stoichiometry import (
    FormulaError,
    input_ratio,
    parse_equation,
    parse_formula,
    ratio_agrees,
    round_significant,
    tidy_equation,
    unbalanced,
)

ID_PATTERN = vocab.ID_PATTERN
DATE_PATTERN = r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?"
ROW = "_row"  # the spreadsheet row number, kept beside each table's data
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class DataIssue:
    """One problem in one cell (or row, or file) of the input."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"
    count: int = 1  # cells this issue stands for: more than one for the rest of a flood (see _bad)

    def __str__(self) -> str:
        if self.count > 1:
            column = f", column '{self.column}'" if self.column else ""
            return f"{self.file}{column}: {self.count} more cells like this: {self.expected}"
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        value = self.value
        if value is not None and len(value) > SHOWN_VALUE:  # a giant cell is named, not printed
            value = f"{value[:SHOWN_VALUE]}… ({len(value)} characters)"
        got = "" if value is None else f"{value!r}: "
        return f"{', '.join(where)}: {got}{self.expected}"


SHOWN_VALUE = 80  # characters of a cell's value a message shows
SHOWN_LIKE = 5  # issues of one kind shown one by one; the rest are counted in one line
KEPT_LIKE = 1000  # issues of one kind in one column kept one by one; the rest are one counted issue


def error_count(issues: list[DataIssue]) -> int:
    """How many cells (rows, files) are in error, counting the cells a flood's last issue
    stands for."""
    return sum(i.count for i in issues if i.severity == "error")


@functools.lru_cache(maxsize=4096)
def _shape(expected: str) -> str:
    return re.sub(r"[0-9]+", "#", expected)


def _kind(issue: DataIssue) -> tuple:
    """What makes issues alike: severity, file, column and what was expected (numbers aside)."""
    return issue.severity, issue.file, issue.column, _shape(issue.expected)


def group_issues(issues: list[DataIssue], shown: int = SHOWN_LIKE) -> list[DataIssue]:
    """Issues as a person reads them: of each kind (:func:`_kind`) the first ``shown`` one by
    one, then one issue ``and N more like this (...), in rows ...`` where the next would be.
    One missing reference repeated over a million rows is then a few lines, not a million."""
    grouped: list[DataIssue | None] = []
    counts: dict[tuple, int] = {}
    hidden: dict[tuple, list[DataIssue]] = {}
    summary_at: dict[tuple, int] = {}
    for issue in issues:
        kind = _kind(issue)
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] <= shown:
            grouped.append(issue)
            continue
        if kind not in summary_at:
            summary_at[kind] = len(grouped)
            grouped.append(None)
        hidden.setdefault(kind, []).append(issue)
    for kind, at in summary_at.items():
        rest = hidden[kind]
        rows = [i.row for i in rest if i.row is not None]
        listed = ", ".join(map(str, rows[:10])) + (", …" if sum(i.count for i in rest) > 10 else "")
        first = rest[0]
        grouped[at] = DataIssue(first.file, None, first.column, None,
                                f"and {sum(i.count for i in rest)} more like this ({first.expected})"
                                + (f", in rows {listed}" if rows else ""), first.severity)
    return [i for i in grouped if i is not None]


class DataErrors(KgError):
    """The input has problems; ``issues`` lists every one of them (the message groups
    repeated ones, :func:`group_issues`)."""

    def __init__(self, issues: list[DataIssue]):
        self.issues = issues
        super().__init__(f"{error_count(issues)} data error(s)")

    def __str__(self) -> str:  # written when asked for: a million issues need not be grouped twice
        errors = [i for i in self.issues if i.severity == "error"]
        return f"{error_count(errors)} data error(s):\n" + "\n".join(f"  {i}" for i in group_issues(errors))


Tables = dict[str, pd.DataFrame]


def table_file(frame: pd.DataFrame, table: Table) -> str:
    """How messages name where a table came from: ``products.csv`` or ``products (sheet)``."""
    return frame.attrs.get("file", table.file)


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


SPACES = " \t\r\n\u00a0\u3000\ufeff\u200b\u200c\u200d\u2060"


def clean_cell(value: str) -> str:
    """Trim spaces around a cell: ordinary, non-breaking, full-width and zero-width ones."""
    return value.strip(SPACES)


def column_letter(index: int) -> str:
    """The spreadsheet letter of the column at 0-based ``index`` (0 -> A, 26 -> AA): how a
    cell without a column name is named, as Excel shows it.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def parse_rows(rows: Iterable[list[str]], table: Table, file: str,
               issues: list[DataIssue]) -> pd.DataFrame | None:
    """Rows of cells (the first non-empty one is the header) as a DataFrame of strings with
    a ``_row`` column, or None when they cannot be read as the table at all (the reason is
    added to ``issues``). Rows are numbered from 1 in the order given; empty rows are skipped
    and empty trailing columns dropped."""
    # Every cell trimmed once (a national table has millions: map keeps the loop in C), then
    # the empty rows dropped.
    trimmed = ((n, list(map(str.strip, r, itertools.repeat(SPACES, len(r))))) for n, r in enumerate(rows, start=1))
    numbered = [(n, cells) for n, cells in trimmed if any(cells)]
    if not numbered:
        issues.append(DataIssue(file, None, None, None,
                                "the file is empty: expected a header row with the columns "
                                + ", ".join(c.name for c in table.columns)))
        return None
    errors_before = sum(1 for i in issues if i.severity == "error")
    header_row, header = numbered[0]
    while header and not header[-1]:
        header.pop()  # Excel leaves empty trailing columns
    known = {c.name for c in table.columns}
    missing = [c.name for c in table.columns if c.name not in header]
    for name in missing:
        if table.column(name).required:
            issues.append(DataIssue(file, header_row, name, None,
                                    f"required column '{name}' is missing from the header"))
    seen: set[str] = set()
    for position, name in enumerate(header):
        if name and name in seen:  # empty header cells are named one by one below
            issues.append(DataIssue(file, header_row, name, None, "column appears twice in the header"))
        seen.add(name)
        if not name:
            issues.append(DataIssue(file, header_row, column_letter(position), None, "a header cell is empty"))
        elif name not in known and not name.startswith("_"):
            issues.append(DataIssue(file, header_row, name, None,
                                    "unknown column (ignored); known columns: " + ", ".join(sorted(known)),
                                    "warning"))
    width = len(header)
    keep = [i for i, name in enumerate(header) if name in known]  # unknown columns are not kept
    keeps_all = keep == list(range(width))
    records = []
    for n, cells in numbered[1:]:
        if len(cells) != width:
            if len(cells) > width and any(cells[width:]):
                extra = width + next(i for i, c in enumerate(cells[width:]) if c)
                issues.append(DataIssue(file, n, column_letter(extra), ",".join(cells[width:]),
                                        f"row has {len(cells)} cells but the header has {width}"))
                continue
            cells = (cells + [""] * width)[:width]
        records.append([n, *cells] if keeps_all else [n, *(cells[i] for i in keep)])
    if sum(1 for i in issues if i.severity == "error") > errors_before:
        return None
    frame = pd.DataFrame(records, columns=[ROW, *(header[i] for i in keep)], dtype=object)
    for name in missing:
        frame[name] = ""
    frame[ROW] = frame[ROW].astype(int)
    _check_sizes(frame, file, issues)
    return frame


MAX_CELL = 32767  # characters an Excel cell holds: a longer cell cannot be a table's


def _check_sizes(frame: pd.DataFrame, file: str, issues: list[DataIssue]) -> None:
    """An error naming row and column for each cell longer than :data:`MAX_CELL`."""
    for column in frame.columns:
        if column == ROW or max(map(len, frame[column].tolist()), default=0) <= MAX_CELL:  # the usual case, at C speed
            continue
        lengths = frame[column].str.len()
        for row, length, value in zip(frame.loc[lengths > MAX_CELL, ROW], lengths[lengths > MAX_CELL],
                                      frame.loc[lengths > MAX_CELL, column]):
            issues.append(DataIssue(file, int(row), column, value,
                                    f"the cell holds {int(length)} characters; a cell holds at most {MAX_CELL} "
                                    "(as in Excel)"))


FIELD_LIMIT = 1 << 30  # characters the CSV reader takes in one cell (its default, 131072, names no cell)


def parse_csv(text: str, table: Table, file: str, issues: list[DataIssue]) -> pd.DataFrame | None:
    """Rows of a CSV text as a DataFrame of strings with a ``_row`` column (see
    :func:`parse_rows`)."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))  # a giant cell is named by row and column
    try:
        rows = restore_rows(text, list(csv.reader(io.StringIO(text, newline=""))))
    except csv.Error as exc:
        issues.append(DataIssue(file, None, None, None, f"not a valid CSV file: {exc}"))
        return None
    return parse_rows(rows, table, file, issues)


def read_table(path: Path, table: Table, issues: list[DataIssue]) -> pd.DataFrame | None:
    """One table file, decoded and parsed (not yet checked)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        issues.append(DataIssue(path.name, None, None, None, f"cannot be read: {exc.strerror or exc}"))
        return None
    text = decode(raw, path.name, issues)
    if not text and any(i.file == path.name and i.severity == "error" for i in issues):
        return None
    return parse_csv(text, table, path.name, issues)


def _empty_frame(table: Table) -> pd.DataFrame:
    columns = {c.name: pd.Series(dtype=object) for c in table.columns}
    return pd.DataFrame({ROW: pd.Series(dtype=int), **columns})


def finish_table(frame: pd.DataFrame | None, table: Table, file: str, issues: list[DataIssue]) -> pd.DataFrame:
    """A parsed table (or an empty one when it could not be read), tidied, with the name of
    where it came from in ``frame.attrs["file"]``."""
    if frame is None:
        frame = _empty_frame(table)
        # The table is there but could not be read: references to it are not checked, so
        # that one broken header is reported once, not once per row that refers to it.
        frame.attrs["unread"] = any(i.file == file and i.severity == "error" for i in issues)
    else:
        normalise_table(frame, table, file, issues)
    frame.attrs["file"] = file
    return frame


# ---- tidying what people type -------------------------------------------------------------

# Full-width ASCII forms (！ to ～) and the ideographic space, as typed with a Chinese IME.
FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
LIST_SEPARATORS = r"[;,、]"  # after folding ；→;  ，→,
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates: they reorder what is shown, so that one
# name can pose as another ("abc\u202efed" shows as "abcdef") in every output.
BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
UNSEEN_RE = re.compile(CONTROL_RE.pattern[:-1] + "\u202a-\u202e\u2066-\u2069]")
# Cells of each kind that need no tidying (empty, or already in the checked form).
CLEAN = {
    "id": re.compile(f"(?:{ID_PATTERN})?"), "ref": re.compile(f"(?:{ID_PATTERN})?"),
    "refs": re.compile(f"(?:{ID_PATTERN}(?:;{ID_PATTERN})*)?"), "bool": re.compile("(?:true|false)?"),
    "date": re.compile(f"(?:{DATE_PATTERN})?"), "int": re.compile(r"[0-9]*"),
    "number": re.compile(r"(?:[0-9]+(?:\.[0-9]+)?)?"),
}
SCALES = {"十万": 10**5, "百万": 10**6, "千万": 10**7, "万": 10**4, "亿": 10**8, "十亿": 10**9,
          "百亿": 10**10, "千亿": 10**11, "万亿": 10**12}
SCALE_CHARS = "十百千万亿"
AMOUNT = re.compile(r"(?P<num>[0-9][0-9,.]*|\.[0-9]+)\s*(?P<scale>" + "|".join(sorted(SCALES, key=len, reverse=True))
                    + r")?\s*(?P<unit>.*)")
THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
DATES = (re.compile(r"(?P<y>[0-9]{4})\s*年(?:\s*(?P<m>[0-9]{1,2})\s*月(?:\s*(?P<d>[0-9]{1,2})\s*[日号])?)?"),
         re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})(?:[-/.](?P<d>[0-9]{1,2}))?(?:[ T]00:00(?::00)?)?"))
BOOLEANS = {"true": "true", "false": "false", "是": "true", "否": "false"}
# Chinese names of the fixed vocabularies, as the source texts write them.
SYNONYMS = {
    "segment": {"上游": "upstream", "中游": "midstream", "下游": "downstream"},
    "status": {"谋划": "reserve", "储备": "reserve", "签约": "signed", "已签约": "signed", "获批": "approved",
               "开工": "under_construction", "在建": "under_construction", "建成投产": "operating",
               "投产": "operating", "并网": "operating"},
}


def canonical_number(value: Decimal) -> str:
    """A decimal as plain digits, without exponent or trailing zeros: 1.25E+9 -> '1250000000'."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def normalise_amount(text: str, unit: str = "") -> tuple[str | None, str | None]:
    """Read an amount typed by hand, counted in ``unit`` (e.g. ``元``; empty when unknown).

    Returns ``(digits, None)`` when it has one clear meaning, ``(None, reason)`` when it is
    ambiguous, and ``(None, None)`` when it is not an amount at all (the caller says what a
    number should look like).

    >>> normalise_amount("3000万", "元"), normalise_amount("1,200")
    (('30000000', None), ('1200', None))
    >>> normalise_amount("1,2")[1]
    "ambiguous: ',' separates thousands only in groups of three digits (1,200); write 1.2 or 12"
    """
    text = text.translate(FULL_WIDTH).strip()
    match = AMOUNT.fullmatch(text)
    if not match:
        return None, None
    number, scale, suffix = match["num"], match["scale"], match["unit"].strip()
    if suffix and suffix != unit and unit and text.endswith(unit):
        plain = AMOUNT.fullmatch(text[: -len(unit)].strip())  # '3000万元' with unit 万元
        if plain and not plain["scale"] and not plain["unit"]:
            number, scale, suffix = plain["num"], None, ""
    if "," in number:
        if not THOUSANDS.fullmatch(number):
            return None, ("ambiguous: ',' separates thousands only in groups of three digits (1,200); "
                          "write 1.2 or 12")
        number = number.replace(",", "")
    if suffix and suffix != unit:
        if not unit:
            return None, f"has a unit ({suffix}) but this column holds a plain number"
        return None, f"the unit {suffix} is not this column's unit ({unit}): convert it to {unit}"
    if scale and any(c in unit for c in SCALE_CHARS):
        return None, f"ambiguous: {scale} here and the unit {unit} both scale the number; give the number in {unit}"
    try:
        value = Decimal(number) * SCALES.get(scale or "", 1)
    except InvalidOperation:
        return None, None
    return canonical_number(value), None


def normalise_date(text: str) -> str:
    """``2026年1月5日``, ``2026/1/5``, ``2026.01`` and ``2026-01-05 00:00:00`` as ISO
    (``2026-01-05``, ``2026-01``); anything else is returned unchanged for the check to refuse."""
    folded = text.translate(FULL_WIDTH).strip()
    match = DATES[0].fullmatch(folded) or DATES[1].fullmatch(folded)
    if not match:
        return text
    year, month, day = match["y"], match["m"], match["d"]
    try:
        if day:
            return dt.date(int(year), int(month), int(day)).isoformat()
        if month:
            return f"{year}-{int(month):02d}" if 1 <= int(month) <= 12 else text
    except ValueError:
        return text
    return year


LISTED = 5  # cells named one by one in a warning; past that, one summary per column


def _lowercase(frame: pd.DataFrame, column: str, typed: pd.Series, ids: pd.Series, file: str,
               issues: list[DataIssue]) -> pd.Series:
    """``ids`` lowercased, with a warning naming each cell that had capitals."""
    lowered = ids.str.lower()
    changed = ids != lowered
    cells = changed[changed].index
    rows = [int(frame.at[idx, ROW]) for idx in cells]
    for idx, row in zip(cells[:LISTED], rows):
        issues.append(DataIssue(file, row, column, typed[idx],
                                f"read as {lowered[idx]!r}: ids are lowercase (ids that differ only by case "
                                "are the same id)", "warning"))
    if len(cells) > LISTED:
        shown = ", ".join(map(str, rows[LISTED:LISTED + 20])) + (", ..." if len(rows) > LISTED + 20 else "")
        issues.append(DataIssue(file, None, column, None, f"{len(cells) - LISTED} more ids with capitals were "
                                f"read in lowercase, in rows {shown}", "warning"))
    return lowered


def _unit_of(frame: pd.DataFrame, col: Column) -> pd.Series:
    if col.unit and col.unit in frame.columns and col.unit != col.name:
        return frame[col.unit].astype(str).str.strip(SPACES)
    return pd.Series(col.unit, index=frame.index)


def normalise_column(frame: pd.DataFrame, table: Table, col: Column, file: str, issues: list[DataIssue]) -> None:
    """Tidy one column in place where what was typed has one clear meaning; refuse (add an
    error naming the cell) what is ambiguous. Text columns (labels, quotes) are kept as typed,
    only trimmed."""
    cells = frame[col.name].astype(str).tolist()
    if UNSEEN_RE.search("\n".join(cells)):
        for position, cell in enumerate(cells):
            found = UNSEEN_RE.search(cell)
            if not found:
                continue
            code = f"U+{ord(found.group()):04X}"
            reason = (f"contains a bidirectional control character ({code}), which changes how the text is shown "
                      "(one name can pose as another): remove it" if BIDI_RE.match(found.group())
                      else f"contains a control character ({code}): remove it")
            issues.append(DataIssue(file, int(frame[ROW].iat[position]), col.name, cell, reason))
    if col.kind == "text" or not cells:
        return
    clean = CLEAN.get(col.kind)
    if col.kind == "enum":
        if all(c in col.choices or not c for c in cells):
            return
    elif clean is not None and all(clean.fullmatch(c) for c in cells):
        return  # the usual case: nothing to tidy
    values = frame[col.name].astype(str)
    present = values != ""
    folded = values.where(~present | values.str.isascii(), values.str.translate(FULL_WIDTH).str.strip(SPACES))
    if col.kind in ("id", "ref"):
        folded = _lowercase(frame, col.name, values, folded, file, issues)
    elif col.kind == "refs":
        items = folded.str.split(LIST_SEPARATORS, regex=True).map(
            lambda parts: ";".join(p.strip(SPACES) for p in parts if p.strip(SPACES)))
        folded = _lowercase(frame, col.name, values, items, file, issues)
    elif col.kind == "enum":
        lowered = folded.str.lower()
        unknown = present & ~lowered.isin(col.choices)
        if unknown.any():
            fixed = lowered[unknown].str.replace(r"[\s-]+", "_", regex=True)
            fixed = fixed.where(fixed.isin(col.choices), lowered[unknown].map(SYNONYMS.get(col.name, {})))
            lowered.loc[unknown] = fixed.where(fixed.notna(), values[unknown])
        folded = lowered
    elif col.kind == "bool":
        folded = folded.where(~present, folded.str.lower().map(BOOLEANS).fillna(folded))
    elif col.kind == "date":
        todo = present & ~folded.str.fullmatch(DATE_PATTERN)
        folded.loc[todo] = folded[todo].map(normalise_date)
    elif col.kind in ("int", "number"):
        if col.kind == "int":
            plain = folded.str.fullmatch(r"[0-9]+")
        else:  # what the check reads as a number already (1.2e9, -5) is left to it
            plain = folded.str.isascii() & pd.to_numeric(folded.where(present, "0"), errors="coerce").notna()
        todo = present & ~plain
        if col.kind == "int" and col.name == "year":
            folded.loc[todo] = folded[todo].str.replace(r"\s*年$", "", regex=True)
        units = _unit_of(frame, col)
        for idx in todo[todo].index:
            digits, reason = normalise_amount(folded[idx], "" if col.kind == "int" else units[idx])
            if col.kind == "int" and digits is not None and not re.fullmatch(r"[0-9]+(\.0+)?", digits):
                digits = None
            if reason:
                issues.append(DataIssue(file, int(frame.at[idx, ROW]), col.name, values[idx], reason))
            elif digits is not None:
                folded[idx] = digits.split(".")[0] if col.kind == "int" else digits
    frame[col.name] = folded


def normalise_table(frame: pd.DataFrame, table: Table, file: str, issues: list[DataIssue]) -> None:
    """Tidy every column of a parsed table in place (see :func:`normalise_column`)."""
    for col in table.columns:
        if col.name in frame.columns:
            normalise_column(frame, table, col, file, issues)


# ---- checks -------------------------------------------------------------------------------

def _named(issues: list[DataIssue]) -> set[tuple[str, int | None, str | None]]:
    """The cells (file, row, column) some error already names."""
    return {(i.file, i.row, i.column) for i in issues if i.severity == "error"}


def _bad(frame: pd.DataFrame, mask: pd.Series, file: str, column: str, expected: str,
         issues: list[DataIssue], named: set | None = None) -> None:
    """An error for each cell of ``column`` where ``mask`` holds, except cells an error
    already names (``named``, :func:`_named`; found in ``issues`` when not given)."""
    if not mask.any():
        return
    named = _named(issues) if named is None else named
    refused = {row for named_file, row, named_column in named if named_file == file and named_column == column}
    if refused:  # a cell refused while tidying is named once
        mask = mask & ~frame[ROW].isin(refused)
    rows = frame.loc[mask, ROW]
    kept, rest = rows.iloc[:KEPT_LIKE], len(rows) - KEPT_LIKE
    values = frame.loc[kept.index, column].astype(str).tolist()
    issues.extend(DataIssue(file, int(row), column, value, expected) for row, value in zip(kept.tolist(), values))
    if rest > 0:  # a flood: the rest is one issue that counts them (creating a million would take long)
        issues.append(DataIssue(file, None, column, None, expected, count=rest))


def _check_column(frame: pd.DataFrame, table: Table, col: Column, keys: dict[str, set[str] | None],
                  issues: list[DataIssue], named: set | None = None) -> None:
    """Check one column; ``keys`` holds the ids of each table (None: the table could not
    be read, so references to it are not checked)."""
    values = frame[col.name].astype(str)
    empty = values == ""
    file = table_file(frame, table)
    named = _named(issues) if named is None else named
    if col.kind in ("ref", "refs") and col.ref in keys and keys[col.ref] is None:
        if (~empty).any():
            issues.append(DataIssue(file, None, col.name, None,
                                    f"not checked: {_ref_name(col.ref, frame)} could not be read (see above)",
                                    "warning"))
        return
    if col.required:
        _bad(frame, empty, file, col.name, "is empty; this column is required", issues, named)
    present = ~empty
    if col.kind == "id":
        bad = present & ~values.str.fullmatch(ID_PATTERN)
        _bad(frame, bad, file, col.name,
             "is not a valid id: use lowercase letters a-z and digits, with single '-', '_' or '.' "
             "between them (e.g. sodium-cyanide)", issues, named)
    elif col.kind == "enum":
        bad = present & ~values.isin(col.choices)
        _bad(frame, bad, file, col.name, "expected one of: " + ", ".join(col.choices), issues, named)
    elif col.kind == "int":
        bad = present & ~values.str.fullmatch(r"[0-9]{1,9}")
        _bad(frame, bad, file, col.name, "expected a whole number such as 2026", issues, named)
    elif col.kind == "number":
        numbers = pd.to_numeric(values.where(present, "0"), errors="coerce")
        bad = present & (numbers.isna() | ~values.str.isascii() | (numbers < 0) | ~numbers.abs().lt(float("inf")))
        _bad(frame, bad, file, col.name, "expected a number >= 0, e.g. 1200000000, 1,200, 12.5亿 or 3000万"
             + (f" (counted in {col.unit})" if col.unit and col.unit not in frame.columns else ""), issues, named)
        if col.unit in frame.columns:  # a figure whose unit stands in another column needs it
            _bad(frame, present & ~bad & (frame[col.unit].astype(str) == ""), file, col.unit,
                 f"is empty: the {col.name} next to it needs its unit (e.g. 吨/年)", issues, named)
    elif col.kind == "bool":
        bad = present & ~values.str.lower().isin(("true", "false"))
        _bad(frame, bad, file, col.name, "expected true or false", issues, named)
    elif col.kind == "date":
        bad = present & ~values.str.fullmatch(DATE_PATTERN)
        _bad(frame, bad, file, col.name, "expected a date as YYYY, YYYY-MM or YYYY-MM-DD", issues, named)
    elif col.kind == "ref":
        bad = present & ~values.isin(keys.get(col.ref) or set())
        _bad(frame, bad, file, col.name, f"is not an id in {_ref_name(col.ref, frame)}", issues, named)
    elif col.kind == "refs":
        items = values[present].str.split(";").explode().str.strip()
        known = keys.get(col.ref) or set()
        bad_items = items[(items != "") & ~items.isin(known)]
        expected = f"is not an id in {_ref_name(col.ref, frame)} (lists are separated by ';')"
        for idx, item in bad_items.iloc[:KEPT_LIKE].items():
            issues.append(DataIssue(file, int(frame.at[idx, ROW]), col.name, item, expected))
        if len(bad_items) > KEPT_LIKE:
            issues.append(DataIssue(file, None, col.name, None, expected, count=len(bad_items) - KEPT_LIKE))


def _ref_name(table: str, frame: pd.DataFrame) -> str:
    """Name of a referenced table in the same style as the referring one's."""
    return f"{table} (sheet)" if str(frame.attrs.get("file", "")).endswith("(sheet)") else TABLES[table].file


def _check_keys(frame: pd.DataFrame, table: Table, issues: list[DataIssue]) -> None:
    key = frame[table.key[0]].astype(str)
    for name in table.key[1:]:  # column-wise: a row-wise join takes seconds on a million rows
        key = key + "\x1f" + frame[name].astype(str)
    dup = key.duplicated(keep=False) & (key.str.replace("\x1f", "") != "")
    if not dup.any():
        return
    first_row: dict[str, int] = {}
    rule = f"each {'/'.join(table.key)} must appear once (ids are compared without case and surrounding spaces)"
    file, columns, kept, rest = table_file(frame, table), ", ".join(table.key), 0, 0
    for k, row in zip(key[dup], frame.loc[dup, ROW]):
        if k not in first_row:
            first_row[k] = int(row)
        elif kept < KEPT_LIKE:
            issues.append(DataIssue(file, int(row), columns, k.replace("\x1f", ", "),
                                    f"duplicate of row {first_row[k]}: {rule}"))
            kept += 1
        else:
            rest += 1  # a flood: counted in one issue
    if rest:
        issues.append(DataIssue(file, None, columns, None, f"duplicate of an earlier row: {rule}", count=rest))


# ---- product facts and park limits ----------------------------------------------------------

AMOUNT_RANGE = re.compile(r"(?P<low>[0-9]+(?:\.[0-9]+)?)(?:-(?P<high>[0-9]+(?:\.[0-9]+)?))?")
RANGE_DASHES = re.compile(r"\s*(?:-|–|—|－|~|～|〜|至|to)\s*")
# The unit each amount fact is counted in, and the spellings read as it.
FACT_UNITS = {"price_cny_per_t": ("元/t", ("元/t", "元/吨", "cny/t", "yuan/t", "rmb/t")),
              "water_m3_per_t": ("m³/t", ("m³/t", "m3/t", "立方米/吨", "吨水/吨")),
              "energy_tce_per_t": ("tce/t", ("tce/t", "吨标煤/吨", "t标煤/t", "tce/吨"))}
LIMIT_UNITS = {**FACT_UNITS, "land": ("亩", ("亩",))}
WORD_SYNONYMS = {
    "policy_category": {"鼓励": "encouraged", "鼓励类": "encouraged", "限制": "restricted", "限制类": "restricted",
                        "淘汰": "eliminated", "淘汰类": "eliminated"},
    "market_outlook": {"增长": "growing", "稳定": "stable", "过剩": "overcapacity", "产能过剩": "overcapacity"},
    "controlled": {},
}
YEAR_RANGE = (1949, 2100)


def parse_range(text: str) -> tuple[float, float] | None:
    """A checked amount cell as (low, high): ``"0.308-0.35"`` -> ``(0.308, 0.35)``, ``"12"`` ->
    ``(12.0, 12.0)``; None when it is neither a number nor a range ``low-high``.

    >>> parse_range("0.308-0.35"), parse_range("12"), parse_range("high")
    ((0.308, 0.35), (12.0, 12.0), None)
    """
    match = AMOUNT_RANGE.fullmatch(text.strip())
    if not match:
        return None
    low = float(match["low"])
    return low, float(match["high"]) if match["high"] else low


def _tidy_range(text: str) -> str:
    """``0.3 – 0.35``, ``0.3～0.35``, ``0.3至0.35`` as ``0.3-0.35``; anything else unchanged."""
    folded = text.translate(FULL_WIDTH).strip()
    parts = RANGE_DASHES.split(folded)
    return "-".join(parts) if len(parts) in (1, 2) and all(AMOUNT_RANGE.fullmatch(p) for p in parts) else text


def _unit_ok(unit: str, spellings: tuple[str, ...]) -> bool:
    return not unit or unit.replace(" ", "").lower() in spellings


def check_product_facts(frame: pd.DataFrame, file: str, issues: list[DataIssue]) -> None:
    """Each fact's value in the form its kind needs, tidied in place where it has one meaning:
    a number or a range ``low-high`` (low <= high) counted in the fact's own unit for the amount
    facts; one of the fixed words for policy_category, market_outlook and controlled; a year
    in a sane range."""
    for idx in frame.index:
        row, fact = int(frame.at[idx, ROW]), str(frame.at[idx, "fact"])
        value, unit = str(frame.at[idx, "value"]), str(frame.at[idx, "unit"])
        if fact in vocab.AMOUNT_FACTS and value:
            value = frame.at[idx, "value"] = _tidy_range(value)
            bounds = parse_range(value)
            if bounds is None:
                issues.append(DataIssue(file, row, "value", value,
                                        f"{fact} needs a number or a range low-high (e.g. 0.308-0.35)"))
            elif bounds[0] > bounds[1]:
                swapped = f"{bounds[1]:g}-{bounds[0]:g}"
                issues.append(DataIssue(file, row, "value", value,
                                        f"the range's low end is above its high end: write {swapped}"))
            canonical, spellings = FACT_UNITS[fact]
            if not _unit_ok(unit, spellings):
                issues.append(DataIssue(file, row, "unit", unit,
                                        f"{fact} is counted in {canonical}: convert the value (e.g. kgce/t ÷ 1000 = "
                                        "tce/t) and write that unit, or leave the unit empty"))
        elif fact in vocab.FACT_WORDS and value:
            words = vocab.FACT_WORDS[fact]
            word = value.translate(FULL_WIDTH).strip().lower().replace("-", "_").replace(" ", "_")
            word = WORD_SYNONYMS[fact].get(value.strip(), word)
            if word in words:
                frame.at[idx, "value"] = word
            else:
                issues.append(DataIssue(file, row, "value", value, f"{fact} is one of: " + ", ".join(words)))
        year = str(frame.at[idx, "year"])
        if year.isdigit() and not YEAR_RANGE[0] <= int(year) <= YEAR_RANGE[1]:
            issues.append(DataIssue(file, row, "year", year,
                                    f"expected a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}"))


def check_park_limits(frame: pd.DataFrame, file: str, issues: list[DataIssue]) -> None:
    """A limit's value: a number >= 0 in the limit's unit for water, energy and land, ``no``
    for hazardous_process (the park takes no such process); empty when the source gives no
    figure."""
    for idx in frame.index:
        row, limit = int(frame.at[idx, ROW]), str(frame.at[idx, "limit"])
        value, unit = str(frame.at[idx, "value"]), str(frame.at[idx, "unit"])
        if not value:
            continue
        if limit in vocab.AMOUNT_LIMITS:
            bounds = parse_range(value.translate(FULL_WIDTH))
            if bounds is None or bounds[0] != bounds[1]:
                issues.append(DataIssue(file, row, "value", value, f"{limit} needs one number >= 0 (the most a "
                                        "product may need), or nothing when the source gives no figure"))
            canonical, spellings = LIMIT_UNITS[limit]
            if not _unit_ok(unit, spellings):
                issues.append(DataIssue(file, row, "unit", unit, f"{limit} is counted in {canonical}"))
        elif limit == "hazardous_process":
            if value.strip().lower() in ("no", "否", "none"):
                frame.at[idx, "value"] = "no"
            else:
                issues.append(DataIssue(file, row, "value", value, "hazardous_process takes 'no' (the park takes no "
                                        "hazardous process) or nothing"))


def check_tables(tables: Tables, issues: list[DataIssue]) -> None:
    """Check every table against the contract and against each other, adding to ``issues``."""
    keys: dict[str, set[str] | None] = {}
    named = _named(issues)  # the cells refused while tidying
    for name in TABLE_ORDER:
        table, frame = TABLES[name], tables[name]
        if table.key == ("id",):
            keys[name] = None if frame.attrs.get("unread") else set(frame["id"].astype(str))
        for col in table.columns:
            _check_column(frame, table, col, keys, issues, named)
        _check_keys(frame, table, issues)
    # A fact taken from an article must quote it.
    article_sources = set(tables["sources"].loc[tables["sources"]["kind"] == "article", "id"])
    for name in TABLE_ORDER:
        table, frame = TABLES[name], tables[name]
        if not table.facts or "quote" not in frame:
            continue
        mask = frame["source"].isin(article_sources) & (frame["quote"] == "")
        _bad(frame, mask, table_file(frame, table), "quote",
             "is empty: a fact from an article needs the words it was copied from", issues)
    for name, check in (("product_facts", check_product_facts), ("park_limits", check_park_limits)):
        frame = tables[name]
        check(frame, table_file(frame, TABLES[name]), issues)
    check_producer_sources(tables, issues)
    check_equations(tables, issues)
    park = tables["park"]
    if len(park) > 1:
        for row in park[ROW].iloc[1:]:
            issues.append(DataIssue(table_file(park, TABLES["park"]), int(row), "id", None,
                                    "the park table holds exactly one row: the zone"))


# Source kinds a reader can check: what an external company makes is never general knowledge.
PRODUCER_SOURCE_KINDS = ("reference", "article", "user")


def check_producer_sources(tables: Tables, issues: list[DataIssue]) -> None:
    """A company outside the zone makes a product only by a source a reader can check.

    The rows of company_products.csv whose company is ``external`` name whom to recruit;
    their source must be of a kind in :data:`PRODUCER_SOURCE_KINDS` (a company's annual
    report or announcement, an official list: kind ``reference``), never the general
    industry knowledge the chain templates rest on. The same rule is a SHACL shape
    (``kgs:ExternalProductionSourced``)."""
    cp, companies, sources = tables["company_products"], tables["companies"], tables["sources"]
    if not len(cp):
        return
    external = set(companies.loc[companies["location"] == "external", "id"])
    kinds = dict(zip(sources["id"], sources["kind"]))
    source_kind = cp["source"].map(lambda s: kinds.get(s, ""))
    mask = cp["company"].isin(external) & (source_kind != "") & ~source_kind.isin(PRODUCER_SOURCE_KINDS)
    _bad(cp, mask, table_file(cp, TABLES["company_products"]), "source",
         "is a general_knowledge source: a company outside the zone makes a product only by a source a "
         "reader can check (kind reference: an annual report, announcement or official list)", issues)


def check_equations(tables: Tables, issues: list[DataIssue]) -> None:
    """A flow's equation holds and its ratio follows from it (:mod:`kg.tables.stoichiometry`).

    Each product formula must be readable. A flow with an equation must have: an equation that
    reads and balances; its input's formula (products.csv) among the reactants and its output's
    among the products, written the same way; a ratio that is the equation's input mass per
    tonne of output, rounded (:func:`~kg.tables.stoichiometry.ratio_agrees`); and a route source
    a reader can check (not the general industry knowledge), since the ratio is only as good as
    the claim that this reaction is the route."""
    products, flows, sources = tables["products"], tables["flows"], tables["sources"]
    products_file, flows_file = table_file(products, TABLES["products"]), table_file(flows, TABLES["flows"])
    named = _named(issues)
    formulas: dict[str, str] = {}
    for idx in products.index[products["formula"].astype(str) != ""]:
        formula = str(products.at[idx, "formula"])
        try:
            parse_formula(formula)
        except FormulaError as exc:
            issues.append(DataIssue(products_file, int(products.at[idx, ROW]), "formula", formula, str(exc)))
            continue
        formulas[str(products.at[idx, "id"])] = formula
    kinds = dict(zip(sources["id"].astype(str), sources["kind"].astype(str)))
    for idx in flows.index[flows["equation"].astype(str) != ""]:
        row = int(flows.at[idx, ROW])
        text = flows.at[idx, "equation"] = tidy_equation(str(flows.at[idx, "equation"]))
        try:
            equation = parse_equation(text)
        except FormulaError as exc:
            issues.append(DataIssue(flows_file, row, "equation", text, str(exc)))
            continue
        off = unbalanced(equation)
        if off:
            shown = ", ".join(f"{atom} {n:+d}" for atom, n in off.items())
            issues.append(DataIssue(flows_file, row, "equation", text,
                                    f"is not balanced (atoms on the left minus the right: {shown})"))
            continue
        ends = []
        for column, side, role in (("input", "left", "reactant"), ("output", "right", "product")):
            product = str(flows.at[idx, column])
            formula = formulas.get(product)
            if formula is None:
                issues.append(DataIssue(flows_file, row, "equation", text,
                                        f"the {column} {product!r} has no formula in {products_file}: give it one "
                                        "to use an equation"))
            elif not equation.coefficient(formula, side):
                written = ", ".join(f for _, f in getattr(equation, side))
                issues.append(DataIssue(flows_file, row, "equation", text,
                                        f"the {column} {product!r} (formula {formula}) is not a {role} of the "
                                        f"equation ({role}s: {written}); write it as {products_file} does"))
            else:
                ends.append(formula)
        kind = kinds.get(str(flows.at[idx, "source"]), "")
        if kind == "general_knowledge":
            issues.append(DataIssue(flows_file, row, "source", str(flows.at[idx, "source"]),
                                    "a flow with an equation cites a source a reader can check for its route "
                                    "(kind reference, article or user), not general knowledge"))
        if len(ends) < 2:
            continue
        computed = input_ratio(equation, *ends)
        ratio = str(flows.at[idx, "ratio"])
        if (flows_file, row, "ratio") in named:
            continue
        if not ratio:
            issues.append(DataIssue(flows_file, row, "ratio", None, "is empty: the equation gives "
                                    f"{round_significant(computed)} t/t; write it, or drop the equation"))
        elif not ratio_agrees(ratio, computed):
            issues.append(DataIssue(flows_file, row, "ratio", ratio,
                                    f"disagrees with the equation, which gives {computed:.4g} t/t of input per t "
                                    f"of output (IUPAC 2021 atomic weights): write {round_significant(computed)}"))


def split_list(cell: str) -> list[str]:
    """Items of a ``;``-separated cell, trimmed, without empties."""
    return [item.strip() for item in re.split(";", cell or "") if item.strip()]
