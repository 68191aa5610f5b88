"""The product graph's answers read from the tables, as the build holds them in memory.

:mod:`kg.store.projection` reads the product graph from a store with SPARQL: seventeen
questions (``QUERIES``, asked as two combined queries), each answer a list of rows. The build has the checked tables in
memory when it needs that graph, and asking its on-disk store instead costs a point read per
term of every answer row: at national size the larger part of the build. So the build reads
the same answers from the tables, row for row as a SPARQL engine returns them over the mapped
graph (:mod:`kg.graph.mapping`): IRIs as text, literals as Python values (``int``, ``float``,
``bool``, ``str``), ``None`` where an ``OPTIONAL`` is unbound. The graph is then assembled
from either by the same code, and ``tests/test_table_answers.py`` holds the two readers equal
on the shipped data and on generated data of every shape.

>>> from kg.graph.mapping import derive
>>> from kg.paths import default_data_dir
>>> from kg.tables.dataset import load_tables
>>> tables = load_tables(default_data_dir())
>>> answers = table_answers(tables, derive(tables))
>>> row = next(r for r in answers["PRODUCTS"] if r["p"].endswith("/product/methionine"))
>>> row["label_zh"], row["status"].rsplit("#", 1)[-1], row["tier"]
('蛋氨酸', 'present', 3)
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd

from kg import vocab
from kg.graph.mapping import KIND_CLASS, VIA_TYPES, Derived, range_bounds
from kg.tables.read import Tables

NAMING_ASSETS = ("brand", "place", "route")  # the asset kinds that say a product is the zone's


def _cell(value: Any) -> str | None:
    """A table cell as an RDF literal's text, None where the mapping writes no triple."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    return text or None


def _int(value: Any) -> int | None:
    text = _cell(value)
    return int(text) if text is not None else None


def _decimal(value: Any) -> float | None:
    # As a store gives an xsd:decimal back: its lexical form read as a float.
    text = _cell(value)
    return float(Decimal(text)) if text is not None else None


def _bool(value: Any) -> bool | None:
    text = _cell(value)
    return text.lower() == "true" if text is not None else None


def _items(cell: Any) -> list[str]:
    return [item.strip() for item in str(cell or "").split(";") if item.strip()]


