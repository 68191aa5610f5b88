"""Gap analysis and recruitment ranking on the product-flow graph.

Three questions a planner (招商) asks, each a plain function over the graph of
:func:`kg.store.projection.product_graph`:

- :func:`completeness`: how complete is each chain (share of its products made in the zone)?
- :func:`find_gaps`: which links are missing (缺链), weak (弱链), broken upstream (断链) or
  stop short downstream (延链), and why, naming the products involved?
- :func:`score_components` and :func:`analyse`: what to recruit first, as a weighted sum of
  named components in [0, 1], so that every rank explains itself.

A product counts as *local* when its status is ``present`` (weight 1) or ``planned``
(weight 0.5, see :data:`LOCAL_WEIGHT`); ``missing`` products count 0.

>>> import networkx as nx
>>> G = nx.DiGraph()
>>> G.add_node("a", status="present", chains=["salt"], value_tier=1)
>>> G.add_node("b", status="missing", chains=["salt"], value_tier=3)
>>> G.add_edge("a", "b")
>>> result = analyse(G)
>>> result.ranking[["id", "gap_type"]].values.tolist()
[['b', 'missing']]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kg import vocab
from kg.errors import KgError
from kg.store.projection import product_graph

LOCAL_WEIGHT = {"present": 1.0, "planned": 0.5, "missing": 0.0}
"""How much a product counts as available in the zone, by status: an operating producer
counts fully, a project not yet operating counts half, nothing counts zero."""

REACH_DEPTH = 3
"""How many processing steps downstream ``downstream_reach`` looks (a bounded breadth-first
search, so its cost stays linear in the graph even with tens of thousands of products)."""


@dataclass(frozen=True)
class Facts:
    """What the components read, gathered once per graph (plain dicts, so each component
    costs O(degree) per product): local weight, chains, inputs, consumers, tier, targeting."""

    local: dict[str, float]
    chains: dict[str, tuple[str, ...]]
    inputs: dict[str, list[str]]
    consumers: dict[str, list[str]]
    tier: dict[str, int]
    targeted: dict[str, bool]

    @classmethod
    def of(cls, G: nx.DiGraph) -> Facts:
        nodes = G.nodes
        return cls(
            local={p: LOCAL_WEIGHT.get(d.get("status", "missing"), 0.0) for p, d in nodes(data=True)},
            chains={p: tuple(d.get("chains") or ()) for p, d in nodes(data=True)},
            inputs={p: list(adj) for p, adj in G.pred.items()},
            consumers={p: list(adj) for p, adj in G.succ.items()},
            tier={p: int(d.get("value_tier") or 1) for p, d in nodes(data=True)},
            targeted={p: bool(d.get("targeted")) for p, d in nodes(data=True)},
        )


def _feedstock_readiness(f: Facts, p: str) -> float:
    """本地原料保障 Local feedstock readiness: the share of the product's inputs (its
    predecessors in the flow graph) available in the zone, each counted by
    :data:`LOCAL_WEIGHT`. A product with no inputs in the graph (a raw material) scores 0:
    nothing in the zone makes it easier to produce. Example: inputs A present, B planned,
    C missing → (1 + 0.5 + 0) / 3 = 0.5."""
    inputs = f.inputs[p]
    if not inputs:
        return 0.0
    return sum(f.local[q] for q in inputs) / len(inputs)


def _demand_pull(f: Facts, p: str) -> float:
    """本地需求拉动 Local demand pull (raw value): local consumers waiting for the product:
    its successors, each counted by :data:`LOCAL_WEIGHT`. Scaled to [0, 1] by the largest
    value of any product in the graph."""
    return sum(f.local[q] for q in f.consumers[p])


def _bridging(f: Facts, p: str) -> float:
    """断链修复 Bridging (raw value): the local input → product → local consumer paths that
    run through this product, i.e. (local inputs) × (local consumers), each counted by
    :data:`LOCAL_WEIGHT`. For a missing product these are the broken local chains it alone
    would reconnect; for a weak one, the chains hanging on its single producer. Scaled to
    [0, 1] by the largest value in the graph."""
    return sum(f.local[q] for q in f.inputs[p]) * sum(f.local[q] for q in f.consumers[p])


def _downstream_reach(f: Facts, p: str) -> float:
    """延链潜力 Downstream reach (raw value): products within :data:`REACH_DEPTH` processing
    steps downstream that the zone does not make yet (not ``present``): what making this
    product would let the zone extend into. Scaled to [0, 1] by the largest value in the
    graph."""
    seen = {p}
    frontier = [p]
    for _ in range(REACH_DEPTH):
        frontier = [q for r in frontier for q in f.consumers[r] if not (q in seen or seen.add(q))]
        if not frontier:
            break
    return sum(1 for q in seen if q != p and f.local[q] < 1.0)


def _value_tier(f: Facts, p: str) -> float:
    """附加值 Value tier: the product's value tier (1 bulk, 2 intermediate value, 3 high
    value, from products.csv) mapped to 0, 0.5, 1."""
    return min(max((f.tier[p] - 1) / 2, 0.0), 1.0)


def _strategic_target(f: Facts, p: str) -> float:
    """招引方向 Strategic targeting: 1 when a source names the product as a direction to
    recruit or develop (targets.csv), else 0."""
    return 1.0 if f.targeted[p] else 0.0


def _cross_chain(f: Facts, p: str) -> float:
    """跨链协同 Cross-chain synergy (raw value): how many chains the product ties together:
    the distinct chains of the product and of its local inputs and consumers, minus one.
    Scaled to [0, 1] by the largest value in the graph."""
    chains = set(f.chains[p])
    for q in (*f.inputs[p], *f.consumers[p]):
        if f.local[q] > 0:
            chains.update(f.chains[q])
    return max(len(chains) - 1, 0)


COMPONENTS = {
    "feedstock_readiness": (_feedstock_readiness, False),
    "demand_pull": (_demand_pull, True),
    "bridging": (_bridging, True),
    "downstream_reach": (_downstream_reach, True),
    "value_tier": (_value_tier, False),
    "strategic_target": (_strategic_target, False),
    "cross_chain": (_cross_chain, True),
}
"""Component name → (function of (:class:`Facts`, product), whether its raw value is scaled by the
largest value in the graph). Each function's docstring is the component's definition."""

DEFAULT_WEIGHTS: dict[str, float] = {
    "feedstock_readiness": 0.20,
    "demand_pull": 0.20,
    "bridging": 0.15,
    "downstream_reach": 0.10,
    "value_tier": 0.10,
    "strategic_target": 0.15,
    "cross_chain": 0.10,
}
"""Default weight of each component (they sum to 1). The score is the weighted average
Σ wᵢ·xᵢ / Σ wᵢ, so it stays in [0, 1] whatever the weights. Override them with a weights
file (``name = value`` lines, ``#`` comments) or ``--weight name=value``."""

SHORT_NAMES = {
    "feedstock_readiness": "feed", "demand_pull": "demand", "bridging": "bridge",
    "downstream_reach": "reach", "value_tier": "value", "strategic_target": "target",
    "cross_chain": "cross",
}

COMPONENT_LABELS = {
    "feedstock_readiness": ("本地原料保障", "feedstock readiness"),
    "demand_pull": ("本地需求拉动", "demand pull"),
    "bridging": ("断链修复", "bridging"),
    "downstream_reach": ("延链潜力", "downstream reach"),
    "value_tier": ("附加值", "value tier"),
    "strategic_target": ("招引方向", "strategic target"),
    "cross_chain": ("跨链协同", "cross-chain synergy"),
}

GAP_LABELS = {
    "missing": ("缺链", "missing"),
    "weak": ("弱链", "weak"),
    "upstream_break": ("断链", "upstream break"),
    "downstream_break": ("延链", "downstream break"),
}


def _local(G: nx.DiGraph, p: str) -> float:
    return LOCAL_WEIGHT.get(G.nodes[p].get("status", "missing"), 0.0)


def _is_local(G: nx.DiGraph, p: str) -> bool:
    return G.nodes[p].get("status") in ("present", "planned")


def local_suppliers(G: nx.DiGraph, p: str) -> list[str]:
    """Who makes the product in the zone now: its zone producers plus the companies (or,
    without a company, the projects) of its operating projects, as sorted ids."""
    data = G.nodes[p]
    ids = {d["id"] for d in data.get("producers") or ()}
    for project in data.get("projects") or ():
        if project.get("status") == "operating":
            ids.add(project.get("company") or project["id"])
    return sorted(ids)


# ---------------------------------------------------------------- weights

def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The weights as a full dict (components not named keep their default), or a
    :class:`KgError` naming the unknown component or bad value."""
    result = dict(DEFAULT_WEIGHTS)
    for name, value in weights.items():
        if name not in COMPONENTS:
            raise KgError(f"unknown score component {name!r}; known: {', '.join(COMPONENTS)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise KgError(f"weight of {name!r} must be a number >= 0, got {value!r}") from None
        if not math.isfinite(number) or number < 0:
            raise KgError(f"weight of {name!r} must be a number >= 0, got {value!r}")
        result[name] = number
    if sum(result.values()) <= 0:
        raise KgError("at least one weight must be above 0")
    return result


def parse_weight(text: str, where: str = "--weight") -> tuple[str, str]:
    """``"name=value"`` → (name, value), or a KgError naming ``where``."""
    if "=" not in text:
        raise KgError(f"{where}: expected name = value, got {text!r}")
    name, value = (part.strip() for part in text.split("=", 1))
    return name, value


def read_weights(path: Path) -> dict[str, float]:
    """Weights from a file of ``name = value`` lines (blank lines and ``#`` comments
    ignored), e.g. ``strategic_target = 0.3``; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KgError(f"cannot read the weights file {path}: {exc}") from exc
    weights: dict[str, float] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = re.sub(r"#.*", "", line).strip()
        if not line:
            continue
        name, value = parse_weight(line, f"{path}, line {n}")
        try:
            check_weights({name: value})
        except KgError as exc:
            raise KgError(f"{path}, line {n}: {exc}") from None
        weights[name] = float(value)
    return weights


def resolve_weights(file: Path | None = None, options: Iterable[str] = ()) -> dict[str, float]:
    """The default weights, overridden by a weights file, then by ``name=value`` options."""
    weights: dict[str, Any] = dict(read_weights(file)) if file else {}
    for option in options:
        name, value = parse_weight(option)
        weights[name] = value
    return check_weights(weights)


# ---------------------------------------------------------------- completeness

def completeness(G: nx.DiGraph) -> pd.DataFrame:
    """One row per chain: how many of its products are present, planned and missing in the
    zone; ``completeness`` is the share present and ``completeness_planned`` the share
    present or planned (0 for a chain with no products). Chains come from
    ``G.graph["chains"]`` and from the products' own chain lists.

    >>> G = nx.DiGraph()
    >>> G.add_node("a", status="present", chains=["salt"])
    >>> G.add_node("b", status="planned", chains=["salt"])
    >>> completeness(G)[["chain", "completeness", "completeness_planned"]].values.tolist()
    [['salt', 0.5, 1.0]]
    """
    info = dict(G.graph.get("chains") or {})
    counts: dict[str, dict[str, int]] = {c: {s: 0 for s in vocab.PRODUCT_STATUSES} for c in info}
    for _, data in G.nodes(data=True):
        for chain in data.get("chains") or ():
            counts.setdefault(chain, {s: 0 for s in vocab.PRODUCT_STATUSES})
            counts[chain][data.get("status", "missing")] += 1
    rows = []
    for chain in sorted(counts, key=_chain_order):
        c = counts[chain]
        total = sum(c.values())
        meta = info.get(chain, {})
        rows.append({
            "chain": chain, "label_zh": meta.get("label_zh", chain), "label_en": meta.get("label_en", chain),
            "kind": meta.get("kind", ""), "products": total, "present": c["present"], "planned": c["planned"],
            "missing": c["missing"],
            "completeness": round(c["present"] / total, 4) if total else 0.0,
            "completeness_planned": round((c["present"] + c["planned"]) / total, 4) if total else 0.0,
        })
    columns = ["chain", "label_zh", "label_en", "kind", "products", "present", "planned", "missing",
               "completeness", "completeness_planned"]
    return pd.DataFrame(rows, columns=columns)


def _chain_order(chain: str) -> tuple[int, str]:
    return (vocab.CHAIN_IDS.index(chain) if chain in vocab.CHAIN_IDS else len(vocab.CHAIN_IDS), chain)


# ---------------------------------------------------------------- components and gaps

def score_components(G: nx.DiGraph) -> pd.DataFrame:
    """One row per product (index: product id, sorted), one column per component of
    :data:`COMPONENTS`, each in [0, 1]. Every component costs O(degree) per product
    (``downstream_reach`` a bounded search), so the whole table is linear in the graph.

    >>> G = nx.DiGraph()
    >>> G.add_node("a", status="present", chains=["salt"], value_tier=1)
    >>> G.add_node("b", status="missing", chains=["fine"], value_tier=2)
    >>> G.add_edge("a", "b")
    >>> score_components(G).loc["b", ["feedstock_readiness", "value_tier", "cross_chain"]].tolist()
    [1.0, 0.5, 1.0]
    """
    nodes = sorted(G.nodes)
    facts = Facts.of(G)
    frame = pd.DataFrame(index=pd.Index(nodes, name="id"))
    for name, (func, scaled) in COMPONENTS.items():
        values = pd.Series([float(func(facts, p)) for p in nodes], index=frame.index, dtype=float)
        if scaled:
            top = values.max() if len(values) else 0.0
            values = values / top if top > 0 else values * 0.0
        frame[name] = values.clip(0.0, 1.0).round(6)
    return frame


def weighted_score(components: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Σ wᵢ·xᵢ / Σ wᵢ per row: the recruitment priority, in [0, 1]."""
    weights = check_weights(weights)
    total = sum(weights.values())
    score = sum(components[name] * w for name, w in weights.items()) / total
    return score.clip(0.0, 1.0).round(6)


def _names(G: nx.DiGraph, ids: Iterable[str], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(G.nodes[i].get(f"label_{lang}", i) for i in ids)


def _party_names(parties: Iterable[str], labels: Mapping[str, str]) -> str:
    return "、".join(labels.get(p, p) for p in parties)


def product_gaps(G: nx.DiGraph, p: str) -> list[tuple[str, str, str]]:
    """The gaps of one product as (gap_type, reason_zh, reason_en), in :data:`GAP_TYPES` order.

    - missing (缺链): no producer and no project in the zone;
    - weak (弱链): present with a single named local supplier (a zone producer or the
      company of an operating project), and a local product downstream depends on it;
    - upstream_break (断链): present or planned, but one of its inputs is missing in the zone;
    - downstream_break (延链): present or planned, the graph knows products made from it,
      and none of them is made or planned in the zone.
    """
    data = G.nodes[p]
    status = data.get("status", "missing")
    inputs = sorted(G.predecessors(p))
    consumers = sorted(G.successors(p))
    local_in = [q for q in inputs if _is_local(G, q)]
    local_out = [q for q in consumers if _is_local(G, q)]
    name_zh, name_en = data.get("label_zh", p), data.get("label_en", p)
    found = []
    if status == "missing":
        zh = f"{name_zh}：区内无生产企业，也无在建或规划项目"
        en = f"{name_en}: no producer and no project in the zone"
        if local_in:
            zh += f"；本地原料{_names(G, local_in, 'zh')}可供"
            en += f"; local inputs available: {_names(G, local_in, 'en')}"
        if local_out:
            zh += f"；本地下游{_names(G, local_out, 'zh')}需要它"
            en += f"; local consumers waiting: {_names(G, local_out, 'en')}"
        found.append(("missing", zh, en))
    suppliers = local_suppliers(G, p)
    # Present without a named supplier (e.g. named by a brand of the zone): how many make it
    # is unknown, so it is not called weak.
    unnamed = data.get("unnamed_supply", status == "present" and not suppliers)
    if status == "present" and len(suppliers) == 1 and not unnamed and local_out:
        labels_zh = {d["id"]: d["label_zh"] for d in (data.get("producers") or [])}
        labels_en = {d["id"]: d["label_en"] for d in (data.get("producers") or [])}
        found.append(("weak",
                      f"{name_zh}：仅{_party_names(suppliers, labels_zh)}一家本地供应，"
                      f"下游{_names(G, local_out, 'zh')}依赖它",
                      f"{name_en}: a single local supplier ({_party_names(suppliers, labels_en)}), "
                      f"and local {_names(G, local_out, 'en')} depend{'s' if len(local_out) == 1 else ''} on it"))
    if status in ("present", "planned"):
        missing_in = [q for q in inputs if not _is_local(G, q)]
        if missing_in:
            found.append(("upstream_break",
                          f"{name_zh}：原料{_names(G, missing_in, 'zh')}区内无供应",
                          f"{name_en}: input{'s' if len(missing_in) > 1 else ''} {_names(G, missing_in, 'en')} "
                          f"{'have' if len(missing_in) > 1 else 'has'} no local supply"))
        if consumers and not local_out:
            found.append(("downstream_break",
                          f"{name_zh}：区内产出，但下游{_names(G, consumers, 'zh')}区内均无",
                          f"{name_en}: made in the zone, but none of its uses "
                          f"({_names(G, consumers, 'en')}) is in the zone"))
    return found


GAP_COLUMNS = ["product", "id", "label_zh", "label_en", "chain", "gap_type", "status", "reason_zh",
               "reason_en", "score", "components", *COMPONENTS, "candidates", "local_inputs",
               "local_consumers"]


def find_gaps(G: nx.DiGraph) -> pd.DataFrame:
    """One row per (product, chain, gap_type) with a one-line reason in Chinese and English
    naming the products involved; sorted by product id, chain and gap type. (A product in no
    chain gets one row with chain ``""``.) :func:`analyse` adds the scores.

    >>> G = nx.DiGraph()
    >>> G.add_node("a", status="present", chains=["salt"], label_en="A")
    >>> G.add_node("b", status="missing", chains=["salt"], label_en="B")
    >>> G.add_edge("b", "a")
    >>> find_gaps(G)[["id", "gap_type"]].values.tolist()
    [['a', 'upstream_break'], ['b', 'missing']]
    """
    return _gap_frame(G, {p: product_gaps(G, p) for p in G.nodes})


def _gap_frame(G: nx.DiGraph, found: Mapping[str, list[tuple[str, str, str]]]) -> pd.DataFrame:
    rows = []
    for p in sorted(G.nodes):
        data = G.nodes[p]
        gaps = found[p]
        if not gaps:
            continue
        local_in = [q for q in sorted(G.predecessors(p)) if _is_local(G, q)]
        local_out = [q for q in sorted(G.successors(p)) if _is_local(G, q)]
        for chain in data.get("chains") or [""]:
            for gap_type, zh, en in gaps:
                rows.append({
                    "product": data.get("iri", vocab.resource("product", p)), "id": p,
                    "label_zh": data.get("label_zh", p), "label_en": data.get("label_en", p),
                    "chain": chain, "gap_type": gap_type, "status": data.get("status", "missing"),
                    "reason_zh": zh, "reason_en": en,
                    "candidates": list(data.get("candidates") or []),
                    "local_inputs": local_in, "local_consumers": local_out,
                })
    columns = [c for c in GAP_COLUMNS if c not in ("score", "components", *COMPONENTS)]
    return pd.DataFrame(rows, columns=columns)


@dataclass
class GapAnalysis:
    """Everything :func:`analyse` finds: the graph (with ``gap_types``, ``score`` and
    ``components`` set on each node), per-chain completeness, the gaps, the ranking of
    missing and weak products, and the weights used."""

    graph: nx.DiGraph
    completeness: pd.DataFrame
    gaps: pd.DataFrame
    ranking: pd.DataFrame
    weights: dict[str, float] = field(default_factory=dict)


def analyse(store_or_graph: Any, weights: Mapping[str, float] | None = None) -> GapAnalysis:
    """Completeness, gaps and the recruitment ranking of a store (read with
    :func:`kg.store.projection.product_graph`) or of a product graph directly.

    ``gaps`` lists the gaps to recruit for (missing, weak) first, then the breaks
    (upstream_break, downstream_break); within each group by score (highest first), then
    product id, chain and gap type. A row's score and components are its product's.

    ``ranking`` has one row per missing or weak product, sorted by score (highest first),
    then id, with ``rank`` shared by equal scores (1, 2, 2, 4, ...).
    """
    if isinstance(store_or_graph, nx.DiGraph):
        G = store_or_graph
    else:
        G = product_graph(store_or_graph)
    weights = check_weights(weights or {})
    components = score_components(G)
    score = weighted_score(components, weights)

    gap_types: dict[str, list[str]] = {p: [] for p in G.nodes}
    found = {p: product_gaps(G, p) for p in G.nodes}
    gaps = _gap_frame(G, found)
    for p, t in zip(gaps["id"], gaps["gap_type"]):
        if t not in gap_types[p]:
            gap_types[p].append(t)
    by_product = components.to_dict("index")
    scores = score.to_dict()
    for p in G.nodes:
        G.nodes[p]["gap_types"] = sorted(gap_types[p], key=vocab.GAP_TYPES.index)
        G.nodes[p]["score"] = float(scores[p])
        G.nodes[p]["components"] = {name: float(by_product[p][name]) for name in COMPONENTS}

    gaps["score"] = gaps["id"].map(score).astype(float)
    gaps["components"] = [G.nodes[p]["components"] for p in gaps["id"]]
    for name in COMPONENTS:
        gaps[name] = gaps["id"].map(components[name]).astype(float)
    gaps["_type"] = gaps["gap_type"].map(vocab.GAP_TYPES.index)
    gaps["_break"] = gaps["_type"] >= 2
    gaps = (gaps.sort_values(["_break", "score", "id", "chain", "_type"], ascending=[True, False, True, True, True],
                             kind="mergesort")
            .reset_index(drop=True)[GAP_COLUMNS])

    ranking = _ranking(G, found)
    return GapAnalysis(G, completeness(G), gaps, ranking, weights)


RANKING_COLUMNS = ["rank", "product", "id", "label_zh", "label_en", "chains", "gap_type", "status", "score",
                   *COMPONENTS, "components", "candidates", "local_inputs", "local_consumers",
                   "reason_zh", "reason_en"]


def _ranking(G: nx.DiGraph, found: Mapping[str, list[tuple[str, str, str]]]) -> pd.DataFrame:
    """The missing and weak products with the score and components set on the nodes."""
    rows = []
    for p in sorted(G.nodes):
        gaps = [g for g in found[p] if g[0] in ("missing", "weak")]
        if not gaps:
            continue
        gap_type, zh, en = gaps[0]
        data = G.nodes[p]
        rows.append({
            "product": data.get("iri", vocab.resource("product", p)), "id": p,
            "label_zh": data.get("label_zh", p), "label_en": data.get("label_en", p),
            "chains": list(data.get("chains") or []), "gap_type": gap_type, "status": data.get("status", "missing"),
            "score": data["score"], **data["components"],
            "components": dict(data["components"]),
            "candidates": list(data.get("candidates") or []),
            "local_inputs": [q for q in sorted(G.predecessors(p)) if _is_local(G, q)],
            "local_consumers": [q for q in sorted(G.successors(p)) if _is_local(G, q)],
            "reason_zh": zh, "reason_en": en,
        })
    frame = pd.DataFrame(rows, columns=[c for c in RANKING_COLUMNS if c != "rank"])
    frame = frame.sort_values(["score", "id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    frame.insert(0, "rank", frame["score"].rank(method="min", ascending=False).astype("int64"))
    return frame


def gap_records(gaps: pd.DataFrame) -> list[dict[str, Any]]:
    """The gaps as the JSON objects the design fixes: ``product`` (IRI), ``id``,
    ``label_zh``, ``label_en``, ``chain``, ``gap_type``, ``score``, ``components``
    (name → value in [0, 1]), ``reason_zh``, ``reason_en``, ``candidates`` (companies
    outside the zone that make it), ``local_inputs``, ``local_consumers``."""
    keys = ["product", "id", "label_zh", "label_en", "chain", "gap_type", "status", "score", "components",
            "reason_zh", "reason_en", "candidates", "local_inputs", "local_consumers"]
    records = []
    for row in gaps.to_dict("records"):
        record = {k: row[k] for k in keys if k in row}
        record["score"] = float(record["score"])
        record["components"] = {k: float(v) for k, v in record["components"].items()}
        records.append(record)
    return records
