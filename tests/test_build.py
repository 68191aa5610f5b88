"""Build: atomic, rebuilt when the data changes, SHACL errors named by table and row, CLI exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.store.build import build
from kg.store.generations import current_generation, read_manifest
from kg.tables.read import DataErrors


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=cwd)


def test_build_writes_turtle_ntriples_and_store(mini, tmp_path):
    out = tmp_path / "build"
    result = build(mini, out)
    assert (out / "graph.ttl").read_text(encoding="utf-8").startswith("@prefix")
    nt = (out / "graph.nt").read_text(encoding="utf-8")
    assert "<https://w3id.org/kg-chain/id/product/methionine>" in nt
    assert result.triples == len([line for line in nt.splitlines() if line.strip()])
    assert (result.generation / "store").is_dir()


@pytest.mark.parametrize("block", [997, 1 << 24])
def test_store_graph_nt_and_turtle_hold_the_same_triples(mini, tmp_path, monkeypatch, block):
    """The store is loaded from graph.nt in blocks cut at line ends; a block size that cuts
    through lines (997 bytes) and one that holds the whole file give the same store."""
    import pyoxigraph as ox

    import kg.store.build

    monkeypatch.setattr(kg.store.build, "LOAD_BLOCK", block)
    generation = build(mini, tmp_path / "build").generation
    def triples(quads) -> set[ox.Triple]:
        return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}

    nt = triples(ox.parse(path=str(generation / "graph.nt"), format=ox.RdfFormat.N_TRIPLES))
    ttl = triples(ox.parse(path=str(generation / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    stored = triples(ox.Store.read_only(str(generation / "store")))
    assert len(nt) > 100 and stored == nt == ttl
    assert any(str(t.subject).endswith("/product/methionine>") for t in nt)  # data
    assert any(str(t.subject).endswith("ontology#Product>") for t in nt)  # and ontology


def test_failed_build_leaves_previous_output(mini, tmp_path):
    out = tmp_path / "build"
    build(mini, out)
    before = (out / "graph.ttl").read_bytes()
    generation = current_generation(out)
    (mini / "flows.csv").write_text("input,output,source\nsalt,nowhere,general\n", encoding="utf-8")
    with pytest.raises(DataErrors):
        build(mini, out)
    assert current_generation(out) == generation
    assert (out / "graph.ttl").read_bytes() == before
    assert not list(out.glob(".tmp-*"))


def test_rebuilds_only_when_data_changes(mini, tmp_path):
    out = tmp_path / "build"
    first = build(mini, out)
    again = build(mini, out)
    assert again.skipped and again.generation == first.generation
    with open(mini / "products.csv", "a", encoding="utf-8") as f:
        f.write("caustic-soda,烧碱,Caustic soda,salt,midstream,intermediate,1,,,general,,\n")
    with open(mini / "flows.csv", "a", encoding="utf-8") as f:
        f.write("salt,caustic-soda,,,general,\n")
    third = build(mini, out)
    assert not third.skipped and third.generation != first.generation
    assert read_manifest(out)["rows"]["products"] == 6


def test_shacl_violation_names_table_and_row(mini, tmp_path):
    # A product made in the zone that sits in no chain template: only the graph shows it.
    with open(mini / "products.csv", "a", encoding="utf-8") as f:
        f.write("lonely,孤立产品,Lonely product,salt,downstream,end_product,2,,,general,,\n")
    with open(mini / "company_products.csv", "a", encoding="utf-8") as f:
        f.write("co-a,lonely,false,fixture,甲公司生产孤立产品\n")
    with pytest.raises(DataErrors) as info:
        build(mini, tmp_path / "build")
    messages = [str(i) for i in info.value.issues]
    assert any(m.startswith("products.csv, row 7") and "has no flow in flows.csv" in m for m in messages)


def test_validate_cli_exit_1_names_file_row_column(mini):
    path = mini / "flows.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("sodium,sodium-cyanide", "sodium,unknown-product"),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--data", str(mini)])
    assert result.exit_code == 1
    assert "flows.csv, row 4, column 'output': 'unknown-product': is not an id in products.csv" in result.output
    assert "Traceback" not in result.output


def test_usage_error_exits_2():
    result = CliRunner().invoke(main, ["stats", "--format", "yaml"])
    assert result.exit_code == 2


def test_build_and_stats_from_any_directory(tmp_path, mini):
    result = run("build", "--data", str(mini), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "graph.ttl").exists()
    stats = run("stats", "--data", str(mini), "--format", "csv", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    lines = stats.stdout.splitlines()
    assert lines[0].startswith("chain,label_zh,label_en,kind,products,present,planned,missing")
    assert "salt,盐化工,Salt chemicals,core,4,1,1,2,3,1,1" in lines


def test_commands_build_first_when_absent(tmp_path, mini):
    result = run("stats", "--data", str(mini), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "current").is_symlink()


def test_missing_data_folder_is_a_clear_error(tmp_path):
    result = run("validate", "--data", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 1
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_shipped_build(shipped_build):
    manifest = read_manifest(shipped_build)
    assert manifest["triples"] > 1000
    assert os.path.exists(shipped_build / "graph.nt")
