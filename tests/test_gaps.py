"""Gap analysis: projection, completeness, the four gap types, each score component, the
ranking and the `kg gaps` command, with every expected value worked out by hand."""

from __future__ import annotations

import io
import json
import random
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.analysis.gaps import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    analyse,
    completeness,
    find_gaps,
    gap_records,
    read_weights,
    resolve_weights,
    score_components,
)
from kg.cli import main
from kg.errors import KgError
from kg.store.build import build
from kg.store.projection import product_graph
from kg.store.stores import open_store


def company(cid: str) -> dict:
    return {"id": cid, "label_zh": cid, "label_en": cid}


def node(G: nx.DiGraph, pid: str, status: str, chains: list[str], tier: int = 1, producers=(), **extra) -> None:
    G.add_node(pid, status=status, chains=chains, value_tier=tier, label_zh=pid, label_en=pid,
               producers=[company(c) for c in producers], candidates=[], projects=[], targeted=False, **extra)


@pytest.fixture
def hand() -> nx.DiGraph:
    """A graph small enough to work out by hand (status, chains, tier):

        ore (present, salt, A) ──▶ mid (missing, salt+fine, tier 2) ──▶ prod1 (present, fine, tier 3, B) ──▶ end
        cat (missing, salt) ─────▶ mid                              └──▶ prod2 (planned, fine, tier 2)
        ore ──▶ side (present, coal, C) ──▶ sidex (missing, coal)
        end: missing, fine, tier 3, named as a recruitment target
    """
    G = nx.DiGraph()
    G.graph["chains"] = {c: {"label_zh": c, "label_en": c, "kind": "core"} for c in ("salt", "coal", "fine")}
    node(G, "ore", "present", ["salt"], producers=["a"])
    node(G, "cat", "missing", ["salt"])
    node(G, "mid", "missing", ["fine", "salt"], tier=2)
    G.nodes["mid"]["candidates"] = [company("x")]
    node(G, "prod1", "present", ["fine"], tier=3, producers=["b"])
    node(G, "prod2", "planned", ["fine"], tier=2)
    G.nodes["prod2"]["projects"] = [{"id": "p2", "label_zh": "p2", "label_en": "p2", "status": "signed"}]
    node(G, "end", "missing", ["fine"], tier=3)
    G.nodes["end"]["targeted"] = True
    node(G, "side", "present", ["coal"], producers=["c"])
    node(G, "sidex", "missing", ["coal"])
    G.add_edges_from([("ore", "mid"), ("cat", "mid"), ("mid", "prod1"), ("mid", "prod2"), ("prod1", "end"),
                      ("ore", "side"), ("side", "sidex")])
    return G


