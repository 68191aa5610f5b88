"""Real-world intake: Excel workbooks, what people type into cells, the template, and the
graph written back out as tables (round trips give the identical graph)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.outputs.export import graph_tables
from kg.paths import default_data_dir
from kg.store.build import build, check
from kg.store.stores import LocalStore
from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors, normalise_amount
from kg.tables.schema import TABLES
from kg.tables.workbook import write_tables, write_workbook

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini"


def graph_lines(data: Path) -> set[str]:
    """The data triples a dataset maps to (N-Triples lines), after all checks and SHACL."""
    return set(check(data)[1])


def built_lines(data: Path, out: Path) -> set[str]:
    """The N-Triples lines of a full build (data and ontology)."""
    result = build(data, out)
    return {line for line in (result.generation / "graph.nt").read_text(encoding="utf-8").splitlines() if line}


def errors_of(data: Path) -> list[str]:
    with pytest.raises(DataErrors) as info:
        load_tables(data)
    return [str(i) for i in info.value.issues if i.severity == "error"]


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


# ---- messing up a dataset the way people type ---------------------------------------------

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def messy_amount(value: str, unit: str) -> str:
    """What a planner types for an amount: 124.2亿, 3000万元, 186,000."""
    if not re.fullmatch(r"\d+", value):
        return value
    number = int(value)
    if unit == "元" and number and number % 10**7 == 0:
        return f"{number / 10**8:g}亿" + ("元" if number % 10**8 else "")
    if number and number % 10**4 == 0 and number >= 10**5:
        return f"{number // 10**4:,}万".replace(",", "")
    if number >= 1000:
        return f"{number:,}"
    return value


def mess_up(folder: Path) -> None:
    """Rewrite every CSV table of ``folder`` as a careless steward would type it, keeping its
    meaning: spaces and NBSP around ids and labels, capitalised ids, full-width list
    separators and digits, thousands separators, 亿/万 amounts, 年 after years, TRUE/FALSE,
    Chinese statuses, and empty trailing columns and rows."""
    for table in TABLES.values():
        path = folder / table.file
        if not path.exists():
            continue
        rows = read_csv(path)
        header, body = rows[0], rows[1:]
        kinds = {c.name: c for c in table.columns}
        for n, row in enumerate(body):
            cells = dict(zip(header, row))
            for column, value in list(cells.items()):
                col = kinds[column]
                if not value:
                    continue
                if col.kind in ("id", "ref"):
                    value = (value.capitalize() if n % 3 == 0 else value) + ("\u00a0" if n % 2 else "  ")
                elif col.kind == "refs":
                    value = ["；", "，", "、"][n % 3].join(value.split(";")) + " "
                elif column.startswith("label_"):
                    value = f" {value}\u3000" if n % 2 else f"\u00a0{value} "
                elif col.kind == "int":
                    value = value.translate(FULL) + ("年" if column == "year" and n % 2 else "")
                elif col.kind == "number":
                    unit = col.unit if col.unit not in cells else cells[col.unit]
                    value = messy_amount(value, unit)
                elif col.kind == "bool":
                    value = value.upper()
                elif column == "status":
                    value = {"operating": "建成投产", "signed": "签约"}.get(value, value.replace("_", " ").title())
                elif column == "value_tier":
                    value = value.translate(FULL)
                elif col.kind == "date" and re.fullmatch(r"\d{4}", value):
                    value += "年"
                cells[column] = value
            body[n] = [cells[h] for h in header] + ["", ""]
        write_csv(path, [header + ["", ""], *body, ["", "", ""], []])


def test_messy_typing_builds_the_same_graph(shipped_copy, tmp_path):
    clean = graph_lines(shipped_copy)
    mess_up(shipped_copy)
    text = (shipped_copy / "indicators.csv").read_text(encoding="utf-8")
    assert "124.2亿" in text and "；" in (shipped_copy / "products.csv").read_text(encoding="utf-8")
    assert "\u00a0" in text and "２０２５" in text
    warnings = []
    load_tables(shipped_copy, warnings)
    assert any("ids are lowercase" in str(w) for w in warnings)
    assert graph_lines(shipped_copy) == clean


def test_messy_mini_builds_the_same_graph(mini):
    clean = graph_lines(mini)
    mess_up(mini)
    assert "1,200,000,000" not in (mini / "projects.csv").read_text(encoding="utf-8")
    assert "12亿" in (mini / "projects.csv").read_text(encoding="utf-8")
    assert graph_lines(mini) == clean


@pytest.mark.parametrize(("typed", "unit", "read"), [
    ("12.5亿", "元", "1250000000"), ("12.5亿元", "元", "1250000000"), ("3000万", "元", "30000000"),
    ("3000万元", "元", "30000000"), ("1,200", "", "1200"), ("１，２００", "", "1200"),
    ("1,200.50", "", "1200.5"), ("200万", "kW", "2000000"), ("3000万元", "万元", "3000"), ("67.3%", "%", "67.3"),
])
def test_amounts_with_one_meaning(typed, unit, read):
    assert normalise_amount(typed, unit) == (read, None)


@pytest.mark.parametrize(("typed", "unit", "reason"), [
    ("1,2", "", "ambiguous: ',' separates thousands only in groups of three"),
    ("1.200,5", "", "ambiguous: ','"),
    ("12.5亿美元", "元", "the unit 美元 is not this column's unit (元)"),
    ("5亿", "万元", "ambiguous: 亿 here and the unit 万元 both scale the number"),
    ("200万千瓦", "kW", "the unit 千瓦 is not this column's unit (kW)"),
])
def test_ambiguous_amounts_are_refused_with_the_reason(typed, unit, reason):
    digits, why = normalise_amount(typed, unit)
    assert digits is None and why.startswith(reason)


def test_ambiguous_cells_are_named(mini):
    rows = read_csv(mini / "projects.csv")
    header = rows[0]
    rows[1][header.index("investment_cny")] = "12.5亿美元"
    rows[2][header.index("capacity")] = "1,2"
    write_csv(mini / "projects.csv", rows)
    errors = errors_of(mini)
    assert ("projects.csv, row 2, column 'investment_cny': '12.5亿美元': the unit 美元 is not this column's "
            "unit (元): convert it to 元") in errors
    assert any(e.startswith("projects.csv, row 3, column 'capacity': '1,2': ambiguous") for e in errors)


def test_ids_differing_only_by_case_or_spaces_are_duplicates(mini):
    with open(mini / "products.csv", "a", encoding="utf-8") as f:
        f.write("Sodium ,钠,Sodium again,salt,midstream,intermediate,2,,,general,,\n")
    warnings = []
    with pytest.raises(DataErrors) as info:
        load_tables(mini, warnings)
    errors = [str(i) for i in info.value.issues if i.severity == "error"]
    assert any(e.startswith("products.csv, row 7, column 'id': 'sodium': duplicate of row 3") for e in errors)
    assert "products.csv, row 7, column 'id': 'Sodium': read as 'sodium'" in "\n".join(map(str, warnings))


def test_control_characters_and_bad_dates_are_named(mini):
    rows = read_csv(mini / "sources.csv")
    rows[1][rows[0].index("date")] = "1/5/2026"
    rows[2][rows[0].index("title")] = "General\x07knowledge"
    write_csv(mini / "sources.csv", rows)
    errors = errors_of(mini)
    assert "sources.csv, row 2, column 'date': '1/5/2026': expected a date as YYYY, YYYY-MM or YYYY-MM-DD" in errors
    assert any(e.startswith("sources.csv, row 3, column 'title'") and "control character (U+0007)" in e
               for e in errors)


# ---- workbooks ---------------------------------------------------------------------------

def test_shipped_data_as_a_workbook_builds_the_same_graph(tmp_path, shipped_build):
    book = tmp_path / "data.xlsx"
    write_workbook(load_tables(default_data_dir()), book)
    shipped = {line for line in (shipped_build / "graph.nt").read_text(encoding="utf-8").splitlines() if line}
    assert built_lines(book, tmp_path / "build") == shipped


def test_workbook_typed_by_hand(tmp_path):
    """Excel-typed cells: numbers as floats, years as numbers, a date cell, TRUE/FALSE cells,
    a sheet named products.csv, empty leading rows, and extra sheets."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    tables = load_tables(MINI)
    for name, frame in tables.items():
        sheet = book.create_sheet(f"{name}.csv" if name == "products" else name)
        if name == "flows":
            sheet.append([])  # an empty first row: the header is on row 2
        columns = [c.name for c in TABLES[name].columns]
        sheet.append(columns)
        for record in frame[columns].itertuples(index=False):
            row: list[object] = []
            for column, value in zip(columns, record):
                if column in ("year", "investment_cny", "capacity", "value") and value:
                    row.append(float(value))
                elif column == "inferred" and value:
                    row.append(value == "true")
                elif column == "date" and value:
                    row.append(dt.datetime(int(value), 1, 1))
                else:
                    row.append(value)
            sheet.append(row)
        if name == "sources":
            for cell in sheet["D"][1:]:
                cell.number_format = "yyyy"
    book.create_sheet("说明").append(["notes for people"])
    book.save(tmp_path / "typed.xlsx")
    warnings = []
    loaded = load_tables(tmp_path / "typed.xlsx", warnings)
    assert loaded["flows"]["_row"].tolist() == [3, 4, 5, 6]
    assert loaded["projects"]["investment_cny"].tolist() == ["1200000000", ""]
    assert loaded["sources"]["date"].tolist() == ["2026", ""]
    assert any("sheet '说明' is not a table" in str(w) for w in warnings)
    assert graph_lines(tmp_path / "typed.xlsx") == graph_lines(MINI)


