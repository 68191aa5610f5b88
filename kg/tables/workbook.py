"""Tables as an Excel workbook (one sheet per table) or a folder of CSV files, both ways.

Reading: :func:`read_workbook_tables` turns the sheets of an ``.xlsx`` workbook into the same
tables the CSV files give (:mod:`kg.tables.read` then tidies and checks them), with every cell as
the text a CSV would hold: Excel numbers without a spurious ``.0``, Excel dates as
``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY`` when the cell shows no day / month), booleans as
``true``/``false``. Messages name the sheet: ``products (sheet), row 5, column 'segment'``.

Writing: :func:`write_workbook` and :func:`write_csv_tables` write tables (or, empty, a
template) with a comment on each header cell explaining the column and drop-down lists for
the fixed vocabularies.

>>> import tempfile
>>> from pathlib import Path
>>> from kg.paths import default_data_dir
>>> from kg.tables.dataset import load_tables
>>> book = Path(tempfile.mkdtemp()) / "data.xlsx"
>>> write_workbook(load_tables(default_data_dir()), book)
>>> len(load_tables(book)["products"]) == len(load_tables(default_data_dir())["products"])
True
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd

from kg import vocab
from kg.cells import neutralise, neutralise_frame
from kg.cells import workbook_bytes as text_workbook_bytes
from kg.errors import KgError
from kg.files import write_atomic
from kg.tables.read import ROW, DataIssue, Tables, canonical_number, finish_table, parse_rows
from kg.tables.schema import TABLE_ORDER, TABLES, Column, Table

NOTES_SHEET = "_notes"  # sheets whose name starts with '_' are not tables
MAX_ROW = 1048576  # Excel's last row
EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number


# ---- reading --------------------------------------------------------------------------------

def sheet_label(name: str) -> str:
    """How messages name a sheet."""
    return f"{name} (sheet)"


def cell_text(value: object, number_format: str | None = None) -> tuple[str, bool]:
    """The text a CSV would hold for an Excel cell value, and whether Excel stored a date.

    >>> cell_text(2026.0), cell_text(1.25e9), cell_text(True)
    (('2026', False), ('1250000000', False), ('true', False))
    >>> cell_text(dt.datetime(2026, 1, 9), "yyyy-mm-dd"), cell_text(dt.datetime(2026, 1, 1), "mmm-yy")
    (('2026-01-09', True), ('2026-01', True))
    """
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value), False
        return canonical_number(Decimal(repr(value))), False
    if isinstance(value, dt.datetime | dt.date):
        fmt = (number_format or "").lower()
        fmt = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt)  # quoted text, [$-409] locale codes
        day = value.date() if isinstance(value, dt.datetime) else value
        if isinstance(value, dt.datetime) and value.time() != dt.time(0):
            return value.isoformat(sep=" "), True
        if fmt and "d" not in fmt and "m" in fmt:
            return f"{day.year:04d}-{day.month:02d}", True
        if fmt and "d" not in fmt and "m" not in fmt and "y" in fmt:
            return f"{day.year:04d}", True
        return day.isoformat(), True
    if isinstance(value, dt.time | dt.timedelta):
        return str(value), True
    return str(value), False


def _sheet_rows(sheet, label: str, table: Table, issues: list[DataIssue]) -> list[list[str]]:
    date_columns = {c.name for c in table.columns if c.kind == "date"}
    rows: list[list[str]] = []
    header: list[str] = []
    sheet.reset_dimensions()  # some writers store wrong dimensions; read every row there is
    for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
        row = []
        for position, cell in enumerate(cells):
            text, was_date = cell_text(cell.value, getattr(cell, "number_format", None))
            row.append(text)
            column = header[position].strip() if position < len(header) else ""
            if was_date and header and column not in date_columns and text:
                issues.append(DataIssue(label, number, column or None, text,
                                        "Excel stored this cell as a date or time; check it is what you typed "
                                        "(format the column as Text to keep it as typed)", "warning"))
        if not header and any(c.strip() for c in row):
            header = row
        rows.append(row)
    return rows


def read_workbook_tables(path: Path, issues: list[DataIssue]) -> Tables:
    """Every table of a workbook, one sheet per table (named like the table: ``products``;
    ``products.csv`` is accepted too), parsed and tidied but not checked."""
    import openpyxl

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        issues.append(DataIssue(path.name, None, None, None,
                                f"cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}: {exc}"))
        return {name: finish_table(None, TABLES[name], sheet_label(name), issues) for name in TABLE_ORDER}
    try:
        sheets: dict[str, object] = {}
        for sheet in book.worksheets:
            name = sheet.title.strip().lower().removesuffix(".csv")
            if name in TABLES and name not in sheets:
                sheets[name] = sheet
            elif name in TABLES:
                issues.append(DataIssue(path.name, None, None, None,
                                        f"two sheets are named {name!r}: keep one"))
            elif not sheet.title.startswith("_"):
                issues.append(DataIssue(path.name, None, None, None,
                                        f"sheet {sheet.title!r} is not a table and is ignored; table sheets are "
                                        + ", ".join(TABLE_ORDER), "warning"))
        tables: Tables = {}
        for name in TABLE_ORDER:
            table, label = TABLES[name], sheet_label(name)
            frame = None
            if name in sheets:
                rows = _sheet_rows(sheets[name], label, table, issues)
                frame = parse_rows(rows, table, label, issues)
            elif table.required_file:
                issues.append(DataIssue(path.name, None, None, None, f"required sheet {name!r} is missing"))
            tables[name] = finish_table(frame, table, label, issues)
        return tables
    finally:
        book.close()


# ---- writing --------------------------------------------------------------------------------

def column_note(table: Table, col: Column) -> str:
    """What a column holds, in the words of the table contract (for header comments)."""
    parts = [col.doc or col.name]
    if col.required:
        parts.append("Required.")
    if col.kind == "enum":
        parts.append("One of: " + ", ".join(col.choices) + ".")
    elif col.kind == "ref":
        parts.append(f"An id from the {col.ref} sheet.")
    elif col.kind == "refs":
        parts.append(f"Ids from the {col.ref} sheet, separated by ';'.")
    elif col.kind == "id":
        parts.append("Lowercase letters, digits, '-', '_' or '.'; unique in this sheet.")
    elif col.kind == "bool":
        parts.append("true or false.")
    elif col.kind == "number":
        parts.append("A number >= 0; 12.5亿, 3000万 and 1,200 are read as numbers.")
    return " ".join(parts)


def notes_rows() -> list[list[str]]:
    """A header and one row per column of every table: what the notes sheet holds."""
    rows = [["table", "column", "required", "kind", "allowed values", "description"]]
    for name in TABLE_ORDER:
        for col in TABLES[name].columns:
            allowed = ", ".join(col.choices) if col.kind == "enum" else (f"ids in {col.ref}" if col.ref else "")
            rows.append([name, col.name, "yes" if col.required else "", col.kind, allowed,
                         column_note(TABLES[name], col)])
    return rows


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns]


def _rows(frame: pd.DataFrame | None, table: Table) -> list[list[str]]:
    if frame is None or not len(frame):
        return []
    names = _columns(table)
    body = frame.reindex(columns=names).fillna("").astype(str)
    return body.values.tolist()


def _csv_rows(frame: pd.DataFrame | None, table: Table) -> list[list[str]]:
    """The rows of a CSV table, text that a spreadsheet would run as a formula neutralised
    (:func:`kg.cells.neutralise`; :mod:`kg.tables` takes the mark off when it reads them)."""
    if frame is None or not len(frame):
        return []
    return neutralise_frame(frame.reindex(columns=_columns(table)).fillna("").astype(str)).values.tolist()


def _typed(value: str, col: Column) -> object:
    """The value to store in a cell: numbers as numbers when Excel keeps them exactly."""
    if not value or col.kind not in ("int", "number"):
        return value
    try:
        number = Decimal(value)
    except ArithmeticError:
        return value
    digits = len(number.normalize().as_tuple().digits)
    if digits > EXACT_DIGITS or not number.is_finite():
        return value
    if number == number.to_integral_value():
        return int(number)
    return float(value) if Decimal(repr(float(value))) == number else value


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _validations(sheet, table: Table) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    for position, col in enumerate(table.columns, start=1):
        area = f"{_letter(position)}2:{_letter(position)}{MAX_ROW}"
        if col.kind == "enum":
            rule = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True,
                                  showErrorMessage=True, errorTitle=col.name,
                                  error="Choose one of: " + ", ".join(col.choices))
        elif col.kind == "bool":
            rule = DataValidation(type="list", formula1='"true,false"', allow_blank=True, showErrorMessage=True,
                                  errorTitle=col.name, error="true or false")
        elif table.name == "chains" and col.name == "id":
            rule = DataValidation(type="list", formula1='"' + ",".join(vocab.CHAIN_IDS) + '"', allow_blank=True,
                                  showErrorMessage=True, errorStyle="warning", errorTitle="chain id",
                                  error="Not one of the 5+2 chain ids (" + ", ".join(vocab.CHAIN_IDS) + "). Keep it?")
        elif col.kind in ("ref", "refs"):
            target = TABLES[col.ref]
            key = _letter(_columns(target).index("id") + 1)
            single = col.kind == "ref"
            rule = DataValidation(type="list", formula1=f"'{target.name}'!${key}$2:${key}${MAX_ROW}",
                                  allow_blank=True, showErrorMessage=single, errorStyle="warning",
                                  errorTitle=col.name, error=f"Not an id in the {target.name} sheet. Keep it?")
        else:
            continue
        rule.add(area)
        sheet.add_data_validation(rule)


def workbook_bytes(tables: Tables | None = None) -> bytes:
    """An .xlsx workbook of ``tables`` (a template when None): one sheet per table, header
    comments explaining each column, drop-down lists for the fixed vocabularies and the ids
    of referenced sheets, and a ``_notes`` sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name in TABLE_ORDER:
        table = TABLES[name]
        sheet = book.create_sheet(name)
        for position, col in enumerate(table.columns, start=1):
            cell = sheet.cell(row=1, column=position, value=col.name)
            cell.font = bold
            cell.comment = Comment(column_note(table, col), "kg", width=300, height=120)
            sheet.column_dimensions[_letter(position)].width = max(12, min(40, len(col.name) + 4))
        sheet.freeze_panes = "A2"
        frame = (tables or {}).get(name)
        for number, values in enumerate(_rows(frame, table), start=2):
            for position, (col, value) in enumerate(zip(table.columns, values), start=1):
                if ILLEGAL_CHARACTERS_RE.search(value):
                    raise KgError(f"{name}, row {number}, column '{col.name}': {value!r} holds a control "
                                  "character that an Excel workbook cannot store")
                cell = sheet.cell(row=number, column=position, value=_typed(value, col))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula, even when it starts with '='
        _validations(sheet, table)
    notes = book.create_sheet(NOTES_SHEET)
    for row in notes_rows():
        notes.append(row)
    for cell in notes[1]:
        cell.font = bold
    return text_workbook_bytes(book)  # no cell is a formula, whatever it starts with


