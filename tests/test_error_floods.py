"""Error floods: a broken header is reported once, not once per reference to the table;
repeated errors are grouped (the first few, then "and N more like this"); a giant cell is
named by file, row and column and is not printed whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors, error_count

MANY = 4000


def validate(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "validate", "--data", str(data)], capture_output=True,
                          text=True, timeout=600)


def add_flows(data: Path, rows: int, source: str = "salt", target: str = "sodium") -> None:
    with open(data / "flows.csv", "a", encoding="utf-8") as handle:
        for _ in range(rows):
            handle.write(f"{source},{target},,,general,\n")


def test_a_broken_header_is_reported_once_not_per_reference(mini):
    add_flows(mini, MANY)  # many rows that refer to products
    path = mini / "products.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text("ident" + text[2:], encoding="utf-8")  # the header's 'id' column misnamed
    result = validate(mini)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "products.csv, row 1, column 'id': required column 'id' is missing from the header" in result.stderr
    assert not any("is not an id in products.csv" in line for line in errors)
    assert len(result.stderr.splitlines()) < 30
    assert "not checked" in result.stderr  # says what could not be checked, once per column


def test_repeated_errors_are_grouped(mini):
    add_flows(mini, MANY, "nowhere", "nothing")
    result = validate(mini)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) < 30, len(lines)
    assert "flows.csv, row 6, column 'input': 'nowhere': is not an id in products.csv" in result.stderr
    assert f"flows.csv, column 'input': and {MANY - 5} more like this (is not an id in products.csv)" in result.stderr
    # the count stays honest: every input, every output, and every row but the first a duplicate
    assert f"{3 * MANY - 1} error(s)" in lines[-1]
    with pytest.raises(DataErrors) as info:
        load_tables(mini)
    assert error_count(info.value.issues) == 3 * MANY - 1  # the library counts every one
    assert len(str(info.value).splitlines()) < 30


def test_a_giant_cell_is_named_by_row_and_column(mini):
    path = mini / "products.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[-1] = "x" * (1 << 20)  # a 1 MB note on the second product (row 3)
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = validate(mini)
    assert result.returncode == 1
    assert "products.csv, row 3, column 'note'" in result.stderr and "1048576 characters" in result.stderr
    assert len(result.stderr) < 2000  # the cell is not printed whole