def gap_set(gaps: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(map(tuple, gaps[["id", "chain", "gap_type"]].values.tolist()))


def test_completeness_by_hand(hand):
    # salt: ore present; mid, cat missing → 1/3. fine: prod1 present, prod2 planned, mid and
    # end missing → 1/4 present, 2/4 present or planned. coal: side present, sidex missing.
    frame = completeness(hand).set_index("chain")
    assert frame.loc["salt", ["products", "present", "planned", "missing"]].tolist() == [3, 1, 0, 2]
    assert frame.loc["salt", "completeness"] == pytest.approx(1 / 3, abs=1e-4)
    assert frame.loc["fine", ["completeness", "completeness_planned"]].tolist() == [0.25, 0.5]
    assert frame.loc["coal", ["completeness", "completeness_planned"]].tolist() == [0.5, 0.5]
    assert list(frame.index) == ["salt", "coal", "fine"]  # the fixed chain order


def test_each_gap_type_by_hand(hand):
    # missing: cat, mid (in two chains), end, sidex.
    # weak: ore has one supplier (a) and a local consumer (side); prod1 and side have one
    #   supplier each but no local consumer, so they are not weak.
    # upstream_break: prod1 and prod2 (planned) take mid, which is missing.
    # downstream_break: prod1 (its only use, end, is missing) and side (sidex missing);
    #   prod2 has no known use, so it is no break.
    assert gap_set(find_gaps(hand)) == {
        ("cat", "salt", "missing"), ("mid", "fine", "missing"), ("mid", "salt", "missing"),
        ("end", "fine", "missing"), ("sidex", "coal", "missing"),
        ("ore", "salt", "weak"),
        ("prod1", "fine", "upstream_break"), ("prod2", "fine", "upstream_break"),
        ("prod1", "fine", "downstream_break"), ("side", "coal", "downstream_break"),
    }


def test_reasons_name_the_products_involved(hand):
    gaps = find_gaps(hand).set_index(["id", "gap_type"])
    assert "mid" in gaps.loc[("prod1", "upstream_break"), "reason_en"]
    assert "end" in gaps.loc[("prod1", "downstream_break"), "reason_zh"]
    weak = gaps.loc[("ore", "weak"), "reason_en"]
    assert "a" in weak and "side" in weak
    missing = gaps.loc[("mid", "missing"), "reason_en"].iloc[0]
    assert "ore" in missing and "prod1" in missing and "prod2" in missing and "cat" not in missing


def test_each_component_by_hand(hand):
    c = score_components(hand)
    # feedstock_readiness of mid: inputs ore (present, 1) and cat (missing, 0), no ratios, so
    # one share held back for what the template does not model → 1/3; end: its one input
    # prod1 is present → 1/2 (a thin template earns half); cat has no inputs → 0.
    assert c.loc[["mid", "end", "cat"], "feedstock_readiness"].tolist() == [0.333333, 0.5, 0.0]
    # demand_pull raw: mid → prod1 (1) + prod2 (planned, 0.5) = 1.5, the largest; ore → side
    # (1) + mid (0) = 1 → 1/1.5.
    assert c.loc["mid", "demand_pull"] == 1.0
    assert c.loc["ore", "demand_pull"] == pytest.approx(2 / 3, abs=1e-6)
    # bridging raw: mid: local inputs 1 × local consumers 1.5 = 1.5, the only non-zero.
    assert c["bridging"].to_dict() == {p: (1.0 if p == "mid" else 0.0) for p in sorted(hand)}
    # downstream_reach (not present, within 3 steps): ore → mid, prod2, sidex, end = 4 (the
    # largest); cat → mid, prod2, end = 3; mid → prod2, end = 2; end → nothing.
    assert c.loc[["ore", "cat", "mid", "end"], "downstream_reach"].tolist() == [1.0, 0.75, 0.5, 0.0]
    # value_tier: tiers 1, 2, 3 of 5 → 0, 0.25, 0.5.
    assert c.loc[["cat", "mid", "end"], "value_tier"].tolist() == [0.0, 0.25, 0.5]
    # strategic_target: only end is named by a source, with no quote to weigh: 0.5.
    assert c["strategic_target"].to_dict() == {p: (0.5 if p == "end" else 0.0) for p in sorted(hand)}
    # outlet_value: prod1 (present, its one use end missing) and side (present, its one use
    # sidex missing) look for a local buyer, as main products (0.5): end and sidex use them.
    assert c["outlet_value"].to_dict() == {p: (0.5 if p in ("end", "sidex") else 0.0) for p in sorted(hand)}
    # market_outlook: nothing stated → stable, 0.5 for all.
    assert set(c["market_outlook"]) == {0.5}
    # cross_chain raw: mid {salt, fine}; ore {salt} + side's {coal}; side {coal} + ore's {salt}
    # → 1 each, the largest; end {fine} + prod1's {fine} → 0.
    assert c["cross_chain"].to_dict() == {p: (1.0 if p in ("mid", "ore", "side") else 0.0) for p in sorted(hand)}


def test_ranking_by_hand(hand):
    result = analyse(hand)
    r = result.ranking.set_index("id")
    # weights: feed .2, demand .15, outlet .1, bridging .1, reach .1, value .1, target .15,
    # cross .05, market .05 (every product here is on a core chain: factor 1)
    # mid = .2×(1/3) + .15×1 + .1×1 (bridging) + .1×.5 (reach) + .1×.25 + .05×1 + .05×.5 = 0.46667
    # end = .2×.5 + .1×.5 (outlet) + .1×.5 (tier 3) + .15×.5 (target) + .05×.5 = 0.3
    # ore (weak) = .15×(2/3) + .1×1 (reach) + .05×1 (cross) + .05×.5 = 0.275
    # sidex = .2×.5 + .1×.5 (outlet) + .05×.5 = 0.175; cat = .1×.75 + .05×.5 = 0.1
    # ore is weak: made in the zone already, so it stays in the gaps and is on no list
    assert list(r.index) == ["mid", "end", "sidex", "cat"]
    assert r["score"].tolist() == pytest.approx([0.466667, 0.3, 0.175, 0.1], abs=1e-5)
    assert "ore" in set(result.gaps.loc[result.gaps["gap_type"] == "weak", "id"])
    assert result.graph.nodes["ore"]["score"] == pytest.approx(0.275, abs=1e-5)
    # cat has no inputs in the template: made by no process, it is on the secure list
    assert r["list"].tolist() == ["recruit", "recruit", "recruit", "secure"]
    assert r["rank"].tolist() == [1, 2, 3, 1]
    # x makes mid (one of the park's gaps) and mid is made from ore, present in the zone
    assert r.loc["mid", "candidates"] == [{**company("x"), "closes": ["mid"], "uses_local": ["ore"]}]
    assert r.loc["mid", "local_inputs"] == ["ore"] and r.loc["mid", "local_consumers"] == ["prod1", "prod2"]
    # node attributes for the viz
    assert result.graph.nodes["mid"]["gap_types"] == ["missing"]
    assert result.graph.nodes["prod1"]["gap_types"] == ["upstream_break", "downstream_break"]
    assert result.graph.nodes["mid"]["score"] == pytest.approx(0.466667, abs=1e-5)
    assert set(result.graph.nodes["mid"]["components"]) == set(COMPONENTS)


def test_weights_change_the_order(hand):
    # Only strategic targeting counts: end (targeted) first, the rest tie at 0 and share
    # rank 2, in id order.
    weights = {name: 0.0 for name in COMPONENTS} | {"strategic_target": 1.0}
    r = analyse(hand, weights).ranking
    assert r["id"].tolist() == ["end", "mid", "sidex", "cat"]
    assert r["rank"].tolist() == [1, 2, 2, 1]  # cat alone on the secure list


def test_ties_share_a_rank_and_the_next_rank_counts_them(hand):
    """Ranks as docs/method.md prints them (1, 2, 2, 4): a product's rank is one more than
    the number of products on its list scoring higher. ``end2``, a twin of ``end`` (same
    chain, tier, target and input), scores what ``end`` scores under any weights, so the two
    share a rank and the product after them is ranked two further down."""
    node(hand, "end2", "missing", ["fine"], tier=3)
    hand.nodes["end2"]["targeted"] = True
    hand.add_edge("prod1", "end2")
    r = analyse(hand).ranking
    twins = r[r["id"].isin(["end", "end2"])]
    assert twins["list"].nunique() == 1 and twins["score"].nunique() == 1
    ranked = r[r["list"] == twins["list"].iloc[0]].reset_index(drop=True)
    at = int(ranked.index[ranked["id"] == "end"][0])
    assert ranked.loc[at + 1, "id"] == "end2" and at + 2 < len(ranked)
    assert ranked.loc[at + 2, "score"] < ranked.loc[at, "score"]
    assert ranked.loc[at:at + 2, "rank"].tolist() == [at + 1, at + 1, at + 3]
    scores = ranked["score"].tolist()
    assert ranked["rank"].tolist() == [1 + sum(other > score for other in scores) for score in scores]


def test_gaps_sorted_recruitable_first_then_breaks(hand):
    gaps = analyse(hand).gaps
    kinds = gaps["gap_type"].tolist()
    first_break = min(i for i, k in enumerate(kinds) if k.endswith("break"))
    assert all(k in ("missing", "weak") for k in kinds[:first_break])
    assert all(k.endswith("break") for k in kinds[first_break:])
    assert gaps["score"].iloc[:first_break].is_monotonic_decreasing


def test_gap_records_keys(hand):
    records = gap_records(analyse(hand).gaps)
    assert len(records) == 10
    for record in records:
        assert {"product", "label_zh", "label_en", "chain", "gap_type", "score", "components",
                "reason_zh", "reason_en", "candidates"} <= set(record)
        assert set(record["components"]) == set(COMPONENTS)
    json.dumps(records)  # plain JSON types only


def test_weights_file_and_options(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("# planner's weights\nstrategic_target = 0.5\n\ncross_chain=0  # ignore synergy\n",
                    encoding="utf-8")
    weights = resolve_weights(path, ["demand_pull=0.4"])
    assert weights["strategic_target"] == 0.5 and weights["cross_chain"] == 0.0 and weights["demand_pull"] == 0.4
    assert weights["bridging"] == DEFAULT_WEIGHTS["bridging"]
    path.write_text("strategic_target = 0.5\nsynergy = 1\n", encoding="utf-8")
    with pytest.raises(KgError, match=r"w.txt, line 2: unknown score component 'synergy'"):
        read_weights(path)
    with pytest.raises(KgError, match="must be a number >= 0"):
        resolve_weights(None, ["bridging=-1"])
    with pytest.raises(KgError, match="at least one component weight"):
        resolve_weights(None, [f"{n}=0" for n in COMPONENTS])


def test_weak_needs_a_named_supplier():
    # Present with no named supplier (e.g. through a brand of the zone): not called weak.
    G = nx.DiGraph()
    node(G, "a", "present", ["salt"])
    node(G, "b", "present", ["salt"], producers=["p"])
    G.add_edge("a", "b")
    assert "weak" not in set(find_gaps(G)["gap_type"])


def test_operating_project_counts_as_a_supplier():
    # a is made by company p and by an operating project of company q: two suppliers, not weak.
    G = nx.DiGraph()
    node(G, "a", "present", ["salt"], producers=["p"])
    G.nodes["a"]["projects"] = [{"id": "j", "status": "operating", "company": "q"}]
    node(G, "b", "present", ["salt"], producers=["p"])
    G.add_edge("a", "b")
    assert "weak" not in set(find_gaps(G)["gap_type"])
    G.nodes["a"]["projects"][0]["company"] = "p"  # same company twice: one supplier
    assert ("a", "salt", "weak") in gap_set(find_gaps(G))


# ---------------------------------------------------------------- property tests

STATUSES = ("present", "planned", "missing")


@st.composite
def graphs(draw) -> nx.DiGraph:
    n = draw(st.integers(1, 9))
    G = nx.DiGraph()
    G.graph["chains"] = {c: {"label_zh": c, "label_en": c, "kind": "core"} for c in ("salt", "coal", "fine")}
    for i in range(n):
        status = draw(st.sampled_from(STATUSES))
        chains = sorted(draw(st.sets(st.sampled_from(("salt", "coal", "fine")), max_size=2)))
        producers = [f"c{k}" for k in range(draw(st.integers(0, 2)))] if status == "present" else []
        node(G, f"p{i}", status, chains, tier=draw(st.integers(1, 3)), producers=producers)
        G.nodes[f"p{i}"]["targeted"] = draw(st.booleans())
    pairs = [(f"p{a}", f"p{b}") for a in range(n) for b in range(n) if a != b]
    if pairs:
        G.add_edges_from(draw(st.lists(st.sampled_from(pairs), max_size=3 * n)))
    return G


weights_strategy = st.fixed_dictionaries({name: st.floats(0, 5) for name in COMPONENTS}).filter(
    lambda w: sum(w.values()) > 0)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(graphs(), weights_strategy)
def test_components_and_scores_in_unit_interval(G, weights):
    result = analyse(G, weights)
    components = score_components(G)
    assert ((components >= 0) & (components <= 1)).all().all()
    assert result.gaps["score"].between(0, 1).all()
    assert result.ranking["score"].between(0, 1).all()
    for frame in (result.completeness["completeness"], result.completeness["completeness_planned"]):
        assert frame.between(0, 1).all()


@FAST
@given(graphs(), st.data())
def test_a_local_producer_never_lowers_completeness(G, data):
    from kg.analysis.whatif import apply_changes

    missing = sorted(p for p in G if G.nodes[p]["status"] == "missing")
    if not missing:
        return
    p = data.draw(st.sampled_from(missing))
    before = completeness(G).set_index("chain")
    H = apply_changes(G, [p])
    after = completeness(H).set_index("chain")
    assert (after["completeness"] >= before["completeness"]).all()
    assert (after["completeness_planned"] >= before["completeness_planned"]).all()
    gaps = find_gaps(H)
    assert p not in set(gaps.loc[gaps["gap_type"] == "missing", "id"])
    assert G.nodes[p]["status"] == "missing"  # the original graph is untouched


@FAST
@given(graphs(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_insertion_order(G, rnd):
    nodes = list(G.nodes(data=True))
    edges = list(G.edges(data=True))
    rnd.shuffle(nodes)
    rnd.shuffle(edges)
    H = nx.DiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    a, b = analyse(G.copy()), analyse(H)
    pd.testing.assert_frame_equal(a.gaps, b.gaps)
    pd.testing.assert_frame_equal(a.ranking, b.ranking)
    pd.testing.assert_frame_equal(a.completeness, b.completeness)


# ---------------------------------------------------------------- projection from a store

@pytest.fixture(scope="module")
def mini_build(tmp_path_factory) -> tuple[Path, Path]:
    """The mini fixture dataset, built once for this module."""
    data = tmp_path_factory.mktemp("mini") / "data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", data)
    out = data.parent / "build"
    build(data, out)
    return data, out


# The mini dataset's one external producer, as the projection lists it (tests/fixtures/mini).
CO_B = {"id": "co-b", "label_zh": "乙公司", "label_en": "Company B", "company": "co-b", "province": "浙江",
        "capacity": 20000.0, "capacity_unit": "吨/年", "year": 2024, "source": "fixture"}


@pytest.fixture(scope="module")
def mini_graph(mini_build) -> nx.DiGraph:
    data, out = mini_build
    return product_graph(open_store(out))


def test_projection_of_the_mini_dataset(mini_graph):
    G = mini_graph
    assert sorted(G.nodes) == ["chlorine", "methionine", "salt", "sodium", "sodium-cyanide"]
    assert sorted(G.edges) == [("salt", "chlorine"), ("salt", "sodium"), ("sodium", "sodium-cyanide"),
                               ("sodium-cyanide", "methionine")]
    assert G.edges["salt", "sodium"]["process_en"] == "Downs cell"
    assert G.graph["chains"]["salt"] == {"label_zh": "盐化工", "label_en": "Salt chemicals", "kind": "core"}
    sodium = G.nodes["sodium"]
    assert sodium["status"] == "present" and sodium["producers"] == [
        {"id": "co-a", "label_zh": "甲公司", "label_en": "Company A"}]
    assert sodium["value_tier"] == 2 and sodium["segment"] == "midstream" and sodium["kind"] == "intermediate"
    cyanide = G.nodes["sodium-cyanide"]
    assert cyanide["chains"] == ["fine", "salt"] and cyanide["status"] == "missing"
    assert cyanide["candidates"] == [CO_B]  # outside the zone: a candidate, with its producers-table row
    chlorine = G.nodes["chlorine"]
    assert chlorine["status"] == "planned"
    assert chlorine["projects"] == [{"id": "p-cl", "label_zh": "氯气项目", "label_en": "Chlorine project",
                                     "status": "signed", "year": 2026, "investment_cny": None,
                                     "company": None, "inferred": True}]
    met = G.nodes["methionine"]
    assert met["projects"][0]["status"] == "operating" and met["projects"][0]["investment_cny"] == 1.2e9
    assert met["iri"] == "https://w3id.org/kg-chain/id/product/methionine"
    assert met["sources"] == ["general"] and met["targeted"] is False


def test_mini_gaps_and_ranking(mini_graph):
    result = analyse(mini_graph.copy())
    # missing: salt; sodium-cyanide (salt and fine). sodium: present, input salt missing
    # (upstream) and its one use sodium-cyanide missing (downstream); chlorine (planned) and
    # methionine: an input missing. Nothing is weak: sodium's only local use is missing.
    assert gap_set(result.gaps) == {
        ("salt", "salt", "missing"), ("sodium-cyanide", "salt", "missing"),
        ("sodium-cyanide", "fine", "missing"), ("sodium", "salt", "upstream_break"),
        ("sodium", "salt", "downstream_break"), ("chlorine", "salt", "upstream_break"),
        ("methionine", "fine", "upstream_break"),
    }
    # sodium-cyanide (recruit: an intermediate) = .2×.5 (sodium present, one share held back)
    # + .15×(1/1.5) + .1×.5 (outlet: sodium has no local use) + .1×1 (bridging) + .1×.25
    # (tier 2) + .05×1 (cross) + .05×.5 (market) = 0.45
    # salt (secure: a raw material) = .15×1 (demand 1.5, the largest) + .1×1 (reach: chlorine,
    # sodium-cyanide) + .05×.5 = 0.275
    r = result.ranking
    assert r[["list", "rank", "id"]].values.tolist() == [["recruit", 1, "sodium-cyanide"], ["secure", 1, "salt"]]
    assert r["score"].tolist() == pytest.approx([0.45, 0.275], abs=1e-5)


def test_row_order_of_the_tables_does_not_matter(mini_build, mini_graph, tmp_path):
    data, _ = mini_build
    shuffled = tmp_path / "data"
    shutil.copytree(data, shuffled)
    rnd = random.Random(7)
    for path in shuffled.glob("*.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        rnd.shuffle(rows)
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    build(shuffled, tmp_path / "build")
    G = product_graph(open_store(tmp_path / "build"))
    assert dict(G.nodes(data=True)) == dict(mini_graph.nodes(data=True))
    assert sorted(G.edges(data=True)) == sorted(mini_graph.edges(data=True))
    assert gap_records(analyse(G).gaps) == gap_records(analyse(mini_graph.copy()).gaps)


def _exactly(G: nx.DiGraph) -> tuple[str, str, str]:
    """The graph as text, node and edge order and value types included (1 != 1.0 here)."""
    return repr(G.graph), repr(list(G.nodes(data=True))), repr(list(G.edges(data=True)))


@pytest.mark.parametrize("which", ["mini", "shipped"])
def test_the_projection_kept_by_the_build_is_the_queried_one(which, mini_build, shipped_build):
    from kg.store.generations import current_generation
    from kg.store.projection import PROJECTION_FILE
    from kg.store.stores import LocalStore

    out = mini_build[1] if which == "mini" else shipped_build
    store = LocalStore(current_generation(out) / "store")
    assert (store.generation / PROJECTION_FILE).is_file()
    kept, queried = product_graph(store), product_graph(store, cached=False)
    assert queried.number_of_nodes() > 0 and queried.number_of_edges() > 0
    assert _exactly(kept) == _exactly(queried)


# ---------------------------------------------------------------- the command

def gaps_cli(mini_build, *args: str):
    data, out = mini_build
    return CliRunner().invoke(main, ["gaps", "--data", str(data), "--out", str(out), *args])


def test_cli_json_keys(mini_build):
    result = gaps_cli(mini_build, "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert len(records) == 7
    first = records[0]
    assert first["product"] == "https://w3id.org/kg-chain/id/product/sodium-cyanide"
    assert {"product", "label_zh", "label_en", "chain", "gap_type", "score", "components"} <= set(first)
    assert set(first["components"]) == set(COMPONENTS)
    assert first["candidates"] == [CO_B]


def test_cli_top_chain_type(mini_build):
    result = gaps_cli(mini_build, "--format", "json", "--chain", "fine")
    assert {(r["id"], r["gap_type"]) for r in json.loads(result.output)} == {
        ("sodium-cyanide", "missing"), ("methionine", "upstream_break")}
    result = gaps_cli(mini_build, "--format", "json", "--type", "upstream_break", "--top", "2")
    records = json.loads(result.output)
    assert len(records) == 2 and {r["gap_type"] for r in records} == {"upstream_break"}
    result = gaps_cli(mini_build, "--format", "json", "--ranking", "--top", "1")
    (top,) = json.loads(result.output)
    assert top["id"] == "sodium-cyanide" and top["rank"] == 1 and top["chains"] == ["fine", "salt"]


def test_cli_table_shows_components_and_completeness(mini_build):
    result = gaps_cli(mini_build, "--lang", "en", "--ranking")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert all(name in header for name in COMPONENTS)
    assert "Sodium cyanide" in result.output
    result = gaps_cli(mini_build, "--completeness")
    assert result.exit_code == 0 and "完整度" in result.output and "盐化工" in result.output
    result = gaps_cli(mini_build, "--completeness", "--format", "json")
    rows = {r["chain"]: r for r in json.loads(result.output)}
    # salt: sodium present; chlorine planned; salt, sodium-cyanide missing → 1/4 and 2/4
    assert (rows["salt"]["completeness"], rows["salt"]["completeness_planned"]) == (0.25, 0.5)


def test_cli_bad_ids_and_weights_exit_1(mini_build, tmp_path):
    result = gaps_cli(mini_build, "--chain", "fluorine")
    assert result.exit_code == 1 and "unknown chain id 'fluorine'" in result.output
    result = gaps_cli(mini_build, "--weight", "synergy=1")
    assert result.exit_code == 1 and "synergy" in result.output
    bad = tmp_path / "weights.txt"
    bad.write_text("bridging: 2\n", encoding="utf-8")
    result = gaps_cli(mini_build, "--weights", str(bad))
    assert result.exit_code == 1 and "weights.txt, line 1" in result.output
    result = gaps_cli(mini_build, "--type", "broken")
    assert result.exit_code == 2


def test_cli_weights_change_scores(mini_build):
    zero = [f"{name}=0" for name in COMPONENTS if name != "downstream_reach"]
    options = [arg for name in zero for arg in ("--weight", name)]
    # only downstream_reach counts: salt (on the secure list) reaches 2 not-present
    # products, sodium-cyanide (recruit) none
    secure = gaps_cli(mini_build, "--format", "json", "--ranking", "--list", "secure", *options)
    recruit = gaps_cli(mini_build, "--format", "json", "--ranking", *options)
    assert [(r["id"], r["score"]) for r in json.loads(secure.output)] == [("salt", 1.0)]
    assert [(r["id"], r["score"]) for r in json.loads(recruit.output)] == [("sodium-cyanide", 0.0)]


def test_cli_xlsx_and_csv(mini_build, tmp_path):
    target = tmp_path / "gaps.xlsx"
    result = gaps_cli(mini_build, "--format", "xlsx", "-o", str(target), "--lang", "zh")
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(target)
    assert "缺口类型" in frame.columns and "本地原料保障" in frame.columns and len(frame) == 7
    result = gaps_cli(mini_build, "--format", "csv")
    frame = pd.read_csv(io.StringIO(result.output))
    assert {"id", "chain", "gap_type", "score", *COMPONENTS} <= set(frame.columns)


def test_same_projection_from_a_sparql_endpoint(mini_build, mini_graph, tmp_path_factory):
    from kg.store.stores import RemoteStore
    from tests.test_sparql import pushed_server, stop

    data, out = mini_build
    process, endpoint = pushed_server(tmp_path_factory, data, out)
    try:
        G = product_graph(RemoteStore(endpoint))
    finally:
        stop(process)
    assert dict(G.nodes(data=True)) == dict(mini_graph.nodes(data=True))
    assert sorted(G.edges(data=True)) == sorted(mini_graph.edges(data=True))
    assert G.graph == mini_graph.graph


def test_shipped_data_analysis(shipped_store):
    # Every product of the shipped data is in the projection, every score in [0, 1], and the
    # ranking holds exactly the missing products (weak ones are made already), each on the
    # list its kind gives unless a gate keeps it off.
    result = analyse(shipped_store)
    G = result.graph
    products = int(shipped_store.select("SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Product }")["n"][0])
    assert G.number_of_nodes() == products
    assert result.ranking["score"].between(0, 1).all()
    expected = {p for p, d in G.nodes(data=True) if "missing" in d["gap_types"]}
    assert set(result.ranking["id"]) == expected
    for row in result.ranking.itertuples():
        made = any((e.get("relation") or "main") == "main" for e in G.pred[row.id].values())
        expected = "develop" if G.nodes[row.id]["kind"] == "service" else "recruit" if made else "secure"
        assert row.list == ("gated" if row.gates else expected), row.id
    assert set(result.completeness["chain"]) == set(G.graph["chains"])
