"""No formula smuggled through the data: every text cell kg writes to a workbook is a text
cell, every CSV cell a spreadsheet would take for a formula is neutralised with a leading
``'`` (OWASP's advice), numbers stay numbers, and kg's own CSV tables read back exactly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.tables.dataset import load_tables
from kg.tables.workbook import write_tables

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {
    ("products.csv", "chlorine", "label_en"): "=1+1",
    ("products.csv", "sodium", "label_zh"): '=HYPERLINK("http://evil.invalid/","点我")',
    # A CSV cell that starts with quotes before '=' loses one when read (as kg writes it):
    # this one is read as '=already quoted.
    ("products.csv", "salt", "note"): "''=already quoted",
    ("products.csv", "sodium-cyanide", "note"): "-2+3+cmd|' /C calc'!A0",
    ("companies.csv", "co-b", "label_en"): "=SUM(1+1)",
    ("chains.csv", "salt", "label_en"): "@salt",
    ("projects.csv", "p-met", "label_en"): "+project",
    ("projects.csv", "p-cl", "note"): "=cmd",
    ("indicators.csv", "key-projects-2025", "label_en"): "-1",
}


def edit_cell(folder: Path, file: str, row_id: str, column: str, value: str) -> None:
    path = folder / file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    index = rows[0].index(column)
    for row in rows[1:]:
        if row and row[0] == row_id:
            row[index] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture
def hostile(mini) -> Path:
    """The mini dataset with labels and notes a spreadsheet would run as formulas."""
    for (file, row_id, column), value in HOSTILE.items():
        edit_cell(mini, file, row_id, column, value)
    loaded = load_tables(mini)
    assert loaded["products"].set_index("id").at["chlorine", "label_en"] == "=1+1"  # read as typed
    assert loaded["products"].set_index("id").at["salt", "note"] == "'=already quoted"
    return mini


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    found = [f"{sheet.title}!{cell.coordinate}={cell.value!r}" for sheet in book.worksheets
             for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    texts = {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if cell.data_type == "s"}
    return found, texts


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def risky(cells: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would read as a formula: a trigger first, and not a plain number."""
    import re

    number = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
    return [c for row in cells for c in row if c.startswith(TRIGGERS) and not number.fullmatch(c)]


# ---------------------------------------------------------------- workbooks

def test_report_workbook_holds_text_not_formulas(hostile, tmp_path):
    invoke("report", "--data", str(hostile), "--out", str(tmp_path / "build"), "-o", str(tmp_path / "report"),
           "--lang", "en")
    formulas, texts = formula_cells(tmp_path / "report" / "gaps.xlsx")
    assert formulas == []
    assert "=1+1" in texts and "=SUM(1+1)" in texts  # there as text, as typed
    assert any("=1+1" in t for t in texts if t != "=1+1")  # inside reason texts too


@pytest.mark.parametrize("view", [[], ["--ranking"], ["--completeness"]])
def test_gaps_workbook_holds_text_not_formulas(hostile, tmp_path, view):
    target = tmp_path / "gaps.xlsx"
    invoke("gaps", "--data", str(hostile), "--out", str(tmp_path / "build"), "--format", "xlsx", "-o", str(target),
           "--lang", "en", *view)
    formulas, texts = formula_cells(target)
    assert formulas == []
    hostile_texts = ("@salt",) if view == ["--completeness"] else ("=1+1", "=SUM(1+1)")
    assert any(h in t for t in texts for h in hostile_texts)  # there, as text


def test_table_and_template_workbooks_hold_text_not_formulas(hostile, tmp_path):
    write_tables(load_tables(hostile), tmp_path / "t.xlsx")  # what export-tables writes
    formulas, texts = formula_cells(tmp_path / "t.xlsx")
    assert formulas == [] and "=1+1" in texts and "'=already quoted" in texts
    invoke("template", "-o", str(tmp_path / "empty.xlsx"))
    assert formula_cells(tmp_path / "empty.xlsx")[0] == []


# ---------------------------------------------------------------- CSV

def test_csv_outputs_neutralise_formula_cells(hostile, tmp_path):
    common = ["--data", str(hostile), "--out", str(tmp_path / "build")]
    outputs = {
        "gaps": invoke("gaps", *common, "--format", "csv", "--lang", "en"),
        "ranking": invoke("gaps", *common, "--format", "csv", "--ranking"),
        "completeness": invoke("gaps", *common, "--format", "csv", "--completeness"),
        "stats": invoke("stats", *common, "--format", "csv"),
        "query": invoke("query", "SELECT ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label", *common,
                        "--format", "csv"),
        "changes": invoke("changes", "--since", str(MINI), *common, "--format", "csv", "--lang", "en"),
    }
    write_tables(load_tables(hostile), tmp_path / "tables")  # what export-tables and template write
    for path in sorted((tmp_path / "tables").glob("*.csv")):
        outputs[path.name] = path.read_text(encoding="utf-8")
    for name, text in outputs.items():
        assert risky(csv_cells(text)) == [], name
    every = {c for text in outputs.values() for row in csv_cells(text) for c in row}
    assert {"'=1+1", "'=SUM(1+1)", "'@salt", "'+project", "'-2+3+cmd|' /C calc'!A0", "''=already quoted"} <= every
    assert "'=1+1" in {c for row in csv_cells(outputs["query"]) for c in row}
    assert any(c.startswith("'=1+1") or "=1+1" in c for row in csv_cells(outputs["gaps"]) for c in row)
    assert "'@salt" in outputs["stats"] and "'=cmd" in outputs["projects.csv"]


def test_numbers_stay_numbers(hostile, tmp_path):
    common = ["--data", str(hostile), "--out", str(tmp_path / "build")]
    text = invoke("query", "SELECT ?n ?m ?t WHERE { BIND(-1 AS ?n) BIND(-2.5e3 AS ?m) BIND(\"-7\" AS ?t) }",
                  *common, "--format", "csv")
    assert [float(c) for c in csv_cells(text)[1]] == [-1, -2500, -7]  # no quote in front
    write_tables(load_tables(hostile), tmp_path / "tables")
    indicators = csv_cells((tmp_path / "tables" / "indicators.csv").read_text(encoding="utf-8"))
    assert indicators[1][indicators[0].index("label_en")] == "-1"  # a plain number is no formula
    assert indicators[1][indicators[0].index("value")] == "42"
    scores = csv_cells(invoke("gaps", *common, "--format", "csv"))
    column = scores[0].index("score")
    assert all(float(row[column]) >= 0 for row in scores[1:])


def test_written_csv_tables_read_back_exactly(hostile, tmp_path):
    tables = load_tables(hostile)
    write_tables(tables, tmp_path / "tables")
    again = load_tables(tmp_path / "tables")
    for name, frame in tables.items():
        columns = sorted(set(frame.columns) - {"_row"})
        assert again[name][columns].astype(str).values.tolist() == frame[columns].astype(str).values.tolist(), name
    products = again["products"].set_index("id")
    assert products.at["chlorine", "label_en"] == "=1+1"
    assert products.at["salt", "note"] == "'=already quoted"
    assert products.at["sodium-cyanide", "note"] == "-2+3+cmd|' /C calc'!A0"
