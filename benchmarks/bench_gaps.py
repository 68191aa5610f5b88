"""Scale benchmark of the gap analysis: :func:`kg.analysis.gaps.analyse` on a synthetic product graph.

The graph is built in memory (no store), shaped like the flow graphs of ``generate.py``:
products in layers, each fed by one to three products of the layer before (a few percent
from anywhere earlier), statuses mostly missing. Every id and label is synthetic.

    python -m benchmarks.bench_gaps 80000        # products; prints seconds per step
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np

from kg import vocab


def synthetic_graph(n_products: int, seed: int = 8, layer: int = 1000) -> nx.DiGraph:
    """A layered product graph of ``n_products`` nodes and about two edges per node."""
    rng = np.random.default_rng(seed)
    statuses = rng.choice(["present", "planned", "missing"], size=n_products, p=[0.1, 0.05, 0.85])
    chains = rng.choice(vocab.CHAIN_IDS, size=n_products)
    tiers = rng.integers(1, 4, size=n_products)
    G = nx.DiGraph()
    G.graph["chains"] = {c: {"label_zh": c, "label_en": c, "kind": "core"} for c in vocab.CHAIN_IDS}
    for i in range(n_products):
        producer = [{"id": f"c-{i}", "label_zh": f"c-{i}", "label_en": f"c-{i}"}] if statuses[i] == "present" else []
        G.add_node(f"p-{i:06d}", status=str(statuses[i]), chains=[str(chains[i])], value_tier=int(tiers[i]),
                   label_zh=f"合成产品 {i}", label_en=f"Synthetic product {i}", producers=producer,
                   candidates=[], projects=[], targeted=bool(rng.random() < 0.01))
    for i in range(layer, n_products):
        base = (i // layer - 1) * layer
        for j in rng.integers(base, base + layer, size=int(rng.integers(1, 4))):
            G.add_edge(f"p-{int(j):06d}", f"p-{i:06d}")
        if rng.random() < 0.03:
            G.add_edge(f"p-{int(rng.integers(0, i)):06d}", f"p-{i:06d}")
    return G


def main(argv: list[str] | None = None) -> None:
    from kg.analysis.gaps import analyse, completeness, find_gaps, score_components

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("products", type=int, nargs="?", default=80_000)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    G = synthetic_graph(args.products)
    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges in {time.perf_counter() - start:.1f} s")
    for name, func in (("completeness", completeness), ("score_components", score_components),
                       ("find_gaps", find_gaps), ("analyse", analyse)):
        start = time.perf_counter()
        result = func(G)
        size = len(result.gaps) if hasattr(result, "gaps") else len(result)
        print(f"{name}: {time.perf_counter() - start:.1f} s ({size} rows)")


if __name__ == "__main__":
    main()
