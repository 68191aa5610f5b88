"""Which list a product to fill belongs on, and the gates that keep it off the recruit list.

Three lists, not one, because a park fills its gaps three ways:

- ``develop`` (培育): services and activities the park grows itself (tourism, events);
- ``recruit`` (招商): what a company could be brought in to make — every other product that
  is the main output of a process in the template (intermediates, end products, and made
  energy such as green hydrogen);
- ``secure`` (保障): what no process of the template makes as its main output — raw
  materials, primary energy, and by-products that only come out beside something else
  (coke-oven gas, recovered CO2): the park secures their supply.

A product the park should not recruit for is moved to ``gated``, naming each gate:

- ``policy``: the national catalogue (产业结构调整指导目录) lists it as restricted or
  eliminated (product_facts.csv ``policy_category``);
- ``controlled``: a controlled substance (HFC production under the quota regime, ODS),
  (``controlled``);
- ``water`` / ``energy``: its stated intensity (m³/t, tce/t; the low end of a range) is
  above the park's limit (park_limits.csv ``water_m3_per_t``, ``energy_tce_per_t``);
- ``hazardous``: it needs a process on the list of hazardous chemical processes
  (``hazardous_process``) and the park's limit for ``hazardous_process`` is ``no``.

A park limit stated without a figure (the source says 水资源刚性约束 but gives no m³/t) gates
nothing; a product with a known intensity then carries a *caution* naming both.

>>> product_list({"kind": "service"}, made=True)
'develop'
>>> product_list({"kind": "raw_material"}, made=False)
'secure'
>>> [g["gate"] for g in gates({"facts": {"policy_category": [{"value": "restricted", "source": "s"}]}}, {})]
['policy']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx

from kg.analysis.facts import fact_numbers, fact_words
from kg.analysis.routes import input_groups

LISTS = ("recruit", "develop", "secure", "gated")

CONTROLLED_WORDS = {
    "hfc_quota": ("氢氟碳化物，生产受配额管控", "an HFC under production quotas"),
    "ods": ("消耗臭氧层物质", "an ozone-depleting substance"),
    "ods_feedstock_only": ("消耗臭氧层物质，仅可作原料自用", "an ozone-depleting substance, feedstock use only"),
    "precursor": ("易制毒化学品", "a precursor chemical"),
    "key_hazardous_chemical": ("重点监管危险化学品", "a hazardous chemical under key supervision"),
}
INTENSITY_LIMITS = {"water_m3_per_t": ("water", "m³/t", "耗水", "water use"),
                    "energy_tce_per_t": ("energy", "tce/t", "能耗", "energy use")}


def product_list(data: Mapping[str, Any], made: bool) -> str:
    """``develop`` for a service, else ``recruit`` when ``made`` (the product is the main
    output of a process in the template), else ``secure`` (see the module)."""
    if data.get("kind") == "service":
        return "develop"
    return "recruit" if made else "secure"


def _limits(park_limits: Any) -> dict[str, list[dict[str, Any]]]:
    """Park limits keyed by limit name, each a list of rows (value, unit, source, quote)."""
    out: dict[str, list[dict[str, Any]]] = {}
    if isinstance(park_limits, Mapping):
        for name, rows in park_limits.items():
            out[name] = list(rows) if isinstance(rows, list) else [rows]
    elif isinstance(park_limits, list):
        for row in park_limits:
            out.setdefault(str(row.get("limit")), []).append(row)
    return out


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def gates(data: Mapping[str, Any], park_limits: Any) -> list[dict[str, Any]]:
    """The gates a product meets, each ``{"gate", "detail_zh", "detail_en", "source"}``,
    in the order of the module's list."""
    facts = data.get("facts") or {}
    found = []
    for e in fact_words(facts, "policy_category"):
        if e["value"] in ("restricted", "eliminated"):
            zh = {"restricted": "限制类", "eliminated": "淘汰类"}[e["value"]]
            found.append({"gate": "policy", "detail_zh": f"产业结构调整指导目录：{zh}",
                          "detail_en": f"national industrial catalogue: {e['value']}", "source": e.get("source", "")})
    for e in fact_words(facts, "controlled"):
        zh, en = CONTROLLED_WORDS.get(str(e["value"]), (str(e["value"]), str(e["value"])))
        found.append({"gate": "controlled", "detail_zh": f"受控物质：{zh}",
                      "detail_en": f"controlled substance: {en}", "source": e.get("source", "")})
    limits = _limits(park_limits)
    for fact, (gate, unit, zh, en) in INTENSITY_LIMITS.items():
        low, _ = fact_numbers(facts, fact)
        for limit in limits.get(fact, []):
            cap = _number(limit.get("value"))
            if low is not None and cap is not None and low > cap:
                found.append({"gate": gate, "detail_zh": f"{zh}{low:g} {unit}，高于园区上限{cap:g} {unit}",
                              "detail_en": f"{en} {low:g} {unit}, above the park's limit of {cap:g} {unit}",
                              "source": limit.get("source", "")})
    hazardous = fact_words(facts, "hazardous_process")
    if hazardous and any(str(r.get("value", "")).strip().lower() == "no" for r in limits.get("hazardous_process", [])):
        names = "、".join(str(e["value"]) for e in hazardous)
        found.append({"gate": "hazardous", "detail_zh": f"重点监管危险化工工艺：{names}，园区不接纳",
                      "detail_en": f"hazardous chemical process ({names}), which the park does not take",
                      "source": hazardous[0].get("source", "")})
    unique = {}
    for gate in found:  # the same gate stated by several sources counts once
        unique.setdefault((gate["gate"], gate["detail_en"]), gate)
    return list(unique.values())


