"""Canned queries, parameters, result formats, and the same answers from the embedded store
and a real Oxigraph server (PyPI `oxigraph`, started on loopback by a fixture)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.paths import default_data_dir
from kg.store import sparql
from kg.store.build import build
from kg.store.endpoint import free_port, wait_listening
from kg.store.generations import current_generation
from kg.store.stores import LocalStore, RemoteStore, with_prefixes
from tests.conftest import MINI, skip_or_fail

CANNED = [q.name for q in sparql.canned_queries()]


def start_oxigraph(location: Path):
    binary = shutil.which("oxigraph")
    if not binary:
        skip_or_fail("the `oxigraph` command (PyPI oxigraph) is not installed")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening("127.0.0.1", port, process=process)
    return process, f"http://127.0.0.1:{port}/query"


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mini") / "build"
    build(MINI, out)
    return out


@pytest.fixture(scope="session")
def mini_local(mini_build) -> LocalStore:
    return LocalStore(current_generation(mini_build) / "store")


def pushed_server(tmp_path_factory, data: Path, out: Path):
    """A fresh Oxigraph server holding ``data``'s graph, loaded with `kg push`."""
    process, endpoint = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    result = CliRunner().invoke(main, ["push", "--endpoint", endpoint, "--data", str(data), "--build-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "replaced the default graph" in result.output
    return process, endpoint


@pytest.fixture(scope="session")
def mini_remote(tmp_path_factory, mini_build):
    process, endpoint = pushed_server(tmp_path_factory, MINI, mini_build)
    yield RemoteStore(endpoint)
    stop(process)


@pytest.fixture(scope="session")
def shipped_remote(tmp_path_factory, shipped_build):
    process, endpoint = pushed_server(tmp_path_factory, default_data_dir(), shipped_build)
    yield RemoteStore(endpoint)
    stop(process)


def answer(store, name: str, params: dict | None = None):
    query = sparql.resolve(name)
    return sparql.run(store, query.text, sparql.bind(query, params or {}), query.where)


def normalised(result: sparql.Result):
    """An answer in a form to compare exactly: sorted JSON rows, the boolean, or the triples."""
    if result.form == "select":
        doc = sparql.to_json(result)
        return doc["head"]["vars"], sorted(json.dumps(b, sort_keys=True) for b in doc["results"]["bindings"])
    if result.form == "ask":
        return result.boolean
    return sorted(str(t) for t in result.triples)


def size(result: sparql.Result) -> int:
    return len(result.rows) if result.form == "select" else len(result.triples) if result.form == "construct" else 1


def rows(result: sparql.Result, *names: str) -> set[tuple]:
    index = [result.variables.index(n) for n in names]
    return {tuple(sparql.compact(row[i]) for i in index) for row in result.rows}


# --- the library -----------------------------------------------------------------------

def test_at_least_twelve_canned_queries_with_headers():
    queries = sparql.canned_queries()
    assert len(queries) >= 12
    for query in queries:
        assert query.title_zh and query.title_en and query.description, query.name
        assert all(p.kind in sparql.PARAM_KINDS for p in query.params)
        assert "NOT EXISTS" not in query.text.upper(), f"{query.name}: use MINUS/OPTIONAL on Oxigraph"
    listing = CliRunner().invoke(main, ["queries"])
    assert listing.exit_code == 0
    assert all(name in listing.output for name in CANNED)


@pytest.mark.parametrize("name", CANNED)
def test_canned_query_identical_on_embedded_store_and_oxigraph_server(name, shipped_store, shipped_remote):
    local, remote = answer(shipped_store, name), answer(shipped_remote, name)
    assert normalised(local) == normalised(remote)
    print(f"{name}: {size(local)} rows on both")  # shown with -s


@pytest.mark.parametrize("name", CANNED)
def test_canned_query_identical_on_the_mini_fixture(name, mini_local, mini_remote):
    assert normalised(answer(mini_local, name)) == normalised(answer(mini_remote, name))


def test_the_shipped_data_answers_every_canned_query(shipped_store):
    # The defaults name things in the shipped data, so each default query has an answer.
    empty = [n for n in CANNED if size(answer(shipped_store, n)) == 0]
    assert empty == []


# --- answers worked out by hand from tests/fixtures/mini --------------------------------
# mini: salt -> sodium, salt -> chlorine, sodium -> sodium-cyanide -> methionine.
# co-a (zone) makes sodium and runs p-met (operating, methionine); co-b (external) makes
# sodium cyanide; p-cl (signed, 2026, no company) makes chlorine (inferred).
# So: sodium, methionine present; chlorine planned; salt, sodium-cyanide missing.

def test_upstream_of_methionine(mini_local):
    result = answer(mini_local, "upstream-of", {"product": "methionine"})
    assert rows(result, "upstream", "status", "direct") == {
        ("product:salt", "kg:missing", "false"), ("product:sodium", "kg:present", "false"),
        ("product:sodium-cyanide", "kg:missing", "true")}


def test_downstream_of_sodium_by_default(mini_local):
    result = answer(mini_local, "downstream-of")
    assert rows(result, "product", "downstream") == {
        ("product:sodium", "product:sodium-cyanide"), ("product:sodium", "product:methionine")}


def test_missing_products_with_local_inputs_and_uses(mini_local):
    result = answer(mini_local, "missing-products")
    assert rows(result, "chain", "product", "local_inputs", "local_uses") == {
        ("chain:salt", "product:salt", "0", "2"),             # feeds sodium (present), chlorine (planned)
        ("chain:salt", "product:sodium-cyanide", "1", "1"),   # from sodium, into methionine
        ("chain:fine", "product:sodium-cyanide", "1", "1")}
    only_fine = answer(mini_local, "missing-products", {"chain": "fine"})
    assert rows(only_fine, "product") == {("product:sodium-cyanide",)}


def test_projects_with_status_chain_products_and_quote(mini_local):
    result = answer(mini_local, "projects-with-quotes")
    assert rows(result, "project", "status", "year", "company", "chains", "products", "quote") == {
        ("project:p-met", "kg:operating", "2025", "company:co-a", "fine", "methionine", "蛋氨酸项目建成投产"),
        ("project:p-cl", "kg:signed", "2026", "", "salt", "chlorine*", "氯气项目签约")}


def test_single_supplier_and_cross_chain_products(mini_local):
    single = answer(mini_local, "single-supplier-products")
    assert rows(single, "product", "supplier", "local_uses") == {
        ("product:sodium", "company:co-a", "0"),      # its one use (sodium cyanide) is missing
        ("product:methionine", "company:co-a", "0")}  # through the operating project p-met
    cross = answer(mini_local, "cross-chain-products")
    assert rows(cross, "product", "chains", "chain_ids") == {("product:sodium-cyanide", "2", "fine;salt")}


def test_investment_by_chain_and_projects_by_status(mini_local):
    money = answer(mini_local, "investment-by-chain")
    assert rows(money, "chain", "projects", "with_amount", "investment_cny") == {
        ("chain:fine", "1", "1", "1200000000"), ("chain:salt", "1", "0", "0")}
    assert rows(answer(mini_local, "investment-by-chain", {"year": "2026"}), "chain", "projects") == {
        ("chain:salt", "1")}
    signed = answer(mini_local, "projects-by-status-year", {"status": "signed"})
    assert rows(signed, "project", "project_year") == {("project:p-cl", "2026")}
    assert len(answer(mini_local, "projects-by-status-year").rows) == 2


def test_company_profile_ask_and_indicators(mini_local):
    profile = answer(mini_local, "company-profile", {"company": "co-a"})
    assert rows(profile, "relation", "product", "project", "status") == {
        ("produces", "product:sodium", "", ""), ("project", "product:methionine", "project:p-met", "kg:operating")}
    assert answer(mini_local, "is-made-in-zone", {"product": "methionine"}).boolean is True
    assert answer(mini_local, "is-made-in-zone", {"product": "salt"}).boolean is False
    figures = answer(mini_local, "indicators-by-year", {"year": "2025"})
    assert rows(figures, "indicator", "value", "unit") == {("indicator:key-projects-2025", "42", "个")}
    assert answer(mini_local, "indicators-by-year", {"year": "2024"}).rows == []


def test_projects_feeding_missing_products(mini, tmp_path):
    # Add a missing product fed by chlorine, which the 2026 project p-cl will make.
    with open(mini / "products.csv", "a", encoding="utf-8") as handle:
        handle.write("pvc,聚氯乙烯,PVC,salt,downstream,end_product,2,,,general,,\n")
    with open(mini / "flows.csv", "a", encoding="utf-8") as handle:
        handle.write("chlorine,pvc,,,general,\n")
    build(mini, tmp_path / "b")
    store = LocalStore(current_generation(tmp_path / "b") / "store")
    result = answer(store, "projects-feeding-missing")
    assert rows(result, "year", "project", "product", "missing") == {
        ("2026", "project:p-cl", "product:chlorine", "product:pvc")}
    assert answer(store, "projects-feeding-missing", {"year": "2025"}).rows == []


def test_fact_source_gives_the_quote(mini_local):
    result = answer(mini_local, "fact-source", {"about": "project:p-met"})
    assert ("project:p-met", "source:fixture", "蛋氨酸项目建成投产") in rows(result, "fact", "source", "quote")
    assert ("output:p-met--methionine", "source:fixture", "蛋氨酸项目") in rows(result, "fact", "source", "quote")


# --- parameters ----------------------------------------------------------------------------

def test_parameters_are_terms_and_cannot_inject(mini_local, mini_remote):
    hostile = 'result" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #> }'
    before = mini_remote.triples()
    for store in (mini_local, mini_remote):
        assert answer(store, "indicators-by-year", {"kind": hostile}).rows == []
        assert answer(store, "indicators-by-year", {"kind": "result"}).rows != []
    assert mini_remote.triples() == before
    cli = CliRunner().invoke(main, ["query", "upstream-of", "--param", "product=x> } ; DROP ALL ; #",
                                    "--data", str(MINI), "--build-dir", str(Path(mini_local.path).parent.parent)])
    assert cli.exit_code == 1 and "is not a product id" in cli.output
    assert "Traceback" not in cli.output


def test_parameter_mistakes_are_named(mini_build):
    runner = CliRunner()
    base = ["--data", str(MINI), "--build-dir", str(mini_build)]
    typo = runner.invoke(main, ["query", "upstream-of", "--param", "prodcut=salt", *base])
    assert typo.exit_code == 1 and "no parameter 'prodcut'" in typo.output
    status = runner.invoke(main, ["query", "projects-by-status-year", "-p", "status=built", *base])
    assert status.exit_code == 1 and "reserve, signed" in status.output
    unknown = runner.invoke(main, ["query", "no-such-query", *base])
    assert unknown.exit_code == 1 and "upstream-of" in unknown.output
    text = runner.invoke(main, ["query", "SELECT ?p WHERE { ?p kg:feeds ?o }", "-p", "o=product:sodium",
                                "--format", "csv", *base])
    assert text.exit_code == 0 and text.output.split() == ["p", "https://w3id.org/kg-chain/id/product/salt"]


# --- errors and formats ----------------------------------------------------------------------

def test_syntax_error_gives_line_and_column(mini_build, tmp_path):
    runner = CliRunner()
    base = ["--data", str(MINI), "--build-dir", str(mini_build)]
    result = runner.invoke(main, ["query", "SELECT * WHERE {\n  ?s ?p ?o .\n} LIMIT x", *base])
    assert result.exit_code == 1
    assert "line 3, column 9" in result.output and "Traceback" not in result.output
    assert result.output.splitlines()[-1] == " " * 10 + "^"  # under the x
    prefix = runner.invoke(main, ["query", "SELECT ?x WHERE { ?x nope:feeds ?y }", *base])
    assert prefix.exit_code == 1 and "line 1" in prefix.output and "unknown prefix" in prefix.output
    bad = tmp_path / "bad.rq"
    bad.write_text("# title_en: broken\nSELECT ?x WHERE { ?x kg:feeds }\n", encoding="utf-8")
    result = runner.invoke(main, ["query", str(bad), *base])
    assert result.exit_code == 1 and f"{bad}: SPARQL syntax error at line 2, column 31" in result.output


def test_json_is_the_sparql_results_format(mini_build, mini_remote):
    base = ["--data", str(MINI), "--build-dir", str(mini_build)]
    text = 'SELECT ?p ?label ?tier WHERE { ?p kg:valueTier ?tier ; rdfs:label ?label FILTER(LANG(?label) = "en") }'
    local = CliRunner().invoke(main, ["query", text, "--format", "json", *base])
    assert local.exit_code == 0
    doc = json.loads(local.output)
    server = json.loads(mini_remote.request(with_prefixes(text)))
    assert doc["head"] == server["head"] == {"vars": ["p", "label", "tier"]}
    key = lambda b: b["p"]["value"]  # noqa: E731
    assert sorted(doc["results"]["bindings"], key=key) == sorted(server["results"]["bindings"], key=key)
    salt = next(b for b in doc["results"]["bindings"] if b["p"]["value"].endswith("/salt"))
    assert salt["label"] == {"type": "literal", "value": "Raw salt", "xml:lang": "en"}
    assert salt["tier"] == {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    ask = CliRunner().invoke(main, ["query", "is-made-in-zone", "--format", "json", *base])
    assert json.loads(ask.output) == {"head": {}, "boolean": True}
    card = CliRunner().invoke(main, ["query", "product-card", "-p", "product=sodium", *base])
    assert card.exit_code == 0 and "product:salt kg:feeds product:sodium" in card.output


def test_endpoint_option_runs_query_and_stats_remotely(mini_build, mini_remote):
    runner = CliRunner()
    base = ["--data", str(MINI), "--build-dir", str(mini_build)]
    for args in (["query", "upstream-of", "--format", "csv"], ["stats", "--format", "json"]):
        here = runner.invoke(main, [*args, *base])
        there = runner.invoke(main, [*args, "--endpoint", mini_remote.endpoint])
        assert here.exit_code == there.exit_code == 0, there.output
        assert sorted(here.output.splitlines()) == sorted(there.output.splitlines())
    down = runner.invoke(main, ["query", "chain-overview", "--endpoint", "http://127.0.0.1:9/query"])
    assert down.exit_code == 1 and "cannot reach" in down.output


# ------------------------------------------------ answers read as the endpoint sends them

TRICKY = """
<http://x/a> <http://x/text> "tab\\there, line\\nbreak, \\"quoted\\", back\\\\slash" .
<http://x/a> <http://x/text> "中文 und Ümlaut 🙂"@zh .
<http://x/a> <http://x/text> "colour"@en-GB .
<http://x/a> <http://x/number> "12"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://x/a> <http://x/number> "-0.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://x/a> <http://x/number> "1.5E3"^^<http://www.w3.org/2001/XMLSchema#double> .
<http://x/a> <http://x/number> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<http://x/a> <http://x/number> "12 t"^^<http://x/unit> .
<http://x/a> <http://x/link> <http://x/b%20c?d=e#f> .
<http://x/a> <http://x/link> _:blank .
_:blank <http://x/text> "" .
"""


class JsonOnly(RemoteStore):
    """An endpoint asked for SPARQL JSON results only, as a server without TSV answers."""

    def _open(self, query: str, accept: str):
        return super()._open(query, "application/sparql-results+json")


def test_every_kind_of_term_reads_the_same_from_tsv_json_and_the_embedded_store(tmp_path):
    import pyoxigraph as ox

    from kg.store.stores import SELECT_ACCEPT, results_format

    location = tmp_path / "store"
    store = ox.Store(str(location))
    store.bulk_load(input=TRICKY.encode(), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    local = LocalStore(store=ox.Store())
    local.store.bulk_load(input=TRICKY.encode(), format=ox.RdfFormat.N_TRIPLES)
    del store
    process, endpoint = start_oxigraph(location)
    # Blank node labels are each engine's own: the first query leaves them out, the second
    # reads what a blank node holds.
    queries = ["SELECT ?s ?p ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <http://x/none> ?none } "
               "FILTER(!isBlank(?s) && !isBlank(?o)) }",
               "SELECT ?p ?o WHERE { ?b ?p ?o FILTER isBlank(?b) }"]
    try:
        with RemoteStore(endpoint)._open(with_prefixes(queries[0]), SELECT_ACCEPT) as response:
            assert results_format(response) == ox.QueryResultsFormat.TSV  # Oxigraph answers TSV
        answers = [[sorted(s.tuples(q)[1], key=repr) for q in queries]
                   for s in (local, RemoteStore(endpoint), JsonOnly(endpoint))]
    finally:
        stop(process)
    assert answers[0] == answers[1] == answers[2]
    rows, blank = answers[1]
    assert blank == [("http://x/text", "")]
    assert len(rows) == 9 and all(row[3] is None for row in rows)
    assert {row[2] for row in rows} == {
        'tab\there, line\nbreak, "quoted", back\\slash', "中文 und Ümlaut 🙂", "colour", 12, -0.5, 1500.0, True,
        "12 t", "http://x/b%20c?d=e#f"}


def test_the_product_graph_is_the_same_from_an_oxigraph_server(shipped_store, shipped_remote):
    from kg.store.projection import QUERIES, _answers, query_graph

    expected, got = query_graph(shipped_store), query_graph(shipped_remote)
    assert expected.number_of_nodes() > 200
    assert got.graph == expected.graph and list(got.nodes) == list(expected.nodes)
    for node, data in expected.nodes(data=True):
        assert got.nodes[node] == data, node
    assert list(got.edges(data=True)) == list(expected.edges(data=True))
    # The two combined queries give each question's own rows, as asking it alone does.
    combined = _answers(shipped_store, QUERIES)
    for name, query in QUERIES.items():
        alone = list(shipped_store.rows(query))
        assert sorted(map(repr, combined[name])) == sorted(map(repr, alone)), name
