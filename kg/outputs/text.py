"""Writing a table the way the user asked: an aligned text table, CSV, JSON or Excel."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pandas as pd

from kg.cells import csv_text, frame_workbook
from kg.errors import KgError
from kg.files import write_atomic

FORMATS = ("table", "csv", "json", "xlsx")


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(frame: pd.DataFrame, max_width: int = 48) -> str:
    """An aligned plain-text table that keeps Chinese columns straight."""
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, float):
            text = f"{value:.3f}".rstrip("0").rstrip(".")
        else:
            text = str(value).replace("\n", " ")
        while _width(text) > max_width:
            text = text[:-2] + "…"
        return text

    header = [str(c) for c in frame.columns]
    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render(frame: pd.DataFrame, fmt: str, records: list | None = None) -> bytes:
    """The bytes of ``frame`` in ``fmt``; ``records`` replaces the rows for JSON when given."""
    if fmt == "table":
        return (text_table(frame) + "\n").encode("utf-8")
    if fmt == "csv":
        return csv_text(frame).encode("utf-8")  # formula-like text neutralised (kg.cells)
    if fmt == "json":
        data = records if records is not None else json.loads(frame.to_json(orient="records", force_ascii=False))
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "xlsx":
        return frame_workbook(frame)  # text cells, never formulas (kg.cells)
    raise KgError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def emit(frame: pd.DataFrame, fmt: str, output: Path | None, records: list | None = None) -> None:
    """Print ``frame`` in ``fmt`` or write it to ``output`` (xlsx needs a file)."""
    data = render(frame, fmt, records)
    if output:
        write_atomic(Path(output), data)
    elif fmt == "xlsx":
        raise KgError("--format xlsx needs -o/--output FILE.xlsx")
    else:
        import click

        click.echo(data.decode("utf-8"), nl=False)
