"""Checks on the shipped dataset in data/: provenance, references and chain coverage.

No network. The source texts are looked up in the folder named by the environment variable
KG_SOURCES_DIR, or else in ../shared/sources relative to the repository root. When that folder is
absent the tests that need it are skipped, unless KG_REQUIRE_ALL is set (then they fail).
"""

import os
import re
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"

CORE_CHAINS = ["salt", "coal", "fine", "fluorine", "new-energy"]
EXTENSION_CHAINS = ["agri", "tourism"]
STATUSES = {"reserve", "signed", "approved", "under_construction", "operating"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# The table contract (data/SCHEMA.txt): exact columns, in order, and the required ones.
COLUMNS = {
    "sources.csv": ["id", "title", "publisher", "date", "kind", "file", "url", "note"],
    "park.csv": ["id", "label_zh", "label_en", "source", "quote"],
    "chains.csv": ["id", "label_zh", "label_en", "kind", "description_zh", "description_en", "source", "quote"],
    "products.csv": ["id", "label_zh", "label_en", "chains", "segment", "kind", "value_tier", "cas",
                     "wikidata", "source", "quote", "note"],
    "flows.csv": ["input", "output", "process_zh", "process_en", "source", "quote"],
    "companies.csv": ["id", "label_zh", "label_en", "location", "source", "quote"],
    "company_products.csv": ["company", "product", "inferred", "source", "quote"],
    "projects.csv": ["id", "label_zh", "label_en", "company", "chains", "status", "year", "investment_cny",
                     "capacity", "capacity_unit", "source", "quote", "note"],
    "project_products.csv": ["project", "product", "inferred", "source", "quote"],
    "indicators.csv": ["id", "label_zh", "label_en", "value", "unit", "year", "kind", "chain", "source",
                       "quote", "note"],
    "targets.csv": ["product", "source", "quote"],
    "assets.csv": ["id", "label_zh", "label_en", "kind", "chains", "products", "company", "source", "quote",
                   "note"],
}
REQUIRED = {
    "sources.csv": ["id", "title", "kind"],
    "park.csv": ["id", "label_zh", "label_en", "source", "quote"],
    "chains.csv": ["id", "label_zh", "label_en", "kind", "source"],
    "products.csv": ["id", "label_zh", "label_en", "segment", "kind", "value_tier", "source"],
    "flows.csv": ["input", "output", "source"],
    "companies.csv": ["id", "label_zh", "label_en", "location", "source", "quote"],
    "company_products.csv": ["company", "product", "source", "quote"],
    "projects.csv": ["id", "label_zh", "label_en", "source", "quote"],
    "project_products.csv": ["project", "product", "inferred", "source"],
    "indicators.csv": ["id", "label_zh", "label_en", "value", "unit", "year", "kind", "source", "quote"],
    "targets.csv": ["product", "source", "quote"],
    "assets.csv": ["id", "label_zh", "label_en", "kind", "source", "quote"],
}
ENUMS = {
    ("sources.csv", "kind"): {"article", "general_knowledge", "user"},
    ("chains.csv", "kind"): {"core", "extension"},
    ("products.csv", "segment"): {"upstream", "midstream", "downstream"},
    ("products.csv", "kind"): {"raw_material", "intermediate", "end_product", "service", "energy"},
    ("products.csv", "value_tier"): {"1", "2", "3"},
    ("companies.csv", "location"): {"zone", "external"},
    ("company_products.csv", "inferred"): {"", "true", "false"},
    ("project_products.csv", "inferred"): {"true", "false"},
    ("projects.csv", "status"): STATUSES | {""},
    ("indicators.csv", "kind"): {"result", "plan", "target"},
    ("assets.csv", "kind"): {"brand", "place", "event", "facility", "route", "campaign", "goal"},
}


def read(name):
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


def split(cell):
    return [x.strip() for x in cell.split(";") if x.strip()]


@pytest.fixture(scope="module")
def tables():
    return {name: read(name) for name in COLUMNS}


@pytest.fixture(scope="module")
def sources_dir():
    env = os.environ.get("KG_SOURCES_DIR")
    folder = Path(env) if env else REPO.parent / "shared" / "sources"
    if not folder.is_dir():
        message = f"source texts not found in {folder} (set KG_SOURCES_DIR)"
        if os.environ.get("KG_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
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


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_table_form(name):
    raw = (DATA / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name}: starts with a BOM"
    raw.decode("utf-8")
    df = read(name)
    assert list(df.columns) == COLUMNS[name], f"{name}: columns {list(df.columns)}"
    assert len(df) > 0, f"{name}: no rows"
    for col in REQUIRED[name]:
        empty = df.index[df[col].str.strip() == ""].tolist()
        assert not empty, f"{name}: column {col} empty in data rows {[i + 1 for i in empty]}"
    for (table, col), allowed in ENUMS.items():
        if table == name:
            bad = sorted(set(df[col]) - allowed)
            assert not bad, f"{name}: column {col} has values {bad}, allowed {sorted(allowed)}"
    for col in df.columns:
        stray = df.index[df[col] != df[col].str.strip()].tolist()
        assert not stray, f"{name}: column {col} has leading/trailing spaces in data rows {[i + 1 for i in stray]}"


def test_ids_are_unique_slugs(tables):
    for name in ["sources.csv", "park.csv", "chains.csv", "products.csv", "companies.csv", "projects.csv",
                 "indicators.csv", "assets.csv"]:
        ids = tables[name]["id"]
        bad = [i for i in ids if not SLUG.match(i)]
        assert not bad, f"{name}: ids not slugs: {bad}"
        dup = sorted(set(ids[ids.duplicated()]))
        assert not dup, f"{name}: duplicate ids {dup}"


def test_park_is_one_row(tables):
    assert len(tables["park.csv"]) == 1


def test_chain_vocabulary(tables):
    chains = tables["chains.csv"].set_index("id")["kind"].to_dict()
    assert chains == {**{c: "core" for c in CORE_CHAINS}, **{c: "extension" for c in EXTENSION_CHAINS}}


def test_numbers(tables):
    pj = tables["projects.csv"]
    for col in ["year", "investment_cny", "capacity"]:
        for i, v in enumerate(pj[col]):
            if v:
                assert float(v) >= 0, f"projects.csv row {i + 1}: {col}={v!r}"
    for i, v in enumerate(pj["year"]):
        assert v == "" or v.isdigit(), f"projects.csv row {i + 1}: year={v!r}"
    for i, row in pj.iterrows():
        assert not (row["capacity"] and not row["capacity_unit"]), f"projects.csv row {i + 1}: capacity without unit"
    ind = tables["indicators.csv"]
    for i, row in ind.iterrows():
        assert float(row["value"]) >= 0 and row["year"].isdigit(), f"indicators.csv row {i + 1}"
    dates = tables["sources.csv"]["date"]
    assert all(d == "" or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", d) for d in dates)


# ----------------------------------------------------------------------------- provenance


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
        assert row["source"] and row["quote"], f"{name} data row {i + 1}: source and quote required"
        assert kinds[row["source"]] != "general_knowledge", f"{name} data row {i + 1}: zone fact from general knowledge"


# ----------------------------------------------------------------------------- references


def test_references_exist(tables):
    products = set(tables["products.csv"]["id"])
    companies = set(tables["companies.csv"]["id"])
    chains = set(tables["chains.csv"]["id"])
    projects = set(tables["projects.csv"]["id"])
    problems = []

    def need(value, known, where):
        if value not in known:
            problems.append(f"{where}: unknown id {value!r}")

    for col in ["input", "output"]:
        for i, v in enumerate(tables["flows.csv"][col]):
            need(v, products, f"flows.csv row {i + 1} {col}")
    for name in ["company_products.csv", "project_products.csv", "targets.csv"]:
        for i, v in enumerate(tables[name]["product"]):
            need(v, products, f"{name} row {i + 1} product")
    for i, v in enumerate(tables["company_products.csv"]["company"]):
        need(v, companies, f"company_products.csv row {i + 1} company")
    for i, v in enumerate(tables["project_products.csv"]["project"]):
        need(v, projects, f"project_products.csv row {i + 1} project")
    for name in ["projects.csv", "assets.csv"]:
        for i, v in enumerate(tables[name]["company"]):
            if v:
                need(v, companies, f"{name} row {i + 1} company")
    for name in ["products.csv", "projects.csv", "assets.csv"]:
        for i, cell in enumerate(tables[name]["chains"]):
            for c in split(cell):
                need(c, chains, f"{name} row {i + 1} chains")
    for i, v in enumerate(tables["indicators.csv"]["chain"]):
        if v:
            need(v, chains, f"indicators.csv row {i + 1} chain")
    for i, cell in enumerate(tables["assets.csv"]["products"]):
        for p in split(cell):
            need(p, products, f"assets.csv row {i + 1} products")
    assert not problems, "\n".join(problems)


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
