"""What-if: hypothetical producers and projects, worked out by hand; the projects file's
checks; `kg whatif`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.analysis.whatif import read_projects, whatif
from kg.cli import main
from kg.errors import KgError
from kg.store.build import build
from kg.tables.read import DataErrors

MINI = Path(__file__).parent / "fixtures" / "mini"


def company(cid: str) -> dict:
    return {"id": cid, "label_zh": cid, "label_en": cid}


def hand() -> nx.DiGraph:
    """ore (present, salt) → mid (missing, salt+fine) → prod1 (present, fine) → end (missing, fine);
    cat (missing, salt) → mid; mid → prod2 (planned, fine); ore → side (present, coal) → sidex (missing, coal)."""
    G = nx.DiGraph()
    spec = {"ore": ("present", ["salt"], ["a"]), "cat": ("missing", ["salt"], []),
            "mid": ("missing", ["fine", "salt"], []), "prod1": ("present", ["fine"], ["b"]),
            "prod2": ("planned", ["fine"], []), "end": ("missing", ["fine"], []),
            "side": ("present", ["coal"], ["c"]), "sidex": ("missing", ["coal"], [])}
    for pid, (status, chains, producers) in spec.items():
        G.add_node(pid, status=status, chains=chains, value_tier=1, label_zh=pid, label_en=pid,
                   producers=[company(c) for c in producers], candidates=[], projects=[], targeted=False)
    G.add_edges_from([("ore", "mid"), ("cat", "mid"), ("mid", "prod1"), ("mid", "prod2"), ("prod1", "end"),
                      ("ore", "side"), ("side", "sidex")])
    return G


def keys(frame) -> set[tuple[str, str, str]]:
    return set(map(tuple, frame[["id", "chain", "gap_type"]].values.tolist()))


def test_add_product_by_hand():
    G = hand()
    result = whatif(G, add_products=["mid"])
    comp = result.completeness.set_index("chain")
    # salt: ore + mid of ore, cat, mid → 1/3 → 2/3; fine: prod1 + mid of 4 → 1/4 → 2/4.
    assert comp.loc["salt", ["completeness_before", "completeness_after"]].tolist() == [0.3333, 0.6667]
    assert comp.loc["fine", ["completeness_before", "completeness_after", "delta"]].tolist() == [0.25, 0.5, 0.25]
    assert comp.loc["coal", "delta"] == 0
    # mid is no longer missing, and prod1/prod2 get their input; mid now has a single
    # (hypothetical) supplier with local consumers → weak, and its input cat is missing.
    assert keys(result.closed) == {("mid", "fine", "missing"), ("mid", "salt", "missing"),
                                   ("prod1", "fine", "upstream_break"), ("prod2", "fine", "upstream_break")}
    assert keys(result.opened) == {("mid", "fine", "weak"), ("mid", "salt", "weak"),
                                   ("mid", "fine", "upstream_break"), ("mid", "salt", "upstream_break")}
    assert result.changed[["id", "status_before", "status_after"]].values.tolist() == [["mid", "missing", "present"]]
    assert G.nodes["mid"]["status"] == "missing"


def test_second_producer_closes_weak():
    result = whatif(hand(), add_products=["ore"])
    assert keys(result.closed) == {("ore", "salt", "weak")}
    assert keys(result.opened) == set()
    assert (result.completeness["delta"] == 0).all()


def test_projects_file(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("project,product,status,label_zh,year\n"
                    "p-end,end,signed,终端项目,2027\n"
                    "p-sidex,sidex,operating,,\n", encoding="utf-8")
    result = whatif(hand(), projects=path)
    comp = result.completeness.set_index("chain")
    # end becomes planned: fine present-or-planned 2/4 → 3/4, present share unchanged;
    # sidex operating → present: coal 1/2 → 2/2.
    assert comp.loc["fine", ["delta", "delta_planned"]].tolist() == [0, 0.25]
    assert comp.loc["coal", ["completeness_before", "completeness_after"]].tolist() == [0.5, 1.0]
    assert keys(result.closed) == {("end", "fine", "missing"), ("prod1", "fine", "downstream_break"),
                                   ("sidex", "coal", "missing"), ("side", "coal", "downstream_break")}
    # side (one supplier, c) and prod1 (one supplier, b) now each have a local consumer
    # (sidex, end): both weak.
    assert keys(result.opened) == {("side", "coal", "weak"), ("prod1", "fine", "weak")}
    project = result.after.graph.nodes["end"]["projects"][0]
    assert project["status"] == "signed" and project["label_zh"] == "终端项目" and project["year"] == 2027


def test_projects_file_errors_name_file_row_column(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("project,product,status,year\n"
                    "p1,nowhere,signed,2027\n"
                    "p2,end,started,20x7\n"
                    "Bad Id,end,,\n", encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        read_projects(path, hand())
    text = {str(i) for i in info.value.issues}
    assert "plan.csv, row 2, column 'product': 'nowhere': is not a product id in the graph" in text
    assert any(t.startswith("plan.csv, row 3, column 'status': 'started': expected one of: reserve") for t in text)
    assert any(t.startswith("plan.csv, row 3, column 'year': '20x7'") for t in text)
    assert any(t.startswith("plan.csv, row 4, column 'project': 'Bad Id'") for t in text)
    path.write_text("project,status\np1,signed\n", encoding="utf-8")
    with pytest.raises(DataErrors, match="required column 'product' is missing"):
        read_projects(path, hand())


def test_unknown_product_is_an_error():
    with pytest.raises(KgError, match="unknown product id.*nowhere"):
        whatif(hand(), add_products=["nowhere"])


@pytest.fixture(scope="module")
def mini_build(tmp_path_factory) -> tuple[Path, Path]:
    data = tmp_path_factory.mktemp("mini") / "data"
    shutil.copytree(MINI, data)
    out = data.parent / "build"
    build(data, out)
    return data, out


def whatif_cli(mini_build, *args: str):
    data, out = mini_build
    return CliRunner().invoke(main, ["whatif", "--data", str(data), "--out", str(out), *args])


def test_cli_json(mini_build):
    result = whatif_cli(mini_build, "--add-product", "sodium-cyanide", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == {"completeness", "closed", "opened", "changed"}
    fine = next(r for r in doc["completeness"] if r["chain"] == "fine")
    # fine: methionine present of methionine, sodium-cyanide → 1/2 → 2/2
    assert (fine["completeness_before"], fine["completeness_after"]) == (0.5, 1.0)
    closed = {(r["id"], r["chain"], r["gap_type"]) for r in doc["closed"]}
    assert ("sodium-cyanide", "fine", "missing") in closed and ("methionine", "fine", "upstream_break") in closed


def test_cli_table_and_errors(mini_build, tmp_path):
    result = whatif_cli(mini_build, "--add-product", "salt", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Gaps closed" in result.output and "Completeness per chain" in result.output
    result = whatif_cli(mini_build, "--add-product", "unobtainium")
    assert result.exit_code == 1 and "unobtainium" in result.output
    result = whatif_cli(mini_build)
    assert result.exit_code == 2
    bad = tmp_path / "projects.csv"
    bad.write_text("project,product,status\nx,salt,maybe\n", encoding="utf-8")
    result = whatif_cli(mini_build, "--add-projects", str(bad))
    assert result.exit_code == 1 and "projects.csv, row 2, column 'status'" in result.output
