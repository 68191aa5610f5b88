"""The product-flow projection: the RDF graph read into a networkx DiGraph of products.

Gap analysis, ranking, what-if and the HTML explorer all work on this graph instead of the
RDF: one node per product, one edge per flow (input → output). It is read with a SPARQL
question per aspect (:data:`QUERIES`: products, chains, flows, producers, projects, targets,
sources…), never one per product, and the questions are asked as two queries
(:data:`PROJECTION`, :func:`combined`), each the UNION of half of them: two round trips on a
remote endpoint, which a server answers at once on two threads while kg reads each answer as
it streams in. The answers' size follows the number of products, not of companies.

Node attributes (keyed by the product's local id, e.g. ``"methionine"``):
``iri``, ``label_zh``, ``label_en``, ``chains`` (sorted chain ids), ``segment``, ``kind``,
``value_tier`` (int 1..5), ``status`` (``present``/``planned``/``missing``, read from
``kg:zoneStatus``), ``producers`` (companies in the zone that make it), ``candidates``
(at most :data:`kg.graph.candidates.CANDIDATES_KEPT` companies outside the zone that make it,
those the build marked to approach first, see :mod:`kg.graph.candidates`; ``candidate_count``
says how many there are; each also carries ``company``,
``province``, ``capacity``, ``capacity_unit``, ``year`` and ``source`` from its row in the
producers table, see :func:`_candidate`), ``projects`` (pipeline projects
that will make it), ``named_by`` (brands, places or routes of the zone that name it when no
producer is named: why it counts as present), ``targeted`` and ``target_quotes`` (a source names it as a recruitment
direction), ``sources``. Companies and projects are dicts with ``id``, ``label_zh``,
``label_en`` (projects also ``status``, ``year``, ``investment_cny``, ``company``,
``inferred``), ``aliases`` (other names, sorted). Edge attributes: ``process_zh``,
``process_en``, ``process`` (the process id: edges with the same id are one process, whose
outputs come together), ``relation`` (the output's role in it: ``main``, ``co_product`` or
``by_product``), ``ratio`` (t input per t output, a float) and ``alternative`` (the group of
inputs of the process that stand in for each other); each is None when the flow row leaves it
empty (an empty relation means main); ``facts`` (the product's facts from
product_facts.csv: fact kind → a list of ``{"value", "min", "max", "unit", "year", "source",
"note"}``, one per source; see :func:`product_facts`).
``G.graph["chains"]`` maps chain id → ``{"label_zh", "label_en", "kind"}``.
``G.graph["park_limits"]`` maps limit kind → ``{"value", "number", "unit", "source", "quote",
"note"}`` (see :func:`park_limits`).

The build reads this graph once, from its new on-disk store, and keeps it in the
generation (``projection.json``), so later commands on the embedded store load it instead of
querying again; a remote endpoint is always queried. The answers are the size of the product
graph, not of the data: the zone's own producers with their names, and of the producers
outside the zone only the few per product the build marked to approach first (with their
names and facts) and their count (see benchmarks/BENCHMARKS.md for the times).

>>> from kg.store.stores import open_store
>>> G = product_graph(open_store())  # doctest: +SKIP
>>> G.nodes["methionine"]["status"]  # doctest: +SKIP
'present'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kg.collector import paused
from kg.files import write_atomic
from kg.graph.answers import table_answers
from kg.graph.mapping import KIND_CLASS, Derived, derive
from kg.graph.status import RULES
from kg.store.stores import LocalStore, RemoteStore, Store, projected
from kg.tables.read import Tables
from kg.vocab import local_id

CLASS_KIND = {cls: kind for kind, cls in KIND_CLASS.items()}
PROJECTION_FILE = "projection.json"  # in a build generation, beside its store

CHAINS = """
SELECT ?chain ?label_zh ?label_en ?core WHERE {
  ?chain a kg:IndustryChain .
  OPTIONAL { ?chain rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?chain rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  BIND(EXISTS { ?chain a kg:CoreChain } AS ?core)
}"""

PRODUCTS = """
SELECT ?p ?label_zh ?label_en ?segment ?tier ?status ?basis ?candidates WHERE {
  ?p a kg:Product .
  OPTIONAL { ?p rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?p rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { SELECT ?p ?segment WHERE { ?p kg:segment ?segment } }
  OPTIONAL { SELECT ?p ?tier WHERE { ?p kg:valueTier ?tier } }
  OPTIONAL { SELECT ?p ?status WHERE { ?p kg:zoneStatus ?status } }
  OPTIONAL { SELECT ?p ?basis WHERE { ?p kg:statusBasis ?basis } }
  OPTIONAL { SELECT ?p ?candidates WHERE { ?p kg:candidateCount ?candidates } }
}"""

PRODUCT_CLASSES = """
SELECT ?p ?cls WHERE { ?p a kg:Product ; a ?cls . FILTER(?cls != kg:Product) }"""

PRODUCT_CHAINS = """
SELECT ?p ?chain WHERE { ?p a kg:Product ; kg:inChain ?chain }"""

PRODUCT_SOURCES = """
SELECT ?p ?source WHERE { ?p a kg:Product ; prov:wasDerivedFrom ?source }"""

# Every flows.csv row is a kg:Flow node with its input and output (and the kg:feeds link
# between them): read from the nodes, whose facts are one lookup away.
FLOWS = """
SELECT ?a ?b ?process_zh ?process_en ?process ?relation ?ratio ?alternative WHERE {
  { SELECT ?f ?a WHERE { ?f kg:input ?a } }
  { SELECT ?f ?b WHERE { ?f kg:output ?b } }
  OPTIONAL { ?f kg:process ?process_zh FILTER(LANG(?process_zh) = "zh") }
  OPTIONAL { ?f kg:process ?process_en FILTER(LANG(?process_en) = "en") }
  OPTIONAL { SELECT ?f ?process WHERE { ?f kg:processId ?process } }
  OPTIONAL { SELECT ?f ?relation WHERE { ?f kg:flowRelation ?relation } }
  OPTIONAL { SELECT ?f ?ratio WHERE { ?f kg:inputRatio ?ratio } }
  OPTIONAL { SELECT ?f ?alternative WHERE { ?f kg:alternativeGroup ?alternative } }
}"""

PRODUCT_ALIASES = """
SELECT ?p ?alias WHERE { ?p a kg:Product ; skos:altLabel ?alias }"""

# The zone's own producers, with their names: a park's companies, however large the data.
PRODUCERS = """
SELECT ?p ?c ?label_zh ?label_en WHERE {
  ?c kg:location kg:zone ; kg:produces ?p .
  OPTIONAL { ?c rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?c rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
}"""

# The producers outside the zone the build marked to approach first (kg.graph.candidates:
# at most CANDIDATES_KEPT per product where a gap can be), with what is said of them: the
# answer is the size of the products, however many producers the data lists.
CANDIDATES = """
SELECT ?p ?c ?rank ?label_zh ?label_en ?province ?capacity ?unit ?year ?source WHERE {
  { SELECT ?x ?rank WHERE { ?x kg:candidateRank ?rank } }
  { SELECT ?x ?c WHERE { ?x kg:company ?c } }
  { SELECT ?x ?p WHERE { ?x kg:product ?p } }
  OPTIONAL { ?c rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?c rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { SELECT ?c ?province WHERE { ?c kg:province ?province } }
  OPTIONAL { SELECT ?x ?capacity WHERE { ?x kg:capacity ?capacity } }
  OPTIONAL { SELECT ?x ?unit WHERE { ?x kg:capacityUnit ?unit } }
  OPTIONAL { ?x kg:year ?year }
  OPTIONAL { ?x prov:wasDerivedFrom ?source }
}"""

PROJECTS = """
SELECT ?p ?j ?label_zh ?label_en ?status ?year ?investment ?company ?inferred WHERE {
  { SELECT ?j ?p WHERE { ?j kg:willProduce ?p } }
  OPTIONAL { ?j rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?j rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { SELECT ?j ?status WHERE { ?j kg:status ?status } }
  OPTIONAL { ?j kg:year ?year }
  OPTIONAL { SELECT ?j ?investment WHERE { ?j kg:investmentCNY ?investment } }
  OPTIONAL { SELECT ?j ?company WHERE { ?j kg:runBy ?company } }
  OPTIONAL { SELECT ?j ?p ?inferred WHERE { ?o kg:project ?j ; kg:product ?p ; kg:inferred ?inferred } }
}"""

# Brands, places and routes of the zone that name a product it has (see
# kg.graph.mapping.named_by_assets): why a product with no named producer is present.
NAMED_BY = """
SELECT ?p ?a ?label_zh ?label_en WHERE {
  VALUES ?type { kg:Brand kg:Place kg:Route }
  ?a a ?type ; kg:product ?p .
  ?p kg:zoneStatus kg:present .
  OPTIONAL { ?a rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?a rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
}"""

# Why each product is present or planned (kg.status): one row per piece of evidence (only
# evidence nodes carry kg:evidenceRule, so the rule stands for the type). The names of what it
# came through (zone companies, projects, products) are read by other
# queries already; only those of assets and indicators are asked for here.
EVIDENCE = """
SELECT ?p ?rule ?status ?via ?process ?relation ?source ?quote WHERE {
  { SELECT ?e ?rule WHERE { ?e kg:evidenceRule ?rule } }
  { SELECT ?e ?p WHERE { ?e kg:product ?p } }
  { SELECT ?e ?status WHERE { ?e kg:givesStatus ?status } }
  { SELECT ?e ?via WHERE { ?e kg:via ?via } }
  OPTIONAL { SELECT ?e ?process WHERE { ?e kg:evidenceProcess ?process } }
  OPTIONAL { SELECT ?e ?relation WHERE { ?e kg:evidenceRelation ?relation } }
  OPTIONAL { ?e prov:wasDerivedFrom ?source }
  OPTIONAL { ?e kg:quote ?quote }
}"""

EVIDENCE_NAMES = """
SELECT DISTINCT ?via ?label_zh ?label_en WHERE {
  VALUES ?type { kg:Asset kg:Brand kg:Place kg:Route kg:Event kg:Facility kg:Campaign kg:Goal kg:Indicator }
  ?e a kg:StatusEvidence ; kg:via ?via . ?via a ?type .
  OPTIONAL { ?via rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?via rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
}"""

# Stated projects that name chains but no product (a fluorochemical park): they target the
# chain as a whole.
CHAIN_PROJECTS = """
SELECT ?j ?chain ?status ?label_zh ?label_en WHERE {
  ?j a kg:Project ; kg:inChain ?chain .
  MINUS { ?j kg:willProduce ?any }  # FILTER NOT EXISTS runs once per project in Oxigraph
  OPTIONAL { ?j kg:status ?status }
  OPTIONAL { ?j rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?j rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
}"""

TARGETS = """
SELECT ?p ?quote WHERE { ?t a kg:Target ; kg:product ?p . OPTIONAL { ?t kg:quote ?quote } }"""

# Facts the ranking weighs (product_facts.csv) and the park's own limits (park_limits.csv).
FACTS = """
SELECT ?p ?kind ?value ?min ?max ?unit ?year ?source ?note WHERE {
  ?f a kg:ProductFact ; kg:aboutProduct ?p ; kg:factKind ?kind ; kg:factValue ?value .
  OPTIONAL { ?f kg:factMin ?min }
  OPTIONAL { ?f kg:factMax ?max }
  OPTIONAL { ?f kg:unit ?unit }
  OPTIONAL { ?f kg:year ?year }
  OPTIONAL { ?f prov:wasDerivedFrom ?source }
  OPTIONAL { ?f rdfs:comment ?note }
}"""

PARK_LIMITS = """
SELECT ?kind ?value ?unit ?source ?quote ?note WHERE {
  ?l a kg:ParkLimit ; kg:limitKind ?kind .
  OPTIONAL { ?l kg:limitValue ?value }
  OPTIONAL { ?l kg:unit ?unit }
  OPTIONAL { ?l prov:wasDerivedFrom ?source }
  OPTIONAL { ?l kg:quote ?quote }
  OPTIONAL { ?l rdfs:comment ?note }
}"""


def _text(value: Any) -> str:
    """A cell as text ('' for a missing value)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _opt(value: Any) -> Any:
    """A cell as a python value, None when missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value


def _party(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {"id": local_id(row[key]), "label_zh": _text(row.get("label_zh")) or local_id(row[key]),
            "label_en": _text(row.get("label_en")) or local_id(row[key])}


def _candidate(row: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """A company outside the zone that makes the product: the party (``id``, ``label_zh``,
    ``label_en``), ``company`` (its id again, the key a producers table calls it by), and
    what its production row says: ``province``, ``capacity`` (a number or None),
    ``capacity_unit``, ``year`` (int or None) and ``source`` (source id)."""
    party = _party(row, "c")
    capacity, year, source = facts.get("capacity"), facts.get("year"), facts.get("source")
    return {**party, "company": party["id"], "province": _text(facts.get("province")),
            "capacity": float(capacity) if capacity is not None else None,
            "capacity_unit": _text(facts.get("unit")),
            "year": int(year) if year is not None else None,
            "source": local_id(source) if source else ""}


def _number(value: Any) -> float | None:
    value = _opt(value)
    return None if value is None or value == "" else float(value)


def product_facts(store: Store) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each product's facts (product_facts.csv as read from the graph): product id -> fact kind
    -> one dict per source, sorted by source: ``value`` (as written), ``min`` and ``max``
    (floats for the amount facts, else None), ``unit``, ``year`` (int or None), ``source``,
    ``note``. Several sources for one fact are all kept; the reader chooses."""
    return _product_facts(store.rows(FACTS))


def _product_facts(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    facts: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        year = _opt(row["year"])
        fact = {"value": _text(row["value"]), "min": _number(row["min"]), "max": _number(row["max"]),
                "unit": _text(row["unit"]), "year": int(year) if year is not None else None,
                "source": local_id(row["source"]) if row["source"] else "", "note": _text(row["note"])}
        facts.setdefault(local_id(row["p"]), {}).setdefault(_text(row["kind"]), []).append(fact)
    for kinds in facts.values():
        for kind, items in kinds.items():
            kinds[kind] = sorted({(f["source"], f["value"]): f for f in items}.values(),
                                 key=lambda f: (f["source"], f["value"]))
    return {p: dict(sorted(kinds.items())) for p, kinds in sorted(facts.items())}


def park_limits(store: Store) -> dict[str, dict[str, Any]]:
    """The park's own limits (park_limits.csv as read from the graph): limit kind -> ``value``
    (as written, '' when the source gives no figure), ``number`` (float for the amount limits,
    else None), ``unit``, ``source``, ``quote``, ``note``."""
    return _park_limits(store.rows(PARK_LIMITS))


def _park_limits(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    limits: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (_text(r["kind"]), _text(r["source"]))):
        value = _text(row["value"])
        try:
            number = float(value) if value else None
        except ValueError:
            number = None
        limits.setdefault(_text(row["kind"]), {
            "value": value, "number": number, "unit": _text(row["unit"]),
            "source": local_id(row["source"]) if row["source"] else "", "quote": _text(row["quote"]),
            "note": _text(row["note"])})
    return limits


@paused()
def product_graph(store: Store, cached: bool = True) -> nx.DiGraph:
    """The directed product-flow graph (input → output) with each product's chains, segment,
    derived status, local producers, external candidates, projects and targeting.

    Works on any :class:`kg.store.stores.Store` (embedded or remote); nodes, edges and the lists in
    node attributes are sorted, so the graph is the same whatever order the store returns
    rows in. On a build's embedded store the graph the build kept (``projection.json``) is
    read unless ``cached`` is False; it is the graph these queries give, read when the store
    was built.
    """
    saved = _saved_graph_path(store) if cached else None
    if saved is not None:
        return read_graph(saved)
    return query_graph(store)


def _saved_graph_path(store: Store) -> Path | None:
    if not isinstance(store, LocalStore) or store.generation is None:
        return None
    path = store.generation / PROJECTION_FILE
    return path if path.is_file() else None


def write_graph(G: nx.DiGraph, path: Path) -> Path:
    """Write the product graph ``G`` to ``path`` as JSON (atomically): nodes and edges in
    their order, with their attributes."""
    doc = {"graph": G.graph, "nodes": [[n, d] for n, d in G.nodes(data=True)],
           "edges": [[a, b, d] for a, b, d in G.edges(data=True)]}
    write_atomic(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return Path(path)


def read_graph(path: Path) -> nx.DiGraph:
    """The product graph written by :func:`write_graph`."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    G = nx.DiGraph()
    G.graph.update(doc["graph"])
    G.add_nodes_from((n, d) for n, d in doc["nodes"])
    G.add_edges_from((a, b, d) for a, b, d in doc["edges"])
    return G


def _candidates(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per product, the companies outside the zone the build marked to approach first
    (:mod:`kg.graph.candidates`), each with what its row says (:func:`_candidate`)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(local_id(row["p"]), []).append(_candidate(row, row))
    return found


QUERIES = {name: globals()[name] for name in (
    "EVIDENCE", "CANDIDATES", "FLOWS", "PRODUCTS", "PRODUCERS", "PROJECTS", "CHAIN_PROJECTS", "PRODUCT_CLASSES",
    "PRODUCT_CHAINS", "PRODUCT_SOURCES", "PRODUCT_ALIASES", "CHAINS", "NAMED_BY", "EVIDENCE_NAMES", "TARGETS",
    "FACTS", "PARK_LIMITS")}  # the projection's questions
# The questions are asked as two queries, each the UNION of a half: a server answers the two
# at once, one on each of its threads, and kg reads each answer as it streams in. The largest
# answers, the candidates (many producers per product) and the projects (many projects per
# product), go together with the small questions: alone on a local Oxigraph at 1M triples the
# first half takes about 1.4 s and the second 1.0 s in both shapes of benchmarks/; the other
# splits tried were closer in one shape and further apart in the other.
PROJECTION = (
    ("CANDIDATES", "PROJECTS", "TARGETS", "CHAINS", "FACTS", "PARK_LIMITS", "PRODUCT_ALIASES"),
    ("EVIDENCE", "FLOWS", "PRODUCTS", "PRODUCERS", "PRODUCT_CLASSES", "PRODUCT_CHAINS", "PRODUCT_SOURCES",
     "CHAIN_PROJECTS", "NAMED_BY", "EVIDENCE_NAMES"),
)
PART = "part"  # the variable that names the question a row of a combined query answers


def combined(queries: dict[str, str]) -> str:
    """One SELECT query that asks every query of ``queries`` (name -> SELECT text): the
    UNION of them, each as a sub-select whose rows carry its name in ``?part`` and its
    variables, in order, as ``?v1``, ``?v2``… (so the answer has as many columns as the
    widest query, not as all of them). Its answer is theirs, row for row; :func:`split`
    parts it again.

    >>> print(combined({"A": "SELECT ?x WHERE { ?x a kg:Flow }", "B": "SELECT ?y ?z WHERE { ?y kg:x ?z }"}))
    SELECT ?part ?v1 ?v2 WHERE {
      { { SELECT (?x AS ?v1) WHERE { { SELECT ?x WHERE { ?x a kg:Flow } } } } BIND("A" AS ?part) }
      UNION { { SELECT (?y AS ?v1) (?z AS ?v2) WHERE { { SELECT ?y ?z WHERE { ?y kg:x ?z } } } } BIND("B" AS ?part) }
    }
    """
    branches, width = [], 0
    for name, query in queries.items():
        names = _variables(query)
        width = max(width, len(names))
        renamed = " ".join(f"(?{n} AS ?v{i})" for i, n in enumerate(names, 1))
        branches.append(f'{{ {{ SELECT {renamed} WHERE {{ {{ {query.strip()} }} }} }} BIND("{name}" AS ?{PART}) }}')
    columns = " ".join(f"?v{i}" for i in range(1, width + 1))
    return f"SELECT ?{PART} {columns} WHERE {{\n  " + "\n  UNION ".join(branches) + "\n}"


def _variables(query: str) -> list[str]:
    names = projected(query)
    if not names:
        raise ValueError(f"a part of the projection must name its variables: {query[:60]!r}")
    return names


def split(rows: Iterable[tuple[Any, ...]], queries: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The rows of :func:`combined` ``(queries)`` (tuples in the order of its variables) as
    each query's own rows, by name (each row a dict of that query's variables)."""
    variables = {name: _variables(query) for name, query in queries.items()}
    answers: dict[str, list[dict[str, Any]]] = {name: [] for name in queries}
    for row in rows:
        names = variables[row[0]]
        answers[row[0]].append(dict(zip(names, row[1:len(names) + 1])))
    return answers


def _answers(store: Store, queries: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every query's rows, by name, asked as the combined queries of :data:`PROJECTION`
    (queries it does not name are asked in a third). A remote endpoint is asked both at once;
    the embedded store one after the other (it shares this process's memory and cores)."""
    groups = [{name: queries[name] for name in group if name in queries} for group in PROJECTION]
    groups.append({name: query for name, query in queries.items() if not any(name in g for g in groups)})
    groups = [group for group in groups if group]

    def ask(group: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        return split(store.tuples(combined(group))[1], group)
    if not isinstance(store, RemoteStore):
        parts = [ask(group) for group in groups]
    else:
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            parts = list(pool.map(ask, groups))
    answers = {name: rows for part in parts for name, rows in part.items()}
    return {name: answers[name] for name in queries}


def query_graph(store: Store) -> nx.DiGraph:
    """:func:`product_graph` read from the store's SPARQL answers, never from a saved copy."""
    return graph_from_answers(_answers(store, QUERIES))


def table_graph(tables: Tables, derived: Derived | None = None) -> nx.DiGraph:
    """:func:`product_graph` read from checked tables (what the build holds in memory), the
    same graph :func:`query_graph` reads from the mapped graph (:mod:`kg.graph.answers`).
    ``derived`` is :func:`kg.graph.mapping.derive` of ``tables`` when the caller has it."""
    return graph_from_answers(table_answers(tables, derived or derive(tables)))


def graph_from_answers(answers: dict[str, list[dict[str, Any]]]) -> nx.DiGraph:
    """The product graph from the answers of :data:`QUERIES` (by name): from a store or from
    the tables, in any row order."""
    G = nx.DiGraph()
    chains = {}
    for row in answers["CHAINS"]:
        cid = local_id(row["chain"])
        chains[cid] = {"label_zh": _text(row["label_zh"]) or cid, "label_en": _text(row["label_en"]) or cid,
                       "kind": "core" if row["core"] else "extension"}
    G.graph["chains"] = dict(sorted(chains.items()))

    # Nodes and edges go in sorted by id, so the graph (and what is drawn or ranked from it)
    # is the same whatever order a store returns rows in.
    for row in sorted(answers["PRODUCTS"], key=lambda row: row["p"]):
        pid = local_id(row["p"])
        tier = row["tier"]
        G.add_node(pid, iri=row["p"], label_zh=_text(row["label_zh"]) or pid,
                   label_en=_text(row["label_en"]) or pid,
                   segment=local_id(row["segment"]) if row["segment"] else "",
                   kind="", value_tier=int(tier) if tier is not None else 1,
                   status=local_id(row["status"]) if row["status"] else "missing",
                   status_basis=_text(row["basis"]), evidence=[],
                   chains=[], producers=[], candidates=[], projects=[],
                   targeted=False, target_quotes=[], sources=[], named_by=[], aliases=[], facts={},
                   candidate_count=int(row["candidates"]) if row["candidates"] is not None else 0)
    nodes = G.nodes
    for row in answers["PRODUCT_CLASSES"]:
        pid, kind = local_id(row["p"]), CLASS_KIND.get(local_id(row["cls"]))
        if pid in nodes and kind:
            nodes[pid]["kind"] = kind
    for row in answers["PRODUCT_CHAINS"]:
        nodes[local_id(row["p"])]["chains"].append(local_id(row["chain"]))
    for row in answers["PRODUCT_ALIASES"]:
        nodes[local_id(row["p"])]["aliases"].append(str(row["alias"]))
    for row in answers["PRODUCT_SOURCES"]:
        nodes[local_id(row["p"])]["sources"].append(local_id(row["source"]))

    flows = sorted(answers["FLOWS"], key=lambda r: (r["a"], r["b"], _text(r["process_zh"]), _text(r["process_en"])))
    for row in flows:
        a, b = local_id(row["a"]), local_id(row["b"])
        for end, iri in ((a, row["a"]), (b, row["b"])):
            if end not in nodes:  # a flow to a resource not typed as a product: keep it visible
                G.add_node(end, iri=iri, label_zh=end, label_en=end, segment="", kind="", value_tier=1,
                           status="missing", chains=[], producers=[], candidates=[], projects=[],
                           targeted=False, target_quotes=[], sources=[], named_by=[], aliases=[], facts={})
        G.add_edge(a, b, process_zh=_text(row["process_zh"]), process_en=_text(row["process_en"]),
                   process=_text(row["process"]) or None,
                   relation=local_id(row["relation"]) if row["relation"] else None,
                   ratio=float(row["ratio"]) if row["ratio"] is not None else None,
                   alternative=_text(row["alternative"]) or None)

    names: dict[str, dict[str, Any]] = {}  # what evidence came through -> its names
    for row in answers["PRODUCERS"]:
        pid = local_id(row["p"])
        names[row["c"]] = row
        if pid in nodes:
            nodes[pid]["producers"].append(_party(row, "c"))
    for pid, kept in _candidates(answers["CANDIDATES"]).items():
        if pid in nodes:
            nodes[pid]["candidates"] = kept

    for row in answers["PROJECTS"]:
        pid = local_id(row["p"])
        if pid not in nodes:
            continue
        names[row["j"]] = row
        project = _party(row, "j")
        project.update(
            status=local_id(row["status"]) if row["status"] else None,
            year=int(row["year"]) if row["year"] is not None else None,
            investment_cny=float(row["investment"]) if row["investment"] is not None else None,
            company=local_id(row["company"]) if row["company"] else None,
            inferred=bool(row["inferred"]) if row["inferred"] is not None else False,
        )
        nodes[pid]["projects"].append(project)

    for row in answers["NAMED_BY"]:
        pid = local_id(row["p"])
        if pid in nodes and not nodes[pid]["producers"]:
            nodes[pid]["named_by"].append(_party(row, "a"))

    names.update((row["via"], row) for row in answers["EVIDENCE_NAMES"])
    for row in answers["EVIDENCE"]:
        pid = local_id(row["p"])
        if pid in nodes:
            via_kind = row["via"].rsplit("/", 2)[-2] if row["via"].count("/") >= 2 else ""
            via = local_id(row["via"])
            named = nodes[via] if via_kind == "product" and via in nodes else names.get(row["via"], {})
            nodes[pid]["evidence"].append({
                "rule": _text(row["rule"]), "status": local_id(row["status"]), "via_kind": via_kind,
                **_party({"via": row["via"], "label_zh": named.get("label_zh"), "label_en": named.get("label_en")},
                         "via"),
                "process": _text(row["process"]), "relation": _text(row["relation"]),
                "source": local_id(row["source"]) if row["source"] else "", "quote": _text(row["quote"]),
            })

    chain_projects: dict[str, list[dict[str, Any]]] = {}
    for row in answers["CHAIN_PROJECTS"]:
        status = local_id(row["status"]) if row["status"] else None
        if status == "operating":
            continue
        project = {**_party(row, "j"), "status": status}
        chain_projects.setdefault(local_id(row["chain"]), []).append(project)
    G.graph["chain_projects"] = {c: sorted(ps, key=lambda d: d["id"]) for c, ps in sorted(chain_projects.items())}

    for row in answers["TARGETS"]:
        pid = local_id(row["p"])
        if pid in nodes:
            nodes[pid]["targeted"] = True
            if row["quote"]:
                nodes[pid]["target_quotes"].append(str(row["quote"]))

    for pid, kinds in _product_facts(answers["FACTS"]).items():
        if pid in nodes:
            nodes[pid]["facts"] = kinds
    G.graph["park_limits"] = _park_limits(answers["PARK_LIMITS"])

    for _, data in G.nodes(data=True):
        data["chains"] = sorted(set(data["chains"]))
        data["sources"] = sorted(set(data["sources"]))
        data["target_quotes"] = sorted(set(data["target_quotes"]))
        data["aliases"] = sorted(set(data.get("aliases", [])))
        for key in ("producers", "candidates", "projects", "named_by"):
            data[key] = sorted({d["id"]: d for d in data[key]}.values(), key=lambda d: d["id"])
        if "evidence" in data:
            data["evidence"] = sorted({(e["rule"], e["id"]): e for e in data["evidence"]}.values(),
                                      key=lambda e: (RULES.index(e["rule"]) if e["rule"] in RULES else 99, e["id"]))
    return G
