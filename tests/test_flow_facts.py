"""Process facts on flows (process id, main/co-product/by-product relation, input ratio) and
product aliases: their RDF, their SHACL checks, the tables written back, and the product graph."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.graph.mapping import to_ntriples
from kg.graph.shacl import store_violations
from kg.outputs.export import graph_tables
from kg.store.build import build
from kg.store.projection import PROJECTION_FILE, product_graph, query_graph, read_graph
from kg.store.stores import LocalStore
from kg.tables.dataset import load_tables
from kg.tables.workbook import write_tables

K = "https://w3id.org/kg-chain/ontology#"
D = "https://w3id.org/kg-chain/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"

# The Downs cell makes sodium (main) and chlorine (co-product); the hydantoin step has a
# ratio; the last flow leaves all three columns empty.
FLOWS = [
    ["input", "output", "process_zh", "process_en", "process", "relation", "ratio", "source", "quote", "note"],
    ["salt", "sodium", "电解", "Downs cell", "downs-cell", "main", "", "general", "", ""],
    ["salt", "chlorine", "电解", "Downs cell", "downs-cell", "co_product", "", "general", "", "comes with sodium"],
    ["sodium", "sodium-cyanide", "", "", "", "", "", "general", "", ""],
    ["sodium-cyanide", "methionine", "海因法", "hydantoin route", "hydantoin", "main", "0.55", "general", "", ""],
]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@pytest.fixture
def facts(mini: Path) -> Path:
    """The mini fixture with process facts on its flows and aliases on two products."""
    _write(mini / "flows.csv", FLOWS)
    with (mini / "products.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[0].append("aliases")
    for row in rows[1:]:
        row.append({"sodium": "金属钠;Na", "sodium-cyanide": "氰化钠"}.get(row[0], ""))
    _write(mini / "products.csv", rows)
    return mini


def test_flow_columns_and_aliases_map_to_rdf(facts):
    lines = set(to_ntriples(load_tables(facts)))
    downs, cyanide = f"<{D}flow/salt--chlorine>", f"<{D}flow/sodium--sodium-cyanide>"
    assert f'{downs} <{K}processId> "downs-cell" .' in lines
    assert f"{downs} <{K}flowRelation> <{K}co_product> ." in lines
    assert f'{downs} <http://www.w3.org/2000/01/rdf-schema#comment> "comes with sodium" .' in lines
    assert f'<{D}flow/sodium-cyanide--methionine> <{K}inputRatio> "0.55"^^<{XSD}decimal> .' in lines
    # Empty cells state nothing: no process, relation or ratio triple for the third flow.
    assert not [line for line in lines if line.startswith(cyanide) and
                any(p in line for p in ("processId", "flowRelation", "inputRatio"))]
    assert f'<{D}product/sodium> <{ALT}> "金属钠"@zh .' in lines
    assert f'<{D}product/sodium> <{ALT}> "Na"@en .' in lines
    assert not [line for line in lines if line.startswith(f"<{D}product/salt>") and ALT in line]


def _violations(lines: list[str]) -> set[tuple[str, str | None]]:
    store = ox.Store()
    store.bulk_load(input=("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    return {(v.focus, v.column) for v in store_violations(store)}


def test_shacl_rejects_a_relation_outside_the_vocabulary_and_a_ratio_not_above_zero(facts):
    lines = to_ntriples(load_tables(facts))
    assert _violations(lines) == set()
    flow = f"{D}flow/sodium--sodium-cyanide"
    bad = [f"<{flow}> <{K}flowRelation> <{K}side_product> .",
           f'<{D}flow/salt--sodium> <{K}inputRatio> "0"^^<{XSD}decimal> .']
    found = _violations(lines + bad)
    assert (flow, "relation") in found
    assert (f"{D}flow/salt--sodium", "ratio") in found
    # A second relation on one flow breaks the maximum of one.
    assert (f"{D}flow/salt--chlorine", "relation") in _violations(
        lines + [f"<{D}flow/salt--chlorine> <{K}flowRelation> <{K}main> ."])


def test_export_writes_the_new_columns_back(facts, tmp_path):
    first = build(facts, tmp_path / "b1")
    tables = graph_tables(LocalStore(first.generation / "store"))
    flows = tables["flows"].set_index(["input", "output"])
    assert flows.loc[("salt", "chlorine"), ["process", "relation", "ratio", "note"]].tolist() == [
        "downs-cell", "co_product", "", "comes with sodium"]
    assert flows.loc[("sodium-cyanide", "methionine"), "ratio"] == "0.55"
    assert flows.loc[("sodium", "sodium-cyanide"), ["process", "relation", "ratio"]].tolist() == ["", "", ""]
    assert tables["products"].set_index("id").loc["sodium", "aliases"] == "Na;金属钠"
    write_tables(tables, tmp_path / "tables")
    second = build(tmp_path / "tables", tmp_path / "b2")
    graph = lambda r: set((r.generation / "graph.nt").read_text(encoding="utf-8").splitlines())  # noqa: E731
    assert graph(second) == graph(first)


def test_projection_edges_carry_process_relation_and_ratio(facts, tmp_path):
    result = build(facts, tmp_path / "b")
    store = LocalStore(result.generation / "store")
    for G in (query_graph(store), read_graph(result.generation / PROJECTION_FILE), product_graph(store)):
        assert G.edges["salt", "sodium"]["process"] == "downs-cell"
        assert G.edges["salt", "sodium"]["relation"] == "main"
        assert G.edges["salt", "chlorine"]["relation"] == "co_product"
        assert G.edges["sodium-cyanide", "methionine"]["ratio"] == pytest.approx(0.55)
        assert {k: G.edges["sodium", "sodium-cyanide"][k] for k in ("process", "relation", "ratio")} == {
            "process": None, "relation": None, "ratio": None}
        assert G.nodes["sodium"]["aliases"] == ["Na", "金属钠"]
        assert G.nodes["salt"]["aliases"] == []