def cautions(data: Mapping[str, Any], park_limits: Any) -> list[dict[str, Any]]:
    """Known intensities of the product against park limits stated without a figure: not a
    gate, but what the planner must weigh (``{"limit", "detail_zh", "detail_en", "quote"}``)."""
    facts = data.get("facts") or {}
    found = []
    limits = _limits(park_limits)
    for fact, (_, unit, zh, en) in INTENSITY_LIMITS.items():
        low, high = fact_numbers(facts, fact)
        if low is None:
            continue
        for limit in limits.get(fact, []):
            if _number(limit.get("value")) is None:
                shown = f"{low:g}" if high in (None, low) else f"{low:g}–{high:g}"
                found.append({"limit": fact, "detail_zh": f"{zh}{shown} {unit}；园区：{limit.get('quote') or '有约束'}",
                              "detail_en": f"{en} {shown} {unit}; the park states a limit without a figure",
                              "quote": limit.get("quote", "")})
    return found


def _every_route_needs(routes: Mapping[str, list[list[tuple[str, float | None]]]],
                       lacking: Callable[[str], bool]) -> list[str]:
    """The inputs a product cannot do without: when every one of its ``routes``
    (:func:`kg.analysis.routes.input_groups`) has a need whose every input is ``lacking``,
    those inputs (sorted); else []."""
    blocked: set[str] = set()
    for needs in routes.values():
        found = {q for group in needs if all(lacking(x) for x, _ in group) for q, _ in group}
        if not found:
            return []
        blocked |= found
    return sorted(blocked)


def _names(G: nx.DiGraph, ids: list[str]) -> tuple[str, str]:
    return ("、".join(G.nodes[q].get("label_zh", q) for q in ids),
            ", ".join(G.nodes[q].get("label_en", q) for q in ids))


# Inputs a route cannot do without, by what keeps them away: (which inputs lack, the caution's
# words). gated_input: a gate keeps it off the recruit list, so the product can only come with
# that input made on site under its rules (HCFC-22 as feedstock for TFE, used by the maker
# itself). missing_input: the zone neither makes nor plans it, so the product comes after it is
# recruited or bought in (fluorine gas and electronic-grade HF wait on anhydrous HF).
ROUTE_CAUTIONS: dict[str, tuple[Callable[[Mapping[str, Any]], bool], str, str]] = {
    "gated_input": (lambda d: bool(d.get("gates")),
                    "每条路线都需受限原料{zh}（须配套自用并符合其管控）",
                    "every route needs a gated input ({en}): it must be made on site under its rules"),
    "missing_input": (lambda d: d.get("status", "missing") not in ("present", "planned"),
                      "每条路线都需区内没有的原料{zh}（需先引进或外购）",
                      "every route needs an input the zone does not make ({en}): recruit it first or buy it in"),
}


def route_cautions(G: nx.DiGraph, p: str) -> list[dict[str, Any]]:
    """The cautions of :data:`ROUTE_CAUTIONS` that apply to ``p``: each names the inputs every
    route of ``p`` needs and lacks for that reason (``gates`` set on the nodes first)."""
    found: list[dict[str, Any]] = []
    routes = input_groups(G, p)
    if not routes:  # nothing makes it here: no route to need anything
        return found
    for limit, (lacks, zh, en) in ROUTE_CAUTIONS.items():
        names = _every_route_needs(routes, lambda q, lacks=lacks: lacks(G.nodes[q]))
        if names:
            label_zh, label_en = _names(G, names)
            found.append({"limit": limit, "detail_zh": zh.format(zh=label_zh), "detail_en": en.format(en=label_en),
                          "quote": ""})
    return found
