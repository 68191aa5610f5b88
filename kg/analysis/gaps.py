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
import numpy as np
import pandas as pd

from kg import vocab
from kg.analysis import lists
from kg.analysis.candidates import rank_candidates
from kg.analysis.facts import fact_numbers, fact_words
from kg.analysis.routes import input_groups
from kg.analysis.sensitivity import rank_ranges
from kg.collector import paused
from kg.errors import KgError
from kg.store.projection import product_graph
from kg.words import COMPONENTS as COMPONENT_LABELS  # noqa: F401  (the names people see: kg.words)
from kg.words import GAP_TYPES as GAP_LABELS  # noqa: F401

LOCAL_WEIGHT = {"present": 1.0, "planned": 0.5, "missing": 0.0}
"""How much a product counts as available in the zone, by status: an operating producer
counts fully, a project not yet operating counts half, nothing counts zero."""

REACH_DEPTH = 3
"""How many processing steps downstream ``downstream_reach`` looks (a bounded breadth-first
search, so its cost stays linear in the graph even with tens of thousands of products)."""


HELD_BACK_SHARE = 1.0
"""Without input ratios, the inputs of a route share its feedstock equally, and one more
share of that size is held back for the inputs the template does not model: a product with
one modelled input that is local scores 0.5, not 1 (thin data earns partial credit)."""

OUTLET_STRENGTH = {"co_product": 1.0, "by_product": 1.0, "main": 0.5}
"""How much a local product with no local use weighs as an outlet to fill (消纳), by how it
is made: a co- or by-product must be sold or disposed of whatever the market (chlorine
beside caustic soda, HCl, carbon tetrachloride), a main product only looks for a buyer."""

TARGET_WORDS = (
    ("着力引进", 1.0), ("重点引进", 1.0), ("大力引进", 1.0), ("精准引进", 1.0),
    ("加快推进", 0.7), ("积极引进", 0.7), ("引进", 0.7), ("推进", 0.6), ("打造", 0.6),
    ("支持", 0.4), ("培育", 0.4), ("发展", 0.4), ("开发", 0.4),
)
"""Strength of a stated target by the wording of its quote: the first phrase found, in this
order, gives the strength (着力引进 "focus on attracting" > 加快推进 "speed up" > 支持/培育
"support/cultivate"); a target whose quote has none of them counts 0.5."""

PROJECT_TARGET_STRENGTH = 0.3
"""A stated project in the pipeline (reserve to under construction, :data:`PIPELINE_STATUSES`)
that names a chain but no product (氟源科技高端氟化工产业园, reserve) targets its chain's
products at this strength. A project with no stated status (a research grant, 中盐盐湖蒸氯液综合
利用项目) targets nothing."""
PIPELINE_STATUSES = ("reserve", "signed", "approved", "under_construction")

MARKET_SCORE = {"growing": 1.0, "stable": 0.5, "overcapacity": 0.0}
"""market_outlook by the stated outlook; unknown counts as stable (0.5), and says so."""

PRICE_SCALE = (1_000.0, 1_000_000.0)
"""value_tier from a stated price: log-scaled between 1,000 元/t (0) and 1,000,000 元/t (1)."""


def target_strength(quotes: Iterable[str]) -> float:
    """The strongest :data:`TARGET_WORDS` strength among a target's quotes (0.5 when a quote
    has no known wording; 0 without quotes).

    >>> target_strength(["着力引进半导体芯片、集成电路等高附加值项目"])
    1.0
    >>> target_strength(["培育自主品牌赛事"])
    0.4
    """
    best = 0.0
    for quote in quotes:
        strength = next((w for phrase, w in TARGET_WORDS if phrase in quote), 0.5)
        best = max(best, strength)
    return best


