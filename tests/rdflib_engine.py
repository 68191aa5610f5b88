"""A second SPARQL engine for the tests: rdflib's own, over a plain in-memory ``rdflib.Graph``.

kg promises to run on "any SPARQL 1.1 server", and Oxigraph is the only engine it ships. This
store answers kg's queries with rdflib's SPARQL engine (no Oxigraph under it) and hands the
answers back in the standard formats, SPARQL 1.1 Query Results JSON for SELECT and ASK and
N-Triples for CONSTRUCT, exactly as a remote endpoint would. It is a :class:`RemoteStore`
whose HTTP response is replaced by rdflib's answer, so every line of kg above the request
(prefixes, parameters bound with ``VALUES``, parsing the answer, :func:`kg.store.sparql.run`,
the product graph, stats) runs as it does against a real server.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import rdflib

from kg.errors import KgError
from kg.store.stores import RemoteStore


class RdflibStore(RemoteStore):
    """The triples of ``files`` (N-Triples) in a plain ``rdflib.Graph``, queried by rdflib."""

    def __init__(self, *files: Path):
        super().__init__(endpoint="rdflib:" + ",".join(str(f) for f in files))
        self.graph = rdflib.Graph()
        # kg asks an endpoint several questions at once; rdflib's query parser (pyparsing) is
        # not safe to run in two threads, so this one-process "server" answers one at a time.
        self.lock = threading.Lock()
        for path in files:
            self.graph.parse(str(path), format="nt")

    def _open(self, query: str, accept: str) -> io.BufferedReader:
        """The answer to ``query`` (prefixes already declared) as a server would send it."""
        return io.BufferedReader(io.BytesIO(self._answer(query)))

    def _answer(self, query: str) -> bytes:
        with self.lock:
            try:
                result = self.graph.query(query)
            except Exception as exc:  # rdflib raises parser and evaluation errors of many kinds
                raise KgError(f"rdflib could not run the query: {type(exc).__name__}: {exc}") from exc
            if result.type == "CONSTRUCT":
                return result.graph.serialize(format="nt", encoding="utf-8")
            return result.serialize(format="json")

    def triples(self) -> int:
        return len(self.graph)
