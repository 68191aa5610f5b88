"""kg's SPARQL on a second engine: every canned query, the product-graph projection and the
stats give the same answers on rdflib's own SPARQL engine (a plain in-memory rdflib Graph
read from the build's graph.nt, no Oxigraph under it) as on the embedded Oxigraph store.

Rows are compared as sets, or in order where the query has an ORDER BY; literals by value
(a number as a number, a text with its language tag, any other literal with its datatype).
docs/sparql.md ("What a query may rely on") says what keeps a query portable.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox
import pytest

from kg import vocab
from kg.analysis import stats
from kg.store import sparql
from kg.store.projection import query_graph
from kg.store.stores import Store, projected, skeleton
from tests.rdflib_engine import RdflibStore

XSD = vocab.PREFIXES["xsd"]
NUMERIC = {XSD + name for name in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte")}
CANNED = [q.name for q in sparql.canned_queries()]


@pytest.fixture(scope="module")
def rdflib_store(shipped_build: Path) -> RdflibStore:
    return RdflibStore(shipped_build / "graph.nt")


def test_the_rdflib_graph_holds_the_built_graph_and_ontology(rdflib_store, shipped_store):
    # graph.nt is the data and the ontology: the same triples as the embedded store.
    assert rdflib_store.triples() == shipped_store.triples() > 0
    assert sparql.run(rdflib_store, "ASK { kg:Product a owl:Class }").boolean is True


def value(term: Any) -> Any:
    """A term as what it means: an IRI, a number, a boolean, a text with its language tag,
    another literal with its datatype. Blank nodes are alike (their labels are per answer)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("blank",)
    if term.language:
        return ("text", term.value, term.language.lower())
    datatype = term.datatype.value
    if datatype in NUMERIC:
        return ("number", Decimal(term.value))
    if datatype == XSD + "boolean":
        return ("boolean", term.value in ("true", "1"))
    return ("literal", term.value, datatype)


def is_ordered(text: str) -> bool:
    """Whether the query's outermost level has an ORDER BY (a sub-select's does not count)."""
    shape = skeleton(text)
    return bool(re.search(r"\bORDER\s+BY\b", shape[shape.rfind("}"):], re.IGNORECASE))


def answer(store: Store, name: str) -> sparql.Result:
    query = sparql.resolve(name)
    return sparql.run(store, query.text, sparql.bind(query, {}), query.where)


def first_difference(left: list, right: list) -> str:
    for index, (a, b) in enumerate(zip(left, right)):
        if a != b:
            return f"row {index}: Oxigraph {a} / rdflib {b}"
    return f"Oxigraph {len(left)} rows / rdflib {len(right)} rows"


@pytest.mark.parametrize("name", CANNED)
def test_canned_query_gives_the_same_answer_on_rdflib(name, shipped_store, rdflib_store):
    query = sparql.resolve(name)
    oxigraph, rdflib_ = answer(shipped_store, name), answer(rdflib_store, name)
    assert oxigraph.form == rdflib_.form
    if oxigraph.form == "ask":
        assert oxigraph.boolean == rdflib_.boolean
        return
    if oxigraph.form == "construct":
        def triples(result: sparql.Result) -> set:
            return {(value(t.subject), value(t.predicate), value(t.object)) for t in result.triples}
        assert triples(oxigraph) and triples(oxigraph) == triples(rdflib_)
        return
    assert oxigraph.variables == rdflib_.variables
    left = [tuple(value(t) for t in row) for row in oxigraph.rows]
    right = [tuple(value(t) for t in row) for row in rdflib_.rows]
    assert left, f"{name}: no rows on the shipped data, nothing compared"
    if is_ordered(query.text):
        assert left == right, f"{name} (ORDER BY): {first_difference(left, right)}"
    else:
        assert len(left) == len(right) and set(left) == set(right), \
            f"{name}: {first_difference(sorted(left, key=repr), sorted(right, key=repr))}"


def test_is_ordered_reads_the_outermost_level():
    assert is_ordered("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s")
    assert not is_ordered("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s } }")
    assert not is_ordered('SELECT * WHERE { ?s ?p "} ORDER BY ?s" }')


class ReversedRows(Store):
    """A store that gives another store's rows in reverse order: an engine is free to."""

    def __init__(self, store: Store):
        self.store = store

    def select(self, query: str, bindings: Any = None) -> pd.DataFrame:
        return self.store.select(query, bindings).iloc[::-1].reset_index(drop=True)


@pytest.mark.parametrize("engine", ["rdflib", "reversed rows"])
def test_the_product_graph_is_the_same_node_by_node_and_edge_by_edge(engine, shipped_store, rdflib_store):
    expected = query_graph(shipped_store)
    got = query_graph(rdflib_store if engine == "rdflib" else ReversedRows(shipped_store))
    assert expected.number_of_nodes() > 200 and expected.number_of_edges() > 300
    assert got.graph == expected.graph
    assert list(got.nodes) == list(expected.nodes)
    for node, data in expected.nodes(data=True):
        assert got.nodes[node] == data, node
    assert list(got.edges) == list(expected.edges)
    for a, b, data in expected.edges(data=True):
        assert got.edges[a, b] == data, (a, b)


def test_stats_are_the_same(shipped_store, rdflib_store):
    expected = stats.chain_stats(shipped_store)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(stats.chain_stats(rdflib_store), expected, check_dtype=False)
    assert stats.totals(rdflib_store) == stats.totals(shipped_store)


def test_rdflib_answers_a_grouped_query_that_matches_nothing_with_one_empty_row(shipped_store, rdflib_store):
    # A divergence of the engine, not of kg's queries: with GROUP BY and no match the
    # standard gives no group, so no row (Oxigraph); rdflib 7.6 gives one row that binds
    # nothing (RDFLib/rdflib#3382). docs/sparql.md tells readers of such an endpoint. When
    # this fails because rdflib gives no row, the bug is fixed: drop this test and the note.
    query = sparql.resolve("investment-by-chain")
    terms = sparql.bind(query, {"year": "1900"})
    assert sparql.run(shipped_store, query.text, terms).rows == []
    assert sparql.run(rdflib_store, query.text, terms).rows == [[None] * len(projected(query.text))]
