"""Whom to approach first, chosen when the graph is made: the few producers outside the zone
kept per product.

A national producers table can list thousands of companies for a commodity; a planner calls a
handful. For every product where a gap can be (not present in the zone, or made there by one
company only), the producers outside the zone are put in order and the first
:data:`CANDIDATES_KEPT` are marked on their production resource (``kg:candidateRank`` 1, 2,
…); every product with producers outside the zone carries how many there are
(``kg:candidateCount``). The product graph then reads the marked rows only, so its query is
the size of the products on any endpoint, not of the producers table.

The order is the one :func:`kg.analysis.candidates.rank_candidates` applies to a list's
targets, with the products not present in the zone standing for the targets:

1. more products not present in the zone made by the company (it would close more gaps);
2. more products present in the zone used as inputs of what it makes (it has a reason to
   come: its feedstock is here);
3. larger stated capacity for this product;
4. company id.

>>> import pandas as pd
>>> tables = {
...     "companies": pd.DataFrame({"id": ["a", "b", "z"], "location": ["external", "external", "zone"]}),
...     "company_products": pd.DataFrame({"company": ["a", "b", "b", "z"], "product": ["x", "x", "y", "s"],
...                                       "capacity": ["", "", "", ""]}),
...     "flows": pd.DataFrame({"input": ["s"], "output": ["y"]}),
... }
>>> status = pd.Series({"s": "present", "x": "missing", "y": "missing"})
>>> kept, counts = kept_candidates(tables, status)
>>> kept[["product", "company", "rank"]].values.tolist()
[['x', 'b', 1], ['x', 'a', 2], ['y', 'b', 1]]
>>> counts.to_dict()
{'x': 2, 'y': 1}
"""

from __future__ import annotations

import pandas as pd

CANDIDATES_KEPT = 5  # companies to approach kept per product (the count of all is kept too)


def _column(frame: pd.DataFrame | None, name: str) -> pd.Series:
    if frame is None or name not in frame:
        return pd.Series([], dtype=object)
    return frame[name].astype(str)


def kept_candidates(tables: dict[str, pd.DataFrame], status: pd.Series,
                    keep: int = CANDIDATES_KEPT) -> tuple[pd.DataFrame, pd.Series]:
    """The producers outside the zone to approach first, per product, and how many there are.

    ``tables`` holds at least companies (id, location) and company_products (company,
    product, capacity); flows (input, output) when there are any. ``status`` is each
    product's derived zone status (``present``, ``planned`` or ``missing``), indexed by id.

    Returns ``(kept, counts)``: ``kept`` has one row per (product, company) kept, with columns
    ``product``, ``company`` and ``rank`` (1 = approach first), sorted by product and rank;
    ``counts`` is the number of distinct producers outside the zone per product (every
    product that has one), sorted by product.
    """
    companies, cp = tables.get("companies"), tables.get("company_products")
    location = dict(zip(_column(companies, "id"), _column(companies, "location")))
    rows = pd.DataFrame({"company": _column(cp, "company"), "product": _column(cp, "product")})
    capacity = pd.to_numeric(cp["capacity"], errors="coerce") if cp is not None and "capacity" in cp else None
    rows["capacity"] = (capacity.fillna(0.0).to_numpy() if capacity is not None else 0.0)
    where = rows["company"].map(location)
    external = (rows[where == "external"].groupby(["product", "company"], as_index=False)["capacity"].max())
    counts = external.groupby("product")["company"].size().sort_index()
    empty = pd.DataFrame({"product": pd.Series([], dtype=object), "company": pd.Series([], dtype=object),
                          "rank": pd.Series([], dtype=int)})
    if external.empty:
        return empty, counts.astype(int)

    status = status.astype(str)
    present = set(status.index[status == "present"])
    zone_makers = rows[where == "zone"].groupby("product")["company"].nunique()
    # A gap can be where the zone does not make the product, or only one company there does.
    wanted = ~external["product"].isin(present) | external["product"].map(zone_makers).fillna(0).le(1)

    opens = external[~external["product"].isin(present)].groupby("company").size()
    flows = tables.get("flows")
    local_inputs = pd.DataFrame({"input": _column(flows, "input"), "output": _column(flows, "output")})
    local_inputs = local_inputs[local_inputs["input"].isin(present)].drop_duplicates()
    uses = (external[["company", "product"]].merge(local_inputs, left_on="product", right_on="output")
            .drop_duplicates(["company", "input"]).groupby("company").size())

    ranked = external[wanted].copy()
    ranked["opens"] = ranked["company"].map(opens).fillna(0).to_numpy()
    ranked["uses"] = ranked["company"].map(uses).fillna(0).to_numpy()
    ranked = ranked.sort_values(["product", "opens", "uses", "capacity", "company"],
                                ascending=[True, False, False, False, True], kind="stable")
    ranked["rank"] = ranked.groupby("product").cumcount() + 1
    kept = ranked[ranked["rank"] <= keep][["product", "company", "rank"]].reset_index(drop=True)
    return kept, counts.astype(int)
