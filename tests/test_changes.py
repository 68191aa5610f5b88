"""`kg changes` and `kg report --since`: what moved between two versions of the mini dataset,
every row worked out by hand from the edits below."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kg.analysis.changes import changes, direction
from kg.cli import main
from kg.store.build import build
from kg.store.stores import LocalStore
from tests.conftest import MINI


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def next_year(folder: Path) -> None:
    """The steward's edits: p-cl signed → under_construction; p-met operating → approved and
    its investment 1.2 → 1.5 billion; a new operating project p-cy (sodium cyanide) run by a
    new zone company co-c; the key-projects indicator 42 → 45."""
    edit(folder / "projects.csv", "co-a,fine,operating,2025,1200000000", "co-a,fine,approved,2025,1500000000")
    edit(folder / "projects.csv", ",salt,signed,2026,", ",salt,under_construction,2026,")
    append(folder / "projects.csv", "p-cy,氰化钠项目,Sodium cyanide project,co-c,salt;fine,operating,2026,,,,fixture,"
                                    "氰化钠项目建成投产,")
    append(folder / "project_products.csv", "p-cy,sodium-cyanide,false,fixture,氰化钠项目")
    append(folder / "companies.csv", "co-c,丙公司,Company C,zone,fixture,丙公司")
    edit(folder / "indicators.csv", ",42,个,2025,", ",45,个,2025,")


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict:
    """Copies of the mini dataset as last year's ("old") and this year's ("new"), each built
    and opened read-only."""
    root = tmp_path_factory.mktemp("versions")
    folders = {name: root / name for name in ("old", "new")}
    for folder in folders.values():
        shutil.copytree(MINI, folder)
    next_year(folders["new"])
    stores = {name: LocalStore(build(folder, root / f"build-{name}").generation / "store")
              for name, folder in folders.items()}
    return {"root": root, "folders": folders, "stores": stores}


@pytest.fixture(scope="module")
def moved(versions):
    return changes(versions["stores"]["old"], versions["stores"]["new"])


def records(frame, columns: list[str]) -> list[list]:
    return [[None if pd.isna(v) else v for v in row] for row in frame[columns].astype(object).values.tolist()]


def test_direction_follows_the_status_order():
    assert direction("reserve", "operating") == "forward"
    assert direction("under_construction", "signed") == "backward"
    assert direction("unknown", "approved") == direction("approved", "unknown") == "unknown"
    assert direction("approved", "approved") == ""


def test_projects_moved(moved):
    columns = ["id", "change", "status_before", "status_after", "direction", "fields", "investment_before",
               "investment_after", "products_before", "products_after"]
    assert records(moved.projects, columns) == [
        ["p-cl", "changed", "signed", "under_construction", "forward", "status", None, None, "chlorine", "chlorine"],
        ["p-cy", "added", "", "operating", "", "", None, None, "", "sodium-cyanide"],
        ["p-met", "changed", "operating", "approved", "backward", "status;investment", 1.2e9, 1.5e9,
         "methionine", "methionine"],
    ]
    assert moved.projects["year_after"].tolist() == [2026, 2026, 2025]


def test_product_statuses_companies_and_indicators_moved(moved, versions):
    # chlorine stays planned (its project moved, but not to operating): no row
    assert records(moved.products, ["id", "change", "status_before", "status_after"]) == [
        ["methionine", "changed", "present", "planned"],
        ["sodium-cyanide", "changed", "missing", "present"],
    ]
    status = versions["stores"]["new"].select("SELECT ?s WHERE { product:chlorine kg:zoneStatus ?s }")["s"][0]
    assert status.endswith("#planned")
    assert records(moved.companies, ["id", "change", "location"]) == [["co-c", "added", "zone"]]
    assert records(moved.indicators, ["id", "change", "value_before", "value_after", "unit"]) == [
        ["key-projects-2025", "changed", 42.0, 45.0, "个"]]


def test_completeness_before_and_after(moved):
    # salt: salt missing, sodium present, chlorine planned, sodium-cyanide missing → present too
    # fine: sodium-cyanide missing → present, methionine present → planned
    columns = ["chain", "completeness_before", "completeness_after", "completeness_delta",
               "completeness_planned_before", "completeness_planned_after", "completeness_planned_delta"]
    assert records(moved.completeness, columns) == [
        ["salt", 0.25, 0.5, 0.25, 0.5, 0.75, 0.25],
        ["fine", 0.5, 0.5, 0.0, 0.5, 1.0, 0.5],
    ]


def test_every_row_has_both_labels(moved):
    for name in moved.SECTIONS:
        frame = getattr(moved, name)
        assert len(frame), name
        assert (frame["label_zh"].str.len() > 0).all() and (frame["label_en"].str.len() > 0).all(), name
    assert moved.projects.set_index("id").loc["p-cy", ["label_zh", "label_en"]].tolist() == [
        "氰化钠项目", "Sodium cyanide project"]
    assert moved.completeness.set_index("chain").loc["salt", "label_zh"] == "盐化工"


def test_nothing_moved_between_a_version_and_itself(versions):
    same = changes(versions["stores"]["new"], versions["stores"]["new"])
    assert same.empty()
    assert all(getattr(same, s).empty for s in ("projects", "products", "companies", "indicators"))


def test_removed_and_unstated(versions, tmp_path):
    """A project whose status is no longer stated moves in direction unknown; a removed
    project, company and the product only it made show as removed/missing."""
    folder = tmp_path / "gone"
    shutil.copytree(versions["folders"]["new"], folder)
    edit(folder / "projects.csv", ",salt,under_construction,2026,", ",salt,,2026,")
    edit(folder / "projects.csv", "p-met,蛋氨酸项目,Methionine project,co-a,fine,approved,2025,1500000000,,,fixture,"
                                  "蛋氨酸项目建成投产,\n", "")
    edit(folder / "project_products.csv", "p-met,methionine,false,fixture,蛋氨酸项目\n", "")
    edit(folder / "companies.csv", "co-b,乙公司,Company B,external,fixture,乙公司,浙江,乙;乙股份,"
         "An external producer: a candidate to recruit.\n", "")
    edit(folder / "company_products.csv", "co-b,sodium-cyanide,false,fixture,乙公司生产氰化钠,20000,吨/年,2024,,\n", "")
    store = LocalStore(build(folder, tmp_path / "build").generation / "store")
    gone = changes(versions["stores"]["new"], store)
    assert records(gone.projects, ["id", "change", "status_before", "status_after", "direction"]) == [
        ["p-cl", "changed", "under_construction", "unknown", "unknown"],
        ["p-met", "removed", "approved", "", ""],
    ]
    assert records(gone.products, ["id", "status_before", "status_after"]) == [["methionine", "planned", "missing"]]
    assert records(gone.companies, ["id", "change", "location"]) == [["co-b", "removed", "external"]]
    assert gone.indicators.empty


# ---------------------------------------------------------------- the commands

def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_json_and_reuse_of_the_old_build(versions):
    root, folders = versions["root"], versions["folders"]
    out = root / "cli-build"
    args = ["changes", "--since", str(folders["old"]), "--data", str(folders["new"]), "--out", str(out)]
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["projects", "products", "companies", "indicators", "completeness"]
    p_cl = next(r for r in doc["projects"] if r["id"] == "p-cl")
    assert (p_cl["status_before"], p_cl["status_after"], p_cl["direction"]) == ("signed", "under_construction",
                                                                                "forward")
    since = sorted(p.name for p in out.glob("since-*"))
    assert len(since) == 1 and len(since[0]) == len("since-") + 12
    generation = (out / since[0] / "current").resolve()
    table = run(*args, "--lang", "en")
    assert table.exit_code == 0, table.output
    assert (out / since[0] / "current").resolve() == generation  # built once, reused
    assert sorted(p.name for p in out.glob("since-*")) == since
    line = next(t for t in table.stdout.splitlines() if t.startswith("project") and "p-cl" in t)
    assert line.split()[-3:] == ["under", "construction", "forward"]


def test_cli_old_version_as_a_workbook(versions, tmp_path):
    from kg.tables.dataset import load_tables
    from kg.tables.workbook import write_workbook

    book = tmp_path / "old.xlsx"
    write_workbook(load_tables(versions["folders"]["old"], []), book)
    result = run("changes", "--since", str(book), "--data", str(versions["folders"]["new"]), "--out",
                 str(tmp_path / "b"), "--format", "json")
    assert result.exit_code == 0, result.output
    moved = json.loads(result.stdout)
    assert [(r["id"], r["direction"]) for r in moved["projects"]] == [("p-cl", "forward"), ("p-cy", ""),
                                                                      ("p-met", "backward")]


def test_cli_refuses_a_missing_or_broken_old_version(versions, tmp_path):
    missing = tmp_path / "nowhere"
    result = run("changes", "--since", str(missing), "--data", str(versions["folders"]["new"]),
                 "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "nowhere" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.output
    broken = tmp_path / "broken"
    shutil.copytree(versions["folders"]["old"], broken)
    edit(broken / "projects.csv", ",salt,signed,2026,", ",salt,finished,2026,")
    result = run("changes", "--since", str(broken), "--data", str(versions["folders"]["new"]),
                 "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "broken/projects.csv, row 3, column 'status': 'finished'" in result.stderr  # the old version's file
    assert not any((tmp_path / "b").glob("since-*/current"))


def test_report_since_adds_a_section_and_a_sheet(versions, tmp_path):
    folder = tmp_path / "report"
    result = run("report", "--since", str(versions["folders"]["old"]), "--data", str(versions["folders"]["new"]),
                 "--out", str(tmp_path / "b"), "-o", str(folder), "--lang", "en")
    assert result.exit_code == 0, result.output
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<section id="changes"><h2>What moved since ' in page
    section = page.split('<section id="changes">', 1)[1].split("</section>", 1)[0]
    assert "<td>p-cl</td>" in section and "<td>forward</td>" in section and "<td>backward</td>" in section
    wb = load_workbook(folder / "gaps.xlsx")
    assert wb.sheetnames[-1] == "Changes"
    rows = list(wb["Changes"].iter_rows(values_only=True))
    assert rows[0] == ("Kind", "Change", "id", "Name", "Field", "Before", "After", "Direction")
    assert ("project", "changed", "p-cl", "Chlorine project", "status", "signed", "under construction",
            "forward") in rows
    assert ("product", "changed", "sodium-cyanide", "Sodium cyanide", "zone status", "missing", "present",
            None) in rows
    plain = tmp_path / "plain"
    assert run("report", "--data", str(versions["folders"]["new"]), "--out", str(tmp_path / "b"), "-o",
               str(plain)).exit_code == 0
    assert 'id="changes"' not in (plain / "index.html").read_text(encoding="utf-8")
    assert "变化" not in load_workbook(plain / "gaps.xlsx").sheetnames


def test_a_chain_in_the_new_version_only():
    import networkx as nx

    from kg.analysis.changes import completeness_changes

    old, new = nx.DiGraph(), nx.DiGraph()
    old.add_node("salt", status="present", chains=["salt"])
    new.add_node("salt", status="present", chains=["salt"])
    new.add_node("wool", status="planned", chains=["agri"])
    frame = completeness_changes(old, new)
    assert records(frame, ["chain", "products_before", "products_after", "completeness_planned_after",
                           "completeness_planned_delta"]) == [["salt", 1, 1, 1.0, 0.0], ["agri", None, 1, 1.0, None]]


def test_same_changes_from_a_sparql_endpoint(versions, moved, tmp_path):
    """The new version served by `kg serve` (a SPARQL endpoint) gives the same rows."""
    from kg.store.stores import RemoteStore
    from tests.conftest import kg_serve

    with kg_serve(versions["folders"]["new"], tmp_path / "build", tmp_path / "serve.log", 30) as (base, _):
        remote = changes(versions["stores"]["old"], RemoteStore(base + "/query"))
    for name in moved.SECTIONS:
        pd.testing.assert_frame_equal(getattr(remote, name), getattr(moved, name), check_dtype=False)
