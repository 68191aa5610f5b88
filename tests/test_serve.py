"""`kg serve`: a real client (SPARQLWrapper) against the endpoint, updates refused, content
negotiation, a runaway query bounded. The query page is tested in test_query_page.py."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import MINI, kg_serve

PREFIX = "PREFIX kg: <https://w3id.org/kg-chain/ontology#>\n"
TIMEOUT = 1  # seconds, the --timeout given to kg serve


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`kg serve` over the mini fixture, default host, on a free port; stopped after."""
    out = tmp_path_factory.mktemp("serve") / "build"
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    with kg_serve(MINI, out, log, TIMEOUT) as (base, process):
        yield base, log
    assert process.returncode == 0, log.read_text()


def post(url: str, query: str, accept: str = "application/sparql-results+json", timeout: float = 60):
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url, data=data, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_binds_loopback_by_default(served):
    base, log = served
    assert "http://127.0.0.1:" in log.read_text()


def test_sparqlwrapper_json_and_csv(served):
    from SPARQLWrapper import CSV, JSON, POST, SPARQLWrapper

    base, _ = served
    client = SPARQLWrapper(base + "/query")
    client.setQuery(PREFIX + "SELECT ?p WHERE { ?p kg:zoneStatus kg:present } ORDER BY ?p")
    client.setReturnFormat(JSON)
    doc = client.query().convert()  # GET
    present = [b["p"]["value"].rsplit("/", 1)[-1] for b in doc["results"]["bindings"]]
    assert present == ["methionine", "sodium"]
    client.setMethod(POST)
    client.setReturnFormat(CSV)
    text = client.query().convert().decode()
    assert text.split() == ["p", "https://w3id.org/kg-chain/id/product/methionine",
                            "https://w3id.org/kg-chain/id/product/sodium"]


def test_updates_are_refused(served):
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    base, _ = served
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = post(base + "/query", count)[2]
    update = SPARQLWrapper(base + "/update")
    update.setMethod(POST)
    update.setQuery("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as caught:
        update.query()
    assert "403" in str(caught.value) or getattr(caught.value, "code", 0) == 403
    for method, url, body, kind in (
            ("POST", "/query", b"DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
            ("PUT", "/store?default", b"<http://example.org/a> <http://example.org/b> 1 .", "application/n-triples"),
            ("DELETE", "/store?default", None, "text/plain")):
        request = urllib.request.Request(base + url, data=body, method=method, headers={"Content-Type": kind})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert 400 <= refused.value.code < 500, (method, url)
    assert post(base + "/query", count)[2] == before


@pytest.mark.parametrize("accept, marker", [
    ("application/sparql-results+json", b'"bindings"'),
    ("application/sparql-results+xml", b"<sparql"),
    ("text/csv", b"s\r\nhttps://w3id.org/kg-chain/id/company/"),
    ("text/tab-separated-values", b"?s\n<https://w3id.org/kg-chain/id/company/"),
])
def test_select_content_negotiation(served, accept, marker):
    base, _ = served
    status, content_type, body = post(base + "/query", PREFIX + "SELECT ?s WHERE { ?s a kg:Company }", accept)
    assert status == 200 and content_type.startswith(accept)
    assert marker in body


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_construct_as_turtle_or_ntriples(served, accept):
    import pyoxigraph as ox

    base, _ = served
    query = PREFIX + "CONSTRUCT { ?a kg:feeds ?b } WHERE { ?a kg:feeds ?b }"
    status, content_type, body = post(base + "/query", query, accept)
    assert content_type.startswith(accept)
    fmt = ox.RdfFormat.TURTLE if accept == "text/turtle" else ox.RdfFormat.N_TRIPLES
    assert len(list(ox.parse(body, format=fmt))) == 4  # the four flows of the mini fixture


def test_runaway_queries_are_bounded(served):
    base, _ = served
    # The engine cancels this one itself at --timeout; kg serve answers 503.
    cancelled = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    # The engine does not check for cancellation here (it ran 69 s with a 2 s timeout):
    # kg serve answers 503 at timeout + grace and restarts the engine.
    stuck = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    for query in (cancelled, stuck):
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as stopped:
            post(base + "/query", query, timeout=60)
        assert stopped.value.code == 503
        assert b"ran longer than 1 s" in stopped.value.read()
        assert time.monotonic() - started < 60
        assert post(base + "/query", "ASK { ?s ?p ?o }")[2].replace(b" ", b"") == b'{"head":{},"boolean":true}'
