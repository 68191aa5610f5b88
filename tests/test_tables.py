"""The loader names every problem by file, row, column and value, and reports them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors, parse_rows
from kg.tables.schema import TABLES


def errors_of(data: Path) -> list[str]:
    with pytest.raises(DataErrors) as info:
        load_tables(data)
    return [str(i) for i in info.value.issues if i.severity == "error"]


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_mini_dataset_loads(mini):
    tables = load_tables(mini)
    assert len(tables["products"]) == 5
    assert tables["flows"]["_row"].tolist() == [2, 3, 4, 5]


def test_missing_required_column(mini):
    rewrite(mini / "products.csv", "id,label_zh,label_en,chains,segment", "id,label_zh,label_en,chains,stage")
    errors = errors_of(mini)
    assert "products.csv, row 1, column 'segment': required column 'segment' is missing from the header" in errors


def test_unknown_referenced_id_names_file_row_column(mini):
    rewrite(mini / "flows.csv", "sodium-cyanide,methionine", "sodium-cyanide,metionine")
    errors = errors_of(mini)
    assert errors == ["flows.csv, row 5, column 'output': 'metionine': is not an id in products.csv"]


def test_duplicate_id(mini):
    with open(mini / "products.csv", "a", encoding="utf-8") as f:
        f.write("sodium,钠,Sodium again,salt,midstream,intermediate,2,,,general,,\n")
    errors = errors_of(mini)
    assert any(e.startswith("products.csv, row 7, column 'id': 'sodium': duplicate of row 3") for e in errors)


def test_value_outside_vocabulary(mini):
    rewrite(mini / "projects.csv", ",operating,", ",finished,")
    errors = errors_of(mini)
    assert any("projects.csv, row 2, column 'status': 'finished': expected one of: reserve, signed, approved, "
               "under_construction, operating" == e for e in errors)


@pytest.mark.parametrize("amount", ["约12亿", "-5", "abc"])
def test_non_numeric_or_negative_amount(mini, amount):
    rewrite(mini / "projects.csv", "1200000000", amount)
    errors = errors_of(mini)
    expected = f"projects.csv, row 2, column 'investment_cny': '{amount}': expected a number"
    assert any(e.startswith(expected) for e in errors)


def test_empty_file(mini):
    (mini / "flows.csv").write_text("", encoding="utf-8")
    errors = errors_of(mini)
    assert any(e.startswith("flows.csv: the file is empty: expected a header row") for e in errors)


def test_missing_required_file(mini):
    (mini / "chains.csv").unlink()
    assert any(e.startswith("chains.csv: required file is missing") for e in errors_of(mini))


def test_gbk_file_from_excel_is_read(mini):
    text = (mini / "companies.csv").read_text(encoding="utf-8")
    (mini / "companies.csv").write_bytes(text.encode("gbk"))
    warnings = []
    tables = load_tables(mini, warnings)
    assert tables["companies"]["label_zh"].tolist() == ["甲公司", "乙公司"]
    assert any("read as GBK" in str(w) and w.file == "companies.csv" for w in warnings)


def test_undecodable_file_says_so(mini):
    (mini / "companies.csv").write_bytes(b"id,label_zh\n\xff\xfe\xfa\x80\x81,x\n")
    errors = errors_of(mini)
    assert any(e.startswith("companies.csv: not UTF-8") and "save the file as CSV UTF-8" in e for e in errors)


def test_utf8_bom_is_read(mini):
    path = mini / "products.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    tables = load_tables(mini)
    assert "id" in tables["products"].columns
    assert tables["products"]["id"].iloc[0] == "salt"


def test_all_errors_in_one_run(mini):
    rewrite(mini / "flows.csv", "sodium-cyanide,methionine", "sodium-cyanide,metionine")
    rewrite(mini / "projects.csv", "1200000000", "-1")
    rewrite(mini / "companies.csv", ",external,", ",abroad,")
    errors = errors_of(mini)
    assert {e.split(",")[0] for e in errors} == {"flows.csv", "projects.csv", "companies.csv"}


def test_ragged_row(mini):
    with open(mini / "flows.csv", "a", encoding="utf-8") as f:
        f.write("salt,sodium,a,b,general,,extra,cells\n")
    errors = errors_of(mini)
    assert any(e.startswith("flows.csv, row 6") and "cells but the header has 6" in e for e in errors)


def test_article_fact_without_quote(mini):
    rewrite(mini / "sources.csv", "fixture,Hand-made test fixture (not real data),,2026,user",
            "fixture,Hand-made test fixture (not real data),,2026,article")
    rewrite(mini / "companies.csv", "co-a,甲公司,Company A,zone,fixture,甲公司", "co-a,甲公司,Company A,zone,fixture,")
    errors = errors_of(mini)
    assert any(e.startswith("companies.csv, row 2, column 'quote'") for e in errors)


@pytest.mark.parametrize("bad_id", ["a--b", "sodium-", "x..y", "-x"])
def test_id_with_doubled_or_trailing_separator_is_refused(mini, bad_id):
    # A link's id joins two ids with "--": ("a--b", "c") and ("a", "b--c") must not collide.
    rewrite(mini / "companies.csv", "co-b,乙公司", f"{bad_id},乙公司")
    rewrite(mini / "company_products.csv", "co-b,sodium-cyanide", f"{bad_id},sodium-cyanide")
    errors = errors_of(mini)
    assert any(e.startswith(f"companies.csv, row 3, column 'id': '{bad_id}': is not a valid id") for e in errors)


# Spaces people and programs leave around cells: ordinary, tab, non-breaking, full-width,
# zero-width (space, joiners, word joiner) and the byte order mark, which Python's
# str.strip() does not remove.
AROUND = [" ", "\t", "\u00a0", "\u3000", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def test_parse_rows_trims_every_kind_of_space_around_header_and_cells():
    header = ["\ufeffid", "label_zh\u200b", " label_en", "chains\u2060", "segment", "kind", "value_tier", "source"]
    cells = ["salt", "原盐", "Raw salt", "salt", "upstream", "raw_material", "1", "general"]
    rows = [header, ["\u200b", "\ufeff", "\u00a0"]]  # a row of nothing but spaces is empty
    for i, space in enumerate(AROUND):
        rows.append([f"{space}{c}{AROUND[(i + k) % len(AROUND)]}" for k, c in enumerate(cells)])
    issues: list = []
    frame = parse_rows(rows, TABLES["products"], "products.csv", issues)
    assert [i for i in issues if i.severity == "error"] == []
    assert frame is not None and list(frame["_row"]) == list(range(3, 3 + len(AROUND)))
    for column, value in zip(header, cells):
        assert frame[column.strip("\ufeff\u200b\u2060 ")].tolist() == [value] * len(AROUND), column


def test_zero_width_spaces_and_bom_around_ids_still_resolve(mini):
    """An id typed with a zero-width space or a BOM after it is the same id: the flow refers
    to the product and the dataset loads."""
    rewrite(mini / "flows.csv", "salt,sodium,", "salt\u200b,\ufeffsodium\u2060,")
    tables = load_tables(mini)
    assert tables["flows"][["input", "output"]].values.tolist()[0] == ["salt", "sodium"]
