"""product_facts.csv and park_limits.csv: the loader's checks, the graph, the round trip and the
product graph's ``facts`` and ``park_limits``."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.graph.mapping import to_ntriples
from kg.graph.shacl import pyshacl_violations, store_violations
from kg.outputs.export import graph_tables
from kg.store.build import build
from kg.store.projection import product_graph
from kg.store.stores import LocalStore
from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors, parse_range

K = "https://w3id.org/kg-chain/ontology#"
FACT = "https://w3id.org/kg-chain/id/fact/"
HEADER = ["product", "fact", "value", "unit", "year", "source", "quote", "note"]
FACTS = [
    ["chlorine", "energy_tce_per_t", "0.3-0.35", "tce/t", "2024", "fixture", "", "a range"],
    ["chlorine", "energy_tce_per_t", "0.4", "tce/t", "2023", "general", "", "a second source"],
    ["chlorine", "hazardous_process", "电解工艺（氯碱）", "", "", "fixture", "", ""],
    ["sodium-cyanide", "policy_category", "restricted", "", "2024", "fixture", "", ""],
    ["sodium-cyanide", "controlled", "precursor", "", "", "fixture", "", ""],
    ["sodium", "market_outlook", "stable", "", "2025", "fixture", "", ""],
]
LIMITS = [
    ["water_m3_per_t", "8", "m³/t", "fixture", "", "a figure"],
    ["hazardous_process", "no", "", "fixture", "", ""],
    ["land", "", "", "fixture", "", "no figure"],
]


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])


@pytest.fixture
def facts(mini: Path) -> Path:
    """The small dataset with product facts and park limits."""
    write(mini / "product_facts.csv", HEADER, FACTS)
    write(mini / "park_limits.csv", ["limit", "value", "unit", "source", "quote", "note"], LIMITS)
    return mini


def errors_with(data: Path, row: list[str], table: str = "product_facts") -> list[str]:
    """The errors of the dataset with one more row in ``table``."""
    path = data / f"{table}.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    write(path, rows[0], [*rows[1:], row])
    with pytest.raises(DataErrors) as info:
        load_tables(data)
    return [str(i) for i in info.value.issues if i.severity == "error"]


def test_parse_range():
    assert parse_range("0.308-0.35") == (0.308, 0.35)
    assert parse_range("12") == (12.0, 12.0)
    assert parse_range("-1") is None and parse_range("1-") is None and parse_range("a-b") is None


def test_a_range_whose_low_end_is_above_its_high_end_is_refused(facts):
    errors = errors_with(facts, ["sodium", "energy_tce_per_t", "0.9-0.3", "tce/t", "2024", "fixture", "", ""])
    assert errors == ["product_facts.csv, row 8, column 'value': '0.9-0.3': the range's low end is above its "
                      "high end: write 0.3-0.9"]


def test_an_amount_fact_needs_a_number_or_a_range(facts):
    errors = errors_with(facts, ["sodium", "water_m3_per_t", "about 5", "", "", "fixture", "", ""])
    assert len(errors) == 1 and "row 8, column 'value'" in errors[0] and "low-high" in errors[0]


def test_an_amount_fact_in_another_unit_is_refused(facts):
    errors = errors_with(facts, ["sodium", "energy_tce_per_t", "308-350", "kgce/t", "2024", "fixture", "", ""])
    assert len(errors) == 1 and "row 8, column 'unit'" in errors[0] and "tce/t" in errors[0]


def test_a_policy_word_outside_the_list_is_refused(facts):
    errors = errors_with(facts, ["sodium", "policy_category", "forbidden", "", "2024", "general", "", ""])
    assert errors == ["product_facts.csv, row 8, column 'value': 'forbidden': policy_category is one of: "
                      "encouraged, restricted, eliminated"]


def test_controlled_and_outlook_words_are_checked(facts):
    row = ["sodium", "controlled", "banned", "", "", "fixture", "", ""]
    assert "controlled is one of" in errors_with(facts, row)[0]


def test_a_year_out_of_range_is_refused(facts):
    errors = errors_with(facts, ["sodium", "market_outlook", "growing", "", "1850", "general", "", ""])
    assert len(errors) == 1 and "row 8, column 'year'" in errors[0]


def test_words_and_ranges_typed_by_hand_are_read_as_meant(facts):
    rows = [["sodium", "policy_category", "限制类", "", "2024", "general", "", ""],
            ["salt", "energy_tce_per_t", "０.１～０.２", "", "", "fixture", "", ""],
            ["sodium", "market_outlook", "Overcapacity", "", "2025", "general", "", ""]]
    write(facts / "product_facts.csv", HEADER, [*FACTS, *rows])
    frame = load_tables(facts)["product_facts"]
    assert frame["value"].tolist()[-3:] == ["restricted", "0.1-0.2", "overcapacity"]


def test_park_limits_are_checked(facts):
    errors = errors_with(facts, ["energy_tce_per_t", "1-2", "tce/t", "fixture", "", ""], "park_limits")
    assert len(errors) == 1 and "park_limits.csv, row 5, column 'value'" in errors[0]
    write(facts / "park_limits.csv", ["limit", "value", "unit", "source", "quote", "note"],
          [["hazardous_process", "否", "", "fixture", "", ""]])
    assert load_tables(facts)["park_limits"]["value"].tolist() == ["no"]
    errors = errors_with(facts, ["hazardous_process", "", "", "general", "", ""], "park_limits")
    assert any("duplicate of row 2" in e for e in errors)  # one row per limit


def test_a_fact_becomes_a_product_fact_node(facts):
    lines = to_ntriples(load_tables(facts))
    subject = f"<{FACT}chlorine--energy_tce_per_t--fixture>"
    mine = {line for line in lines if line.startswith(subject)}
    assert f"{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{K}ProductFact> ." in mine
    assert f'{subject} <{K}factMin> "0.3"^^<http://www.w3.org/2001/XMLSchema#decimal> .' in mine
    assert f'{subject} <{K}factMax> "0.35"^^<http://www.w3.org/2001/XMLSchema#decimal> .' in mine
    assert f"{subject} <{K}aboutProduct> <https://w3id.org/kg-chain/id/product/chlorine> ." in mine
    source = "<https://w3id.org/kg-chain/id/source/fixture>"
    assert f"{subject} <http://www.w3.org/ns/prov#wasDerivedFrom> {source} ." in mine
    words = [line for line in lines if line.startswith(f"<{FACT}sodium-cyanide--policy_category--fixture>")]
    assert words and not any("factMin" in line or "factMax" in line for line in words)


def test_shapes_flag_an_amount_fact_without_its_range(facts):
    lines = [line for line in to_ntriples(load_tables(facts))
             if not (line.startswith(f"<{FACT}chlorine--energy_tce_per_t--general>") and "factMin" in line)]
    store = ox.Store()
    store.bulk_load(input=("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    focus = f"{FACT}chlorine--energy_tce_per_t--general"
    assert {v.focus for v in store_violations(store)} == {focus}
    import rdflib

    graph = rdflib.Graph().parse(data="\n".join(lines), format="nt")
    assert {v.focus for v in pyshacl_violations(graph)} == {focus}


def test_export_round_trip_keeps_facts_and_limits(facts, tmp_path):
    first = build(facts, tmp_path / "b1")
    lines = (first.generation / "graph.nt").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["export-tables", "--data", str(facts), "--out", str(tmp_path / "b1"),
                                       "-o", str(tmp_path / "tables")])
    assert result.exit_code == 0, result.output
    exported = load_tables(tmp_path / "tables")
    assert len(exported["product_facts"]) == len(FACTS) and len(exported["park_limits"]) == len(LIMITS)
    keyed = sorted(zip(exported["product_facts"]["product"], exported["product_facts"]["fact"],
                       exported["product_facts"]["source"], exported["product_facts"]["value"],
                       exported["product_facts"]["year"]))
    assert keyed == sorted((r[0], r[1], r[5], r[2], r[4]) for r in FACTS)
    second = build(tmp_path / "tables", tmp_path / "b2")
    assert set((second.generation / "graph.nt").read_text(encoding="utf-8").splitlines()) == set(lines.splitlines())


def test_the_product_graph_carries_facts_and_limits(facts, tmp_path):
    build(facts, tmp_path / "out")
    store = LocalStore(tmp_path / "out" / "current" / "store")
    kept, queried = product_graph(store), product_graph(store, cached=False)
    for G in (kept, queried):
        energy = G.nodes["chlorine"]["facts"]["energy_tce_per_t"]
        assert [(f["source"], f["min"], f["max"], f["year"]) for f in energy] == [
            ("fixture", 0.3, 0.35, 2024), ("general", 0.4, 0.4, 2023)]
        assert G.nodes["chlorine"]["facts"]["hazardous_process"][0]["value"] == "电解工艺（氯碱）"
        assert G.nodes["sodium-cyanide"]["facts"]["controlled"][0] == {
            "value": "precursor", "min": None, "max": None, "unit": "", "year": None, "source": "fixture", "note": ""}
        assert G.nodes["salt"]["facts"] == {}
        assert G.graph["park_limits"]["water_m3_per_t"]["number"] == 8.0
        assert G.graph["park_limits"]["hazardous_process"]["value"] == "no"
        assert G.graph["park_limits"]["land"] == {"value": "", "number": None, "unit": "", "source": "fixture",
                                                 "quote": "", "note": "no figure"}
    assert kept.graph == queried.graph
    assert dict(kept.nodes(data=True)) == dict(queried.nodes(data=True))


def test_the_shipped_facts_load_and_stay_within_their_sources(shipped_build):
    """Every shipped fact's source is a reference (or the article for park limits), as the data
    README requires."""
    store = LocalStore(shipped_build / "current" / "store")
    tables = graph_tables(store)
    kinds = dict(zip(tables["sources"]["id"], tables["sources"]["kind"]))
    assert len(tables["product_facts"]) > 0
    assert {kinds[s] for s in tables["product_facts"]["source"]} == {"reference"}
    assert {kinds[s] for s in tables["park_limits"]["source"]} == {"article"}
    G = product_graph(store)
    assert G.nodes["caustic-soda"]["facts"]["energy_tce_per_t"][0]["max"] == 0.35
    assert "water_m3_per_t" in G.graph["park_limits"]
