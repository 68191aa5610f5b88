"""Producers outside the zone: whom to approach, never evidence that the zone makes a product.

The rules tested here are stated in data/README.md ("Producers outside the zone").
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from kg.graph.mapping import product_status, to_ntriples
from kg.paths import default_data_dir
from kg.store.build import build
from kg.store.projection import product_graph, query_graph
from kg.store.stores import open_store
from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors

D = "https://w3id.org/kg-chain/id/"
K = "https://w3id.org/kg-chain/ontology#"


def _rewrite(path: Path, change) -> None:
    """Apply ``change(row)`` to every data row of a CSV file (rows as dicts)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


# ---- status: only the zone's companies make a product present ---------------------------

def test_an_external_producer_does_not_make_a_product_present(mini):
    """co-b (external) makes sodium cyanide: the product stays missing, and co-b is a
    candidate. The same row with co-b moved into the zone makes it present."""
    tables = load_tables(mini)
    assert product_status(tables)["sodium-cyanide"] == "missing"
    assert f'<{D}product/sodium-cyanide> <{K}zoneStatus> <{K}missing> .' in to_ntriples(tables)

    _rewrite(mini / "companies.csv", lambda r: r.update(location="zone") if r["id"] == "co-b" else None)
    assert product_status(load_tables(mini))["sodium-cyanide"] == "present"


def test_candidates_carry_their_producer_row(mini, tmp_path):
    """The product graph lists external producers as candidates, with province, capacity,
    unit, year and source; a zone producer stays a producer with its three keys."""
    build(mini, tmp_path / "build")
    G = product_graph(open_store(tmp_path / "build"))
    cyanide, sodium = G.nodes["sodium-cyanide"], G.nodes["sodium"]
    assert cyanide["producers"] == [] and [c["company"] for c in cyanide["candidates"]] == ["co-b"]
    assert {k: cyanide["candidates"][0][k] for k in ("province", "capacity", "capacity_unit", "year", "source")} == {
        "province": "浙江", "capacity": 20000.0, "capacity_unit": "吨/年", "year": 2024, "source": "fixture"}
    assert sodium["candidates"] == [] and sodium["producers"] == [
        {"id": "co-a", "label_zh": "甲公司", "label_en": "Company A"}]


def test_candidates_sorted_by_company(mini, tmp_path):
    """Two external producers of one product come out sorted by id, whatever the row order;
    a row without capacity or year reads as None."""
    with (mini / "companies.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["co-0", "零公司", "Company Zero", "external", "fixture", "零公司", "江苏", "", ""])
    with (mini / "company_products.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["co-0", "sodium-cyanide", "false", "fixture", "零公司生产氰化钠", "", "", "", "", ""])
    build(mini, tmp_path / "build")
    G = query_graph(open_store(tmp_path / "build"))
    candidates = G.nodes["sodium-cyanide"]["candidates"]
    assert [c["company"] for c in candidates] == ["co-0", "co-b"]
    assert candidates[0]["province"] == "江苏" and candidates[0]["capacity"] is None and candidates[0]["year"] is None


# ---- the loader: sources and units ---------------------------------------------------------

def test_external_production_from_general_knowledge_is_refused(mini):
    _rewrite(mini / "company_products.csv", lambda r: r.update(source="general") if r["company"] == "co-b" else None)
    with pytest.raises(DataErrors) as err:
        load_tables(mini)
    text = str(err.value)
    assert "company_products.csv, row 3, column 'source'" in text and "reader can check" in text


def test_zone_production_is_not_held_to_the_producer_source_rule(mini):
    _rewrite(mini / "company_products.csv", lambda r: r.update(source="general") if r["company"] == "co-a" else None)
    load_tables(mini)  # no error: the zone's own facts have their own rules (quotes for articles)


def test_capacity_needs_its_unit(mini):
    _rewrite(mini / "company_products.csv", lambda r: r.update(capacity_unit="") if r["company"] == "co-b" else None)
    with pytest.raises(DataErrors, match=r"company_products.csv, row 3, column 'capacity_unit'.*needs its unit"):
        load_tables(mini)


# ---- the shipped producers table ------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> dict[str, pd.DataFrame]:
    return load_tables(default_data_dir())


def _external_rows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    companies = tables["companies"]
    external = set(companies.loc[companies["location"] == "external", "id"])
    cp = tables["company_products"]
    return cp[cp["company"].isin(external)]


def test_every_shipped_producer_row_has_a_checkable_reference(shipped):
    """Each external company's row cites a `reference` source with a web address, or with
    publisher and date, so that a reader can find and check it."""
    rows = _external_rows(shipped)
    assert len(rows) > 0
    sources = shipped["sources"].set_index("id")
    for _, row in rows.iterrows():
        source = sources.loc[row["source"]]
        where = f"{row['company']} / {row['product']} ({row['source']})"
        assert source["kind"] == "reference", where
        assert source["url"] or (source["publisher"] and source["date"]), where
        assert source["title"], where


def test_every_shipped_external_producer_has_a_province_and_chinese_name(shipped):
    companies = shipped["companies"]
    producing = set(_external_rows(shipped)["company"])
    rows = companies[companies["id"].isin(producing)]
    assert len(rows) == len(producing)
    assert (rows["province"] != "").all(), rows.loc[rows["province"] == "", "id"].tolist()
    assert rows["label_zh"].str.contains(r"[\u4e00-\u9fff]").all()


def test_shipped_capacities_state_unit_and_year(shipped):
    rows = _external_rows(shipped)
    with_capacity = rows[rows["capacity"] != ""]
    assert (with_capacity["capacity_unit"] != "").all()
    assert (with_capacity["year"] != "").all(), with_capacity.loc[with_capacity["year"] == "", "company"].tolist()


def test_a_product_with_many_producers_keeps_the_few_to_approach_first_and_their_count(mini, tmp_path):
    """A national producers table can name thousands of makers of one product: the product
    graph keeps CANDIDATES_KEPT, in the order rank_candidates uses (more products not present
    in the zone made, more local inputs used, larger stated capacity, then id), and counts
    them all."""
    from kg.graph.candidates import CANDIDATES_KEPT

    G0 = product_graph(open_store(build(mini, tmp_path / "b0").out))
    other = next(p for p, d in G0.nodes(data=True) if d["status"] != "present" and p != "sodium-cyanide")
    with (mini / "companies.csv").open("a", encoding="utf-8") as f:
        for k in range(1, 8):
            f.write(f"e{k},外{k}公司,External {k},external,fixture,,,,\n")
    with (mini / "company_products.csv").open("a", encoding="utf-8") as f:
        for k in range(1, 8):
            capacity = "50000" if k == 3 else ""
            f.write(f"e{k},sodium-cyanide,false,fixture,,{capacity},{'吨/年' if capacity else ''},,,\n")
        f.write(f"e7,{other},false,fixture,,,,,,\n")
    G = product_graph(open_store(build(mini, tmp_path / "b1").out))
    cyanide = G.nodes["sodium-cyanide"]
    assert CANDIDATES_KEPT == 5 and cyanide["candidate_count"] == 8
    # e7 makes two products the zone lacks; e3 states the largest capacity, co-b the next.
    assert [c["id"] for c in cyanide["candidates"]] == sorted(["e7", "e3", "co-b", "e1", "e2"])
    assert {c["id"]: c["capacity"] for c in cyanide["candidates"]}["e3"] == 50000.0
    assert [c["id"] for c in G.nodes[other]["candidates"]] == ["e7"]
    assert G.nodes[other]["candidate_count"] == 1
