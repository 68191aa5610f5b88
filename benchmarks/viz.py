"""Scale benchmark of the explorer (`kg viz`): page generation in Python and, in headless
Chromium, the time until the network is drawn and the time a chain filter takes.

The graphs are synthetic layered product-flow graphs (ids ``p0``..., labels say synthetic),
in the seven fixed chains, with statuses, gap types and scores drawn at random::

    python -m benchmarks.viz 50 500 2000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import networkx as nx

from kg import vocab
from kg.outputs.explorer import explorer_html


def synthetic_graph(n: int, seed: int = 5) -> nx.DiGraph:
    """A layered flow graph of ``n`` synthetic products spread over the fixed chains."""
    rng = random.Random(seed)
    G = nx.DiGraph(chains={c: {"label_zh": f"合成链 {c}", "label_en": f"Synthetic {c}", "kind": "core"}
                           for c in vocab.CHAIN_IDS})
    layers: dict[tuple[str, int], list[str]] = {}
    for i in range(n):
        chain = vocab.CHAIN_IDS[i % len(vocab.CHAIN_IDS)]
        layer = rng.randrange(8)
        chains = [chain] + ([rng.choice(vocab.CHAIN_IDS)] if rng.random() < 0.1 else [])
        status = rng.choices(vocab.PRODUCT_STATUSES, weights=(2, 1, 7))[0]
        gaps = ["missing"] if status == "missing" else (["weak"] if rng.random() < 0.3 else [])
        G.add_node(f"p{i}", label_zh=f"合成产品 {i}", label_en=f"Synthetic product {i}", chains=sorted(set(chains)),
                   segment=vocab.SEGMENTS[min(layer // 3, 2)], kind="intermediate", value_tier=1 + layer % 3,
                   status=status, producers=[], candidates=[], projects=[], targeted=False, target_quotes=[],
                   sources=["synthetic"], gap_types=gaps, score=rng.random() if gaps else None,
                   components={"demand_pull": rng.random()} if gaps else {})
        layers.setdefault((chain, layer), []).append(f"p{i}")
    for (chain, layer), ids in layers.items():
        before = layers.get((chain, layer - 1), [])
        for p in ids:
            for q in rng.sample(before, min(len(before), rng.randint(1, 3))):
                G.add_edge(q, p)
    return G


def measure(n: int, browser, folder: Path) -> dict[str, float]:
    G = synthetic_graph(n)
    start = time.perf_counter()
    html = explorer_html(G)
    generate = time.perf_counter() - start
    path = folder / f"graph-{n}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    start = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=120_000)
    drawn = time.perf_counter() - start
    start = time.perf_counter()
    page.locator("#chain-filter label:has(input[data-chain='fluorine']) button.only").click()
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    filtered = time.perf_counter() - start
    page.close()
    return {"products": n, "flows": G.number_of_edges(), "html_mb": len(html.encode()) / 1e6,
            "generate_s": generate, "drawn_s": drawn, "filter_s": filtered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[50, 500, 2000])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        print(f"{'products':>8} {'flows':>6} {'html MB':>8} {'generate s':>10} {'drawn s':>8} {'filter s':>8}")
        for n in args.sizes:
            r = measure(n, browser, Path(tmp))
            print(f"{r['products']:>8} {r['flows']:>6} {r['html_mb']:>8.2f} {r['generate_s']:>10.2f} "
                  f"{r['drawn_s']:>8.2f} {r['filter_s']:>8.2f}")
        browser.close()


if __name__ == "__main__":
    main()
