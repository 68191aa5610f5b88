"""`kg viz`: the explorer page, checked in headless Chromium against the graph it was drawn
from (shipped data), plus a hostile dataset that must stay inert and readable."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from kg.analysis.gaps import GAP_LABELS
from kg.cli import main
from kg.errors import KgError
from kg.outputs.explorer import explorer_data, explorer_html, layout, script_json, select_products, vocabulary_labels
from tests.conftest import open_page

READY = "body[data-ready='1']"
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "img" / "graph.png"


@pytest.fixture(scope="module")
def shipped_graph(shipped_store) -> nx.DiGraph:
    from kg.analysis.gaps import analyse

    return analyse(shipped_store).graph


@pytest.fixture(scope="module")
def viz_file(shipped_build, tmp_path_factory) -> Path:
    """`kg viz` on the shipped data, run as a user would (default language zh)."""
    path = tmp_path_factory.mktemp("viz") / "graph.html"
    result = CliRunner().invoke(main, ["viz", "-o", str(path), "--out", str(shipped_build)])
    assert result.exit_code == 0, result.output
    assert f"wrote {path}" in result.output
    return path


def assert_offline(opened) -> None:
    """The page asked for nothing outside file://, logged no error and opened no dialog."""
    assert opened.outside == [], f"requests left the page: {opened.outside}"
    assert opened.errors == [], f"console errors: {opened.errors}"
    assert opened.dialogs == [], f"dialogs opened: {opened.dialogs}"


def visible(page) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = page.evaluate("kgExplorer.nodes.get({filter: n => !n.hidden}).map(n => n.id)")
    edges = page.evaluate("kgExplorer.edges.get({filter: e => !e.hidden}).map(e => [e.from, e.to])")
    return set(nodes), {tuple(e) for e in edges}


def click_node(page, node_id: str) -> None:
    """A real mouse click on the product's spot on the canvas (zoomed in first if another
    product covers it at the current scale)."""
    for _ in range(3):
        box = page.locator("#network canvas").bounding_box()
        spot = page.evaluate(f"kgExplorer.network.canvasToDOM(kgExplorer.network.getPositions([{json.dumps(node_id)}])"
                             f"[{json.dumps(node_id)}])")
        if page.evaluate(f"kgExplorer.network.getNodeAt({json.dumps(spot)})") == node_id:
            page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
            return
        page.evaluate(f"kgExplorer.network.focus({json.dumps(node_id)}, {{scale: kgExplorer.network.getScale() * 2.5,"
                      " animation: false}})")
    raise AssertionError(f"{node_id} cannot be clicked: another product covers it")


# ---------------------------------------------------------------- the file itself

def test_file_is_self_contained(viz_file):
    html = viz_file.read_text(encoding="utf-8")
    # Nothing in the markup or styles points anywhere: no external script, style, image or font.
    external = r"<(script|link|img|iframe|object|embed|source|audio|video)\b[^>]*\b(src|href)\s*="
    assert not re.search(external, html, re.I)
    assert not re.search(r"@import|@font-face|url\(\s*['\"]?(https?:)?//", html, re.I)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # Three script elements (data, vis-network, the page), and no other closing tag.
    assert len(re.findall(r"</script", html, re.I)) == 3
    assert html.count("vis-network") > 0


def test_cli_rejects_an_unknown_chain_and_writes_nothing(shipped_build, tmp_path):
    path = tmp_path / "g.html"
    result = CliRunner().invoke(main, ["viz", "--chain", "fluorine", "--chain", "nope", "-o", str(path),
                                       "--out", str(shipped_build)])
    assert result.exit_code == 1
    assert "unknown chain id(s): nope" in result.output and "fluorine" in result.output
    assert "Traceback" not in result.output
    assert not path.exists()


def test_chain_and_gap_selection(shipped_graph):
    fluorine = {n for n, c in shipped_graph.nodes(data="chains") if "fluorine" in c}
    data = explorer_data(shipped_graph, chains=["fluorine"], lang="en")
    assert {n["id"] for n in data["nodes"]} == fluorine
    assert {(e["from"], e["to"]) for e in data["edges"]} == set(shipped_graph.subgraph(fluorine).edges)
    assert {n["info"]["label_en"] for n in data["nodes"]} == {shipped_graph.nodes[n]["label_en"] for n in fluorine}
    gaps = select_products(shipped_graph, gaps_only=True)
    assert set(gaps) == {n for n, g in shipped_graph.nodes(data="gap_types") if g}
    assert 0 < len(gaps) < len(shipped_graph)
    with pytest.raises(KgError, match="unknown chain"):
        select_products(shipped_graph, chains=["salt", "no-such-chain"])


def test_script_json_cannot_close_the_script_element():
    nasty = ["</script><script>alert(1)</script>", "<!-- x", "a & b > c", "line\u2028sep\u2029para", "<\\/script>"]
    text = script_json({"s": nasty})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"s": nasty}


