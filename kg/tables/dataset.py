"""A whole dataset: a folder of CSV tables or one Excel workbook, read, tidied and checked.

>>> from kg.paths import default_data_dir
>>> tables = load_tables(default_data_dir())
>>> sorted(tables)[:3]
['assets', 'chains', 'companies']
"""

from __future__ import annotations

from pathlib import Path

from kg.collector import paused
from kg.errors import KgError
from kg.tables.read import (
    WORKBOOK_SUFFIXES,
    DataErrors,
    DataIssue,
    Tables,
    check_tables,
    finish_table,
    read_table,
)
from kg.tables.schema import TABLE_ORDER, TABLES
from kg.tables.workbook import read_workbook_tables


def read_raw_tables(data: Path, issues: list[DataIssue]) -> Tables:
    """Every table of a dataset folder or workbook, parsed and tidied but not checked;
    missing optional tables are empty frames."""
    data = Path(data)
    if data.is_file() and data.suffix.lower() in WORKBOOK_SUFFIXES:

        return read_workbook_tables(data, issues)
    if data.is_file() and data.suffix.lower() == ".xls":
        raise KgError(f"{data} is an old-style .xls workbook: save it as .xlsx (Excel Workbook)")
    if data.is_file():
        raise KgError(f"{data} is not a folder of CSV tables nor an .xlsx workbook")
    if not data.is_dir():
        raise KgError(f"data folder not found: {data}")
    tables: Tables = {}
    for name in TABLE_ORDER:
        table = TABLES[name]
        path = data / table.file
        frame = None
        if path.is_dir():
            issues.append(DataIssue(table.file, None, None, None, f"is a folder in {data}, not a CSV file"))
        elif path.exists():
            frame = read_table(path, table, issues)
        elif table.required_file:
            issues.append(DataIssue(table.file, None, None, None, f"required file is missing from {data}"))
        tables[name] = finish_table(frame, table, table.file, issues)
    return tables


@paused()
def load_tables(data: Path, warnings: list[DataIssue] | None = None) -> Tables:
    """Read, tidy and check a dataset folder or workbook; raise :class:`DataErrors` listing
    every problem.

    Warnings (e.g. a file read as GBK, an id lowercased) are appended to ``warnings`` when it
    is given."""
    issues: list[DataIssue] = []
    tables = read_raw_tables(Path(data), issues)
    check_tables(tables, issues)
    if warnings is not None:
        warnings.extend(i for i in issues if i.severity == "warning")
    if any(i.severity == "error" for i in issues):
        raise DataErrors(issues)
    return tables