def write_workbook(tables: Tables | None, path: Path) -> None:
    """Write ``tables`` (a template when None) as an .xlsx workbook, atomically."""
    write_atomic(Path(path), workbook_bytes(tables))


def csv_bytes(frame: pd.DataFrame | None, table: Table) -> bytes:
    """One table as UTF-8 CSV text in the column order of the contract."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_columns(table))
    writer.writerows(_csv_rows(frame, table))
    return buffer.getvalue().encode("utf-8")


def notes_bytes() -> bytes:
    """``_notes.csv``: every column of every table explained (a CSV template's notes)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[neutralise(c) for c in row] for row in notes_rows()])
    return buffer.getvalue().encode("utf-8")


def write_csv_tables(tables: Tables | None, folder: Path, force: bool = False) -> list[Path]:
    """Write one CSV file per table into ``folder`` (a template with ``_notes.csv`` when
    ``tables`` is None); each file is written atomically. Existing files are kept unless
    ``force``."""
    folder = Path(folder)
    files = {TABLES[n].file: csv_bytes((tables or {}).get(n), TABLES[n]) for n in TABLE_ORDER}
    if tables is None:
        files["_notes.csv"] = notes_bytes()
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        raise KgError(f"{folder} already holds {', '.join(existing)}: use --force to replace them")
    for name, data in files.items():
        write_atomic(folder / name, data)
    return [folder / name for name in files]


def write_tables(tables: Tables | None, output: Path, force: bool = False) -> list[Path]:
    """Write tables (or a template) to ``output``: a workbook when it ends in .xlsx, else a
    folder of CSV files."""
    output = Path(output)
    if output.suffix.lower() == ".xlsx":
        if output.exists() and not force:
            raise KgError(f"{output} already exists: use --force to replace it")
        write_workbook(tables, output)
        return [output]
    if output.suffix and not output.is_dir():
        raise KgError(f"{output}: expected a folder or a file ending in .xlsx")
    return write_csv_tables(tables, output, force)


def strip_rows(tables: Tables) -> Tables:
    """The tables without the ``_row`` column (as they are written)."""
    return {name: frame.drop(columns=[ROW], errors="ignore") for name, frame in tables.items()}
