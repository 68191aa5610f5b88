"""A product's status in the zone, derived from evidence, with the evidence kept.

A product is ``present`` when the zone makes or holds it, ``planned`` when only projects not
yet operating would, ``missing`` otherwise. "Makes" is read the way plants work, not only from
rows that name the product: each rule below turns facts of the tables into evidence
(fact → rule → status), and every piece of evidence is kept, so the graph, ``kg gaps``, the
report and the explorer can say *why* a product counts as present.

Rules, in order (the first rule that gives a product its final status is its ``basis``):

``producer``
    a company in the zone makes it (company_products.csv) → present.
``project``
    a project makes it (project_products.csv): operating → present, any other status (or
    none stated) → planned.
``brand``
    a brand of the zone names it (assets.csv, kind ``brand``: 世界钠都 → metallic sodium) →
    present.
``resource``
    a place or route of the zone names it and it is a raw material (乌兰布和沙漠 → the
    desert landscape) → present: a resource the zone holds.
``activity``
    a ``result`` indicator names it (indicators.csv, ``products``: 20,000 desert visitors a
    day → desert tourism) → present: the activity is stated as happening.
``co_product``
    it is an output of a process that a zone plant runs: a product made by the rules
    ``producer``, ``project`` or ``brand`` is the ``main`` output of that process
    (flows.csv ``process``/``relation``), and every other output of the same process
    (co-products and by-products: chlorine and hydrogen beside caustic soda) comes with it,
    with the status of the product made. When the made product has several routes, the
    producer's or project's ``process`` column says which one runs; without it nothing is
    derived (which route runs is unknown).
``captive``
    it is an intermediate input of a process a zone plant runs that the plant makes for
    itself: every product made from it in the template is made in the zone (it has no other
    use), no company outside the zone is known to make it, and it is not a bulk or commodity
    chemical (value tier 3 or above: commodities are traded goods a plant may as well buy).
    Methionine hydantoin, whose only use is methionine, is made by the methionine plant. A
    present input upstream is not enough: a plant may as well buy the intermediate. The rule
    goes on upstream through the routes of what it finds (the hydantoin's own single-use
    inputs are made there too). It takes the status of the plant's product.

A co-product does not in turn make its own process run (one step); captive intermediates
are followed upstream as long as the rule holds.

>>> import pandas as pd
>>> tables = {
...     "products": pd.DataFrame({"id": ["brine", "soda", "chlorine"],
...                               "kind": ["intermediate", "intermediate", "intermediate"]}),
...     "flows": pd.DataFrame({"input": ["brine", "brine"], "output": ["soda", "chlorine"],
...                            "process": ["ca", "ca"], "relation": ["main", "co_product"]}),
...     "companies": pd.DataFrame({"id": ["c"], "location": ["zone"]}),
...     "company_products": pd.DataFrame({"company": ["c"], "product": ["soda"]}),
... }
>>> derive_status(tables).status.to_dict()
{'brine': 'missing', 'soda': 'present', 'chlorine': 'present'}
>>> derive_status(tables).basis.to_dict()
{'brine': '', 'soda': 'producer', 'chlorine': 'co_product'}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

RULES = ("producer", "project", "brand", "resource", "activity", "co_product", "captive")
"""The evidence rules, in the order they are tried: the first that gives a product its final
status is its basis."""

DIRECT_RULES = ("producer", "project", "brand")

COMMODITY_TIERS = ("1", "2")
"""Value tiers (products.csv) of bulk and commodity chemicals: traded goods a plant may as well
buy, never taken for captive intermediates."""
"""Rules that say a plant in the zone runs the product's process (so its co-products and
captive intermediates come with it)."""

EVIDENCE_COLUMNS = ["product", "rule", "status", "via_kind", "via", "from_product", "process", "relation",
                    "source", "quote"]


@dataclass(frozen=True)
class StatusResult:
    """Derived status per product (``status``), the rule it rests on (``basis``: empty for
    missing products) and every piece of evidence found (``evidence``, one row per fact)."""

    status: pd.Series
    basis: pd.Series
    evidence: pd.DataFrame


def _col(frame: pd.DataFrame | None, name: str) -> pd.Series:
    if frame is None or name not in frame:
        return pd.Series([""] * (0 if frame is None else len(frame)), dtype=object)
    return frame[name].fillna("").astype(str)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts (what ``iterrows`` gives, ten times faster)."""
    return frame.to_dict("records")


