"""The ranking's rules on small hand-made graphs: lists, gates, feedstock on routes and
ratios, outlets, target wording, chain kinds, candidates and rank ranges. Each answer is
worked out here."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from kg.analysis.candidates import rank_candidates
from kg.analysis.gaps import analyse, chain_kind_factor, score_components, target_strength, uses
from kg.analysis.lists import cautions, gates, product_list
from kg.analysis.sensitivity import rank_ranges


def graph() -> nx.DiGraph:
    """salt (present, raw) → brine → [cell: soda (present, main) + chlorine (present,
    co-product)]; chlorine → hcl (missing); hcl + x → pvc (missing); desert (present,
    resource) → tours (missing service); ore (missing raw) → soda."""
    G = nx.DiGraph()
    G.graph["chains"] = {"salt": {"kind": "core"}, "tourism": {"kind": "extension"}}

    def node(p, status, kind, chains=("salt",), **extra):
        G.add_node(p, status=status, kind=kind, chains=list(chains), value_tier=1, label_zh=p, label_en=p,
                   candidates=[], producers=[], projects=[], **extra)

    node("salt", "present", "raw_material", status_basis="resource")
    node("brine", "present", "intermediate", status_basis="captive")
    node("soda", "present", "intermediate", status_basis="producer")
    node("chlorine", "present", "intermediate", status_basis="co_product",
         evidence=[{"rule": "co_product", "relation": "co_product", "id": "soda"}])
    node("hcl", "missing", "intermediate")
    node("x", "missing", "intermediate")
    node("pvc", "missing", "end_product")
    node("desert", "present", "raw_material", chains=("tourism",), status_basis="resource")
    node("tours", "missing", "service", chains=("tourism",))
    node("ore", "missing", "raw_material")
    G.add_edge("salt", "brine")
    G.add_edge("brine", "soda", process="cell", relation="main")
    G.add_edge("brine", "chlorine", process="cell", relation="co_product")
    G.add_edge("chlorine", "hcl")
    G.add_edge("hcl", "pvc")
    G.add_edge("x", "pvc")
    G.add_edge("desert", "tours")
    G.add_edge("ore", "soda", process="other", relation="main")
    return G


def test_lists_by_kind_and_route():
    assert product_list({"kind": "service"}, made=True) == "develop"
    assert product_list({"kind": "intermediate"}, made=True) == "recruit"
    assert product_list({"kind": "energy"}, made=True) == "recruit"  # made energy: green hydrogen
    assert product_list({"kind": "intermediate"}, made=False) == "secure"  # only ever a by-product
    assert product_list({"kind": "raw_material"}, made=False) == "secure"
    ranking = analyse(graph()).ranking.set_index("id")
    # hcl, pvc: main outputs of their routes; x and ore: made by no process
    assert ranking.loc[["hcl", "pvc"], "list"].tolist() == ["recruit"] * 2
    assert ranking.loc[["x", "ore"], "list"].tolist() == ["secure"] * 2
    assert ranking.loc["tours", "list"] == "develop"
    # present products are on no list
    assert not {"salt", "brine", "soda", "chlorine", "desert"} & set(ranking.index)
    # a product whose only route gives it as a by-product goes to secure
    G = graph()
    G.add_node("gas", status="missing", kind="intermediate", chains=["salt"], value_tier=1, candidates=[])
    G.add_edge("salt", "gas", process="cell", relation="by_product")
    assert analyse(G).ranking.set_index("id").loc["gas", "list"] == "secure"


def test_feedstock_held_back_share_and_ratios():
    G = graph()
    c = score_components(G)
    # hcl: one input (chlorine, present), no ratio → 1 / (1 + 1) = 0.5
    assert c.loc["hcl", "feedstock_readiness"] == 0.5
    # pvc: hcl and x, both missing → 0; tours: desert present → 0.5 (thin template)
    assert c.loc["pvc", "feedstock_readiness"] == 0.0 and c.loc["tours", "feedstock_readiness"] == 0.5
    # with ratios on every input: 0.4 t chlorine per t hcl → 0.4 / max(0.4, 1) = 0.4
    G.edges["chlorine", "hcl"]["ratio"] = 0.4
    assert score_components(G).loc["hcl", "feedstock_readiness"] == 0.4
    # ratios adding up to more than 1 t/t weigh the inputs by their ratios
    G.edges["hcl", "pvc"]["ratio"] = 0.6
    G.edges["x", "pvc"]["ratio"] = 0.9
    G.nodes["x"]["status"] = "present"
    assert score_components(G).loc["pvc", "feedstock_readiness"] == pytest.approx(0.9 / 1.5)
    # soda's best route: the cell (brine present) 1/2, not the ore route (0)
    assert score_components(G).loc["soda", "feedstock_readiness"] == 0.5


def test_outlet_value_by_how_the_input_is_made():
    c = score_components(graph())
    # hcl uses chlorine, a co-product with no local use → 1
    assert c.loc["hcl", "outlet_value"] == 1.0
    # tours uses the desert, a resource held (nothing to sell) → 0
    assert c.loc["tours", "outlet_value"] == 0.0
    G = graph()
    G.nodes["hcl"]["status"] = "present"  # chlorine now has a local use
    assert score_components(G).loc["x", "outlet_value"] == 0.0
    assert score_components(G).loc["pvc", "outlet_value"] == 0.5  # hcl, a made main product, with no local use


def test_target_strength_from_the_wording():
    assert target_strength(["着力引进半导体芯片"]) == 1.0
    assert target_strength(["加快推进氟源科技高端氟化工产业园"]) == 0.7
    assert target_strength(["培育自主品牌赛事"]) == 0.4
    assert target_strength(["某某产品"]) == 0.5
    assert target_strength(["培育自主品牌赛事", "着力引进"]) == 1.0
    assert target_strength([]) == 0.0
    G = graph()
    G.nodes["pvc"]["targeted"] = True
    G.nodes["pvc"]["target_quotes"] = ["加快推进PVC"]
    G.graph["chain_projects"] = {"salt": [{"id": "park", "status": "reserve"}]}
    c = score_components(G)
    assert c.loc["pvc", "strategic_target"] == 0.7
    assert c.loc["hcl", "strategic_target"] == 0.3  # the chain a stated project targets
    assert c.loc["tours", "strategic_target"] == 0.0


def test_chain_kind_weight():
    G = graph()
    factor = chain_kind_factor(G, {})
    assert factor["tours"] == 0.6 and factor["hcl"] == 1.0
    result = analyse(G, {"extension_chains": 1.0})
    result_default = analyse(G)
    tours = result.ranking.set_index("id").loc["tours", "score"]
    assert result_default.ranking.set_index("id").loc["tours", "score"] == pytest.approx(0.6 * tours, abs=1e-6)


def test_gates_and_cautions():
    policy = {"policy_category": [{"value": "restricted", "source": "cat"}, {"value": "restricted", "source": "b"}]}
    assert [g["gate"] for g in gates({"facts": policy}, {})] == ["policy"]  # two sources, one gate
    assert gates({"facts": {"policy_category": [{"value": "encouraged"}]}}, {}) == []
    assert [g["gate"] for g in gates({"facts": {"controlled": [{"value": "hfc_quota"}]}}, {})] == ["controlled"]
    water = {"water_m3_per_t": [{"min": 8.0, "max": 12.0, "source": "gb"}]}
    limit = {"water_m3_per_t": {"value": "10", "source": "park"}}
    # the low end (8) is under the limit: no gate; 11–12 is above it
    assert gates({"facts": water}, limit) == []
    water["water_m3_per_t"][0]["min"] = 11.0
    assert [g["gate"] for g in gates({"facts": water}, limit)] == ["water"]
    # a limit without a figure gates nothing, but cautions
    vague = {"water_m3_per_t": {"value": "", "quote": "强化水资源刚性约束"}}
    assert gates({"facts": water}, vague) == []
    assert "强化水资源刚性约束" in cautions({"facts": water}, vague)[0]["detail_zh"]
    hazardous = {"hazardous_process": [{"value": "氟化工艺", "source": "list"}]}
    assert gates({"facts": hazardous}, {}) == []
    assert [g["gate"] for g in gates({"facts": hazardous}, {"hazardous_process": {"value": "no"}})] == ["hazardous"]


def test_gated_products_leave_their_list_unless_gates_are_off():
    G = graph()
    G.nodes["hcl"]["facts"] = {"controlled": [{"value": "ods", "source": "s"}]}
    ranking = analyse(G).ranking.set_index("id")
    assert ranking.loc["hcl", "list"] == "gated"
    assert ranking.loc["hcl", "gates"][0]["gate"] == "controlled"
    assert analyse(G, apply_gates=False).ranking.set_index("id").loc["hcl", "list"] == "recruit"


def test_candidates_ranked_by_gaps_closed_then_local_use():
    G = graph()
    G.nodes["hcl"]["candidates"] = [{"id": "a"}, {"id": "b"}]
    G.nodes["pvc"]["candidates"] = [{"id": "b"}, {"id": "c", "capacity": 5}]
    G.nodes["x"]["candidates"] = [{"id": "c", "capacity": 5}]
    ranked = rank_candidates(G, {"hcl", "pvc", "x"})
    # b makes hcl and pvc, c makes pvc and x: two gaps each; b's hcl is made from chlorine,
    # present in the zone, c uses nothing local: b before c despite c's capacity; a one gap
    assert [c["id"] for c in ranked["pvc"]] == ["b", "c"]
    assert [c["id"] for c in ranked["hcl"]] == ["b", "a"]
    assert ranked["pvc"][0]["closes"] == ["hcl", "pvc"] and ranked["pvc"][0]["uses_local"] == ["chlorine"]
    assert ranked["pvc"][1]["uses_local"] == []


def test_rank_ranges_move_each_weight():
    components = pd.DataFrame({"f": [1.0, 0.6, 0.0], "g": [0.0, 0.5, 1.0]}, index=["a", "b", "c"])
    # weights f = g = 0.5: a .5, b .55, c .5 → b 1, a and c 2.
    # f ×0.8: a .444, b .544, c .556 → c 1, b 2, a 3.   f ×1.2: a .545, b .555, c .455 → b, a, c.
    # g ×0.8: a .556, b .556, c .444 → a and b 1, c 3.  g ×1.2: a .455, b .545, c .545 → b and c 1, a 3.
    ranges = rank_ranges(components, {"f": 0.5, "g": 0.5}, ["a", "b", "c"])
    assert ranges == {"a": (1, 3), "b": (1, 2), "c": (1, 3)}
    # a product far ahead stays put
    components.loc["b"] = [1.0, 1.0]
    assert rank_ranges(components, {"f": 0.5, "g": 0.5}, ["b"]) == {"b": (1, 1)}


def test_a_co_product_calls_for_nothing():
    # chlorine is present, but as a co-product of the cell: it does not pull for brine; soda
    # (the cell's main product) does.
    G = graph()
    G.nodes["brine"]["status"] = "missing"
    c = score_components(G)
    G2 = graph()
    G2.nodes["brine"]["status"] = "missing"
    G2.nodes["soda"]["status"] = "missing"
    c2 = score_components(G2)
    assert c.loc["brine", "demand_pull"] > 0
    assert c2.loc["brine", "demand_pull"] == 0.0  # only chlorine is local, and it calls for nothing
    assert c2.loc["brine", "bridging"] == 0.0


def test_a_product_whose_every_route_needs_a_gated_input_carries_a_caution():
    G = graph()
    G.nodes["hcl"]["facts"] = {"controlled": [{"value": "ods", "source": "s"}]}
    pvc = analyse(G).ranking.set_index("id").loc["pvc"]
    # pvc's one route takes hcl (gated) and x: the caution names hcl
    assert pvc["list"] == "recruit"
    gated = [c for c in pvc["cautions"] if c["limit"] == "gated_input"]
    assert len(gated) == 1 and "hcl" in gated[0]["detail_en"]
    # without the gate, no such caution
    assert "gated_input" not in [c["limit"] for c in analyse(graph()).ranking.set_index("id").loc["pvc", "cautions"]]


def test_a_product_whose_every_route_needs_a_missing_input_says_what_comes_first():
    ranking = analyse(graph()).ranking.set_index("id")
    # pvc's one route takes hcl and x, neither made in the zone: both come first
    missing = [c for c in ranking.loc["pvc", "cautions"] if c["limit"] == "missing_input"]
    assert len(missing) == 1 and "(hcl, x)" in missing[0]["detail_en"] and "hcl、x" in missing[0]["detail_zh"]
    # hcl's route takes chlorine, present: nothing waits
    assert "missing_input" not in [c["limit"] for c in ranking.loc["hcl", "cautions"]]
    # a second route with only local inputs lifts it
    G = graph()
    G.add_edge("chlorine", "pvc", process="direct", relation="main")
    assert "missing_input" not in [c["limit"] for c in analyse(G).ranking.set_index("id").loc["pvc", "cautions"]]


def test_inputs_that_stand_in_for_each_other_count_once_and_only_the_most_local_is_called_for():
    """soda (present) is made in the cell from brine plus an alkali: the local potash or the
    missing lye (alternatives). The need counts once, by potash; lye gets no demand from soda
    while potash stands in for it, and gets it back when potash is not local either."""
    def with_alkali(potash_status: str) -> nx.DiGraph:
        G = graph()
        for p, status in (("potash", potash_status), ("lye", "missing")):
            G.add_node(p, status=status, kind="intermediate", chains=["salt"], value_tier=1, label_zh=p,
                       label_en=p, candidates=[], producers=[], projects=[])
            G.add_edge(p, "soda", process="cell", relation="main", alternative="alkali")
        return G

    G = with_alkali("present")
    c = score_components(G)
    # the cell's needs: brine (present) and one alkali (potash, present) → 2 / (2 + 1)
    assert c.loc["soda", "feedstock_readiness"] == pytest.approx(2 / 3)
    assert "soda" not in uses(G, "lye") and c.loc["lye", "demand_pull"] == 0.0 and c.loc["lye", "bridging"] == 0.0
    assert "soda" in uses(G, "potash")
    # as separate needs (no alternative), lye would be called for and the route half-fed
    G2 = with_alkali("present")
    for p in ("potash", "lye"):
        del G2.edges[p, "soda"]["alternative"]
    c2 = score_components(G2)
    assert c2.loc["lye", "demand_pull"] > 0 and c2.loc["soda", "feedstock_readiness"] == pytest.approx(2 / 4)
    # with potash missing too, neither stands in for the other: both are called for
    G3 = with_alkali("missing")
    assert "soda" in uses(G3, "lye") and "soda" in uses(G3, "potash")
    # a need is gated only when every input that can meet it is (soda's one route: the cell)
    def cautions_of_soda(gated: tuple[str, ...]) -> list[str]:
        G4 = with_alkali("missing")
        G4.remove_edge("ore", "soda")
        G4.nodes["soda"]["status"] = "missing"
        for p in gated:
            G4.nodes[p]["facts"] = {"controlled": [{"value": "x", "source": "s"}]}
        return [c["limit"] for c in analyse(G4).ranking.set_index("id").loc["soda", "cautions"]]

    assert "gated_input" not in cautions_of_soda(("lye",))
    assert "gated_input" in cautions_of_soda(("lye", "potash"))
