"""Build: atomic, rebuilt when the data changes, SHACL errors named by table and row, CLI exits."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.paths import default_build_dir, default_data_dir
from kg.store.build import build, check
from kg.store.generations import MANIFEST, current_generation, read_manifest
from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors
from tests.conftest import CHECKOUT, checkout_env, run_kg

run = run_kg  # the command, as a user runs it, from this checkout


def test_subprocesses_and_this_session_run_the_checkout(tmp_path):
    """The code under test is this checkout's, in this process and in every `kg` subprocess,
    also when another kg is installed in the environment."""
    import kg

    assert Path(kg.__file__).resolve() == CHECKOUT / "kg" / "__init__.py"
    probe = subprocess.run([sys.executable, "-c", "import kg; print(kg.__file__)"], capture_output=True, text=True,
                           cwd=tmp_path, env=checkout_env())
    assert Path(probe.stdout.strip()).resolve() == CHECKOUT / "kg" / "__init__.py", probe


def test_build_writes_turtle_ntriples_and_store(mini, tmp_path):
    out = tmp_path / "build"
    result = build(mini, out)
    assert (out / "graph.ttl").read_text(encoding="utf-8").startswith("@prefix")
    nt = (out / "graph.nt").read_text(encoding="utf-8")
    assert "<https://w3id.org/kg-chain/id/product/methionine>" in nt
    assert result.triples == len([line for line in nt.splitlines() if line.strip()])
    assert (result.generation / "store").is_dir()


def test_build_without_turtle_and_the_choice_kept(mini, tmp_path):
    """turtle=False writes no graph.ttl and removes kg's own link to it; a later build with no
    choice keeps the last one (up to date), turtle=True rebuilds to add it."""
    out = tmp_path / "build"
    first = build(mini, out, turtle=False)
    assert not (first.generation / "graph.ttl").exists() and not os.path.lexists(out / "graph.ttl")
    assert (out / "graph.nt").is_file() and read_manifest(out)["turtle"] is False
    assert build(mini, out).skipped  # no choice given: as the current build did
    with_turtle = build(mini, out, turtle=True)
    assert not with_turtle.skipped and (out / "graph.ttl").read_text(encoding="utf-8").startswith("@prefix")
    assert build(mini, out).skipped and build(mini, out, turtle=True).skipped
    again = build(mini, out, turtle=False)  # an explicit choice the current build did not make
    assert not again.skipped and not os.path.lexists(out / "graph.ttl") and (again.generation / "graph.nt").is_file()
    assert build(mini, out).generation == again.generation and read_manifest(out)["turtle"] is False


def test_links_are_mended_after_a_build_killed_between_the_swap_and_the_links(mini, tmp_path):
    """`current` points at the new generation but kg's links do not match it yet: the next
    build with unchanged data mends them instead of answering "up to date" over them."""
    out = tmp_path / "build"
    first = build(mini, out, turtle=False)
    (out / "graph.nt").unlink()
    (out / "graph.ttl").symlink_to("current/graph.ttl")  # as left by the previous build
    again = build(mini, out)
    assert again.skipped and again.generation == first.generation
    assert (out / "graph.nt").is_symlink() and (out / "graph.nt").is_file()
    assert not os.path.lexists(out / "graph.ttl")


def test_cli_build_no_turtle_names_what_it_wrote(mini, tmp_path):
    out = tmp_path / "build"
    result = CliRunner().invoke(main, ["build", "--data", str(mini), "--build-dir", str(out), "--no-turtle"])
    assert result.exit_code == 0, result.output
    assert "(graph.nt, the store in" in result.output and "graph.ttl" not in result.output
    result = CliRunner().invoke(main, ["build", "--data", str(mini), "--build-dir", str(out), "--turtle"])
    assert result.exit_code == 0 and "(graph.ttl, graph.nt, the store in" in result.output, result.output


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


def test_validate_finds_a_graph_violation_in_its_temporary_store_and_leaves_nothing(mini, tmp_path, monkeypatch):
    """kg validate maps into a temporary on-disk store (as the build loads its own), so the
    SHACL checks that only the graph can make still name the cell, and the store is gone after."""
    from kg.store.build import validate_dataset

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # read TMPDIR again
    try:
        clean = validate_dataset(mini)
        assert clean.triples == len(check(mini, shacl=False)[1]) and clean.tables >= 5
        with (mini / "flows.csv").open("a", encoding="utf-8") as f:
            f.write("sodium,sodium,自环,loop,general,\n")
        with pytest.raises(DataErrors) as info:
            validate_dataset(mini)
        assert any(str(i).startswith("flows.csv, row ") and "cannot be its own input" in str(i)
                   for i in info.value.issues)
        assert not any(p.name.startswith("kg-validate-") for p in tmp_path.iterdir())
    finally:
        tempfile.tempdir = None


def test_usage_error_exits_2():
    result = CliRunner().invoke(main, ["stats", "--format", "yaml"])
    assert result.exit_code == 2


def test_build_and_stats_from_any_directory(tmp_path, mini):
    work = tmp_path / "work"
    work.mkdir()
    result = run("build", "--data", str(mini), cwd=work)
    assert result.returncode == 0, result.stderr
    assert (default_build_dir(mini) / "graph.ttl").exists()
    assert list(work.iterdir()) == []  # the build is in the per-user cache, not in the working folder
    stats = run("stats", "--data", str(mini), "--format", "csv", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    lines = stats.stdout.splitlines()
    assert lines[0].startswith("chain,label_zh,label_en,kind,products,present,planned,missing")
    assert "salt,盐化工,Salt chemicals,core,4,1,1,2,3,1,1" in lines


def test_commands_build_first_when_absent(tmp_path, mini):
    result = run("stats", "--data", str(mini), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (default_build_dir(mini) / "current").is_symlink()


def test_missing_data_folder_is_a_clear_error(tmp_path):
    result = run("validate", "--data", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 1
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_shipped_build(shipped_build):
    """The manifest states the exact number of triples the build wrote: the lines of graph.nt."""
    manifest = read_manifest(shipped_build)
    lines = (shipped_build / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert manifest["triples"] == len([line for line in lines if line.strip()])
    assert manifest["rows"]["products"] == len(load_tables(default_data_dir())["products"])


# ---------------------------------------------------------------- how a build is put in place

class FileCalls:
    """Records the calls that create, rename or remove paths in a build folder, and checks,
    at the moment each rename happens, what its source holds."""

    def __init__(self, monkeypatch, out: Path):
        self.out, self.calls, self.renamed = out, [], []
        for name in ("replace", "rename", "unlink", "remove", "rmdir", "symlink"):
            monkeypatch.setattr(os, name, self.spy(name, getattr(os, name)))

    def spy(self, name, real):
        def call(*args, **kwargs):
            paths = [Path(a) for a in args[:2] if isinstance(a, (str, os.PathLike))]
            if name in ("replace", "rename"):
                source = paths[0]
                self.renamed.append({
                    "source": source, "target": paths[1], "target_existed": os.path.lexists(paths[1]),
                    "link": os.readlink(source) if source.is_symlink() else None,
                    "files": sorted(str(p.relative_to(source)) for p in source.rglob("*"))
                    if source.is_dir() and not source.is_symlink() else None})
            self.calls.append((name, *paths))
            return real(*args, **kwargs)
        return call

    def touching(self, path: Path) -> list[tuple]:
        """The calls whose destination (or only path) is ``path``."""
        return [c for c in self.calls if c[-1] == path or (c[0] in ("unlink", "remove", "rmdir") and c[1] == path)]


def test_current_pointer_is_replaced_by_one_rename_of_a_finished_link(mini, tmp_path, monkeypatch):
    """The switch to a new build is atomic: ``current`` is never removed and re-created (a
    reader in between would find no build); a link to the new generation is written under
    another name and renamed over ``current`` in one step."""
    out = tmp_path / "build"
    build(mini, out)
    with open(mini / "products.csv", "a", encoding="utf-8") as f:
        f.write("caustic-soda,烧碱,Caustic soda,salt,midstream,intermediate,1,,,general,,\n")
    calls = FileCalls(monkeypatch, out)
    second = build(mini, out)
    pointer = out / "current"
    operations = [c[0] for c in calls.touching(pointer)]
    assert operations in (["replace"], ["rename"]), f"current was changed by {operations}, not by one rename"
    (switch,) = [r for r in calls.renamed if r["target"] == pointer]
    assert switch["target_existed"], "the previous pointer was removed before the new one was put in place"
    assert switch["link"] == second.generation.name, "the renamed link does not point at the new generation"
    assert switch["source"].parent == out and switch["source"] != pointer
    assert os.readlink(pointer) == second.generation.name


def test_a_generation_appears_whole_by_a_rename_of_a_temporary_folder(mini, tmp_path, monkeypatch):
    """A generation is written in a temporary folder and renamed into place when complete, so
    no ``gen-*`` folder is ever half-written: while the store is written, every ``gen-*``
    folder already holds its manifest, and the new one arrives by one rename."""
    import kg.store.build

    out = tmp_path / "build"
    build(mini, out)
    with open(mini / "products.csv", "a", encoding="utf-8") as f:
        f.write("caustic-soda,烧碱,Caustic soda,salt,midstream,intermediate,1,,,general,,\n")
    seen_while_writing: list[tuple[str, bool]] = []
    write_store = kg.store.build._write_store

    def watched(target: Path, *args) -> int:
        seen_while_writing.extend((p.name, (p / MANIFEST).exists()) for p in out.glob("gen-*"))
        return write_store(target, *args)

    monkeypatch.setattr(kg.store.build, "_write_store", watched)
    calls = FileCalls(monkeypatch, out)
    generation = build(mini, out).generation
    assert seen_while_writing and all(whole for _, whole in seen_while_writing), \
        f"a gen-* folder without its manifest existed while the build wrote: {seen_while_writing}"
    (arrival,) = [r for r in calls.renamed if r["target"] == generation]
    assert not arrival["target_existed"] and arrival["source"] != generation
    assert not arrival["source"].name.startswith("gen-")
    assert {MANIFEST, "graph.nt", "graph.ttl", "projection.json", "store"} <= set(arrival["files"]), arrival


def test_english_labels_of_links_are_built_from_the_english_names(mini):
    """Flows, productions and project outputs are labelled "A → B" in each language from the
    two ends' names in that language (read here from the tables themselves)."""
    import csv

    import pyoxigraph as ox

    def rows(name: str) -> list[dict]:
        with open(mini / f"{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    names = {t: {r["id"]: (r["label_zh"], r["label_en"]) for r in rows(t)}
             for t in ("products", "companies", "projects")}
    expected = {}
    for table, kind, left, left_table in (("flows", "flow", "input", "products"),
                                          ("company_products", "production", "company", "companies"),
                                          ("project_products", "output", "project", "projects")):
        right, right_table = ("output", "products") if table == "flows" else ("product", "products")
        for r in rows(table):
            iri = f"<https://w3id.org/kg-chain/id/{kind}/{r[left]}--{r[right]}>"
            for i, lang in enumerate(("zh", "en")):
                expected[(iri, lang)] = f"{names[left_table][r[left]][i]} → {names[right_table][r[right]][i]}"
    store = ox.Store()
    store.bulk_load(input=("\n".join(check(mini, shacl=False)[1]) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    got = {}
    for iri, _ in expected:
        for quad in store.quads_for_pattern(ox.NamedNode(iri[1:-1]), label, None):
            got[(iri, quad.object.language)] = quad.object.value
    assert len(expected) == 2 * (len(rows("flows")) + len(rows("company_products")) + len(rows("project_products")))
    assert got == expected


def test_decimals_are_written_without_exponent_or_trailing_zeros():
    """Amounts become xsd:decimal lexical forms as a reader types them back."""
    import pandas as pd

    from kg.graph.mapping import decimal_text

    values = pd.Series(["1.50", "1.2E+9", "3", "0.0300", "2.0", ""])
    assert decimal_text(values).tolist() == ["1.5", "1200000000", "3", "0.03", "2", ""]