@dataclass(frozen=True)
class Facts:
    """What the components read, gathered once per graph (plain dicts, so each component
    costs O(degree) per product): local weight, chains, inputs, consumers, routes, value,
    targeting, market, outlets."""

    local: dict[str, float]
    chains: dict[str, tuple[str, ...]]
    inputs: dict[str, list[str]]
    demanders: dict[str, list[str]]
    routes: dict[str, dict[str, list[list[tuple[str, float | None]]]]]
    value: dict[str, float]
    target: dict[str, float]
    market: dict[str, float]
    outlet: dict[str, float]

    @classmethod
    def of(cls, G: nx.DiGraph) -> Facts:
        nodes = G.nodes
        local = {p: LOCAL_WEIGHT.get(d.get("status", "missing"), 0.0) for p, d in nodes(data=True)}
        routes = {p: input_groups(G, p, main_only=False) for p in nodes}
        chain_targets: dict[str, float] = {}
        for chain, projects in (G.graph.get("chain_projects") or {}).items():
            if any(j.get("status") in PIPELINE_STATUSES for j in projects):
                chain_targets[chain] = PROJECT_TARGET_STRENGTH
        target = {}
        for p, d in nodes(data=True):
            quotes = list(d.get("target_quotes") or [])
            strength = target_strength(quotes) if quotes else (0.5 if d.get("targeted") else 0.0)
            strength = max([strength, *(chain_targets.get(c, 0.0) for c in d.get("chains") or ())])
            target[p] = strength
        # A consumer demands a product only through its main route: a co- or by-product comes
        # out of the same process and calls for nothing (chlorine beside caustic soda does not
        # call for brine when the zone's chlorine comes from another cell).
        demanders = {p: uses(G, p) for p in nodes}
        outlet = {}
        for p, d in nodes(data=True):
            used_locally = any(local[q] > 0 for q in demanders[p])
            outlet[p] = 0.0 if used_locally or local[p] == 0 else OUTLET_STRENGTH.get(_made_as(d), 0.0)
        return cls(
            local=local,
            chains={p: tuple(d.get("chains") or ()) for p, d in nodes(data=True)},
            inputs={p: list(adj) for p, adj in G.pred.items()},
            demanders=demanders,
            routes=routes,
            value={p: _value(d) for p, d in nodes(data=True)},
            target=target,
            market={p: _market(d) for p, d in nodes(data=True)},
            outlet=outlet,
        )


def _made_as(data: Mapping[str, Any]) -> str:
    """How the zone comes by a local product, for :data:`OUTLET_STRENGTH`: ``co_product`` or
    ``by_product`` when its status rests on the co-product rule (kg.status), ``main`` when a
    plant makes it, ``""`` for a resource held or an activity (nothing to sell)."""
    basis = data.get("status_basis") or ""
    if basis == "co_product":
        for e in data.get("evidence") or ():
            if e.get("rule") == "co_product" and e.get("relation") in OUTLET_STRENGTH:
                return str(e["relation"])
    return "" if basis in ("resource", "activity") else "main"


def _value(data: Mapping[str, Any]) -> float:
    low, high = fact_numbers(data.get("facts") or {}, "price_cny_per_t")
    if low is not None and high is not None:
        mid = math.sqrt(max(low, 1.0) * max(high, 1.0))
        lo, hi = PRICE_SCALE
        return min(max(math.log(mid / lo) / math.log(hi / lo), 0.0), 1.0)
    tier = int(data.get("value_tier") or 1)
    return min(max((tier - 1) / 4, 0.0), 1.0)


def _market(data: Mapping[str, Any]) -> float:
    words = fact_words(data.get("facts") or {}, "market_outlook")
    if not words:
        return MARKET_SCORE["stable"]
    latest = max(words, key=lambda e: int(e.get("year") or 0))
    return MARKET_SCORE.get(str(latest["value"]), MARKET_SCORE["stable"])


def _feedstock_readiness(f: Facts, p: str) -> float:
    """本地原料保障 Local feedstock readiness: how much of the product's input the zone has,
    on its best route. Each input counts by :data:`LOCAL_WEIGHT`. When every input of a route
    carries a ratio (t input per t product), inputs weigh by their ratios, and a route whose
    ratios add up to less than 1 t/t counts the rest as not local; otherwise the inputs share
    equally, with :data:`HELD_BACK_SHARE` share held back for what the template does not
    model. A product with no inputs in the graph (a raw material) scores 0. Example: inputs A
    present, B planned, no ratios → (1 + 0.5) / 3 = 0.5."""
    best = 0.0
    for groups in f.routes[p].values():
        # Inputs that stand in for each other count once, by the most local of them.
        inputs = [max(group, key=lambda qr: f.local[qr[0]]) for group in groups]
        ratios = [r for _, r in inputs]
        if all(r is not None and r > 0 for r in ratios):
            total = max(sum(ratios), 1.0)
            value = sum(f.local[q] * r for q, r in inputs) / total
        else:
            value = sum(f.local[q] for q, _ in inputs) / (len(inputs) + HELD_BACK_SHARE)
        best = max(best, value)
    return best


