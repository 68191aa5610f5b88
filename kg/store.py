"""Where the graph is queried: the embedded Oxigraph store in the build folder, or a remote
SPARQL 1.1 endpoint. Both answer SELECT queries as pandas DataFrames, so everything above
this module (stats, gaps, reports) runs the same on either.

>>> import tempfile
>>> from kg.paths import default_data_dir
>>> store = open_store(data=default_data_dir(), out=Path(tempfile.mkdtemp()))
>>> int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Product }")["n"][0]) > 0
True
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox

from kg import vocab
from kg.errors import KgError

Binding = dict[str, Any]  # variable name -> IRI string (for IRIs use ox.NamedNode) or literal value


def with_prefixes(query: str) -> str:
    """The query with the usual PREFIX lines in front (a user's own PREFIX wins)."""
    return vocab.sparql_prefixes() + query


def to_term(value: Any) -> ox.NamedNode | ox.Literal:
    """An RDF term for a parameter value: IRIs stay IRIs, the rest become literals."""
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))
    text = str(value)
    if text.startswith(("http://", "https://", "urn:")):
        return ox.NamedNode(text)
    return ox.Literal(text)


def _python_value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1]
        try:
            if dt in ("integer", "int", "long", "nonNegativeInteger"):
                return int(term.value)
            if dt in ("decimal", "double", "float"):
                return float(term.value)
            if dt == "boolean":
                return term.value == "true"
        except ValueError:
            pass
        return term.value
    return term.value


class Store:
    """The interface every consumer uses."""

    def select(self, query: str, bindings: Binding | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def triples(self) -> int:
        frame = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(frame["n"][0])


class LocalStore(Store):
    """The embedded, read-only Oxigraph store of a build generation."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.store = ox.Store.read_only(str(self.path))
        except OSError as exc:
            raise KgError(f"cannot open the store in {self.path}: {exc}") from exc

    def raw(self, query: str, bindings: Binding | None = None) -> Any:
        """The pyoxigraph result of a query (with prefixes added), for any query form."""
        substitutions = {ox.Variable(k): to_term(v) for k, v in (bindings or {}).items()}
        try:
            return self.store.query(with_prefixes(query), substitutions=substitutions or None)
        except SyntaxError as exc:
            raise KgError(f"SPARQL syntax error: {exc}") from exc

    def select(self, query: str, bindings: Binding | None = None) -> pd.DataFrame:
        result = self.raw(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise KgError("expected a SELECT query")
        names = [v.value for v in result.variables]
        rows = [[_python_value(solution[name]) for name in names] for solution in result]
        return pd.DataFrame(rows, columns=names)

    def triples(self) -> int:
        return len(self.store)


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint reached over HTTP (read-only use)."""

    def __init__(self, endpoint: str, timeout: float = 60.0):
        self.endpoint = endpoint
        self.timeout = timeout

    def request(self, query: str, accept: str = "application/sparql-results+json") -> bytes:
        body = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise KgError(f"the endpoint {self.endpoint} refused the query ({exc.code}): {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise KgError(f"cannot reach the endpoint {self.endpoint}: {exc}") from exc

    def select(self, query: str, bindings: Binding | None = None) -> pd.DataFrame:
        text = with_prefixes(query) + values_clause(bindings)
        doc = json.loads(self.request(text))
        names = doc["head"]["vars"]
        rows = [[_json_value(b.get(n)) for n in names] for b in doc["results"]["bindings"]]
        return pd.DataFrame(rows, columns=names)


def values_clause(bindings: Binding | None) -> str:
    """A trailing ``VALUES`` block that binds parameters as RDF terms (for remote endpoints,
    which have no substitution API). Terms are serialised by pyoxigraph, never pasted."""
    if not bindings:
        return ""
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(str(to_term(v)) for v in bindings.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


def _json_value(cell: dict | None) -> Any:
    if cell is None:
        return None
    datatype = cell.get("datatype")
    if cell["type"] in ("literal", "typed-literal") and datatype:
        return _python_value(ox.Literal(cell["value"], datatype=ox.NamedNode(datatype)))
    return cell["value"]


def open_store(data: Path | None = None, out: Path | None = None, endpoint: str | None = None) -> Store:
    """The store to query: ``endpoint`` when given, else the embedded store of the build in
    ``out`` (built first from ``data`` when absent or older than the data)."""
    if endpoint:
        return RemoteStore(endpoint)
    from kg.build import ensure_built
    from kg.paths import DEFAULT_OUT, default_data_dir

    generation = ensure_built(Path(data) if data else default_data_dir(), Path(out) if out else DEFAULT_OUT)
    return LocalStore(generation / "store")
