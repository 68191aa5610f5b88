"""Text that stays text in a spreadsheet: no formula smuggled through the data.

A label such as ``=HYPERLINK("http://…","click")`` is data, never something a spreadsheet
should run. Every writer of kg goes through this module:

- Workbooks (.xlsx): :func:`workbook_bytes` saves a workbook with every cell that would be
  a formula stored as a text cell instead; kg itself writes no formulas.
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
import re
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


def workbook_bytes(book: Any) -> bytes:
    """The .xlsx bytes of an openpyxl workbook, every cell that would be a formula saved as
    text (:func:`as_text`)."""
    buffer = io.BytesIO()
    as_text(book).save(buffer)
    return buffer.getvalue()


def frame_workbook(frame: pd.DataFrame) -> bytes:
    """``frame`` as a one-sheet .xlsx workbook as pandas writes it (header row, no index),
    every text cell stored as text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        as_text(writer.book)
    return buffer.getvalue()