def _demand_pull(f: Facts, p: str) -> float:
    """本地需求拉动 Local demand pull (raw value): local consumers waiting for the product:
    its successors through their main route (a co- or by-product of the same process calls
    for nothing), each counted by :data:`LOCAL_WEIGHT`. Scaled to [0, 1] by the largest
    value of any product in the graph."""
    return sum(f.local[q] for q in f.demanders[p])


def _outlet_value(f: Facts, p: str) -> float:
    """就地消纳 Outlet value: the product would use a local product that has no local use
    yet (a by-product looking for a buyer: HCl, carbon tetrachloride, surplus chlorine), by
    :data:`OUTLET_STRENGTH`; the largest over its inputs."""
    return max((f.outlet[q] for q in f.inputs[p]), default=0.0)


def _bridging(f: Facts, p: str) -> float:
    """断链修复 Bridging (raw value): the local input → product → local consumer paths that
    run through this product, i.e. (local inputs) × (local consumers), each counted by
    :data:`LOCAL_WEIGHT`. For a missing product these are the broken local chains it alone
    would reconnect; for a weak one, the chains hanging on its single producer. Scaled to
    [0, 1] by the largest value in the graph."""
    return sum(f.local[q] for q in f.inputs[p]) * sum(f.local[q] for q in f.demanders[p])


def _downstream_reach(f: Facts, p: str) -> float:
    """延链潜力 Downstream reach (raw value): products within :data:`REACH_DEPTH` processing
    steps downstream that the zone does not make yet (not ``present``): what making this
    product would let the zone extend into. Scaled to [0, 1] by the largest value in the
    graph."""
    seen = {p}
    frontier = [p]
    for _ in range(REACH_DEPTH):
        frontier = [q for r in frontier for q in f.demanders[r] if not (q in seen or seen.add(q))]
        if not frontier:
            break
    return sum(1 for q in seen if q != p and f.local[q] < 1.0)


def _value_tier(f: Facts, p: str) -> float:
    """附加值 Value: from a stated price band (product_facts.csv ``price_cny_per_t``: the
    band's geometric middle, log-scaled between :data:`PRICE_SCALE`) when one is known,
    else from the value tier 1..5 of products.csv mapped to 0, 0.25, 0.5, 0.75, 1."""
    return f.value[p]


def _strategic_target(f: Facts, p: str) -> float:
    """招引方向 Strategic targeting: the strength of the strongest target a source states for
    the product (:data:`TARGET_WORDS`: 着力引进 1, 加快推进 0.7, 支持/培育 0.4), or
    :data:`PROJECT_TARGET_STRENGTH` when a stated project names its chain but no product."""
    return f.target[p]


def _cross_chain(f: Facts, p: str) -> float:
    """跨链协同 Cross-chain synergy (raw value): how many chains the product ties together:
    the distinct chains of the product and of its local inputs and consumers, minus one.
    Scaled to [0, 1] by the largest value in the graph."""
    chains = set(f.chains[p])
    for q in (*f.inputs[p], *f.demanders[p]):
        if f.local[q] > 0:
            chains.update(f.chains[q])
    return max(len(chains) - 1, 0)


def _market_outlook(f: Facts, p: str) -> float:
    """市场前景 Market outlook: the latest stated outlook (product_facts.csv
    ``market_outlook``): growing 1, stable 0.5, overcapacity 0 (:data:`MARKET_SCORE`);
    unknown counts as stable."""
    return f.market[p]


COMPONENTS = {
    "feedstock_readiness": (_feedstock_readiness, False),
    "demand_pull": (_demand_pull, True),
    "outlet_value": (_outlet_value, False),
    "bridging": (_bridging, True),
    "downstream_reach": (_downstream_reach, True),
    "value_tier": (_value_tier, False),
    "strategic_target": (_strategic_target, False),
    "cross_chain": (_cross_chain, True),
    "market_outlook": (_market_outlook, False),
}
"""Component name → (function of (:class:`Facts`, product), whether its raw value is scaled by the
largest value in the graph). Each function's docstring is the component's definition."""

