"""Whom to approach: the companies outside the park that make a product to recruit, ranked.

A company ranks higher when it would close more of the park's gaps at once (it makes several
products on the recruit list) and when it already uses what the park makes (one of its
products is made from a product present in the zone: it has a reason to come). Ties go to
the larger stated capacity, then the company id.

>>> import networkx as nx
>>> G = nx.DiGraph()
>>> G.add_node("salt", status="present", candidates=[])
>>> G.add_node("a", status="missing", candidates=[{"id": "x"}, {"id": "y"}])
>>> G.add_node("b", status="missing", candidates=[{"id": "y"}])
>>> G.add_edge("salt", "b")
>>> [c["id"] for c in rank_candidates(G, {"a", "b"})["a"]]
['y', 'x']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx


def rank_candidates(G: nx.DiGraph, targets: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Per target product, its external producers (node attribute ``candidates``) ranked as
    the module says, each with ``closes`` (the targets it makes) and ``uses_local`` (the
    products present in the zone its products are made from)."""
    targets = set(targets)
    makes: dict[str, set[str]] = defaultdict(set)
    for p, d in G.nodes(data=True):
        for c in d.get("candidates") or ():
            makes[c["id"]].add(p)
    present = {q for q, status in G.nodes(data="status") if status == "present"}
    local_inputs = {p: {q for q in G.predecessors(p) if q in present} for p in set().union(*makes.values())}
    uses = {company: set().union(*(local_inputs[p] for p in products)) for company, products in makes.items()}
    ranked = {}
    for p in sorted(targets):
        rows = []
        for c in G.nodes[p].get("candidates") or ():
            closes = sorted(makes[c["id"]] & targets)
            rows.append({**c, "closes": closes, "uses_local": sorted(uses[c["id"]])})
        rows.sort(key=lambda r: (-len(r["closes"]), -len(r["uses_local"]), -float(r.get("capacity") or 0), r["id"]))
        ranked[p] = rows
    return ranked
