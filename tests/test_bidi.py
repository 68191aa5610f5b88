"""Bidirectional controls (U+202A–U+202E, U+2066–U+2069) let one name pose as another in every
output ("Sodium\u202eedinayc" shows as a different word): validation refuses them in any cell,
naming file (or sheet), row and column, in CSV tables and workbooks alike."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.tables.dataset import load_tables
from kg.tables.workbook import write_workbook
from tests.test_formula_injection import edit_cell

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_with_the_cell_named(mini, char):
    edit_cell(mini, "products.csv", "chlorine", "label_en", f"Chlo{char}enir")
    edit_cell(mini, "companies.csv", "co-b", "label_zh", f"乙{char}公司")
    result = CliRunner().invoke(main, ["validate", "--data", str(mini)])
    assert result.exit_code == 1, result.output
    code = f"U+{ord(char):04X}"
    assert "products.csv, row 4, column 'label_en'" in result.output and code in result.output
    assert "companies.csv, row 3, column 'label_zh'" in result.output
    assert "bidirectional" in result.output


def test_bidi_controls_are_refused_in_workbooks(mini, tmp_path):
    tables = load_tables(mini)
    tables["products"].loc[tables["products"]["id"] == "sodium", "note"] = "ok\u202eko"
    write_workbook(tables, tmp_path / "book.xlsx")
    result = CliRunner().invoke(main, ["validate", "--data", str(tmp_path / "book.xlsx")])
    assert result.exit_code == 1, result.output
    assert "products (sheet), row 3, column 'note'" in result.output and "U+202E" in result.output


def test_right_to_left_text_itself_is_kept(mini):
    edit_cell(mini, "products.csv", "salt", "note", "ملح (salt in Arabic)")  # no control character
    assert load_tables(mini)["products"].set_index("id").at["salt", "note"] == "ملح (salt in Arabic)"
