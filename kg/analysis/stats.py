"""Counts of what the graph holds, in total and per chain."""

from __future__ import annotations

import pandas as pd

from kg.store.stores import Store

PER_CHAIN = """
SELECT ?chain ?label_zh ?label_en ?kind
       (COALESCE(?n_products, 0) AS ?products) (COALESCE(?n_present, 0) AS ?present)
       (COALESCE(?n_planned, 0) AS ?planned) (COALESCE(?n_missing, 0) AS ?missing)
       (COALESCE(?n_flows, 0) AS ?flows) (COALESCE(?n_companies, 0) AS ?companies)
       (COALESCE(?n_projects, 0) AS ?projects)
WHERE {
  ?chain a kg:IndustryChain ; rdfs:label ?label_zh, ?label_en .
  FILTER(LANG(?label_zh) = "zh" && LANG(?label_en) = "en")
  BIND(IF(EXISTS { ?chain a kg:CoreChain }, "core", "extension") AS ?kind)
  OPTIONAL { SELECT ?chain (COUNT(?p) AS ?n_products)
                    (SUM(IF(?s = kg:present, 1, 0)) AS ?n_present)
                    (SUM(IF(?s = kg:planned, 1, 0)) AS ?n_planned)
                    (SUM(IF(?s = kg:missing, 1, 0)) AS ?n_missing)
             WHERE { ?p kg:inChain ?chain . { SELECT ?p WHERE { ?p a kg:Product } }
                     { SELECT ?p ?s WHERE { ?p kg:zoneStatus ?s } } } GROUP BY ?chain }
  OPTIONAL { SELECT ?chain (COUNT(*) AS ?n_flows)
             WHERE { { SELECT ?a ?chain WHERE { ?a kg:inChain ?chain } } ?a kg:feeds ?b .
                     { SELECT ?b ?chain WHERE { ?b kg:inChain ?chain } } } GROUP BY ?chain }
  OPTIONAL { SELECT ?chain (COUNT(DISTINCT ?c) AS ?n_companies)
             WHERE { ?c kg:location kg:zone . { SELECT ?c ?p WHERE { ?c kg:produces ?p } }
                     { SELECT ?p ?chain WHERE { ?p kg:inChain ?chain } } } GROUP BY ?chain }
  OPTIONAL { SELECT ?chain (COUNT(?j) AS ?n_projects)
             WHERE { ?j a kg:Project . { SELECT ?j ?chain WHERE { ?j kg:inChain ?chain } } } GROUP BY ?chain }
}
ORDER BY ?kind ?chain
"""

TOTALS = {
    "chains": "?x a kg:IndustryChain",
    "products": "?x a kg:Product",
    "flows": "?x kg:feeds ?y",
    "companies": "?x a kg:Company",
    "companies_in_zone": "?x a kg:Company ; kg:location kg:zone",
    "projects": "?x a kg:Project",
    "indicators": "?x a kg:Indicator",
    "sources": "?x a kg:Source",
}


def chain_stats(store: Store) -> pd.DataFrame:
    """One row per chain: products (by derived status), flows within the chain, companies
    in the zone making its products, and projects. Each count is its own sub-query, so the
    cost grows with the graph, not with products x projects; the links are joined from
    sub-selects (hash joins on Oxigraph, see docs/sparql.md), a third to a half of the time
    of a point read per row at 1M and 5M triples.

    >>> from kg.store.stores import open_store
    >>> frame = chain_stats(open_store())  # doctest: +SKIP
    """
    frame = store.select(PER_CHAIN)
    frame["chain"] = frame["chain"].str.rsplit("/", n=1).str[-1]
    return frame.reset_index(drop=True)


def totals(store: Store) -> dict[str, int]:
    """Counts of each kind of thing in the graph, and of triples."""
    parts = " ".join(f"{{ SELECT (COUNT(*) AS ?{name}) WHERE {{ {pattern} }} }}"
                     for name, pattern in TOTALS.items())
    row = store.select(f"SELECT * WHERE {{ {parts} }}").iloc[0]
    counts = {name: int(row[name]) for name in TOTALS}
    counts["triples"] = store.triples()
    return counts
