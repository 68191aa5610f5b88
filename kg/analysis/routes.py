"""The routes of a product: which inputs each process that makes it needs.

A process may take one of several inputs for the same need (the alkali of a hydrolysis: potash
or caustic soda); flows.csv marks them with a shared ``alternative`` name, and the product graph
keeps it on the edge. The analyses count such a need once.
"""

from __future__ import annotations

import networkx as nx


def input_groups(G: nx.DiGraph, p: str, main_only: bool = True) -> dict[str, list[list[tuple[str, float | None]]]]:
    """The inputs of each process that makes ``p`` (by process id; a flow without one is the
    product's own route), as the inputs the process needs: a list per need, holding the one
    input, or the inputs that stand in for each other there (edge attribute ``alternative``),
    each as (input, ratio). ``main_only``: only processes with ``p`` as their main output.

    >>> G = nx.DiGraph()
    >>> G.add_edge("h", "m", process="x")
    >>> G.add_edge("koh", "m", process="x", alternative="alkali")
    >>> G.add_edge("naoh", "m", process="x", alternative="alkali")
    >>> input_groups(G, "m")
    {'x': [[('h', None)], [('koh', None), ('naoh', None)]]}
    """
    routes: dict[str, dict[str, list[tuple[str, float | None]]]] = {}
    for q, e in G.pred[p].items():
        if main_only and (e.get("relation") or "main") != "main":
            continue
        need = "alternative:" + e["alternative"] if e.get("alternative") else "input:" + q
        routes.setdefault(e.get("process") or p, {}).setdefault(need, []).append((q, e.get("ratio")))
    return {process: list(needs.values()) for process, needs in routes.items()}
