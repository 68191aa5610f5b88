"""The product graph read from the tables (what the build does, kg.graph.answers) is the one
read from the mapped graph with SPARQL (what an endpoint or a build without projection.json
gives, kg.store.projection.query_graph): every answer row for row, and the graph itself."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from benchmarks.generate import generate
from kg.graph.answers import table_answers
from kg.graph.mapping import derive, to_ntriples
from kg.paths import default_data_dir
from kg.store.projection import QUERIES, _answers, graph_from_answers, table_graph, write_graph
from kg.store.stores import LocalStore
from kg.tables.dataset import load_tables
from tests.conftest import MINI


def rows(answer: list[dict]) -> Counter:
    return Counter(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in answer)


def graph_text(G, folder: Path, name: str) -> str:
    return write_graph(G, folder / name).read_text(encoding="utf-8")


def both_readers(data: Path, tmp_path: Path) -> tuple[dict, dict, str, str]:
    tables = load_tables(data)
    derived = derive(tables)
    store = ox.Store()
    store.load(input="\n".join(to_ntriples(tables)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    queried = _answers(LocalStore(store=store), QUERIES)
    from_tables = table_answers(tables, derived)
    return (from_tables, queried, graph_text(table_graph(tables, derived), tmp_path, "tables.json"),
            graph_text(graph_from_answers(queried), tmp_path, "queried.json"))


@pytest.mark.parametrize("which", ["shipped", "mini", "generated-base", "generated-wide"])
def test_the_tables_give_every_answer_the_store_gives(which, tmp_path):
    if which == "shipped":
        data = default_data_dir()
    elif which == "mini":
        data = MINI
    else:
        data = tmp_path / which
        generate(data, 12_000, seed=3, shape=which.split("-")[1])
    from_tables, queried, tables_graph, queried_graph = both_readers(data, tmp_path)
    assert set(from_tables) == set(QUERIES)
    for name in QUERIES:
        assert rows(from_tables[name]) == rows(queried[name]), name
    assert sum(len(v) for v in queried.values()) > 20  # the comparison saw real answers
    assert tables_graph == queried_graph


def test_the_shipped_answers_reach_every_kind_of_row(tmp_path):
    """The shipped data has rows for each question, so the comparison above covers them all."""
    from_tables, *_ = both_readers(default_data_dir(), tmp_path)
    assert all(from_tables[name] for name in QUERIES), [n for n in QUERIES if not from_tables[n]]


def test_a_change_in_the_tables_shows_in_their_answers(tmp_path):
    """The comparison can fail: a producer moved into the zone changes the tables' answers and
    the graph (a producer instead of a candidate)."""
    tables = load_tables(default_data_dir())
    before = table_answers(tables, derive(tables))
    company = next(c for c in before["CANDIDATES"])["c"].rsplit("/", 1)[-1]
    tables["companies"].loc[tables["companies"]["id"] == company, "location"] = "zone"
    after = table_answers(tables, derive(tables))
    assert rows(after["PRODUCERS"]) != rows(before["PRODUCERS"])
    assert not any(row["c"].endswith(f"/{company}") for row in after["CANDIDATES"])
