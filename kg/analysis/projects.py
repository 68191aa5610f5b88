"""Projects as read from the graph: one row per project with its company, chains, status, year,
investment, capacity, products, source and quote."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kg import vocab
from kg.store.stores import Store

PROJECTS = """
SELECT ?j ?label_zh ?label_en ?status ?year ?investment ?capacity ?unit ?company ?company_zh ?company_en
       ?quote ?source WHERE {
  ?j a kg:Project .
  OPTIONAL { ?j rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?j rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { ?j kg:status ?status }
  OPTIONAL { ?j kg:year ?year }
  OPTIONAL { ?j kg:investmentCNY ?investment }
  OPTIONAL { ?j kg:capacity ?capacity }
  OPTIONAL { ?j kg:capacityUnit ?unit }
  OPTIONAL { ?j kg:runBy ?company .
             OPTIONAL { ?company rdfs:label ?company_zh FILTER(LANG(?company_zh) = "zh") }
             OPTIONAL { ?company rdfs:label ?company_en FILTER(LANG(?company_en) = "en") } }
  OPTIONAL { ?j kg:quote ?quote }
  OPTIONAL { ?j prov:wasDerivedFrom ?source }
}"""

PROJECT_CHAINS = """
SELECT ?j ?chain WHERE { ?j a kg:Project ; kg:inChain ?chain }"""

PROJECT_PRODUCTS = """
SELECT ?j ?p ?inferred WHERE {
  ?j a kg:Project ; kg:willProduce ?p .
  OPTIONAL { ?o kg:project ?j ; kg:product ?p ; kg:inferred ?inferred }
}"""


def projects(store: Store) -> pd.DataFrame:
    """One row per project: labels, company, chains, status, year, investment (CNY), capacity,
    the products it will make (``*`` marks one inferred from the project's name), the source
    and the quote. Sorted by status (furthest along first), then year and id.

    >>> from kg.store.stores import open_store
    >>> projects(open_store())[["id", "status", "year"]].head(1)  # doctest: +SKIP
    """
    rows = list(store.rows(PROJECTS))
    chains: dict[str, list[str]] = {}
    for row in store.rows(PROJECT_CHAINS):
        chains.setdefault(row["j"], []).append(vocab.local_id(row["chain"]))
    outputs: dict[str, list[str]] = {}
    for row in store.rows(PROJECT_PRODUCTS):
        outputs.setdefault(row["j"], []).append(vocab.local_id(row["p"]) + ("*" if row["inferred"] else ""))
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        iri = row["j"]
        if iri in seen:  # a project with two quotes or sources keeps the first
            continue
        seen[iri] = {
            "id": vocab.local_id(iri), "label_zh": row["label_zh"] or "", "label_en": row["label_en"] or "",
            "company": vocab.local_id(row["company"]) if row["company"] else "",
            "company_zh": row["company_zh"] or "", "company_en": row["company_en"] or "",
            "chains": sorted(set(chains.get(iri, []))),
            "status": vocab.local_id(row["status"]) if row["status"] else "",
            "year": int(row["year"]) if row["year"] is not None else None,
            "investment_cny": float(row["investment"]) if row["investment"] is not None else None,
            "capacity": float(row["capacity"]) if row["capacity"] is not None else None,
            "capacity_unit": row["unit"] or "",
            "products": sorted(set(outputs.get(iri, []))),
            "source": vocab.local_id(row["source"]) if row["source"] else "",
            "quote": row["quote"] or "",
        }
    columns = ["id", "label_zh", "label_en", "company", "company_zh", "company_en", "chains", "status", "year",
               "investment_cny", "capacity", "capacity_unit", "products", "source", "quote"]
    frame = pd.DataFrame(list(seen.values()), columns=columns)
    order = {s: i for i, s in enumerate(reversed(vocab.PROJECT_STATUSES))}
    frame["_order"] = frame["status"].map(order).fillna(len(order))
    frame = frame.sort_values(["_order", "year", "id"], na_position="last", kind="mergesort")
    return frame.drop(columns="_order").reset_index(drop=True)
