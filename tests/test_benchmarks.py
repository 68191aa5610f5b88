"""Smoke test of the scale benchmarks at size S: the generator writes valid tables, and the
runner measures each step in its own process and writes BENCHMARKS.md. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib

from benchmarks.generate import SIZES, generate
from benchmarks.run import STEP_NAMES, main, markdown, run_size
from tests.conftest import run_kg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic") / "data"
    generate(folder, SIZES["S"])
    return folder


def test_generator_is_deterministic_and_synthetic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    counts = generate(first, 3_000, seed=3)
    generate(second, 3_000, seed=3)
    for path in sorted(first.glob("*.csv")):
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name
    assert counts["companies"] > counts["products"] > 0
    sources = (first / "sources.csv").read_text(encoding="utf-8")
    assert "Synthetic" in sources and ",user," in sources
    companies = (first / "companies.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert all("合成企业" in row and "Synthetic company" in row for row in companies)
    assert {row.split(",")[3] for row in companies} == {"zone", "external"}


def test_generated_tables_pass_kg_validate_and_have_the_shape(synthetic):
    done = run_kg("validate", "--data", str(synthetic))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("valid:")
    import networkx as nx
    import pandas as pd

    flows = pd.read_csv(synthetic / "flows.csv", dtype=str)
    products = pd.read_csv(synthetic / "products.csv", dtype=str, keep_default_na=False).set_index("id")
    G = nx.DiGraph(zip(flows["input"], flows["output"]))
    assert nx.is_directed_acyclic_graph(G)
    assert 6 <= nx.dag_longest_path_length(G) + 1 <= 12  # chains of 6 to 12 products
    chain = products["chains"].str.split(";").str[0]
    assert (flows["input"].map(chain) != flows["output"].map(chain)).any()  # cross-chain flows
    statuses = set(pd.read_csv(synthetic / "projects.csv", dtype=str, keep_default_na=False)["status"])
    assert statuses == {"", "reserve", "signed", "approved", "under_construction", "operating"}
    makers = pd.read_csv(synthetic / "company_products.csv", dtype=str)["product"].value_counts()
    assert makers.max() >= 5  # many companies per product


def test_runner_writes_a_table_with_every_step(tmp_path):
    results: list[dict] = []
    steps = ["floor", "build", "shacl-store", "stats", "gaps", "gaps-queried", "whatif", "viz", "rdflib-api", "rdflib",
             "query:chain-overview"]
    run_size("S", 1, tmp_path, results, lambda: None, steps, log=lambda _: None)
    assert [r["step"] for r in results] == steps
    failed = [r for r in results if "error" in r]
    assert not failed, failed
    assert all(r["seconds"] >= 0 and r["rss_mb"] > 0 and r["triples"] > 5_000 for r in results)
    floor = next(r for r in results if r["step"] == "floor")
    assert floor["triples"] == next(r for r in results if r["step"] == "build")["triples"]
    text = markdown(results, {"machine": {"cpus": "2", "cpu": "x", "memory": "1 GB", "os": "linux", "python": "3",
                                          "kg": "0", "pyoxigraph": "0", "rdflib": rdflib.__version__,
                                          "pyshacl": "0", "pandas": "0", "networkx": "0"},
                              "date": "today"})
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| step | S (")
    for step in steps:
        name = STEP_NAMES.get(step, step.replace("query:", "query: "))
        row = next(line for line in table if line.startswith(f"| {name} |"))
        assert "×1" in row and "MB" in row
    assert "## Targets at L" in text
    json.dumps(results)  # the results file is plain JSON


def test_render_rewrites_the_file_from_the_results_without_measuring(tmp_path):
    info = {"machine": {"cpus": "2", "cpu": "x", "memory": "1 GB", "os": "linux", "python": "3", "kg": "0",
                        "pyoxigraph": "0", "rdflib": "0", "pyshacl": "0", "pandas": "0", "networkx": "0"},
            "date": "2026-01-01 00:00–00:10 UTC", "load": "1.0 median, 2.0 max (1-minute)"}
    results = [{"size": "S", "step": step, "run": 0, "triples": 10_000, "seconds": seconds, "rss_mb": 100.0}
               for step, seconds in (("floor", 0.5), ("build", 1.25))]
    stored = tmp_path / "results.json"
    stored.write_text(json.dumps({"info": info, "results": results}), encoding="utf-8")
    notes, output = tmp_path / "NOTES.md", tmp_path / "BENCHMARKS.md"
    notes.write_text("## Notes\n\nby hand\n", encoding="utf-8")
    main(["--render", "--results", str(stored), "--output", str(output), "--notes", str(notes)])
    text = output.read_text(encoding="utf-8")
    assert "run 2026-01-01 00:00–00:10 UTC" in text and "| 1.250 (2.5×) ×1, 100 MB |" in text
    assert text.endswith("## Notes\n\nby hand\n")
    with pytest.raises(SystemExit, match="no results"):
        main(["--render", "--results", str(tmp_path / "none.json"), "--output", str(output)])