DEFAULT_WEIGHTS: dict[str, float] = {
    "feedstock_readiness": 0.20,
    "demand_pull": 0.15,
    "outlet_value": 0.10,
    "bridging": 0.10,
    "downstream_reach": 0.10,
    "value_tier": 0.10,
    "strategic_target": 0.15,
    "cross_chain": 0.05,
    "market_outlook": 0.05,
}
"""Default weight of each component (they sum to 1). The score is the weighted average
Σ wᵢ·xᵢ / Σ wᵢ, so it stays in [0, 1] whatever the weights, times the chain-kind weight
(:data:`CHAIN_KIND_WEIGHTS`). Override them with a weights file (``name = value`` lines,
``#`` comments) or ``--weight name=value``."""

CHAIN_KIND_WEIGHTS: dict[str, float] = {"core_chains": 1.0, "extension_chains": 0.6}
"""The score of a product is multiplied by the weight of its chains' kind (the largest when
it sits in several; a product in no chain counts as core): the five core chains are what the
park is built on, the "+2" extensions weigh less. Change them like any weight
(``--weight extension_chains=1``)."""

def uses(G: nx.DiGraph, p: str) -> list[str]:
    """The products made from ``p`` through their main route (sorted): its uses. An edge to
    a co- or by-product is the same process giving another output, not a use of ``p`` (the
    HCl that comes out of a chlorination with PCl5 does not need PCl5). Nor is a process
    that takes ``p`` as one of several inputs that stand in for each other (``alternative``)
    when one of the others is more local than ``p``: the methionine plant fed with the
    zone's potash does not call for caustic soda."""
    found = []
    for q, e in G.succ[p].items():
        if (e.get("relation") or "main") != "main":
            continue
        group, process = e.get("alternative"), e.get("process") or q
        if group and any(_local(G, a) > _local(G, p) for a, f in G.pred[q].items()
                         if f.get("alternative") == group and (f.get("process") or q) == process):
            continue
        found.append(q)
    return sorted(found)


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
    result = {**DEFAULT_WEIGHTS, **CHAIN_KIND_WEIGHTS}
    for name, value in weights.items():
        if name not in result:
            raise KgError(f"unknown score component {name!r}; known: {', '.join(result)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise KgError(f"weight of {name!r} must be a number >= 0, got {value!r}") from None
        if not math.isfinite(number) or number < 0:
            raise KgError(f"weight of {name!r} must be a number >= 0, got {value!r}")
        result[name] = number
    if sum(result[name] for name in COMPONENTS) <= 0:
        raise KgError("at least one component weight must be above 0")
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
    [0.5, 0.25, 1.0]
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


def chain_kinds(G: nx.DiGraph) -> pd.DataFrame:
    """Per product (sorted ids), whether it sits in a core chain (``core``; a product in no
    chain counts as core) and in an extension chain (``extension``): all that
    :func:`chain_kind_factor` needs, read once for the many weightings of a rank range."""
    info = G.graph.get("chains") or {}
    rows = {}
    for p, d in G.nodes(data=True):
        kinds = {info.get(c, {}).get("kind", "core") for c in d.get("chains") or ()}
        rows[p] = (not kinds or bool(kinds - {"extension"}), "extension" in kinds)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["core", "extension"]).sort_index()


def chain_kind_factor(G: nx.DiGraph, weights: Mapping[str, float], kinds: pd.DataFrame | None = None) -> pd.Series:
    """Per product (sorted ids), the weight of its chains' kind (:data:`CHAIN_KIND_WEIGHTS`):
    the largest over its chains, the core weight for a product in no chain. ``kinds`` is
    :func:`chain_kinds` of ``G`` when the caller has it already."""
    weights = check_weights(weights)
    kinds = chain_kinds(G) if kinds is None else kinds
    core, extension = weights["core_chains"], weights["extension_chains"]
    factor = np.maximum(np.where(kinds["core"], core, -np.inf), np.where(kinds["extension"], extension, -np.inf))
    return pd.Series(factor, index=kinds.index, dtype=float)