def test_layout_flows_left_to_right_and_never_stacks(shipped_graph):
    """Upstream products sit left of their outputs; no two products share a spot, also at
    2,000 products in nine chains."""
    big = nx.gnp_random_graph(2000, 0.0015, directed=True, seed=7)
    big = nx.DiGraph([(u, v) for u, v in big.edges if u < v])
    big.add_nodes_from(range(2000))
    for n in big:
        big.nodes[n]["chains"] = [f"c{n % 9}"]
    for G in (shipped_graph, big):
        pos = layout(G)
        assert set(pos) == set(G)
        assert len(set(pos.values())) == len(G)
        cyclic = {n for comp in nx.strongly_connected_components(G) if len(comp) > 1 for n in comp}
        for u, v in G.edges:
            if not (u in cyclic and v in cyclic):
                assert pos[u][0] < pos[v][0], (u, v)
        xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
        aspect = (max(xs) - min(xs)) / (max(ys) - min(ys))
        assert 0.5 < aspect < 3, aspect  # fits a screen, neither a ribbon nor a tower


# ---------------------------------------------------------------- offline, in the browser

def test_page_loads_offline_without_errors(browser, viz_file):
    opened = open_page(browser, viz_file, ready=READY)
    assert_offline(opened)
    assert opened.page.evaluate("typeof vis.Network") == "function"
    opened.page.close()