def _items(cell: str) -> list[str]:
    return [item.strip() for item in str(cell or "").split(";") if item.strip()]


def process_table(flows: pd.DataFrame | None) -> pd.DataFrame:
    """flows.csv as (process, input, output, relation) rows: a flow's process is its
    ``process`` id or, when empty, the output's own route (the output id); an empty
    relation is ``main``."""
    if flows is None or not len(flows):
        return pd.DataFrame(columns=["process", "input", "output", "relation"])
    out = pd.DataFrame({"input": _col(flows, "input").values, "output": _col(flows, "output").values})
    process = _col(flows, "process").values
    out["process"] = [p or o for p, o in zip(process, out["output"])]
    relation = _col(flows, "relation").values
    out["relation"] = [r or "main" for r in relation]
    return out[["process", "input", "output", "relation"]]


def _runs(makers: dict[str, dict[str, str]], stated: dict[str, set[str]],
          outputs: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, str]]:
    """(product, process, status) for each product a maker makes and the process it runs
    for it: the process its row states; else, among the processes with the product among
    their outputs and a main output the maker makes, the one that covers most of what the
    maker makes (a methane-chlorination project making methyl chloride, dichloromethane and
    chloroform runs the chlorination, not a chloroform-only route); none when that is not
    one process."""
    runs = []
    made_by: dict[str, set[str]] = {x: {o for o, _ in outs} for x, outs in outputs.items()}
    main_of: dict[str, list[str]] = defaultdict(list)  # product -> processes with it as a main output
    for x, outs in outputs.items():
        for o in dict.fromkeys(o for o, r in outs if r == "main"):
            main_of[o].append(x)
    for maker, products in makers.items():
        made = set(products)
        # Looked up through the products made, not by a scan of every process per maker: a
        # national dataset has tens of thousands of each.
        candidates = {x: made_by[x] for product in products for x in main_of.get(product, ())}
        for product, status in products.items():
            routes = stated.get(f"{maker}/{product}")
            if routes:
                chosen = [x for x in routes if product in {o for o, _ in outputs.get(x, [])}]
            else:
                covering = {x: len(outs & made) for x, outs in candidates.items() if product in outs}
                best = max(covering.values(), default=0)
                chosen = [x for x, n in covering.items() if n == best]
            if len(chosen) == 1:
                runs.append((product, chosen[0], status))
    return runs