def weighted_score(components: pd.DataFrame, weights: Mapping[str, float],
                   factor: pd.Series | None = None) -> pd.Series:
    """Σ wᵢ·xᵢ / Σ wᵢ per row over the components, times the chain-kind ``factor`` when given:
    the recruitment priority, in [0, 1]."""
    weights = check_weights(weights)
    total = sum(weights[name] for name in COMPONENTS)
    score = sum(components[name] * weights[name] for name in COMPONENTS) / total
    if factor is not None:
        score = score * factor.reindex(score.index).fillna(1.0)
    return score.clip(0.0, 1.0).round(6)


def _names(G: nx.DiGraph, ids: Iterable[str], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(G.nodes[i].get(f"label_{lang}", i) for i in ids)


def _local_names(G: nx.DiGraph, ids: Iterable[str], lang: str) -> str:
    """Names of local products, a planned one marked so (本地原料一氯甲烷（在建/规划）)."""
    sep = "、" if lang == "zh" else ", "
    mark = "（在建/规划）" if lang == "zh" else " (planned)"
    return sep.join(G.nodes[i].get(f"label_{lang}", i) + (mark if G.nodes[i].get("status") == "planned" else "")
                    for i in ids)


def _target_words(G: nx.DiGraph, p: str) -> tuple[str, str]:
    """What the strategic_target component rests on, for the reason: the stated quote, or the
    pipeline project that names the product's chain."""
    data = G.nodes[p]
    quotes = sorted(data.get("target_quotes") or [])
    if quotes:
        return f"；来源提出：“{quotes[0]}”", f"; a source says: “{quotes[0]}”"
    for chain in data.get("chains") or ():
        for j in (G.graph.get("chain_projects") or {}).get(chain, []):
            if j.get("status") in PIPELINE_STATUSES:
                return (f"；本链有储备/在谈项目{j.get('label_zh', j['id'])}",
                        f"; the chain has a pipeline project: {j.get('label_en', j['id'])}")
    return "", ""


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
    consumers = uses(G, p)
    local_in = [q for q in inputs if _is_local(G, q)]
    local_out = [q for q in consumers if _is_local(G, q)]
    name_zh, name_en = data.get("label_zh", p), data.get("label_en", p)
    found = []
    if status == "missing":
        zh = f"{name_zh}：区内无生产企业，也无在建或规划项目"
        en = f"{name_en}: no producer and no project in the zone"
        if local_in:
            zh += f"；本地原料{_local_names(G, local_in, 'zh')}可供"
            en += f"; local inputs available: {_local_names(G, local_in, 'en')}"
        if local_out:
            zh += f"；本地下游{_local_names(G, local_out, 'zh')}需要它"
            en += f"; local consumers waiting: {_local_names(G, local_out, 'en')}"
        target_zh, target_en = _target_words(G, p)
        zh, en = zh + target_zh, en + target_en
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


GAP_COLUMNS = ["product", "id", "label_zh", "label_en", "chain", "gap_type", "status", "status_basis",
               "reason_zh",
               "reason_en", "score", "components", *COMPONENTS, "list", "gates", "evidence", "candidates",
               "local_inputs", "local_consumers"]


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
        local_out = [q for q in uses(G, p) if _is_local(G, q)]
        for chain in data.get("chains") or [""]:
            for gap_type, zh, en in gaps:
                rows.append({
                    "product": data.get("iri", vocab.resource("product", p)), "id": p,
                    "label_zh": data.get("label_zh", p), "label_en": data.get("label_en", p),
                    "chain": chain, "gap_type": gap_type, "status": data.get("status", "missing"),
                    "status_basis": data.get("status_basis", ""),
                    "reason_zh": zh, "reason_en": en,
                    "candidates": list(data.get("candidates") or []),
                    "local_inputs": local_in, "local_consumers": local_out,
                })
    columns = [c for c in GAP_COLUMNS if c not in ("score", "components", *COMPONENTS, "list", "gates", "evidence")]
    return pd.DataFrame(rows, columns=columns)


@dataclass
class GapAnalysis:
    """Everything :func:`analyse` finds: the graph (with ``gap_types``, ``score``,
    ``components``, ``list`` and ``gates`` set on each node), per-chain completeness, the
    gaps, the ranking of missing and weak products (each on its list, see :mod:`kg.lists`),
    and the weights used."""

    graph: nx.DiGraph
    completeness: pd.DataFrame
    gaps: pd.DataFrame
    ranking: pd.DataFrame
    weights: dict[str, float] = field(default_factory=dict)

    def ranked(self, list_name: str = "recruit") -> pd.DataFrame:
        """The ranking rows of one list (``recruit``, ``develop``, ``secure`` or ``gated``)."""
        return self.ranking[self.ranking["list"] == list_name].reset_index(drop=True)


RANK_RANGE_TOP = 20
"""How many of each list's first products get a rank range (:mod:`kg.sensitivity`)."""


@paused()
def analyse(store_or_graph: Any, weights: Mapping[str, float] | None = None, apply_gates: bool = True) -> GapAnalysis:
    """Completeness, gaps and the recruitment ranking of a store (read with
    :func:`kg.store.projection.product_graph`) or of a product graph directly.

    ``gaps`` lists the gaps to recruit for (missing, weak) first, then the breaks
    (upstream_break, downstream_break); within each group by score (highest first), then
    product id, chain and gap type. A row's score and components are its product's.

    ``ranking`` has one row per missing product (a weak one is made in the zone already: it
    stays in ``gaps``), on its list (``recruit``,
    ``develop``, ``secure``, or ``gated`` when a gate keeps it off its list; with
    ``apply_gates=False`` gates are shown but keep nothing off), in list order, then by
    score (highest first), then id, with ``rank`` counted within the list and shared by
    equal scores (1, 2, 2, 4, ...). Each row carries its gates, cautions, status evidence,
    ranked candidates and, for the first :data:`RANK_RANGE_TOP` of its list, the best and
    worst rank when each weight moves by ±20 % (``rank_range``).
    """
    if isinstance(store_or_graph, nx.DiGraph):
        G = store_or_graph
    else:
        G = product_graph(store_or_graph)
    weights = check_weights(weights or {})
    components = score_components(G)
    factor = chain_kind_factor(G, weights)
    score = weighted_score(components, weights, factor)

    gap_types: dict[str, list[str]] = {p: [] for p in G.nodes}
    found = {p: product_gaps(G, p) for p in G.nodes}
    gaps = _gap_frame(G, found)
    for p, t in zip(gaps["id"], gaps["gap_type"]):
        if t not in gap_types[p]:
            gap_types[p].append(t)
    by_product = components.to_dict("index")
    scores = score.to_dict()
    limits = G.graph.get("park_limits") or {}
    for p, data in G.nodes(data=True):
        data["gap_types"] = sorted(gap_types[p], key=vocab.GAP_TYPES.index)
        data["score"] = float(scores[p])
        data["components"] = {name: float(by_product[p][name]) for name in COMPONENTS}
        data["gates"] = lists.gates(data, limits)
        data["cautions"] = lists.cautions(data, limits)
        made = any((e.get("relation") or "main") == "main" for e in G.pred[p].values())
        data["list"] = "gated" if apply_gates and data["gates"] else lists.product_list(data, made)
    for p, data in G.nodes(data=True):
        data["cautions"] += lists.route_cautions(G, p)

    gaps["score"] = gaps["id"].map(score).astype(float)
    gaps["components"] = [G.nodes[p]["components"] for p in gaps["id"]]
    for name in COMPONENTS:
        gaps[name] = gaps["id"].map(components[name]).astype(float)
    gaps["list"] = gaps["id"].map(lambda p: G.nodes[p]["list"])
    gaps["gates"] = gaps["id"].map(lambda p: list(G.nodes[p]["gates"]))
    gaps["evidence"] = gaps["id"].map(lambda p: list(G.nodes[p].get("evidence") or []))
    gaps["_type"] = gaps["gap_type"].map(vocab.GAP_TYPES.index)
    gaps["_break"] = gaps["_type"] >= 2
    gaps = (gaps.sort_values(["_break", "score", "id", "chain", "_type"], ascending=[True, False, True, True, True],
                             kind="mergesort")
            .reset_index(drop=True)[GAP_COLUMNS])

    ranking = _ranking(G, found, components, weights)
    return GapAnalysis(G, completeness(G), gaps, ranking, weights)


RANKING_COLUMNS = ["list", "rank", "product", "id", "label_zh", "label_en", "chains", "gap_type", "status",
                   "status_basis", "score", *COMPONENTS, "components", "gates", "cautions", "rank_range",
                   "candidates", "local_inputs", "local_consumers", "evidence", "reason_zh", "reason_en"]


def _ranking(G: nx.DiGraph, found: Mapping[str, list[tuple[str, str, str]]], components: pd.DataFrame,
             weights: Mapping[str, float]) -> pd.DataFrame:
    """The missing products, each on its list, with the score and components set on the
    nodes, candidates ranked and rank ranges for the top of each list. A weak product is
    made in the zone already: it stays in the gaps (强链), never on a list to recruit."""
    rows = []
    for p in sorted(G.nodes):
        gaps = [g for g in found[p] if g[0] == "missing"]
        if not gaps:
            continue
        gap_type, zh, en = gaps[0]
        data = G.nodes[p]
        rows.append({
            "list": data["list"], "product": data.get("iri", vocab.resource("product", p)), "id": p,
            "label_zh": data.get("label_zh", p), "label_en": data.get("label_en", p),
            "chains": list(data.get("chains") or []), "gap_type": gap_type, "status": data.get("status", "missing"),
            "status_basis": data.get("status_basis", ""),
            "score": data["score"], **data["components"],
            "components": dict(data["components"]),
            "gates": list(data["gates"]), "cautions": list(data["cautions"]), "rank_range": None,
            "local_inputs": [q for q in sorted(G.predecessors(p)) if _is_local(G, q)],
            "local_consumers": [q for q in uses(G, p) if _is_local(G, q)],
            "evidence": list(data.get("evidence") or []),
            "reason_zh": zh, "reason_en": en,
        })
    frame = pd.DataFrame(rows, columns=[c for c in RANKING_COLUMNS if c not in ("rank", "candidates")])
    if frame.empty:
        frame.insert(1, "rank", pd.Series(dtype="int64"))
        frame["candidates"] = pd.Series(dtype=object)
        return frame[RANKING_COLUMNS]
    frame["_list"] = frame["list"].map(lists.LISTS.index)
    frame = frame.sort_values(["_list", "score", "id"], ascending=[True, False, True], kind="mergesort")
    frame = frame.drop(columns="_list").reset_index(drop=True)
    frame.insert(1, "rank", frame.groupby("list", sort=False)["score"]
                 .rank(method="min", ascending=False).astype("int64"))

    ranked = rank_candidates(G, set(frame["id"]))
    frame["candidates"] = frame["id"].map(lambda p: ranked[p])

    kinds = chain_kinds(G)

    def factor_of(w: Mapping[str, float]) -> pd.Series:
        return chain_kind_factor(G, w, kinds)

    ranges: dict[str, tuple[int, int]] = {}
    for _, members in frame.groupby("list", sort=False):
        ids = members["id"].tolist()
        top = members.loc[members["rank"] <= RANK_RANGE_TOP, "id"].tolist()
        ranges.update(rank_ranges(components.loc[ids], weights, top, factor_of))
    frame["rank_range"] = frame["id"].map(lambda p: list(ranges[p]) if p in ranges else None)
    return frame[RANKING_COLUMNS]


def gap_records(gaps: pd.DataFrame) -> list[dict[str, Any]]:
    """Gap or ranking rows as the JSON objects the design fixes: ``product`` (IRI), ``id``,
    ``label_zh``, ``label_en``, ``chain``, ``gap_type``, ``score``, ``components`` (name →
    value in [0, 1]), ``reason_zh``, ``reason_en``, ``candidates`` (companies outside the
    zone that make it), ``local_inputs``, ``local_consumers``; and ``list`` (recruit,
    develop, secure or gated), ``gates``, ``evidence`` (why its status is what it is) and,
    for ranking rows, ``rank``, ``chains``, ``cautions`` and ``rank_range`` ([best, worst]
    rank when each weight moves by ±20 %, or null below the top of its list)."""
    keys = ["list", "rank", "product", "id", "label_zh", "label_en", "chain", "chains", "gap_type", "status",
            "status_basis", "score", "components", "reason_zh", "reason_en", "gates", "cautions", "rank_range",
            "evidence", "candidates", "local_inputs", "local_consumers"]
    records = []
    for row in gaps.to_dict("records"):
        record = {k: row[k] for k in keys if k in row}
        record["score"] = float(record["score"])
        if "rank" in record:
            record["rank"] = int(record["rank"])
        record["components"] = {k: float(v) for k, v in record["components"].items()}
        records.append(record)
    return records
