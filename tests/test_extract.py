"""`kg extract` and `kg merge`: the rules on small texts worked out by hand, the review
workbook, merges that move a status forward or fail and write nothing, and the recall and
precision on the shipped article and three fictional ones, held to documented floors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kg.cli import main
from kg.extract import extract, known_from, propose
from kg.extract.article import clauses, read_article
from kg.extract.evaluate import read_expected, score
from kg.extract.review import Review, read_review, write_review
from kg.extract.rules import split_items, status_of
from kg.paths import default_data_dir
from kg.tables.dataset import load_tables
from tests.conftest import MINI, skip_or_fail

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "fixtures" / "articles"
REPO = HERE.parent


@pytest.fixture(scope="module")
def shipped_tables():
    return load_tables(default_data_dir())


@pytest.fixture(scope="module")
def vocabulary(shipped_tables):
    return known_from(shipped_tables, facts=False)


def rows(text: str, known, table: str, year: int = 2026) -> list[dict[str, str]]:
    return [p.row for p in propose(text, "s", known, year) if p.table == table]


# ---- status words -------------------------------------------------------------------------

@pytest.mark.parametrize("phrase, status", [
    ("等22个项目建成投产", "operating"), ("X项目竣工投产", "operating"), ("实现全容量并网", "operating"),
    ("X项目开工建设", "under_construction"), ("目前在建", "under_construction"),
    ("获批", "approved"), ("获得核准", "approved"), ("完成备案", "approved"),
    ("成功签约", "signed"), ("成功引进", "signed"),
    ("重大储备项目", "reserve"), ("谋划项目", "reserve"),
])
def test_status_words_map_to_the_vocabulary(phrase, status):
    assert status_of(phrase)[0] == status


@pytest.mark.parametrize("phrase, plan", [("确保…一季度全部开工", "确保…开工"),
                                          ("力争…年底前建成投产", "力争…建成投产"), ("计划…签约", "计划…签约")])
def test_a_plan_is_not_a_status(phrase, plan):
    assert status_of(phrase) == ("", plan.split("…")[1], plan)


def test_a_planned_project_has_no_status(vocabulary):
    projects = rows("确保庆华12万吨高品质吸附材料等23个项目一季度全部开工。", vocabulary, "projects")
    assert [(p["label_zh"], p["status"]) for p in projects] == [("庆华12万吨高品质吸附材料", "")]
    assert "确保…开工" in projects[0]["note"]


# ---- amounts, capacities, percentages -----------------------------------------------------

@pytest.mark.parametrize("text, value, unit", [
    ("全年完成投资124.2亿元。", "12420000000", "元"), ("集体经济总收入突破7470万元。", "74700000", "元"),
    ("产值占规上工业总产值的67.3%。", "67.3", "%"), ("超出规划目标17.3个百分点。", "17.3", "百分点"),
    ("新增防沙治沙面积18.6万亩。", "186000", "亩"), ("单日接待量突破2万人次。", "20000", "人次"),
    ("新增光伏装机300兆瓦。", "300000", "kW"),
])
def test_amounts_are_read_as_the_loader_reads_them(vocabulary, text, value, unit):
    found = rows(text, vocabulary, "indicators", 2025)
    assert [(r["value"], r["unit"], r["year"]) for r in found] == [(value, unit, "2025")]


def test_project_capacities(vocabulary):
    found = {r["label_zh"]: (r.get("capacity"), r.get("capacity_unit"))
             for r in rows("蒙能200万千瓦区域互济、宏晟化学20万吨/年甲醇项目建成并网。", vocabulary, "projects")}
    assert found == {"蒙能200万千瓦区域互济": ("2000000", "kW"), "宏晟化学20万吨/年甲醇项目": ("200000", "吨/年")}


def test_an_order_of_magnitude_goal_without_a_year_ends_the_five_year_plan(vocabulary):
    found = rows("加快盐化工、氟化工2个百亿级产业链成群。", vocabulary, "indicators", 2026)
    assert sorted((r["chain"], r["value"], r["year"], r["kind"]) for r in found) == [
        ("fluorine", "10000000000", "2030", "target"), ("salt", "10000000000", "2030", "target")]


# ---- lists --------------------------------------------------------------------------------

def test_list_splitting():
    assert [t for _, t in split_items("甲公司、乙公司与丙公司")] == ["甲公司", "乙公司", "丙公司"]
    assert [t for _, t in split_items("树牢“大抓项目、大抓投资”导向")] == ["树牢“大抓项目、大抓投资”导向"]


def test_a_list_gives_one_row_per_item(vocabulary):
    found = rows("灵圣蛋氨酸、瑞达钾碱等22个项目建成投产。", vocabulary, "projects")
    assert [(r["label_zh"], r["status"], r["year"]) for r in found] == [
        ("灵圣蛋氨酸", "operating", "2026"), ("瑞达钾碱", "operating", "2026")]
    targets = rows("着力引进半导体芯片、集成电路等高附加值项目。", vocabulary, "targets")
    assert [r["product"] for r in targets] == ["semiconductor-chips", "integrated-circuits"]


def test_every_quote_is_verbatim(vocabulary):
    text, _ = read_article(ARTICLES / "qinghewan-2025-summary.html")
    for p in propose(text, "s", vocabulary, 2025):
        assert text[p.start:p.end] == p.quote
    assert all(text[c.start:c.end] == c.text for c in clauses(text))


# ---- known things -------------------------------------------------------------------------

def write_article(tmp_path: Path, text: str, name: str = "news.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_known_project_becomes_an_update(tmp_path):
    article = write_article(tmp_path, "今年以来，氯气项目开工建设。", encoding="gbk")
    review, _, warnings = extract(article, load_tables(MINI), "news-2026", date="2026-05")
    assert any("GBK" in str(w) for w in warnings)
    projects = review.tables["projects"]
    assert [(p["id"], p["action"], p["status"], p["changes"]) for p in projects] == [
        ("p-cl", "update", "under_construction", "status: signed → under_construction")]
    assert projects[0]["quote"] == "氯气项目开工建设"


def test_a_company_is_matched_by_an_alias(tmp_path):
    tables = load_tables(MINI)
    tables["companies"].loc[tables["companies"]["id"] == "co-a", "aliases"] = "甲化工;甲公司化工"
    article = write_article(tmp_path, "甲化工10万吨烧碱项目开工建设。")
    review, _, _ = extract(article, tables, "news")
    assert review.tables["companies"] == []
    assert [(p["company"], p["action"]) for p in review.tables["projects"]] == [("co-a", "new")]


def test_nothing_is_proposed_for_a_known_thing_that_did_not_move(tmp_path):
    article = write_article(tmp_path, "蛋氨酸项目建成投产。")
    review, _, _ = extract(article, load_tables(MINI), "news", date="2025")
    assert review.tables["projects"] == []


# ---- the review workbook ------------------------------------------------------------------

def test_review_workbook_has_the_drop_down_and_no_formula(tmp_path, shipped_tables):
    review, _, _ = extract(ARTICLES / "qinghewan-2025-report.txt", shipped_tables, "qhw-2025", date="2025-01")
    review.tables["projects"][0]["note"] = "=HYPERLINK(\"http://example.invalid\")"
    book_path = tmp_path / "review.xlsx"
    write_review(review, book_path)
    book = load_workbook(book_path)
    assert {"_read_me", "sources", "companies", "projects", "indicators", "targets", "assets"} <= set(book.sheetnames)
    for name in ("companies", "projects", "indicators", "targets", "assets"):
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        assert header[:4] == ["accept", "action", "changes", "quote"]
        lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
        assert any(v.formula1 == '"yes,no"' and "A2" in str(v.sqref) for v in lists), name
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (name, cell.coordinate, cell.value)
    projects = book["projects"]
    assert projects.cell(row=2, column=4).value == "恒川烧碱、金岭聚氯乙烯等9个项目竣工投产"
    # the CSV folder beside it reads back the same rows
    back = read_review(tmp_path / "review")
    assert len(back["projects"]) == len(review.tables["projects"])
    assert back["projects"][0]["note"].startswith("=HYPERLINK")
    assert "'=HYPERLINK" in (tmp_path / "review" / "projects.csv").read_text(encoding="utf-8")  # kg.cells' mark


# ---- merging ------------------------------------------------------------------------------

def accept_all(folder: Path, tables: tuple[str, ...]) -> None:
    for table in tables:
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([lines[0], *("yes" + line for line in lines[1:])]) + "\n", encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_merge_moves_a_status_forward_and_prints_the_change(tmp_path, mini):
    article = write_article(tmp_path, "今年以来，氯气项目开工建设。")
    runner = CliRunner()
    made = runner.invoke(main, ["extract", str(article), "--source-id", "news-2026", "--date", "2026-05",
                                "--data", str(mini), "-o", str(tmp_path / "review")])
    assert made.exit_code == 0, made.output
    accept_all(tmp_path / "review", ("sources", "projects"))
    merged = runner.invoke(main, ["merge", str(tmp_path / "review"), "--data", str(mini),
                                  "--out", str(tmp_path / "build"), "--lang", "en"])
    assert merged.exit_code == 0, merged.output
    assert "projects +0/~1" in merged.output and "sources +1/~0" in merged.output
    line = next(x for x in merged.output.splitlines() if "p-cl" in x and "status" in x)
    assert line.split()[-3:] == ["signed", "construction", "forward"] or \
        ("signed" in line and "under construction" in line and "forward" in line)
    projects = (mini / "projects.csv").read_text(encoding="utf-8")
    assert "p-cl,氯气项目,Chlorine project,,salt,under_construction,2026" in projects
    assert "news-2026,氯气项目开工建设" in projects
    assert load_tables(mini)["projects"].set_index("id").at["p-cl", "status"] == "under_construction"
    assert not list(tmp_path.glob(".mini.merge-*"))


def test_a_merge_that_fails_validation_writes_nothing(tmp_path, mini):
    article = write_article(tmp_path, "新签约丙化工20万吨/年烧碱项目。")
    review, _, _ = extract(article, load_tables(mini), "news-2026", date="2026")
    assert [p["label_zh"] for p in review.tables["projects"]] == ["丙化工20万吨/年烧碱项目"]
    write_review(review, tmp_path / "review")
    accept_all(tmp_path / "review", ("sources", "projects"))  # the new company is not accepted
    before = snapshot(mini)
    result = CliRunner().invoke(main, ["merge", str(tmp_path / "review"), "--data", str(mini),
                                       "--out", str(tmp_path / "build")])
    assert result.exit_code == 1
    assert "projects.csv" in result.output and "'company'" in result.output and "not an id in companies.csv" \
        in result.output
    assert "nothing was written" in result.output
    assert snapshot(mini) == before
    assert not list(mini.parent.glob(".mini.merge-*"))


def test_merge_refuses_a_review_without_accepted_rows(tmp_path, mini):
    review = Review({"projects": []})
    write_review(review, tmp_path / "review")
    result = CliRunner().invoke(main, ["merge", str(tmp_path / "review"), "--data", str(mini)])
    assert result.exit_code == 1 and "no row is accepted" in result.output


# ---- measured against the hand-made tables ------------------------------------------------

def article_path(name: str) -> Path:
    if name != "shipped":
        return ARTICLES / name
    folder = Path(os.environ.get("KG_SOURCES_DIR") or REPO.parent / "shared" / "sources")
    path = folder / "000_39e2e6ca2c4895fc.txt"
    if not path.exists():
        skip_or_fail(f"the shipped article is not in {folder} (set KG_SOURCES_DIR)")
    return path


FLOORS = json.loads((ARTICLES / "floors.json").read_text(encoding="utf-8"))["articles"]


@pytest.mark.parametrize("case", FLOORS, ids=[c["article"] for c in FLOORS])
def test_recall_and_precision_stay_at_their_floors(case, shipped_tables, vocabulary):
    path = article_path(case["article"])
    expected_dir = default_data_dir() if case["expected"] == "data" else ARTICLES / case["expected"]
    vocab_only = {k: v for k, v in shipped_tables.items() if k in ("products", "chains")}
    _, proposals, _ = extract(path, vocab_only, "s", date=case["date"])
    figures = score(proposals, read_expected(expected_dir), vocabulary).set_index("table")
    for table, (recall, precision) in case["floors"].items():
        got = figures.loc[table]
        assert got["recall"] >= recall and got["precision"] >= precision, (case["article"], table, dict(got))


def test_evaluate_prints_the_table():
    result = CliRunner().invoke(main, ["extract", str(ARTICLES / "qinghewan-2025-summary.html"), "--date", "2025-12",
                                       "--evaluate", str(ARTICLES / "qinghewan-2025-summary")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if " targets " in f" {x} ")
    assert line.split()[1:] == ["targets", "2", "2", "2", "1", "1"]
