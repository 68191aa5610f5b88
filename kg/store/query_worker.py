"""One SPARQL query on a build's store, in a process of its own.

``kg query`` runs a query here so that one past ``--timeout`` is ended for certain
(pyoxigraph cannot cancel a query in progress) and one that exhausts memory ends only this
process. The process dies with kg (:mod:`kg.store.children`) and reads at most ``max_rows`` rows
(or triples) of the answer, plus one to know there are more.

Run as ``python -m kg.store.query_worker --store PATH --parent PID``; stdin is a JSON request
``{"query", "prefixes", "max_rows"}`` (``max_rows`` 0: no limit); stdout is one JSON line
``{"form", "more"}`` (or ``{"error"}``) and then the answer: SPARQL 1.1 Query Results JSON
for SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE. It imports pyoxigraph only, to
start fast.
"""

from __future__ import annotations

import itertools
import json
import sys
from typing import Any

import pyoxigraph as ox

from kg.store.children import die_with_parent

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def term_json(term: Any) -> dict[str, str]:
    """One RDF term in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    cell = {"type": "literal", "value": term.value}
    if term.language:
        cell["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        cell["datatype"] = term.datatype.value
    return cell


def answer(store: ox.Store, query: str, prefixes: dict[str, str], max_rows: int) -> tuple[dict, bytes]:
    """The header and the body of the answer to ``query`` (at most ``max_rows`` rows)."""
    result = store.query(query, prefixes=prefixes)
    if isinstance(result, ox.QueryBoolean):
        return {"form": "ask", "more": False}, json.dumps({"head": {}, "boolean": bool(result)}).encode()
    limit = max_rows + 1 if max_rows else None
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = list(itertools.islice(result, limit))
        more = bool(max_rows) and len(rows) > max_rows
        bindings = [{name: term_json(term) for name, term in zip(names, row) if term is not None}
                    for row in rows[:max_rows or None]]
        doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
        return {"form": "select", "more": more}, json.dumps(doc, ensure_ascii=False).encode("utf-8")
    triples = list(itertools.islice(result, limit))
    more = bool(max_rows) and len(triples) > max_rows
    body = ox.serialize(triples[:max_rows or None], format=ox.RdfFormat.N_TRIPLES) if triples else b""
    return {"form": "construct", "more": more}, body or b""


def main(argv: list[str]) -> int:
    args = dict(zip(argv[::2], argv[1::2]))
    die_with_parent(int(args["--parent"]))
    request = json.loads(sys.stdin.buffer.read())
    try:
        store = ox.Store.read_only(args["--store"])
        header, body = answer(store, request["query"], request["prefixes"], int(request["max_rows"]))
    except (SyntaxError, OSError, RuntimeError, ValueError) as exc:
        header, body = {"error": str(exc)}, b""
    sys.stdout.buffer.write(json.dumps(header).encode() + b"\n" + body)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