def _records(frame: pd.DataFrame | None, columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of ``columns`` (an absent column reads as empty)."""
    if frame is None or not len(frame):
        return iter(())
    return zip(*(frame[c].tolist() if c in frame else [""] * len(frame) for c in columns))


def _iri(kind: str, local: str) -> str:
    return vocab.resource(kind, local)


def _term(name: str | None) -> str | None:
    return vocab.term(name) if name else None


def table_answers(tables: Tables, derived: Derived) -> dict[str, list[dict[str, Any]]]:
    """Every answer of :data:`kg.store.projection.QUERIES` (by name), read from ``tables``
    and what the mapping derives from them (``derived``, from :func:`derive`)."""
    products, companies = tables["products"], tables["companies"]
    # Plain dicts: a lookup per answer row, hundreds of thousands at national size.
    status = derived.status.status.astype(str).to_dict()
    basis = derived.status.basis.fillna("").astype(str).to_dict()
    counts = {p: int(n) for p, n in derived.counts.items()}
    answers: dict[str, list[dict[str, Any]]] = {}

    answers["CHAINS"] = [{"chain": _iri("chain", c), "label_zh": _cell(zh), "label_en": _cell(en), "core": k == "core"}
                         for c, zh, en, k in _records(tables["chains"], ("id", "label_zh", "label_en", "kind"))]

    answers["PRODUCTS"], answers["PRODUCT_CLASSES"], answers["PRODUCT_CHAINS"] = [], [], []
    answers["PRODUCT_SOURCES"], answers["PRODUCT_ALIASES"] = [], []
    for pid, zh, en, segment, tier, kind, chains, aliases, source in _records(products, (
            "id", "label_zh", "label_en", "segment", "value_tier", "kind", "chains", "aliases", "source")):
        p = _iri("product", pid)
        answers["PRODUCTS"].append({
            "p": p, "label_zh": _cell(zh), "label_en": _cell(en), "segment": _term(_cell(segment)),
            "tier": _int(tier), "status": _term(status.get(pid)), "basis": _cell(basis.get(pid)),
            "candidates": counts.get(pid)})
        answers["PRODUCT_CLASSES"].append({"p": p, "cls": vocab.term(KIND_CLASS[kind])})
        answers["PRODUCT_CHAINS"] += [{"p": p, "chain": _iri("chain", c)} for c in _items(chains)]
        answers["PRODUCT_ALIASES"] += [{"p": p, "alias": a} for a in _items(aliases)]
        if _cell(source):
            answers["PRODUCT_SOURCES"].append({"p": p, "source": _iri("source", source)})

    answers["FLOWS"] = [
        {"a": _iri("product", a), "b": _iri("product", b), "process_zh": _cell(zh), "process_en": _cell(en),
         "process": _cell(process), "relation": _term(_cell(relation)), "ratio": _decimal(ratio),
         "alternative": _cell(alternative)}
        for a, b, zh, en, process, relation, ratio, alternative in _records(tables["flows"], (
            "input", "output", "process_zh", "process_en", "process", "relation", "ratio", "alternative"))]

    cp = tables["company_products"]
    zone_rows = cp[cp["company"].isin(set(companies["id"][companies["location"].astype(str) == "zone"]))]
    kept = derived.kept.merge(cp, on=["company", "product"], how="left")
    named_companies = set(zone_rows["company"]) | set(kept["company"])
    company = {c: (zh, en, province) for c, zh, en, province in _records(
        companies[companies["id"].isin(named_companies)], ("id", "label_zh", "label_en", "province"))}
    answers["PRODUCERS"] = [
        {"p": _iri("product", p), "c": _iri("company", c), "label_zh": _cell(company[c][0]),
         "label_en": _cell(company[c][1])}
        for c, p in _records(zone_rows, ("company", "product"))]
    answers["CANDIDATES"] = [
        {"p": _iri("product", p), "c": _iri("company", c), "rank": int(rank),
         "label_zh": _cell(company[c][0]), "label_en": _cell(company[c][1]), "province": _cell(company[c][2]),
         "capacity": _decimal(capacity), "unit": _cell(unit), "year": _int(year),
         "source": _iri("source", source) if _cell(source) else None}
        for p, c, rank, capacity, unit, year, source in _records(kept, (
            "product", "company", "rank", "capacity", "capacity_unit", "year", "source"))]

    projects = tables["projects"]
    project = {j: rest for j, *rest in _records(projects, (
        "id", "label_zh", "label_en", "status", "year", "investment_cny", "company"))}
    answers["PROJECTS"] = []
    for j, p, inferred in _records(tables["project_products"], ("project", "product", "inferred")):
        zh, en, st, year, investment, runner = project[j]
        answers["PROJECTS"].append({
            "p": _iri("product", p), "j": _iri("project", j), "label_zh": _cell(zh), "label_en": _cell(en),
            "status": _term(_cell(st)), "year": _int(year), "investment": _decimal(investment),
            "company": _iri("company", runner) if _cell(runner) else None, "inferred": _bool(inferred)})
    producing = set(tables["project_products"]["project"])
    answers["CHAIN_PROJECTS"] = [
        {"j": _iri("project", j), "chain": _iri("chain", c), "status": _term(_cell(st)),
         "label_zh": _cell(zh), "label_en": _cell(en)}
        for j, chains, st, zh, en in _records(projects, ("id", "chains", "status", "label_zh", "label_en"))
        if j not in producing for c in _items(chains)]

    assets = tables["assets"]
    answers["NAMED_BY"] = [
        {"p": _iri("product", p), "a": _iri("asset", a), "label_zh": _cell(zh), "label_en": _cell(en)}
        for a, kind, items, zh, en in _records(assets, ("id", "kind", "products", "label_zh", "label_en"))
        if kind in NAMING_ASSETS for p in _items(items) if status.get(p) == "present"]

    evidence = derived.status.evidence
    answers["EVIDENCE"] = [
        {"p": _iri("product", p), "rule": rule, "status": vocab.term(st),
         "via": f"{vocab.DATA_NS}{VIA_TYPES[via_kind]}/{via}", "process": _cell(process),
         "relation": _cell(relation), "source": _iri("source", source) if _cell(source) else None,
         "quote": _cell(quote)}
        for p, rule, st, via_kind, via, process, relation, source, quote in _records(
            evidence.fillna("").astype(str) if len(evidence) else None,
            ("product", "rule", "status", "via_kind", "via", "process", "relation", "source", "quote"))]
    named = {("asset", a): (zh, en) for a, zh, en in _records(assets, ("id", "label_zh", "label_en"))}
    named.update((("indicator", i), (zh, en))
                 for i, zh, en in _records(tables["indicators"], ("id", "label_zh", "label_en")))
    vias = {(kind, via) for kind, via in _records(evidence if len(evidence) else None, ("via_kind", "via"))}
    answers["EVIDENCE_NAMES"] = [
        {"via": _iri(kind, via), "label_zh": _cell(named[kind, via][0]), "label_en": _cell(named[kind, via][1])}
        for kind, via in sorted(vias) if (kind, via) in named]

    answers["TARGETS"] = [{"p": _iri("product", p), "quote": _cell(quote)}
                          for p, quote in _records(tables["targets"], ("product", "quote"))]
    answers["FACTS"] = [
        {"p": _iri("product", p), "kind": kind, "value": _cell(value), "min": low, "max": high,
         "unit": _cell(unit), "year": _int(year), "source": _iri("source", source) if _cell(source) else None,
         "note": _cell(note)}
        for (p, kind, value, unit, year, source, note), (low, high) in zip(
            _records(tables["product_facts"], ("product", "fact", "value", "unit", "year", "source", "note")),
            _fact_bounds(tables["product_facts"]))]
    answers["PARK_LIMITS"] = [
        {"kind": kind, "value": _cell(value), "unit": _cell(unit),
         "source": _iri("source", source) if _cell(source) else None, "quote": _cell(quote), "note": _cell(note)}
        for kind, value, unit, source, quote, note in _records(
            tables["park_limits"], ("limit", "value", "unit", "source", "quote", "note"))]
    return answers


def _fact_bounds(facts: pd.DataFrame) -> list[tuple[float | None, float | None]]:
    """The low and high ends of each fact's value as the mapping writes them
    (:func:`kg.graph.mapping.range_bounds`: amounts only)."""
    if not len(facts):
        return []
    kinds = facts["fact"].astype(str)
    low, high = range_bounds(facts["value"], kinds.isin(vocab.AMOUNT_FACTS))
    return [(_decimal(a), _decimal(b)) for a, b in zip(low, high)]
