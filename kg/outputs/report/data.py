"""The report's data read from the store and the gap analysis: sources and the facts they back,
the project pipeline, the targets and each chain's gaps."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kg import vocab
from kg.analysis import gaps as gaps_module
from kg.outputs.report.labels import TEXT
from kg.store.stores import Store
from kg.words import COMPONENTS, word

SOURCES = """
SELECT ?source ?title ?publisher ?date ?kind ?file ?url WHERE {
  ?source a kg:Source .
  OPTIONAL { ?source dcterms:title ?title }
  OPTIONAL { ?source dcterms:publisher ?publisher }
  OPTIONAL { ?source dcterms:date ?date }
  OPTIONAL { ?source kg:sourceKind ?kind }
  OPTIONAL { ?source kg:file ?file }
  OPTIONAL { ?source schema:url ?url }
}"""

FACTS = """
SELECT ?source ?s ?quote ?label_zh ?label_en WHERE {
  ?s prov:wasDerivedFrom ?source .
  OPTIONAL { ?s kg:quote ?quote }
  OPTIONAL { ?s rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?s rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
}"""

# What kind of thing a fact is about, from the path segment of its IRI.
FACT_KINDS = {
    "zh": {"park": "园区", "chain": "产业链", "product": "产品", "flow": "流向", "company": "企业",
           "production": "生产", "project": "项目", "output": "项目产品", "indicator": "指标",
           "target": "招引方向", "asset": "资源"},
    "en": {"park": "park", "chain": "chain", "product": "product", "flow": "flow", "company": "company",
           "production": "production", "project": "project", "output": "project output",
           "indicator": "indicator", "target": "target", "asset": "asset"},
}


# ---------------------------------------------------------------- data for the report

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _label(row: dict[str, Any] | pd.Series, lang: str, fallback: str = "") -> str:
    """The label in ``lang``, else the other language, else ``fallback``."""
    other = "en" if lang == "zh" else "zh"
    for key in (f"label_{lang}", f"label_{other}"):
        value = row.get(key)
        if not _blank(value):
            return str(value)
    return fallback


def pipeline(projects_frame: pd.DataFrame) -> pd.DataFrame:
    """Projects per status, in the order a project moves (``""`` = status not stated): how
    many, how many state an investment, and the stated investment summed (CNY)."""
    frame = projects_frame
    rows = []
    for status in (*vocab.PROJECT_STATUSES, ""):
        part = frame[frame["status"] == status]
        if status == "" and part.empty:
            continue
        stated = part["investment_cny"].dropna()
        rows.append({"status": status, "projects": len(part), "with_investment": len(stated),
                     "investment_cny": float(stated.sum()) if len(stated) else 0.0})
    return pd.DataFrame(rows, columns=["status", "projects", "with_investment", "investment_cny"])


def source_titles(store: Store) -> dict[str, str]:
    """Source id → title, for naming sources in the explorer's panel."""
    return sources(store)[0].set_index("id")["title"].to_dict()


def sources(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sources (one row each: id, title, publisher, date, kind, file, url, facts), and the
    quotes behind the facts (one row per source and quote, with the facts that rest on it as
    ``kind: label`` strings). Facts without a quote (chain templates from general industry
    knowledge) are counted in ``facts`` but have no quote row."""
    facts = list(store.rows(FACTS))
    counts: dict[str, int] = {}
    quoted: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for row in facts:
        source = vocab.local_id(row["source"])
        counts[source] = counts.get(source, 0) + 1
        if row["quote"]:
            kind = row["s"].split(vocab.DATA_NS, 1)[-1].split("/", 1)[0]
            quoted.setdefault((source, row["quote"]), []).append(
                (kind, row["label_zh"] or vocab.local_id(row["s"]), row["label_en"] or vocab.local_id(row["s"])))
    source_rows = []
    for row in store.rows(SOURCES):
        sid = vocab.local_id(row["source"])
        source_rows.append({"id": sid, "title": row["title"] or "", "publisher": row["publisher"] or "",
                            "date": str(row["date"] or ""), "kind": row["kind"] or "", "file": row["file"] or "",
                            "url": row["url"] or "", "facts": counts.get(sid, 0)})
    source_frame = pd.DataFrame(source_rows, columns=["id", "title", "publisher", "date", "kind", "file", "url",
                                                      "facts"]).sort_values("id").reset_index(drop=True)
    quote_rows = [{"source": s, "quote": q, "facts": sorted(set(f))} for (s, q), f in quoted.items()]
    quote_frame = pd.DataFrame(quote_rows, columns=["source", "quote", "facts"])
    if len(quote_frame):
        quote_frame = quote_frame.sort_values(["source", "quote"]).reset_index(drop=True)
    return source_frame, quote_frame


def _as_list(value: Any) -> list:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return [value]


def _chains_of(row: Any) -> list[str]:
    """The chain ids of a ranking row (``chains``, a list) or of a gap row (``chain``)."""
    value = row["chains"] if "chains" in row else row.get("chain")
    return [str(c) for c in _as_list(value) if str(c)]


def component_names(analysis: Any) -> list[str]:
    """The score components, in the order of the weights (the chain-kind weights are a
    factor, not a component)."""
    return [name for name in analysis.weights if name in gaps_module.COMPONENTS]


def _component_label(name: str, lang: str) -> str:
    return word(COMPONENTS, name, lang)


def targets(analysis: Any, top: int | None = None, list_name: str = "recruit") -> pd.DataFrame:
    """One list of the ranking (``analysis.ranking``: one row per missing or weak product,
    with its list, rank, score, components, reason, gates, ``rank_range``, ``local_inputs``,
    ``local_consumers`` and ``candidates``; the recruit list by default) cut to its first
    ``top`` rows."""
    ranking = analysis.ranked(list_name)
    return (ranking.head(top) if top else ranking).copy().reset_index(drop=True)


def chain_gaps(analysis: Any, chain: str) -> pd.DataFrame:
    """Every gap of one chain, in the order of ``analysis.gaps``: what to recruit for
    (missing, weak) first, highest score first, then the breaks."""
    gaps = analysis.gaps
    return gaps[gaps["chain"] == chain].reset_index(drop=True)


def _chain_text(row: Any, chain_names: dict[str, str], lang: str) -> str:
    """The chains of a row by name, or a note that the product is in none of them."""
    return ", ".join(chain_names.get(c, c) for c in _chains_of(row)) or TEXT[lang]["no_chain"]


def _chain_names(analysis: Any, lang: str) -> dict[str, str]:
    comp = analysis.completeness
    return {r["chain"]: _label(r, lang, r["chain"]) for _, r in comp.iterrows()}

