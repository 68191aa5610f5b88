"""Writing a table the way the user asked: an aligned text table, CSV, JSON or Excel."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd

from kg.cells import csv_text, frame_workbook
from kg.errors import KgError
from kg.files import write_atomic

FORMATS = ("table", "csv", "json", "xlsx")
CLOSING = set("、，。；：！？）」』】〉》,.;:!?)")  # punctuation that stays at the end of the line before


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_text(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` terminal columns: between words for
    English, between characters for Chinese; a word longer than a line is split.

    >>> wrap_text("the zone makes none of its inputs", 12)
    ['the zone', 'makes none', 'of its', 'inputs']
    >>> wrap_text("园区内无生产者也无项目", 8)
    ['园区内无', '生产者也', '无项目']
    """
    width = max(2, width)
    tokens = re.findall(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff"
                        r"\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+", str(text).replace("\n", " "))
    lines: list[str] = []
    line = ""
    for token in tokens:
        if token.isspace():
            if line:
                line += " "
            continue
        while _width(token) > width:  # a word longer than a line: split it
            room = width - _width(line)
            if room < 2:
                lines.append(line.rstrip())
                line, room = "", width
            cut = 0
            while cut < len(token) and _width(token[:cut + 1]) <= room:
                cut += 1
            lines.append(line + token[:cut])
            line, token = "", token[cut:]
        if _width(line) + _width(token) > width and token not in CLOSING:  # 、。 never start a line
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _cell(value: object, max_width: int | None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".")
    else:
        text = str(value).replace("\n", " ")
    while max_width and _width(text) > max_width:
        text = text[:-2] + "…"
    return text


def text_table(frame: pd.DataFrame, max_width: int = 48, wrap: dict[str, int] | None = None) -> str:
    """An aligned plain-text table that keeps Chinese columns straight. A cell is cut at
    ``max_width`` columns with "…", except in the columns of ``wrap`` (column → width),
    whose text wraps onto further lines of the row."""
    wrap = wrap or {}
    header = [str(c) for c in frame.columns]
    rows = []
    for values in frame.itertuples(index=False):
        cells = [[_cell(v, None)] if h in wrap else [_cell(v, max_width)] for h, v in zip(header, values)]
        cells = [wrap_text(c[0], wrap[h]) if h in wrap else c for h, c in zip(header, cells)]
        rows.append(cells)
    widths = [max([_width(h)] + [_width(line) for r in rows for line in r[i]]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    for cells in rows:
        for k in range(max(len(c) for c in cells)):
            out.append(line([c[k] if k < len(c) else "" for c in cells]))
    return "\n".join(out)


def fit_table(frame: pd.DataFrame, width: int | None, wrap_column: str | None = None,
              drop_order: tuple[str | tuple[str, ...], ...] = (), min_wrap: int = 28,
              max_width: int = 30) -> tuple[str, list[str]]:
    """``frame`` as a text table no wider than ``width`` terminal columns (None: as wide as
    it takes, nothing wrapped or dropped): columns of ``drop_order`` (a name or a group of
    names) are left out, first ones first, until ``wrap_column`` has at least ``min_wrap``
    columns left; its text then wraps in what is left instead of being cut. Returns the table
    and the headers left out."""
    if width is None:
        return text_table(frame, max_width=10_000), []
    dropped: list[str] = []
    order = [(g,) if isinstance(g, str) else tuple(g) for g in drop_order]
    while True:
        others = [c for c in frame.columns if c != wrap_column]
        sizes = [max([_width(str(c))] + [_width(_cell(v, max_width)) for v in frame[c]]) for c in others]
        room = width - sum(sizes) - 2 * len(others)
        natural = (max([_width(str(wrap_column))] + [_width(_cell(v, None)) for v in frame[wrap_column]])
                   if wrap_column in frame else 0)
        fits = room >= min(min_wrap, natural) if wrap_column in frame else room + 2 >= 0
        if fits or not order:
            break
        group = [c for c in order.pop(0) if c in frame.columns]
        frame = frame.drop(columns=group)
        dropped += [str(c) for c in group]
    # two columns kept for a closing mark (、。) that stays at the end of its line
    wrap = {wrap_column: max(min_wrap, min(room - 2, natural))} if wrap_column in frame else {}
    return text_table(frame, max_width=max_width, wrap=wrap), dropped


def terminal_width() -> int | None:
    """The terminal's width when the output goes to one (or ``COLUMNS`` says so), else None:
    a table written into a pipe or a file is not cut to any width."""
    import os
    import shutil
    import sys

    if os.environ.get("COLUMNS", "").isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return None


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
