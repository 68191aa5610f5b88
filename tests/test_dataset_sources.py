"""Checks on the shipped dataset in data/: provenance, references and chain coverage.

No network. The source texts are looked up in the folder named by the environment variable
KG_SOURCES_DIR, or else in ../shared/sources relative to the repository root. When that folder is
absent the tests that need it are skipped, unless KG_REQUIRE_ALL is set (then they fail).
"""

import os
from pathlib import Path

import pandas as pd
import pytest

from kg.tables.dataset import load_tables
from kg.tables.schema import TABLES
from tests.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"

CORE_CHAINS = ["salt", "coal", "fine", "fluorine", "new-energy"]
EXTENSION_CHAINS = ["agri", "tourism"]


def read(name):
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


def split(cell):
    return [x.strip() for x in cell.split(";") if x.strip()]


@pytest.fixture(scope="module")
def tables():
    return {TABLES[name].file: read(TABLES[name].file) for name in TABLES}


@pytest.fixture(scope="module")
def sources_dir():
    env = os.environ.get("KG_SOURCES_DIR")
    folder = Path(env) if env else REPO.parent / "shared" / "sources"
    if not folder.is_dir():
        skip_or_fail(f"source texts not found in {folder} (set KG_SOURCES_DIR)")
    return folder


@pytest.fixture(scope="module")
def source_texts(tables, sources_dir):
    texts = {}
    for row in tables["sources.csv"].itertuples():
        if row.file:
            path = sources_dir / row.file
            assert path.is_file(), f"sources.csv: file {row.file!r} of source {row.id!r} not in {sources_dir}"
            texts[row.id] = path.read_text(encoding="utf-8")
    return texts


# ----------------------------------------------------------------------------- form


def test_chain_vocabulary(tables):
    chains = tables["chains.csv"].set_index("id")["kind"].to_dict()
    assert chains == {**{c: "core" for c in CORE_CHAINS}, **{c: "extension" for c in EXTENSION_CHAINS}}


def test_sources_exist(tables):
    source_ids = set(tables["sources.csv"]["id"])
    for name, df in tables.items():
        if "source" in df.columns:
            bad = sorted(set(df["source"]) - source_ids)
            assert not bad, f"{name}: unknown sources {bad}"


def test_quotes_are_verbatim(tables, source_texts):
    kinds = tables["sources.csv"].set_index("id")["kind"].to_dict()
    checked = 0
    for name, df in tables.items():
        if "quote" not in df.columns:
            continue
        for i, row in df.iterrows():
            quote = row["quote"]
            if not quote:
                continue
            where = f"{name} data row {i + 1}"
            assert "\n" not in quote and "…" not in quote, f"{where}: quote spans lines or has an ellipsis"
            assert row["source"] in source_texts, (
                f"{where}: has a quote but source {row['source']!r} ({kinds.get(row['source'])}) has no text file")
            assert quote in source_texts[row["source"]], f"{where}: quote not found in the source: {quote!r}"
            checked += 1
    assert checked > 0


def test_article_rows_have_quotes(tables):
    kinds = tables["sources.csv"].set_index("id")["kind"].to_dict()
    for name, df in tables.items():
        if "quote" not in df.columns:
            continue
        missing = [i + 1 for i, row in df.iterrows() if kinds.get(row["source"]) == "article" and not row["quote"]]
        assert not missing, f"{name}: rows from an article without a quote: {missing}"


@pytest.mark.parametrize("name", ["companies.csv", "projects.csv", "indicators.csv", "company_products.csv",
                                  "targets.csv", "assets.csv", "park.csv"])
def test_zone_facts_are_sourced(tables, name):
    kinds = tables["sources.csv"].set_index("id")["kind"].to_dict()
    df = tables[name]
    for i, row in df.iterrows():
        assert row["source"], f"{name} data row {i + 1}: source required"
        # Zone facts come from the article with its words; a producer outside the zone comes from a
        # reference, whose facts are carried over without copying sentences (data/README.md).
        if kinds[row["source"]] == "article":
            assert row["quote"], f"{name} data row {i + 1}: a fact from the article needs its quote"
        else:
            assert kinds[row["source"]] == "reference", f"{name} data row {i + 1}: sourced from {row['source']}"
            assert name in ("companies.csv", "company_products.csv"), f"{name} data row {i + 1}: zone fact not quoted"


# ----------------------------------------------------------------------------- references


def test_flows_are_not_duplicated_or_loops(tables):
    flows = tables["flows.csv"]
    assert not (flows["input"] == flows["output"]).any()
    assert not flows.duplicated(["input", "output"]).any()


# ----------------------------------------------------------------------------- coverage


def test_chain_sizes(tables):
    counts = {c: 0 for c in CORE_CHAINS + EXTENSION_CHAINS}
    for cell in tables["products.csv"]["chains"]:
        for c in split(cell):
            counts[c] = counts.get(c, 0) + 1
    for c in CORE_CHAINS:
        assert counts[c] >= 20, f"chain {c}: {counts[c]} products, need >= 20"
    for c in EXTENSION_CHAINS:
        assert counts[c] >= 8, f"chain {c}: {counts[c]} products, need >= 8"


def test_zone_products_are_in_templates(tables):
    flows = tables["flows.csv"]
    in_flows = set(flows["input"]) | set(flows["output"])
    for name in ["project_products.csv", "company_products.csv"]:
        missing = sorted(set(tables[name]["product"]) - in_flows)
        assert not missing, f"{name}: products in no flow: {missing}"


def test_every_product_is_linked(tables):
    flows = tables["flows.csv"]
    in_flows = set(flows["input"]) | set(flows["output"])
    orphans = sorted(set(tables["products.csv"]["id"]) - in_flows)
    assert not orphans, f"products in no flow: {orphans}"


def test_projects_status_needs_no_guess(tables):
    """A project's status is a fixed word or empty; empty ones say why in the note."""
    pj = tables["projects.csv"]
    for i, row in pj.iterrows():
        if not row["status"]:
            assert row["note"], f"projects.csv data row {i + 1}: empty status needs a note"


def test_shipped_tables_pass_the_loader_without_warnings():
    # The loader (kg.tables.read) is the table contract: ids, vocabularies, numbers, references, keys.
    warnings = []
    load_tables(DATA, warnings)
    assert [str(w) for w in warnings] == []


@pytest.mark.parametrize("name", sorted(TABLES))
def test_columns_in_contract_order(name):
    frame = read(TABLES[name].file)
    assert list(frame.columns) == [c.name for c in TABLES[name].columns]
