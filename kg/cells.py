"""Text that stays text in a spreadsheet: no formula smuggled through the data.

A label such as ``=HYPERLINK("http://…","click")`` is data, never something a spreadsheet
should run. Every writer of kg goes through this module:

- Workbooks (.xlsx): :func:`workbook_bytes` saves a workbook with every cell that would be
  a formula stored as a text cell instead; kg itself writes no formulas. It also gives every
  sheet its page setup (:func:`printable`): a workbook kg writes prints on A4, one page wide.
- CSV: a cell a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return and is not a plain number such as ``-1``) gets a ``'``
  in front, as OWASP's advice on CSV injection has it (:func:`neutralise`). A cell that
  already starts with quotes before such a character gets one more, so the mark is
  unambiguous, and :func:`restore`, applied when kg reads a CSV table, takes exactly one off:
  a CSV table written by kg reads back as the values it was written from.

>>> neutralise("=1+1"), neutralise("-1"), neutralise("'=x"), neutralise("it's"), neutralise(3)
("'=1+1", '-1', "''=x", "it's", 3)
>>> [restore(neutralise(v)) for v in ("=1+1", "'=x", "''@y", "'plain", "-2+3")]
['=1+1', "'=x", "''@y", "'plain", '-2+3']
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# A CSV text in which some cell may start with a quote (the only cells restore changes).
QUOTE_FIRST = re.compile(r"(?:^|[,\n])\"?'")


def _marked(text: str) -> bool:
    """Whether ``text``, past any leading quotes, starts like a formula (and is not a plain
    number): such a text gets, and loses, one quote."""
    rest = text.lstrip("'")
    return rest.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(rest)


def neutralise(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet reads as text: a ``'`` in front of a text that
    would be a formula; anything else (numbers, other texts) unchanged."""
    if isinstance(value, str) and value and _marked(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The value :func:`neutralise` was given for the cell ``text`` (one leading ``'`` off
    where kg's writer put it)."""
    if text.startswith("'") and _marked(text):
        return text[1:]
    return text


def restore_rows(text: str, rows: list[list[str]]) -> list[list[str]]:
    """The rows of a CSV ``text`` with :func:`restore` applied to every cell (the rows
    themselves when no cell can start with a quote: the usual case, checked at once)."""
    if not QUOTE_FIRST.search(text):
        return rows
    return [[restore(cell) if cell.startswith("'") else cell for cell in row] for row in rows]


def neutralise_series(values: pd.Series) -> pd.Series:
    """A column with :func:`neutralise` applied to its text cells, vectorised."""
    if values.dtype.kind in "biufcmMb":
        return values
    text = values.map(lambda v: v if isinstance(v, str) else "")
    rest = text.str.lstrip("'")
    marked = rest.str[:1].isin(TRIGGERS) & ~rest.str.fullmatch(PLAIN_NUMBER.pattern)
    if not marked.any():
        return values
    values = values.copy()
    values[marked] = "'" + text[marked]
    return values


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` ready for CSV: every text cell that would be a formula marked."""
    return frame.apply(neutralise_series) if len(frame.columns) else frame


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index), its formula-like text cells neutralised."""
    return neutralise_frame(frame).to_csv(index=False)


def as_text(book: Any) -> Any:
    """Make every formula cell of an openpyxl workbook a text cell holding the same
    characters (kg writes data, never formulas); returns the workbook."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return book


WIDE_SHEET = 6
"""A sheet with more columns than this prints landscape."""
WRAP_WIDTH = 24
"""Columns wider than this (in Excel's character units) are narrowed to it, their text wrapped."""
HEADER_WIDTH = 8
"""A header counts up to this many character widths when a column is fitted: a longer one wraps."""
LINE_HEIGHT = 15
"""Points per line of a row with wrapped text."""


def page_setup(sheet: Any) -> Any:
    """Give one openpyxl worksheet a page setup for paper: A4, landscape when it has more than
    :data:`WIDE_SHEET` columns, scaled to one page wide (as many pages tall as it needs), the
    header row repeated on every page, and a footer with the sheet's name and ``page/pages``.
    Without it a spreadsheet prints a wide sheet a column or two per page, portrait, with the
    header on the first page only. Returns the sheet."""
    from openpyxl.worksheet.properties import PageSetupProperties

    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_LANDSCAPE if sheet.max_column > WIDE_SHEET else sheet.ORIENTATION_PORTRAIT
    setup.fitToWidth, setup.fitToHeight = 1, 0
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.left.text, sheet.oddFooter.right.text = "&A", "&P/&N"
    sheet.oddFooter.left.size = sheet.oddFooter.right.size = 9
    _fit_columns(sheet)
    return sheet


def text_width(value: Any) -> int:
    """How many character widths a cell's text takes (a CJK character takes two)."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit_columns(sheet: Any) -> None:
    """Columns whose width the writer left unset get one fitted to their text (a header
    counted up to :data:`HEADER_WIDTH`: it wraps); a column wider than :data:`WRAP_WIDTH` is
    narrowed to it and its text wrapped, so one long column (a reason, a quote) does not
    shrink the whole sheet on the page."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    for index in range(1, sheet.max_column + 1):
        letter = get_column_letter(index)
        unset = letter not in sheet.column_dimensions
        dimension = sheet.column_dimensions[letter]
        if unset:
            cells = [c for (c,) in sheet.iter_rows(min_col=index, max_col=index)]
            widest = max([min(text_width(cells[0].value), HEADER_WIDTH)] + [text_width(c.value) for c in cells[1:]])
            dimension.width = max(8, widest + 2)
        if dimension.width > WRAP_WIDTH:
            dimension.width = WRAP_WIDTH
            for (cell,) in sheet.iter_rows(min_col=index, max_col=index):
                cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top", wrap_text=True)
    _fit_rows(sheet)


def _fit_rows(sheet: Any) -> None:
    """Rows with wrapped text get the height of their longest cell's lines (a spreadsheet
    program does not always grow them on opening, and then the lines overlap on paper)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths = {i: sheet.column_dimensions[get_column_letter(i)].width or 8 for i in range(1, sheet.max_column + 1)}
    for row in sheet.iter_rows():
        lines = 1
        for cell in row:
            if cell.alignment.wrap_text and cell.value is not None:
                room = max(1.0, widths.get(cell.column, 8) - 1)
                lines = max(lines, sum(math.ceil(max(1, text_width(part)) / room)
                                       for part in str(cell.value).split("\n")))
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = LINE_HEIGHT * lines
            for cell in row:  # the row's other cells at its top, beside the wrapped text's first line
                if not cell.alignment.wrap_text:
                    cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top")


def printable(book: Any) -> Any:
    """Every sheet of an openpyxl workbook with its :func:`page_setup`; returns the workbook."""
    for sheet in book.worksheets:
        page_setup(sheet)
    return book


def workbook_bytes(book: Any) -> bytes:
    """The .xlsx bytes of an openpyxl workbook, every cell that would be a formula saved as
    text (:func:`as_text`) and every sheet set up for printing (:func:`printable`)."""
    buffer = io.BytesIO()
    printable(as_text(book)).save(buffer)
    return buffer.getvalue()


def frame_workbook(frame: pd.DataFrame) -> bytes:
    """``frame`` as a one-sheet .xlsx workbook as pandas writes it (header row, no index),
    every text cell stored as text, the sheet set up for printing."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        printable(as_text(writer.book))
    return buffer.getvalue()
