"""`kg report` on the shipped data, read back as a planner would: the workbook with openpyxl,
the page in headless Chromium. Numbers are compared with the pinned answers in tests/golden,
the weights with docs/method.md, and scores and ranks worked out again from the components."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import CHECKOUT, open_page, run_kg
from tests.golden import read_golden

CJK = re.compile(r"[\u4e00-\u9fff]")
TOP = 20
PINNED = "ranking-recruit-top"  # the top targets the report leads with: the recruit list


kg = run_kg  # `kg ARGS` from this checkout


@pytest.fixture(scope="session")
def report_run(shipped_build, tmp_path_factory):
    """`kg report` (Chinese) on the shipped data, and `kg gaps` JSON from the same build."""
    folder = tmp_path_factory.mktemp("report") / "report"
    run = kg("report", "-o", str(folder), "--out", str(shipped_build), "--top", str(TOP))
    assert run.returncode == 0, run.stderr
    ranking = json.loads(kg("gaps", "--format", "json", "--ranking", "--out", str(shipped_build)).stdout)
    gaps = json.loads(kg("gaps", "--format", "json", "--out", str(shipped_build)).stdout)
    return {"folder": folder, "stdout": run.stdout, "ranking": ranking, "gaps": gaps}


@pytest.fixture(scope="session")
def chains(shipped_store):
    from kg.analysis.stats import chain_stats

    return chain_stats(shipped_store)


@pytest.fixture(scope="session")
def workbook(report_run):
    return load_workbook(report_run["folder"] / "gaps.xlsx")


def rows_of(sheet) -> tuple[list[str], list[dict]]:
    values = list(sheet.iter_rows(values_only=True))
    headers = [str(h) for h in values[0]]
    return headers, [dict(zip(headers, row)) for row in values[1:]]


def documented_weights() -> dict[str, float]:
    """The default weights as docs/method.md prints them (its table of components)."""
    text = (CHECKOUT / "docs" / "method.md").read_text(encoding="utf-8")
    table = text.split("| component | 中文 | what it measures | default weight |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|.*\| ([0-9.]+) \|$", table, re.M)
    return {name: float(weight) for name, weight in rows}


def test_report_folder_and_terminal_summary(report_run):
    """The terminal summary prints each chain's pinned completeness on its line, and the pinned
    first target with its score."""
    names = sorted(p.name for p in report_run["folder"].iterdir())
    assert names in (["gaps.xlsx", "graph.html", "index.html"], ["gaps.xlsx", "graph.html", "index.html", "report.pdf"])
    out = report_run["stdout"]
    assert "各产业链完整度" in out and "重点招引目标" in out
    lines = out.splitlines()
    for chain in read_golden("completeness"):
        line = next((line for line in lines if line.split() and line.split()[0] == chain["label_zh"]), "")
        shares = [f"{float(chain['completeness']):.0%}", f"{float(chain['completeness_planned']):.0%}"]
        assert line.split()[1:] == [chain["products"], chain["present"], chain["planned"], chain["missing"], *shares]
    first = read_golden(PINNED)[0]
    assert first["label_zh"] in out and f"{float(first['score']):.3f}" in out


def test_workbook_sheets_headers_frozen_filters_widths(workbook, chains):
    names = workbook.sheetnames
    assert names[0] == "重点招引目标" and names[-3:] == ["项目", "来源", "评分权重"]
    assert sorted(names[1:-3]) == sorted(chains["label_zh"])  # one sheet per chain
    for sheet in workbook.worksheets:
        headers = [c.value for c in sheet[1]]
        assert any(CJK.search(str(h)) for h in headers), sheet.title
        assert len(set(headers)) == len(headers), sheet.title  # a filter per distinct column
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        for column in range(1, sheet.max_column + 1):
            width = sheet.column_dimensions[sheet.cell(1, column).column_letter].width
            assert width and width >= 8, (sheet.title, column)


def test_top_targets_sheet_matches_the_pinned_ranking(workbook):
    """The sheet holds the pinned top of the recruit list (tests/golden), with every component,
    and each rank is one more than the number of higher scores."""
    from kg.analysis.gaps import COMPONENT_LABELS, COMPONENTS

    headers, rows = rows_of(workbook["重点招引目标"])
    pinned = read_golden(PINNED)
    assert len(rows) == len(pinned) == TOP
    for row, expected in zip(rows, pinned):
        assert (row["id"], row["排名"], row["产品"]) == (expected["id"], int(expected["rank"]), expected["label_zh"])
        assert row["优先分"] == pytest.approx(float(expected["score"]), abs=1e-6)
        for name in COMPONENTS:
            assert row[COMPONENT_LABELS[name][0]] == pytest.approx(float(expected[name]), abs=1e-6), (row["id"], name)
        assert row["排名"] == 1 + sum(1 for other in rows if other["优先分"] > row["优先分"] + 1e-9)


def test_each_chain_sheet_leads_with_its_top_target(workbook, report_run, chains):
    ranking = report_run["ranking"]
    for chain, label in zip(chains["chain"], chains["label_zh"]):
        headers, rows = rows_of(workbook[label])
        expected_gaps = [g for g in report_run["gaps"] if g["chain"] == chain]
        assert sorted(r["id"] for r in rows) == sorted(g["id"] for g in expected_gaps)
        for row in rows:
            assert row["优先分"] == pytest.approx(next(g["score"] for g in expected_gaps if g["id"] == row["id"]))
        in_chain = [r for r in ranking if chain in r["chains"]]
        recruitable = [g["score"] for g in expected_gaps if g["gap_type"] in ("missing", "weak")]
        if in_chain:  # the chain's highest-scoring gap to fill leads its sheet, ahead of its best recruit target
            assert rows[0]["优先分"] == pytest.approx(max(recruitable), abs=1e-6), chain
            assert rows[0]["优先分"] >= in_chain[0]["score"] - 1e-6


def test_projects_and_sources_sheets_hold_every_project_and_quote(workbook, shipped_store):
    _, projects = rows_of(workbook["项目"])
    stored = shipped_store.select("SELECT ?j WHERE { ?j a kg:Project }")["j"].str.rsplit("/", n=1).str[-1]
    assert sorted(r["id"] for r in projects) == sorted(stored)
    statuses = {"谋划/储备", "签约", "获批", "开工/在建", "建成投产", "未说明"}
    assert {r["状态"] for r in projects} <= statuses
    _, sources = rows_of(workbook["来源"])
    quotes = set(shipped_store.select("SELECT DISTINCT ?q WHERE { ?s prov:wasDerivedFrom ?src ; kg:quote ?q }")["q"])
    assert {r["原文引述"] for r in sources if r["原文引述"]} == quotes


def test_weights_sheet_shows_the_weights_docs_method_md_documents(workbook):
    """The default weights in the workbook are the ones docs/method.md tells the planner."""
    from kg.analysis.gaps import COMPONENTS

    _, weights = rows_of(workbook["评分权重"])
    sheet = {r["id"]: r["权重"] for r in weights if r["id"] in COMPONENTS}
    kinds = {r["id"]: r["权重"] for r in weights if r["id"] not in COMPONENTS}
    assert kinds == {"core_chains": 1, "extension_chains": 0.6}  # docs/method.md, "Chain kind"
    documented = documented_weights()
    assert documented, "docs/method.md has no table of components and default weights"
    assert sheet == pytest.approx(documented), f"docs/method.md documents {documented}; the workbook shows {sheet}"


def test_english_workbook_and_page(shipped_store, tmp_path):
    from kg.analysis.gaps import analyse
    from kg.outputs.report.folder import write_report

    paths = write_report(analyse(shipped_store, {"strategic_target": 0.5}), shipped_store, tmp_path / "en",
                         lang="en", top=5)
    book = load_workbook(paths.workbook)
    assert book.sheetnames[0] == "Top targets" and book.sheetnames[-3:] == ["Projects", "Sources", "Weights"]
    headers = [c.value for c in book["Top targets"][1]]
    assert headers[:2] == ["Rank", "Product"] and not any(CJK.search(str(h)) for h in headers)
    assert book["Top targets"].max_row == 6
    _, weights = rows_of(book["Weights"])
    assert {r["id"]: r["Weight"] for r in weights}["strategic_target"] == 0.5
    page = paths.index.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Top recruitment targets" in page


# ---------------------------------------------------------------- the page in a browser

def test_page_offline_and_chinese_rendered_with_a_cjk_font(browser, report_run):
    opened = open_page(browser, report_run["folder"] / "index.html")
    page, outside, errors = opened.page, opened.outside, opened.errors
    assert outside == [] and errors == []
    assert page.locator("h1").inner_text().endswith("产业链招商报告")
    # Which font drew the Chinese text: the browser's own answer, through the DevTools protocol.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector in ("h1", "#completeness svg.chart text", "#targets-table tbody td b"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        cjk = [f for f in fonts if re.search(r"WenQuanYi|Noto Sans CJK|Noto Serif CJK|Source Han|Droid Sans Fallback",
                                             f["familyName"])]
        assert cjk and sum(f["glyphCount"] for f in cjk) > 0, (selector, fonts)
        assert not any(f["isCustomFont"] for f in fonts)  # nothing downloaded
    page.close()


def test_page_targets_table_matches_the_pinned_ranking(browser, report_run):
    from kg.analysis.gaps import COMPONENTS

    page = open_page(browser, report_run["folder"] / "index.html").page
    rows = page.eval_on_selector_all("#targets-table tbody tr", """rows => rows.map(r => ({
        rank: r.cells[0].innerText.trim(), product: r.cells[1].querySelector('b').innerText.trim(),
        score: r.cells[4].querySelector('b').innerText.trim(),
        range: (r.cells[4].querySelector('.rank-range') || {innerText: ''}).innerText.trim(),
        components: Object.fromEntries([...r.querySelectorAll('[data-component]')].map(
            e => [e.dataset.component, e.innerText.split('×')[0].trim()]))}))""")
    pinned = read_golden(PINNED)
    assert len(rows) == len(pinned)
    for row, expected in zip(rows, pinned):
        assert row["rank"] == expected["rank"]
        assert row["product"] == expected["label_zh"]
        assert row["score"] == f"{float(expected['score']):.3f}"
        best, worst = next(r for r in report_run["ranking"] if r["id"] == expected["id"])["rank_range"]
        assert row["range"].endswith(f"{best}–{worst}")
        assert {k: v for k, v in row["components"].items() if k in COMPONENTS} == \
            {k: f"{float(expected[k]):.3f}" for k in COMPONENTS}
    # Every chain is drawn in the completeness chart, with its pinned shares as text.
    chart = page.locator("#completeness svg.chart").text_content()
    for chain in read_golden("completeness"):
        shares = f"{float(chain['completeness']):.0%} / {float(chain['completeness_planned']):.0%}"
        assert chain["label_zh"] in chart and shares in chart, (chain["chain"], shares)
    page.close()


# ---------------------------------------------------------------- safety and atomicity (small data)

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def mini_analysis(mini, tmp_path):
    """The mini dataset with a hostile company and product name, built and analysed."""
    import pandas as pd

    from kg.analysis.gaps import analyse
    from kg.store.build import build
    from kg.store.stores import open_store

    for table, column in (("companies", "label_zh"), ("products", "label_zh"), ("projects", "label_zh")):
        path = mini / f"{table}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.loc[0, column] = HOSTILE + "</script><b>x"
        frame.to_csv(path, index=False)
    build(mini, tmp_path / "build")
    store = open_store(tmp_path / "build")
    return analyse(store), store


def test_labels_are_escaped_and_nothing_runs(mini_analysis, tmp_path, browser):
    from kg.outputs.report.folder import write_report

    analysis, store = mini_analysis
    paths = write_report(analysis, store, tmp_path / "r", lang="zh", top=10)
    page_text = paths.index.read_text(encoding="utf-8")
    assert HOSTILE not in page_text and "&lt;img src=x onerror=" in page_text
    assert "12.00 亿元" in page_text  # the operating mini project's stated 1,200,000,000 CNY, by status
    opened = open_page(browser, paths.index)
    page, outside, errors = opened.page, opened.outside, opened.errors
    assert page.evaluate("window.__pwned") is None
    assert outside == [] and errors == []
    assert HOSTILE in page.locator("body").inner_text()  # shown as text
    assert page.locator("main img").count() == 0
    page.close()


def test_failed_report_leaves_the_previous_one(mini_analysis, tmp_path, monkeypatch):
    import kg.outputs.report.folder
    from kg.outputs.report.folder import write_report

    analysis, store = mini_analysis
    folder = tmp_path / "r"
    write_report(analysis, store, folder, lang="zh", top=3)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("explorer failed")

    monkeypatch.setattr(kg.outputs.report.folder, "explorer_html", broken)
    with pytest.raises(RuntimeError):
        write_report(analysis, store, folder, lang="en", top=5)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".r.")) == []


def test_refuses_a_folder_that_is_not_a_report(mini, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    run = kg("report", "-o", str(folder), "--data", str(mini), "--out", str(tmp_path / "build"))
    assert run.returncode == 1 and "notes.txt" in run.stderr and "Traceback" not in run.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_bad_weights_file_names_the_line(mini, tmp_path):
    weights = tmp_path / "w.txt"
    weights.write_text("# mine\nbridging = lots\n", encoding="utf-8")
    run = kg("report", "-o", str(tmp_path / "r"), "--weights", str(weights), "--data", str(mini),
             "--out", str(tmp_path / "build"))
    assert run.returncode == 1 and "line 2" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "r").exists()
