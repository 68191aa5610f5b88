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
>>> tables = load_tables(default_data_dir())
>>> sorted(tables)[:3]
['assets', 'chains', 'companies']
>>> normalise_amount("12.5亿元", "元")
('1250000000', None)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from kg import vocab
from kg.errors import KgError
from kg.tables.schema import TABLE_ORDER, TABLES, Column, Table

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
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(clean_cell(c) for c in r)]
    if not numbered:
        issues.append(DataIssue(file, None, None, None,
                                "the file is empty: expected a header row with the columns "
                                + ", ".join(c.name for c in table.columns)))
        return None
    errors_before = sum(1 for i in issues if i.severity == "error")
    header_row, header = numbered[0]
    header = [clean_cell(h) for h in header]
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
    records = []
    for n, r in numbered[1:]:
        cells = [clean_cell(c) for c in r]
        if len(cells) > width and any(cells[width:]):
            extra = width + next(i for i, c in enumerate(cells[width:]) if c)
            issues.append(DataIssue(file, n, column_letter(extra), ",".join(cells[width:]),
                                    f"row has {len(cells)} cells but the header has {width}"))
            continue
        cells = (cells + [""] * width)[:width]
        records.append([n, *(cells[i] for i in keep)])
    if sum(1 for i in issues if i.severity == "error") > errors_before:
        return None
    frame = pd.DataFrame(records, columns=[ROW, *(header[i] for i in keep)], dtype=object)
    for name in missing:
        frame[name] = ""
    frame[ROW] = frame[ROW].astype(int)
    return frame


def parse_csv(text: str, table: Table, file: str, issues: list[DataIssue]) -> pd.DataFrame | None:
    """Rows of a CSV text as a DataFrame of strings with a ``_row`` column (see
    :func:`parse_rows`)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        issues.append(DataIssue(file, None, None, None, f"not a valid CSV file: {exc}"))
        return None
    return parse_rows(rows, table, file, issues)


def read_table(path: Path, table: Table, issues: list[DataIssue]) -> pd.DataFrame | None:
    """One table file, decoded and parsed (not yet checked)."""
    text = decode(path.read_bytes(), path.name, issues)
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
    else:
        normalise_table(frame, table, file, issues)
    frame.attrs["file"] = file
    return frame


# ---- tidying what people type -------------------------------------------------------------

# Full-width ASCII forms (！ to ～) and the ideographic space, as typed with a Chinese IME.
FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
LIST_SEPARATORS = r"[;,、]"  # after folding ；→;  ，→,
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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
    if CONTROL_RE.search("\n".join(cells)):
        for position, cell in enumerate(cells):
            found = CONTROL_RE.search(cell)
            if found:
                issues.append(DataIssue(file, int(frame[ROW].iat[position]), col.name, cell,
                                        f"contains a control character (U+{ord(found.group()):04X}): remove it"))
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

def _bad(frame: pd.DataFrame, mask: pd.Series, file: str, column: str, expected: str,
         issues: list[DataIssue]) -> None:
    if not mask.any():
        return
    named = {(i.row, i.column) for i in issues if i.file == file and i.severity == "error"}
    for row, value in zip(frame.loc[mask, ROW], frame.loc[mask, column]):
        if (int(row), column) not in named:  # a cell refused while tidying is named once
            issues.append(DataIssue(file, int(row), column, str(value), expected))


def _check_column(frame: pd.DataFrame, table: Table, col: Column, keys: dict[str, set[str]],
                  issues: list[DataIssue]) -> None:
    values = frame[col.name].astype(str)
    empty = values == ""
    file = table_file(frame, table)
    if col.required:
        _bad(frame, empty, file, col.name, "is empty; this column is required", issues)
    present = ~empty
    if col.kind == "id":
        bad = present & ~values.str.fullmatch(ID_PATTERN)
        _bad(frame, bad, file, col.name,
             "is not a valid id: use lowercase letters a-z and digits, with single '-', '_' or '.' "
             "between them (e.g. sodium-cyanide)", issues)
    elif col.kind == "enum":
        bad = present & ~values.isin(col.choices)
        _bad(frame, bad, file, col.name, "expected one of: " + ", ".join(col.choices), issues)
    elif col.kind == "int":
        bad = present & ~values.str.fullmatch(r"[0-9]{1,9}")
        _bad(frame, bad, file, col.name, "expected a whole number such as 2026", issues)
    elif col.kind == "number":
        numbers = pd.to_numeric(values.where(present, "0"), errors="coerce")
        bad = present & (numbers.isna() | ~values.str.isascii() | (numbers < 0) | ~numbers.abs().lt(float("inf")))
        _bad(frame, bad, file, col.name, "expected a number >= 0, e.g. 1200000000, 1,200, 12.5亿 or 3000万"
             + (f" (counted in {col.unit})" if col.unit and col.unit not in frame.columns else ""), issues)
    elif col.kind == "bool":
        bad = present & ~values.str.lower().isin(("true", "false"))
        _bad(frame, bad, file, col.name, "expected true or false", issues)
    elif col.kind == "date":
        bad = present & ~values.str.fullmatch(DATE_PATTERN)
        _bad(frame, bad, file, col.name, "expected a date as YYYY, YYYY-MM or YYYY-MM-DD", issues)
    elif col.kind == "ref":
        bad = present & ~values.isin(keys.get(col.ref, set()))
        _bad(frame, bad, file, col.name, f"is not an id in {_ref_name(col.ref, frame)}", issues)
    elif col.kind == "refs":
        items = values[present].str.split(";").explode().str.strip()
        known = keys.get(col.ref, set())
        bad_items = items[(items != "") & ~items.isin(known)]
        for idx, item in bad_items.items():
            issues.append(DataIssue(file, int(frame.at[idx, ROW]), col.name, item,
                                    f"is not an id in {_ref_name(col.ref, frame)} (lists are separated by ';')"))


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
    for k, row in zip(key[dup], frame.loc[dup, ROW]):
        if k not in first_row:
            first_row[k] = int(row)
            continue
        issues.append(DataIssue(table_file(frame, table), int(row), ", ".join(table.key), k.replace("\x1f", ", "),
                                f"duplicate of row {first_row[k]}: each {'/'.join(table.key)} must appear once "
                                "(ids are compared without case and surrounding spaces)"))


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
        _bad(frame, mask, table_file(frame, table), "quote",
             "is empty: a fact from an article needs the words it was copied from", issues)
    park = tables["park"]
    if len(park) > 1:
        for row in park[ROW].iloc[1:]:
            issues.append(DataIssue(table_file(park, TABLES["park"]), int(row), "id", None,
                                    "the park table holds exactly one row: the zone"))


def split_list(cell: str) -> list[str]:
    """Items of a ``;``-separated cell, trimmed, without empties."""
    return [item.strip() for item in re.split(";", cell or "") if item.strip()]
