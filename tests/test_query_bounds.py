"""`kg query` on the embedded store has bounds: a time limit (the query runs in a child
process that is ended at --timeout), a row limit (never a silently cut answer), updates
refused in words, and no SERVICE (federated) request unless --allow-service."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.store.build import build
from tests.conftest import MINI, sparql_stub

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bounds") / "build"
    build(MINI, folder)
    return folder


def kg(out: Path, *args: str) -> subprocess.CompletedProcess:
    """`kg query` as a user runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "kg", "query", *args, "--data", str(MINI), "--build-dir", str(out)],
                          capture_output=True, text=True, timeout=300)


def workers(out: Path) -> list[int]:
    """Live query processes over a store in ``out`` (their command line names the worker
    module and the store)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().split(") ")[-1][:1]
            except OSError:
                continue
            if b"query_worker" in line and str(out).encode() in line and state != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://x/>\n# a comment with SELECT in it\n"
    "DELETE { ?s ex:p ?o } INSERT { ?s ex:q ?o } WHERE { ?s ex:p ?o }",
    "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "DROP ALL", "CLEAR DEFAULT", "CREATE GRAPH <http://x/g>", "ADD DEFAULT TO <http://x/g>",
    "MOVE DEFAULT TO <http://x/g>", "COPY DEFAULT TO <http://x/g>",
])
def test_updates_are_refused_in_words(out, update):
    result = CliRunner().invoke(main, ["query", update, "--data", str(MINI), "--build-dir", str(out)])
    assert result.exit_code == 1
    assert "updates are not allowed here" in result.output and "Traceback" not in result.output


def test_a_runaway_query_is_stopped_at_the_timeout(out):
    result = kg(out, CROSS, "--timeout", "2")
    assert result.returncode == 1, result.stdout
    assert "stopped" in result.stderr and "2 s" in result.stderr and "Traceback" not in result.stderr
    assert workers(out) == []  # the query's process is gone too


def test_an_answer_past_the_row_limit_is_an_error_not_a_cut(out):
    big = kg(out, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "--max-rows", "1000", "--format", "csv")
    assert big.returncode == 1 and big.stdout == ""
    assert "more than 1000 rows" in big.stderr and "LIMIT" in big.stderr
    fits = kg(out, "SELECT * WHERE { ?s ?p ?o } LIMIT 10", "--max-rows", "10", "--format", "csv")
    assert fits.returncode == 0, fits.stderr
    assert len(fits.stdout.splitlines()) == 11
    triples = kg(out, "CONSTRUCT WHERE { ?s ?p ?o }", "--max-rows", "5")
    assert triples.returncode == 1 and "more than 5" in triples.stderr


def test_ordinary_queries_answer_as_before(out):
    answer = kg(out, "upstream-of", "--format", "json", "--timeout", "20")
    assert answer.returncode == 0, answer.stderr
    doc = json.loads(answer.stdout)
    assert doc["head"]["vars"][:2] == ["product", "upstream"] and doc["results"]["bindings"]
    ask = kg(out, "is-made-in-zone", "--format", "json")
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}


@pytest.fixture
def counting_server():
    with sparql_stub() as (url, hits):
        yield url, hits


def test_service_is_refused_unless_allowed(out, counting_server):
    url, hits = counting_server
    text = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    refused = kg(out, text)
    assert refused.returncode == 1 and "SERVICE" in refused.stderr and "--allow-service" in refused.stderr
    silent = kg(out, "SELECT * WHERE { ?x ?y ?z OPTIONAL { service   SILENT ?g { ?s ?p ?o } } }")
    assert silent.returncode == 1 and "SERVICE" in silent.stderr
    assert hits == []
    in_text = kg(out, 'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(?l != "SERVICE <http://x/>") } LIMIT 1')
    assert in_text.returncode == 0, in_text.stderr  # the word in a string is no SERVICE
    allowed = kg(out, text, "--allow-service", "--format", "csv")
    assert allowed.returncode == 0, allowed.stderr
    assert len(hits) == 1  # sent once: checking the syntax sends nothing


def test_a_service_that_never_answers_is_bounded_by_the_timeout(out):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        port = silent.getsockname()[1]
        result = kg(out, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/q> {{ ?s ?p ?o }} }}",
                    "--allow-service", "--timeout", "2")
        assert result.returncode == 1 and "stopped" in result.stderr
    finally:
        silent.close()


def test_the_query_process_dies_with_kg(out):
    """kill -9 of `kg query` ends the query's process too (it would run on otherwise)."""
    process = subprocess.Popen([sys.executable, "-m", "kg", "query", CROSS, "--timeout", "600", "--data", str(MINI),
                                "--build-dir", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if workers(out):
                break
            threading.Event().wait(0.1)
        started = workers(out)
        assert started, "the query process did not start"
    finally:
        process.kill()
        process.wait()
    for _ in range(100):
        if not workers(out):
            break
        threading.Event().wait(0.1)
    assert workers(out) == []


def test_library_run_keeps_working_in_process(out):
    from kg.store import sparql
    from kg.store.generations import current_generation
    from kg.store.stores import LocalStore

    store = LocalStore(current_generation(out) / "store")
    result = sparql.run(store, "SELECT ?s WHERE { ?s a kg:Product }")
    assert result.form == "select" and len(result.rows) > 3  # in this process: no timeout asked for