def derive_status(tables: dict[str, pd.DataFrame]) -> StatusResult:
    """Status, basis and evidence of every product in ``tables`` (see the module's rules).

    Only the columns the rules read are needed; a table or column that is absent counts as
    empty.
    """
    products = _col(tables.get("products"), "id").tolist()
    kinds = dict(zip(products, _col(tables.get("products"), "kind")))
    known = set(products)
    evidence: list[dict[str, str]] = []

    def add(product: str, rule: str, status: str, via_kind: str, via: str, row: Mapping[str, Any] | None = None,
            **extra: str) -> None:
        if product not in known:
            return
        evidence.append({"product": product, "rule": rule, "status": status, "via_kind": via_kind, "via": via,
                         "from_product": extra.get("from_product", ""), "process": extra.get("process", ""),
                         "relation": extra.get("relation", ""),
                         "source": "" if row is None else str(row.get("source", "") or ""),
                         "quote": "" if row is None else str(row.get("quote", "") or "")})

    companies = tables.get("companies")
    zone = set(_col(companies, "id")[_col(companies, "location") == "zone"]) if companies is not None else set()
    stated_process: dict[str, set[str]] = defaultdict(set)  # "kind:maker/product" -> stated processes

    cp = tables.get("company_products")
    traded = set()  # products some company outside the zone is known to make: sold on the market
    if cp is not None:
        in_zone = _col(cp, "company").isin(zone).to_numpy()
        traded.update(_col(cp, "product")[~in_zone])
        # Rows as dicts for the zone's own producers only: a national table's other rows
        # would cost a dict each.
        for row in _records(cp[in_zone]):
            add(str(row["product"]), "producer", "present", "company", str(row["company"]), row)
            if str(row.get("process", "") or ""):
                stated_process[f"company:{row['company']}/{row['product']}"].add(str(row["process"]))

    projects = tables.get("projects")
    project_status = dict(zip(_col(projects, "id"), _col(projects, "status"))) if projects is not None else {}
    pp = tables.get("project_products")
    if pp is not None:
        for row in _records(pp):
            status = "present" if project_status.get(str(row["project"])) == "operating" else "planned"
            add(str(row["product"]), "project", status, "project", str(row["project"]), row)
            if str(row.get("process", "") or ""):
                stated_process[f"project:{row['project']}/{row['product']}"].add(str(row["process"]))

    assets = tables.get("assets")
    if assets is not None:
        for _, row in assets.iterrows():
            kind = str(row["kind"])
            for product in _items(row.get("products", "")):
                if kind == "brand":
                    add(product, "brand", "present", "asset", str(row["id"]), row)
                elif kind in ("place", "route") and kinds.get(product) == "raw_material":
                    add(product, "resource", "present", "asset", str(row["id"]), row)

    indicators = tables.get("indicators")
    if indicators is not None and "products" in indicators:
        for _, row in indicators[_col(indicators, "kind") == "result"].iterrows():
            for product in _items(row["products"]):
                add(product, "activity", "present", "indicator", str(row["id"]), row)

    # What plants run: the direct evidence so far, strongest status per product, and per
    # maker (a company, project or brand) what it makes.
    made: dict[str, str] = {}
    makers: dict[str, dict[str, str]] = defaultdict(dict)
    for e in evidence:
        if e["rule"] in DIRECT_RULES:
            if made.get(e["product"]) != "present":
                made[e["product"]] = e["status"]
            makers[e["via_kind"] + ":" + e["via"]][e["product"]] = e["status"]
    local = {e["product"] for e in evidence}

    flows = process_table(tables.get("flows"))
    mains: dict[str, set[str]] = defaultdict(set)  # product -> processes with it as main output
    outputs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    inputs: dict[str, set[str]] = defaultdict(set)
    consumers: dict[str, set[str]] = defaultdict(set)
    for process, inp, out, relation in flows.itertuples(index=False):
        if relation == "main":
            mains[out].add(process)
        if (out, relation) not in outputs[process]:
            outputs[process].append((out, relation))
        inputs[process].add(inp)
        consumers[inp].add(out)

    runs = sorted(set(_runs(makers, stated_process, outputs)))

    for product, process, status in runs:
        for other, relation in outputs[process]:
            if other != product:
                add(other, "co_product", status, "product", product, process=process, relation=relation,
                    from_product=product)
    local |= {e["product"] for e in evidence}

    # Captive intermediates, upstream from the processes run, as far as the rule holds.
    tiers = dict(zip(products, _col(tables.get("products"), "value_tier")))
    inside = dict(made)  # product -> status: made, or made inside a plant
    frontier = [(product, process, status) for product, process, status in runs]
    while frontier:
        found = []
        for product, process, status in frontier:
            for inp in sorted(inputs[process]):
                if (inp in local or inp in inside or kinds.get(inp) != "intermediate" or inp in traded
                        or tiers.get(inp, "") in COMMODITY_TIERS or not consumers[inp] <= set(inside)):
                    continue
                add(inp, "captive", status, "product", product, process=process, from_product=product)
                inside[inp] = status
                found += [(inp, route, status) for route in sorted(mains[inp])]
        frontier = found

    frame = pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS)
    frame["_rule"] = frame["rule"].map(RULES.index)
    frame = frame.sort_values(["product", "_rule", "via"], kind="mergesort").drop(columns="_rule")
    frame = frame.drop_duplicates(["product", "rule", "via"]).reset_index(drop=True)

    # A product is present when any evidence says so, else planned; its basis is the first
    # rule (in RULES order) giving that status.
    present = (frame["status"] == "present").groupby(frame["product"]).transform("any")
    final = present.map({True: "present", False: "planned"})
    first = frame[frame["status"] == final].drop_duplicates("product")
    status = dict(zip(first["product"], first["status"]))
    basis = dict(zip(first["product"], first["rule"]))
    return StatusResult(
        status=pd.Series([status.get(p, "missing") for p in products], index=products, name="status", dtype=object),
        basis=pd.Series([basis.get(p, "") for p in products], index=products, name="basis", dtype=object),
        evidence=frame,
    )
