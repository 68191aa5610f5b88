"""The graph back out as tables: the inverse of :mod:`kg.graph.mapping`, read with SPARQL.

Whatever store holds the graph (the embedded one or a remote endpoint), :func:`graph_tables`
returns the tables it was built from, with the columns of the table contract; building them
again gives the same graph (derived facts such as a product's zone status are derived again).
Row order is by key, as a graph keeps no order.

>>> import tempfile
>>> from kg.paths import default_data_dir
>>> from kg.store.build import build
>>> from kg.store.stores import open_store
>>> store = open_store(build(default_data_dir(), Path(tempfile.mkdtemp())).out)
>>> tables = graph_tables(store)
>>> tables["products"].columns[:3].tolist()
['id', 'label_zh', 'label_en']
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from kg import vocab
from kg.graph.mapping import KIND_CLASS
from kg.store.stores import Store
from kg.tables.read import Tables
from kg.tables.schema import TABLE_ORDER, TABLES
from kg.tables.workbook import write_tables

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
WIKIDATA = "http://www.wikidata.org/entity/"
K = vocab.term

# How each column is read back: (how, predicate, language). ``how`` is one of
# id (the subject's own id), lit (a literal), ref (an id), refs (';'-joined ids),
# term (an ontology term's name), kind (the subclass, from KIND_CLASS), wikidata (the Q-id),
# list (';'-joined literals, sorted: a graph keeps no order).
LABELS = {"label_zh": ("lit", RDFS + "label", "zh"), "label_en": ("lit", RDFS + "label", "en")}
PROVENANCE = {"source": ("ref", PROV_FROM, ""), "quote": ("lit", K("quote"), "")}
NOTE = {"note": ("lit", RDFS + "comment", "")}
SPEC: dict[str, tuple[str, dict[str, tuple[str, str, str]]]] = {
    "sources": ("Source", {
        "id": ("id", "", ""), "title": ("lit", DCT + "title", ""), "publisher": ("lit", DCT + "publisher", ""),
        "date": ("lit", DCT + "date", ""), "kind": ("lit", K("sourceKind"), ""), "file": ("lit", K("file"), ""),
        "url": ("lit", "https://schema.org/url", ""), **NOTE}),
    "park": ("Park", {"id": ("id", "", ""), **LABELS, **PROVENANCE}),
    "chains": ("IndustryChain", {
        "id": ("id", "", ""), **LABELS, "kind": ("kind", "", ""),
        "description_zh": ("lit", DCT + "description", "zh"), "description_en": ("lit", DCT + "description", "en"),
        **PROVENANCE}),
    "products": ("Product", {
        "id": ("id", "", ""), **LABELS, "chains": ("refs", K("inChain"), ""), "segment": ("term", K("segment"), ""),
        "kind": ("kind", "", ""), "value_tier": ("lit", K("valueTier"), ""), "cas": ("lit", K("cas"), ""),
        "formula": ("lit", K("formula"), ""),
        "wikidata": ("wikidata", "https://schema.org/sameAs", ""),
        "aliases": ("list", "http://www.w3.org/2004/02/skos/core#altLabel", ""), **PROVENANCE, **NOTE}),
    "flows": ("Flow", {
        "input": ("ref", K("input"), ""), "output": ("ref", K("output"), ""),
        "process_zh": ("lit", K("process"), "zh"), "process_en": ("lit", K("process"), "en"),
        "process": ("lit", K("processId"), ""), "relation": ("term", K("flowRelation"), ""),
        "alternative": ("lit", K("alternativeGroup"), ""), "ratio": ("lit", K("inputRatio"), ""),
        "equation": ("lit", K("equation"), ""), **PROVENANCE, **NOTE}),
    "companies": ("Company", {
        "id": ("id", "", ""), **LABELS, "location": ("term", K("location"), ""),
        "province": ("lit", K("province"), ""), "aliases": ("list", SKOS + "altLabel", ""), **PROVENANCE, **NOTE}),
    "company_products": ("Production", {
        "company": ("ref", K("company"), ""), "product": ("ref", K("product"), ""),
        "inferred": ("lit", K("inferred"), ""), "capacity": ("lit", K("capacity"), ""),
        "capacity_unit": ("lit", K("capacityUnit"), ""), "year": ("lit", K("year"), ""),
        "process": ("lit", K("processId"), ""), **PROVENANCE, **NOTE}),
    "projects": ("Project", {
        "id": ("id", "", ""), **LABELS, "company": ("ref", K("runBy"), ""), "chains": ("refs", K("inChain"), ""),
        "status": ("term", K("status"), ""), "year": ("lit", K("year"), ""),
        "investment_cny": ("lit", K("investmentCNY"), ""), "capacity": ("lit", K("capacity"), ""),
        "capacity_unit": ("lit", K("capacityUnit"), ""), **PROVENANCE, **NOTE}),
    "project_products": ("ProjectOutput", {
        "project": ("ref", K("project"), ""), "product": ("ref", K("product"), ""),
        "inferred": ("lit", K("inferred"), ""), **PROVENANCE}),
    "indicators": ("Indicator", {
        "id": ("id", "", ""), **LABELS, "value": ("lit", K("value"), ""), "unit": ("lit", K("unit"), ""),
        "year": ("lit", K("year"), ""), "kind": ("lit", K("indicatorKind"), ""), "chain": ("ref", K("inChain"), ""),
        "products": ("refs", K("product"), ""),
        **PROVENANCE, **NOTE}),
    "targets": ("Target", {"product": ("ref", K("product"), ""), **PROVENANCE}),
    "assets": ("Asset", {
        "id": ("id", "", ""), **LABELS, "kind": ("kind", "", ""), "chains": ("refs", K("inChain"), ""),
        "products": ("refs", K("product"), ""), "company": ("ref", K("company"), ""), **PROVENANCE, **NOTE}),
    "product_facts": ("ProductFact", {
        "product": ("ref", K("aboutProduct"), ""), "fact": ("lit", K("factKind"), ""),
        "value": ("lit", K("factValue"), ""), "unit": ("lit", K("unit"), ""), "year": ("lit", K("year"), ""),
        **PROVENANCE, **NOTE}),
    "park_limits": ("ParkLimit", {
        "limit": ("lit", K("limitKind"), ""), "value": ("lit", K("limitValue"), ""), "unit": ("lit", K("unit"), ""),
        **PROVENANCE, **NOTE}),
}
# The resource type (IRI path segment) of each table's rows, as kg.graph.mapping names them.
RESOURCE_KIND = {"sources": "source", "park": "park", "chains": "chain", "products": "product", "flows": "flow",
                 "companies": "company", "company_products": "production", "projects": "project",
                 "project_products": "output", "indicators": "indicator", "targets": "target", "assets": "asset",
                 "product_facts": "fact", "park_limits": "limit"}
CHAIN_KINDS = {K("CoreChain"): "core", K("ExtensionChain"): "extension"}
KINDS = {K(cls): kind for kind, cls in KIND_CLASS.items()}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

QUERY = """SELECT ?s ?p (STR(?o) AS ?v) (LANG(?o) AS ?lang) WHERE {
  ?s a ?class ; ?p ?o .
  FILTER(STRSTARTS(STR(?s), STR(%s:)))
}"""


def _cell(how: str, values: list[tuple[str, str]], lang: str) -> str:
    """One cell from the (value, language) pairs of one subject and predicate."""
    if lang:
        values = [v for v in values if v[1] == lang]
    texts = sorted(v for v, _ in values)
    if not texts:
        return ""
    if how == "refs":
        return ";".join(sorted({vocab.local_id(t) for t in texts}))
    if how == "list":
        return ";".join(sorted(set(texts)))
    if how == "ref":
        return vocab.local_id(texts[0])
    if how == "term":
        return texts[0].rsplit("#", 1)[-1]
    if how == "wikidata":
        found = [t.removeprefix(WIKIDATA) for t in texts if t.startswith(WIKIDATA)]
        return found[0] if found else ""
    return texts[0]


def graph_table(store: Store, name: str) -> pd.DataFrame:
    """One table of the contract, read back from the graph in ``store``."""
    cls, columns = SPEC[name]
    query = QUERY.replace("?class", f"kg:{cls}") % RESOURCE_KIND[name]
    triples = store.select(query)
    facts: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for s, p, v, lang in triples.itertuples(index=False):
        facts[s][p].append((v, lang or ""))
    rows = []
    for subject, props in facts.items():
        row = {}
        for column, (how, predicate, lang) in columns.items():
            if how == "id":
                row[column] = vocab.local_id(subject)
            elif how == "kind":
                types = {v for v, _ in props.get(RDF_TYPE, [])}
                names = sorted({(CHAIN_KINDS if name == "chains" else KINDS)[t] for t in types
                                if t in (CHAIN_KINDS if name == "chains" else KINDS)})
                row[column] = names[0] if names else ""
            else:
                row[column] = _cell(how, props.get(predicate, []), lang)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[c.name for c in TABLES[name].columns], dtype=object).fillna("")
    if len(frame):
        frame = frame.sort_values(list(TABLES[name].key), kind="stable").reset_index(drop=True)
    return frame


def graph_tables(store: Store) -> Tables:
    """Every table of the contract that the graph holds, read back from the graph in ``store``
    (tables not yet mapped to RDF, such as product_facts, are left out rather than written
    back empty)."""
    return {name: graph_table(store, name) for name in TABLE_ORDER if name in SPEC}


def export_tables(store: Store, output: Path, force: bool = False) -> list[Path]:
    """Write the graph in ``store`` as tables: an .xlsx workbook or a folder of CSV files."""
    return write_tables(graph_tables(store), output, force)
