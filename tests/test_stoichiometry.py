"""Stoichiometric input ratios: formulas are weighed with the IUPAC atomic weights, equations
must balance and name the flow's own input and output, and a ratio must be what its equation
gives. The loader names each problem by file, row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.paths import default_data_dir
from kg.tables.dataset import load_tables
from kg.tables.stoichiometry import (
    FormulaError,
    input_ratio,
    molar_mass,
    parse_equation,
    parse_formula,
    ratio_agrees,
    round_significant,
    unbalanced,
)
from tests.test_tables import errors_of


def test_formulas_with_parentheses_brackets_and_hydrates():
    assert parse_formula("Ca(OH)2") == {"Ca": 1, "O": 2, "H": 2}
    assert parse_formula("[(CH3)2SiO]4") == {"C": 8, "H": 24, "Si": 4, "O": 4}
    assert parse_formula("CuSO4·5H2O") == parse_formula("CuSO4.5H2O") == {"Cu": 1, "S": 1, "O": 9, "H": 10}
    assert parse_formula("CH3COOH") == parse_formula("C2H4O2")
    # weights by hand from the IUPAC 2021 abridged table: Ca 40.078, O 15.999, H 1.0080
    assert molar_mass("Ca(OH)2") == pytest.approx(40.078 + 2 * (15.999 + 1.0080))
    assert molar_mass("Na2SO4·10H2O") == pytest.approx(2 * 22.990 + 32.06 + 4 * 15.999 + 10 * (2 * 1.0080 + 15.999))


@pytest.mark.parametrize("bad", ["Xy2", "Ca(OH2", "CaOH)2", "2H2O", "(OH)0", "", "NaCl·"])
def test_unreadable_formulas_are_refused(bad):
    with pytest.raises(FormulaError):
        parse_formula(bad)


def test_balance_is_counted_atom_by_atom():
    assert unbalanced(parse_equation("2 NaCl + 2 H2O -> 2 NaOH + Cl2 + H2")) == {}
    assert unbalanced(parse_equation("CaC2 + 2 H2O → C2H2 + Ca(OH)2")) == {}
    assert unbalanced(parse_equation("NaCl -> Na + Cl2")) == {"Cl": -1}
    assert unbalanced(parse_equation("CaC2 + H2O -> C2H2 + Ca(OH)2")) == {"H": -2, "O": -1}
    with pytest.raises(FormulaError):
        parse_equation("2 NaCl = 2 Na + Cl2")


def test_ratio_is_input_mass_per_output_mass():
    equation = parse_equation("2 NaCl + 2 H2O -> 2 NaOH + Cl2 + H2")
    nacl, naoh, cl2 = 22.990 + 35.45, 22.990 + 15.999 + 1.0080, 2 * 35.45
    assert input_ratio(equation, "NaCl", "NaOH") == pytest.approx(nacl / naoh)
    assert input_ratio(equation, "NaCl", "Cl2") == pytest.approx(2 * nacl / cl2)
    with pytest.raises(FormulaError):
        input_ratio(equation, "NaOH", "Cl2")  # a product is not an input
    assert round_significant(nacl / naoh) == "1.46"
    assert ratio_agrees("1.46", nacl / naoh) and ratio_agrees("1.461", nacl / naoh)
    assert not ratio_agrees("1.5", nacl / naoh) and not ratio_agrees("1.47", nacl / naoh)


def set_flows(mini: Path, rows: list[dict[str, str]], formulas: dict[str, str]) -> None:
    """Give the mini dataset's products formulas and replace its flows with ``rows``."""
    with open(mini / "products.csv", encoding="utf-8", newline="") as f:
        products = list(csv.DictReader(f))
    for p in products:
        p["formula"] = formulas.get(p["id"], "")
    with open(mini / "products.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*products[0]])
        writer.writeheader()
        writer.writerows(products)
    with open(mini / "flows.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["input", "output", "process", "ratio", "equation", "source"])
        writer.writeheader()
        writer.writerows({"source": "fixture", **r} for r in rows)


FORMULAS = {"salt": "NaCl", "sodium": "Na", "chlorine": "Cl2"}
DOWNS = "2 NaCl -> 2 Na + Cl2"


def test_a_balanced_equation_with_its_ratio_loads(mini):
    set_flows(mini, [{"input": "salt", "output": "sodium", "ratio": "2.54", "equation": DOWNS},
                     {"input": "salt", "output": "chlorine", "ratio": "1.649", "equation": "2 NaCl → 2 Na + Cl2"}],
              FORMULAS)
    flows = load_tables(mini)["flows"]
    assert flows["equation"].tolist() == [DOWNS, DOWNS]  # the arrow is tidied


def test_an_unbalanced_equation_is_refused(mini):
    set_flows(mini, [{"input": "salt", "output": "sodium", "ratio": "2.54", "equation": "NaCl -> Na + Cl2"}],
              FORMULAS)
    assert errors_of(mini) == ["flows.csv, row 2, column 'equation': 'NaCl -> Na + Cl2': is not balanced "
                               "(atoms on the left minus the right: Cl -1)"]


def test_a_wrong_ratio_is_refused_with_the_right_one(mini):
    set_flows(mini, [{"input": "salt", "output": "sodium", "ratio": "2.6", "equation": DOWNS},
                     {"input": "salt", "output": "chlorine", "ratio": "", "equation": DOWNS}], FORMULAS)
    errors = errors_of(mini)
    assert len(errors) == 2
    assert errors[0].startswith("flows.csv, row 2, column 'ratio': '2.6': disagrees with the equation")
    assert errors[0].endswith("write 2.54")
    assert errors[1] == ("flows.csv, row 3, column 'ratio': is empty: the equation gives 1.65 t/t; "
                         "write it, or drop the equation")


def test_an_equation_that_does_not_name_the_flow_is_refused(mini):
    set_flows(mini, [{"input": "salt", "output": "sodium", "ratio": "1.1", "equation": "2 KCl -> 2 K + Cl2"},
                     {"input": "salt", "output": "chlorine", "ratio": "1.65", "equation": "2 Na + Cl2 -> 2 NaCl"},
                     {"input": "sodium", "output": "sodium-cyanide", "ratio": "1", "equation": "Na + HCN -> NaCN + H"}],
              FORMULAS)
    errors = errors_of(mini)
    assert errors[0] == ("flows.csv, row 2, column 'equation': '2 KCl -> 2 K + Cl2': the input 'salt' (formula "
                         "NaCl) is not a reactant of the equation (reactants: KCl); write it as products.csv does")
    assert errors[1].startswith("flows.csv, row 2, column 'equation': '2 KCl -> 2 K + Cl2': the output 'sodium' "
                                "(formula Na) is not a product of the equation (products: K, Cl2)")
    assert errors[2].startswith("flows.csv, row 3, column 'equation': '2 Na + Cl2 -> 2 NaCl': the input 'salt'")
    assert errors[3].startswith("flows.csv, row 3, column 'equation': '2 Na + Cl2 -> 2 NaCl': the output "
                                "'chlorine' (formula Cl2) is not a product")
    assert errors[4] == ("flows.csv, row 4, column 'equation': 'Na + HCN -> NaCN + H': the output 'sodium-cyanide' "
                         "has no formula in products.csv: give it one to use an equation")
    assert len(errors) == 5


def test_an_equation_needs_a_route_source_a_reader_can_check(mini):
    set_flows(mini, [{"input": "salt", "output": "sodium", "ratio": "2.54", "equation": DOWNS, "source": "general"}],
              FORMULAS)
    assert errors_of(mini) == ["flows.csv, row 2, column 'source': 'general': a flow with an equation cites a source "
                               "a reader can check for its route (kind reference, article or user), not general "
                               "knowledge"]


def test_a_bad_formula_names_the_products_row(mini):
    set_flows(mini, [], {**FORMULAS, "chlorine": "(Cl2"})
    assert errors_of(mini) == ["products.csv, row 4, column 'formula': '(Cl2': unclosed '(' in '(Cl2'"]


def test_every_shipped_equation_gives_its_ratio():
    """Recomputed here from the shipped formulas, equations and ratios: every row with an
    equation balances, names its input and output and carries the ratio it gives; the
    route cites a reference."""
    tables = load_tables(default_data_dir())
    formulas = dict(zip(tables["products"]["id"], tables["products"]["formula"]))
    kinds = dict(zip(tables["sources"]["id"], tables["sources"]["kind"]))
    flows = tables["flows"][tables["flows"]["equation"] != ""]
    assert len(flows) >= 25
    assert (flows["ratio"] != "").all()
    for _, row in flows.iterrows():
        equation = parse_equation(row["equation"])
        assert unbalanced(equation) == {}, row["equation"]
        computed = input_ratio(equation, formulas[row["input"]], formulas[row["output"]])
        assert ratio_agrees(row["ratio"], computed), (row["input"], row["output"], row["ratio"], computed)
        assert kinds[row["source"]] == "reference", (row["input"], row["output"])
    # the chlor-alkali row by hand: 2 NaCl per 2 NaOH
    (brine,) = flows.loc[(flows["input"] == "refined-brine") & (flows["output"] == "caustic-soda"), "ratio"]
    assert brine == "1.46"
    assert "iupac-atomic-weights-2021" in kinds