def test_offline_check_fails_on_a_page_that_fetches(browser, tmp_path):
    """The check above is not vacuous: a page that reaches for other hosts fails it."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example.invalid/b.css">'
                   '<script src="http://cdn.example.invalid/vis.js"></script></head>'
                   '<body><img src="https://example.invalid/p.png"></body></html>', encoding="utf-8")
    opened = open_page(browser, bad)
    with pytest.raises(AssertionError, match="requests left the page"):
        assert_offline(opened)
    assert {u.split("/")[2] for u in opened.outside} == {"cdn.example.invalid", "example.invalid"}
    opened.page.close()


# ---------------------------------------------------------------- what the page shows

def test_network_holds_the_graph(browser, viz_file, shipped_graph):
    opened = open_page(browser, viz_file, ready=READY)
    page = opened.page
    nodes = {n["id"]: n for n in page.evaluate("kgExplorer.nodes.get()")}
    edges = {(e["from"], e["to"]) for e in page.evaluate("kgExplorer.edges.get()")}
    assert len(nodes) == shipped_graph.number_of_nodes() and set(nodes) == set(shipped_graph)
    assert len(edges) == shipped_graph.number_of_edges() and edges == set(shipped_graph.edges)
    assert visible(page) == (set(nodes), edges)
    shapes = {"present": "dot", "planned": "diamond", "missing": "square"}
    for n, attrs in shipped_graph.nodes(data=True):
        assert nodes[n]["shape"] == shapes[attrs["status"]], n
        assert nodes[n]["label"].split("\n")[0] == attrs["label_zh"]
    # Size follows the recruitment priority.
    scored = sorted((a["score"], n) for n, a in shipped_graph.nodes(data=True) if a.get("score") is not None)
    assert nodes[scored[-1][1]]["size"] > nodes[scored[0][1]]["size"]
    assert page.locator("#count").inner_text().endswith(f"{len(nodes)} / {len(nodes)}")
    assert_offline(opened)
    page.close()


def test_chain_filter_changes_what_is_visible(browser, viz_file, shipped_graph):
    opened = open_page(browser, viz_file, ready=READY)
    page = opened.page
    canvas = page.locator("#network canvas")
    before = canvas.screenshot()
    page.locator("#chain-filter label:has(input[data-chain='fluorine']) button.only").click()
    fluorine = {n for n, c in shipped_graph.nodes(data="chains") if "fluorine" in c}
    assert visible(page) == (fluorine, set(shipped_graph.subgraph(fluorine).edges))
    assert page.locator("#count").inner_text().endswith(f"{len(fluorine)} / {len(shipped_graph)}")
    assert canvas.screenshot() != before
    # Add the salt chain back by its checkbox; then drop the missing products.
    page.locator("input[data-chain='salt']").check()
    both = {n for n, c in shipped_graph.nodes(data="chains") if {"fluorine", "salt"} & set(c)}
    assert visible(page)[0] == both
    page.locator("input[data-status='missing']").uncheck()
    assert visible(page)[0] == {n for n in both if shipped_graph.nodes[n]["status"] != "missing"}
    assert_offline(opened)
    page.close()


def test_search_finds_chinese_and_english_names(browser, viz_file, shipped_graph):
    opened = open_page(browser, viz_file, ready=READY)
    page = opened.page
    sodium = shipped_graph.nodes["sodium"]
    for query in (sodium["label_zh"], sodium["label_en"].upper()):
        page.fill("#search", query)
        names = page.locator("#results button").all_inner_texts()
        assert any(t.startswith(sodium["label_zh"]) for t in names), (query, names)
    page.press("#search", "Enter")
    assert page.locator("#panel h2").inner_text() == sodium["label_zh"]
    page.fill("#search", "no such product zzz")
    assert page.locator("#results .empty").count() == 1
    assert_offline(opened)
    page.close()


def test_click_shows_the_panel_and_screenshot(browser, viz_file, shipped_graph, tmp_path):
    """A leader clicks 光伏发电 (PV power), a weak link with a producer, a project, gaps and a
    score, so every part of the panel is checked: it names them all. The page, with the
    panel open, is the screenshot in docs/img/graph.png (rewritten only with
    KG_WRITE_SCREENSHOT=1)."""
    from PIL import Image, ImageStat

    opened = open_page(browser, viz_file, ready=READY)
    page = opened.page
    clicked = "pv-power"
    node = shipped_graph.nodes[clicked]
    assert node["producers"] and node["projects"] and node["gap_types"] and node.get("score") is not None
    click_node(page, clicked)
    panel = page.locator("#panel")
    assert panel.locator("h2").inner_text() == node["label_zh"]
    text = panel.inner_text()
    assert node["label_en"] in text
    assert vocabulary_labels()[node["status"]][0] in text
    for gap in node["gap_types"]:
        assert GAP_LABELS[gap][0] in text
    for company in node["producers"]:
        assert company["label_zh"] in text, f"producer {company['label_zh']} is not in the panel"
    for project in node["projects"]:
        assert project["label_zh"] in text, f"project {project['label_zh']} is not in the panel"
    for neighbour in [*shipped_graph.successors(clicked), *shipped_graph.predecessors(clicked)]:
        assert shipped_graph.nodes[neighbour]["label_zh"] in text
    assert f"{node['score']:.2f}" in text
    # Screenshot: the overview again, panel open.
    page.evaluate("kgExplorer.fitView()")
    page.mouse.move(5, 5)
    target = SCREENSHOT if os.environ.get("KG_WRITE_SCREENSHOT") == "1" else tmp_path / "graph.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    shot = Image.open(target).convert("RGB")
    canvas_box = page.locator("#network canvas").bounding_box()
    canvas = Image.open(io.BytesIO(page.locator("#network canvas").screenshot())).convert("RGB")
    assert canvas.size[0] >= canvas_box["width"] - 1
    for image in (shot, canvas):
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 10
        assert len(image.getcolors(1 << 24)) > 200  # drawn, not a blank or single-colour area
    assert_offline(opened)
    page.close()


# ---------------------------------------------------------------- hostile text stays text

HOSTILE_COMPANY = "<img src=x onerror=alert(1)>"
HOSTILE_QUOTE = "甲公司</script><script>alert(2)</script>"
HOSTILE_PRODUCT = "Sodium <b onmouseover=alert(3)>metal</b> & \u2028co"


def test_hostile_labels_are_shown_as_text_and_nothing_runs(mini, tmp_path, browser):
    from kg.analysis.gaps import analyse
    from kg.store.build import build
    from kg.store.stores import open_store

    companies = pd.read_csv(mini / "companies.csv", dtype=str, keep_default_na=False)
    companies.loc[companies["id"] == "co-a", "label_zh"] = HOSTILE_COMPANY
    companies.to_csv(mini / "companies.csv", index=False)
    products = pd.read_csv(mini / "products.csv", dtype=str, keep_default_na=False)
    products.loc[products["id"] == "sodium", "label_en"] = HOSTILE_PRODUCT
    products.to_csv(mini / "products.csv", index=False)
    pd.DataFrame([{"product": "sodium", "source": "fixture", "quote": HOSTILE_QUOTE}]).to_csv(
        mini / "targets.csv", index=False)

    build(mini, tmp_path / "build")
    G = analyse(open_store(tmp_path / "build")).graph
    assert G.nodes["sodium"]["producers"][0]["label_zh"] == HOSTILE_COMPANY  # the text reached the graph
    assert HOSTILE_QUOTE in G.nodes["sodium"]["target_quotes"]
    html = explorer_html(G, lang="en")
    assert HOSTILE_COMPANY not in html and "</script><script>alert" not in html
    path = tmp_path / "hostile.html"
    path.write_text(html, encoding="utf-8")

    opened = open_page(browser, path, ready=READY)
    page = opened.page
    click_node(page, "sodium")
    panel = page.locator("#panel")
    assert panel.locator("h2").evaluate("e => e.textContent") == HOSTILE_PRODUCT
    texts = panel.evaluate("e => e.textContent")
    for hostile in (HOSTILE_COMPANY, HOSTILE_QUOTE, HOSTILE_PRODUCT):
        assert hostile in texts, hostile
    page.hover("#panel h2")
    assert page.locator("#panel img, #panel b, #panel script").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    assert_offline(opened)  # no alert dialog, no request for "x", no error
    page.close()