def test_workbook_errors_name_the_sheet(tmp_path):
    tables = load_tables(MINI)
    tables["products"].loc[3, "segment"] = "sideways"
    write_workbook(tables, tmp_path / "bad.xlsx")
    errors = errors_of(tmp_path / "bad.xlsx")
    assert errors == ["products (sheet), row 5, column 'segment': 'sideways': expected one of: upstream, "
                      "midstream, downstream"]


def test_workbook_missing_sheet_and_broken_file(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "products"
    book.save(tmp_path / "partial.xlsx")
    assert "partial.xlsx: required sheet 'chains' is missing" in errors_of(tmp_path / "partial.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert errors_of(tmp_path / "broken.xlsx")[0].startswith("broken.xlsx: cannot be read as an Excel workbook")
    result = CliRunner().invoke(main, ["validate", "--data", str(tmp_path / "broken.xlsx")])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_text_starting_with_equals_stays_text(tmp_path):
    tables = load_tables(MINI)
    tables["products"].loc[0, "note"] = "=HYPERLINK(\"http://example.invalid\")"
    write_workbook(tables, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["products"]
    column = next(c.column_letter for c in sheet[1] if c.value == "note")
    cell = sheet[f"{column}2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert load_tables(tmp_path / "t.xlsx")["products"].loc[0, "note"] == tables["products"].loc[0, "note"]


# ---- template ----------------------------------------------------------------------------

def test_template_workbook_explains_and_restricts(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert [s for s in book.sheetnames if not s.startswith("_")] == list(TABLES)
    products = book["products"]
    header = [c.value for c in products[1]]
    assert header == [c.name for c in TABLES["products"].columns]
    assert all(c.comment is not None and c.comment.text for c in products[1])
    assert "upstream, midstream or downstream" in products.cell(1, header.index("segment") + 1).comment.text

    def lists(sheet) -> dict[str, str]:
        found = {}
        for rule in sheet.data_validations.dataValidation:
            column = sheet.cell(1, openpyxl.utils.column_index_from_string(str(rule.sqref).split(":")[0][:-1])).value
            found[column] = rule.formula1
        return found

    assert lists(products)["segment"] == '"upstream,midstream,downstream"'
    assert lists(products)["chains"].startswith("'chains'!$A$2")
    assert lists(book["projects"])["status"] == '"reserve,signed,approved,under_construction,operating"'
    assert lists(book["companies"])["location"] == '"zone,external"'
    assert lists(book["chains"])["id"] == '"salt,coal,fine,fluorine,new-energy,agri,tourism"'
    notes = [[c.value for c in row] for row in book["_notes"].iter_rows()]
    assert ["products", "segment", "yes", "enum", "upstream, midstream, downstream"] == notes[
        next(i for i, r in enumerate(notes) if r[:2] == ["products", "segment"])][:5]
    # An empty template is a valid (empty) dataset; refusing to overwrite it keeps it.
    assert CliRunner().invoke(main, ["validate", "--data", str(tmp_path / "t.xlsx")]).exit_code == 0
    again = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx")])
    assert again.exit_code == 1 and "already exists" in again.output


def test_template_csv_folder(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    assert read_csv(tmp_path / "new" / "projects.csv") == [[c.name for c in TABLES["projects"].columns]]
    notes = read_csv(tmp_path / "new" / "_notes.csv")
    assert all(len(r) == 6 and r[5] for r in notes[1:]) and len(notes) == 1 + sum(
        len(t.columns) for t in TABLES.values())
    assert load_tables(tmp_path / "new")["products"].empty


# ---- graph -> tables -> graph ------------------------------------------------------------

@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_export_round_trip_mini(tmp_path, form):
    out = tmp_path / "build"
    first = built_lines(MINI, out)
    target = tmp_path / ("tables.xlsx" if form == "xlsx" else "tables")
    result = CliRunner().invoke(main, ["export-tables", "--data", str(MINI), "--out", str(out), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert built_lines(target, tmp_path / "build2") == first


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_export_round_trip_shipped(shipped_build, tmp_path, form):
    """The shipped data read back out of its graph, as CSV tables and as one workbook, builds
    to the identical graph."""
    store = LocalStore(shipped_build / "current" / "store")
    tables = graph_tables(store)
    assert len(tables["products"]) == len(load_tables(default_data_dir())["products"])
    target = tmp_path / ("tables.xlsx" if form == "xlsx" else "tables")
    write_tables(tables, target)  # a workbook for .xlsx, else a folder of CSV files
    shipped = {line for line in (shipped_build / "graph.nt").read_text(encoding="utf-8").splitlines() if line}
    assert built_lines(target, tmp_path / "build") == shipped
    # and once more: tables -> graph -> tables gives the same tables
    again = graph_tables(LocalStore(tmp_path / "build" / "current" / "store"))
    assert set(again) == set(tables)
    for name in tables:
        assert again[name].equals(tables[name]), name


def test_export_refuses_to_overwrite(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "products.csv").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(main, ["export-tables", "--data", str(MINI), "--out", str(tmp_path / "b"),
                                       "-o", str(tmp_path / "tables")])
    assert result.exit_code == 1 and "use --force" in result.output
    assert (tmp_path / "tables" / "products.csv").read_text(encoding="utf-8") == "keep me"


def test_vocabulary_words_people_type(mini):
    rows = read_csv(mini / "projects.csv")
    rows[1][rows[0].index("status")] = "Under-Construction"
    rows[2][rows[0].index("status")] = "签约"
    rows[2][rows[0].index("year")] = "２０２６年"
    write_csv(mini / "projects.csv", rows)
    rows = read_csv(mini / "products.csv")
    rows[5][rows[0].index("segment")] = "下游"
    rows[4][rows[0].index("chains")] = "Salt，fine、"
    write_csv(mini / "products.csv", rows)
    rows = read_csv(mini / "company_products.csv")
    rows[1][rows[0].index("inferred")] = "否"
    write_csv(mini / "company_products.csv", rows)
    tables = load_tables(mini)
    assert tables["projects"]["status"].tolist() == ["under_construction", "signed"]
    assert tables["projects"]["year"].tolist() == ["2025", "2026"]
    assert tables["products"]["segment"].iloc[4] == "downstream"
    assert tables["products"]["chains"].iloc[3] == "salt;fine"
    assert tables["company_products"]["inferred"].iloc[0] == "false"
