"""Where the graph is queried: the embedded Oxigraph store in the build folder, or a remote
SPARQL 1.1 endpoint. Both answer SELECT queries as pandas DataFrames, so everything above
this module (stats, gaps, reports) runs the same on either.

>>> import tempfile
>>> from kg.paths import default_data_dir
>>> from kg.store.build import build
>>> out = Path(tempfile.mkdtemp())
>>> store = open_store(build(default_data_dir(), out).out)
>>> int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Product }")["n"][0]) > 0
True
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox

from kg import vocab
from kg.errors import KgError
from kg.paths import default_build_dir
from kg.store.generations import MANIFEST, current_generation, generation_manifest

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


def typed_value(text: str, datatype: str) -> Any:
    """The lexical form ``text`` of a literal of ``datatype`` (an IRI) as the Python value it
    stands for: numbers and booleans converted, anything else (or a malformed number) as text.

    >>> typed_value("12", "http://www.w3.org/2001/XMLSchema#integer"), typed_value("x", "")
    (12, 'x')
    """
    dt = datatype.rsplit("#", 1)[-1]
    try:
        if dt in ("integer", "int", "long", "nonNegativeInteger"):
            return int(text)
        if dt in ("decimal", "double", "float"):
            return float(text)
        if dt == "boolean":
            return text == "true"
    except ValueError:
        pass
    return text


def python_value(term: Any) -> Any:
    """A literal as the Python value it stands for (numbers, booleans); anything else as its text."""
    if term is None:
        return None
    if term.__class__ is ox.Literal:  # read for every cell of an answer: no isinstance
        return typed_value(term.value, term.datatype.value)
    return term.value


class Store:
    """The interface every consumer uses."""

    def select(self, query: str, bindings: Binding | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def rows(self, query: str) -> Iterator[dict[str, Any]]:
        """A SELECT answer's rows as dicts (variable -> python value, None when unbound), one
        at a time, without a table: for readers that turn every row into something else."""
        names, values = self.tuples(query)
        for row in values:
            yield dict(zip(names, row))

    def tuples(self, query: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """A SELECT answer's variables, and its rows as tuples of python values in their
        order (None when unbound), one at a time: :meth:`rows` without a dict per row."""
        frame = self.select(query)
        values = frame.astype(object).where(frame.notna(), None)
        return list(frame.columns), values.itertuples(index=False, name=None)

    def triples(self) -> int:
        frame = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(frame["n"][0])


class LocalStore(Store):
    """The embedded, read-only Oxigraph store of a build generation (``path``: its
    ``store`` folder), or an open pyoxigraph ``store`` (the build's in-memory one).

    ``generation`` is the build generation the store belongs to, where derived files such
    as the product graph (:mod:`kg.store.projection`) are kept; None for a bare ``store``."""

    def __init__(self, path: Path | None = None, store: ox.Store | None = None):
        if (path is None) == (store is None):
            raise TypeError("LocalStore takes a path or a store")
        self.path = Path(path) if path is not None else None
        if store is not None:
            self.store = store
            return
        try:
            self.store = ox.Store.read_only(str(self.path))
        except OSError as exc:
            raise KgError(f"cannot open the store in {self.path}: {exc}") from exc

    @property
    def generation(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    def raw(self, query: str, bindings: Binding | None = None) -> Any:
        """The pyoxigraph result of a query (the usual prefixes declared), for any query form.
        ``bindings`` are bound as RDF terms by :func:`inline_values`, as for a remote
        endpoint, so both stores give the same answers (pyoxigraph's own substitutions
        require the variable in the SELECT projection and do not apply to ASK/CONSTRUCT)."""
        try:
            return self.store.query(inline_values(query, bindings), prefixes=vocab.PREFIXES)
        except SyntaxError as exc:
            raise KgError(f"SPARQL syntax error: {exc}") from exc
        except (OSError, RuntimeError) as exc:
            raise KgError(f"the query failed: {exc}") from exc

    def select(self, query: str, bindings: Binding | None = None) -> pd.DataFrame:
        result = self.raw(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise KgError("expected a SELECT query")
        names = [v.value for v in result.variables]
        # A solution iterates its values in the order of the variables.
        rows = [[python_value(term) for term in solution] for solution in result]
        return pd.DataFrame(rows, columns=names)

    def tuples(self, query: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        # Straight from the solutions: a national answer never sits in memory as a table.
        solutions = self.raw(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise KgError("expected a SELECT query")
        return [v.value for v in solutions.variables], (tuple(map(python_value, s)) for s in solutions)

    def triples(self) -> int:
        # A build's store is never written after the build, which counted it (a full scan of
        # the store: over a second at 5M triples).
        if self.generation is not None and (self.generation / MANIFEST).is_file():
            counted = generation_manifest(self.generation).get("triples")
            if isinstance(counted, int):
                return counted
        return len(self.store)


class EndpointError(KgError):
    """An endpoint answered a query with an HTTP error: ``status`` and its words, ``detail``."""

    def __init__(self, endpoint: str, status: int, detail: str):
        super().__init__(f"the endpoint {endpoint} refused the query ({status}): {detail}")
        self.status, self.detail = status, detail.strip()


# The answer formats of a SELECT kg reads from an endpoint, by content type. It asks for TSV
# first: Oxigraph writes it and pyoxigraph reads it in less time than JSON (a tenth less for
# the product graph at 1M triples), and it keeps every term whole (CSV does not); JSON is the
# one every SPARQL 1.1 server writes (rdflib's writes no TSV).
RESULTS_FORMATS = {"text/tab-separated-values": ox.QueryResultsFormat.TSV,
                   "application/sparql-results+json": ox.QueryResultsFormat.JSON,
                   "application/json": ox.QueryResultsFormat.JSON}
SELECT_ACCEPT = "text/tab-separated-values, application/sparql-results+json;q=0.9"


def results_format(response: Any) -> ox.QueryResultsFormat:
    """The format of an endpoint's answer to a SELECT, by its content type (JSON when it
    names none kg reads)."""
    headers = getattr(response, "headers", None)
    kind = headers.get_content_type() if headers is not None else ""
    return RESULTS_FORMATS.get(kind, ox.QueryResultsFormat.JSON)


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint reached over HTTP (read-only use)."""

    def __init__(self, endpoint: str, timeout: float = 60.0):
        self.endpoint = endpoint
        self.timeout = timeout

    def _open(self, query: str, accept: str) -> Any:
        """The endpoint's HTTP response to ``query`` (the caller closes it)."""
        body = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise EndpointError(self.endpoint, exc.code, exc.read().decode("utf-8", "replace")[:500]) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise KgError(f"cannot reach the endpoint {self.endpoint}: {exc}") from exc

    def request(self, query: str, accept: str = "application/sparql-results+json") -> bytes:
        """The endpoint's whole answer to ``query``, as it sent it."""
        with self._open(query, accept) as response:
            try:
                return response.read()
            except OSError as exc:
                raise KgError(f"cannot reach the endpoint {self.endpoint}: {exc}") from exc

    def tuples(self, query: str, bindings: Binding | None = None) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """The variables of a SELECT query's answer and its rows, read as the endpoint sends
        them: an endpoint that streams its answer (Oxigraph does) has its first rows read
        while it still works on the rest. Terms are read as the embedded store's are
        (:func:`python_value`)."""
        response = self._open(with_prefixes(inline_values(query, bindings)), SELECT_ACCEPT)
        try:
            solutions = ox.parse_query_results(response, format=results_format(response))
            if not isinstance(solutions, ox.QuerySolutions):
                raise SyntaxError("a boolean answer")
        except (SyntaxError, ValueError, OSError) as exc:
            start = response.peek(80)[:80].decode("utf-8", "replace") if not response.closed else ""
            response.close()
            raise KgError(f"the endpoint {self.endpoint} did not answer with SPARQL results, TSV or JSON (it "
                          f"sent {start!r}…: {exc}): is it a SPARQL endpoint?") from exc
        names = [v.value for v in solutions.variables]
        missing = [name for name in projected(query) or () if name not in names]
        if missing:
            response.close()
            raise KgError(f"the endpoint {self.endpoint} answered without the variable(s) "
                          f"{', '.join('?' + m for m in missing)} the query asks for: is it a SPARQL endpoint?")

        def read() -> Iterator[tuple[Any, ...]]:
            nonlocal solutions
            with response:
                try:
                    for solution in solutions:
                        yield tuple(map(python_value, solution))
                except (SyntaxError, ValueError, OSError) as exc:
                    raise KgError(f"the endpoint {self.endpoint} sent an answer that is not valid SPARQL "
                                  f"results: {exc}") from exc
                finally:
                    # pyoxigraph's answer may be dropped only on the thread that read it (kg reads
                    # an endpoint's answers on worker threads).
                    solutions = None
        return names, read()

    def select(self, query: str, bindings: Binding | None = None) -> pd.DataFrame:
        names, rows = self.tuples(query, bindings)
        return pd.DataFrame(list(rows), columns=names)


IRI_TOKEN = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")


def skeleton(query: str) -> str:
    """The query with its comments, strings and IRIs blanked out (each of their characters a
    space, line breaks kept), so that keywords and braces can be found by position: a
    ``SERVICE`` or ``{`` inside a string is not one.

    >>> skeleton('SELECT * WHERE { ?s ?p "a {" } # }')
    'SELECT * WHERE { ?s ?p       }    '
    """
    out, i, n = list(query), 0, len(query)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = query[i]
        if c == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
            continue
        if c in "\"'":
            quote = query[i:i + 3] if query[i:i + 3] in ('"""', "'''") else c
            start, i = i, i + len(quote)
            while i < n and not query.startswith(quote, i):
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
            blank(start, i)
            continue
        if c == "<" and (match := IRI_TOKEN.match(query, i)):
            blank(i, match.end())
            i = match.end()
            continue
        i += 1
    return "".join(out)


def projected(query: str) -> list[str] | None:
    """The variables a SELECT query projects, in order (None for ``SELECT *`` or another
    form): those named at the top level of the projection and those bound with ``AS``.

    >>> projected("SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a")
    ['a', 'n']
    """
    shape = skeleton(query)
    select = re.search(r"\bSELECT\b", shape, re.IGNORECASE)
    if not select:
        return None
    end = re.compile(r"\{|\bWHERE\b|\bFROM\b", re.IGNORECASE).search(shape, select.end())
    part = shape[select.end():end.start() if end else len(shape)]
    names, depth = [], 0
    for token in re.finditer(r"\(|\)|\*|\bAS\s+[?$](\w+)|[?$](\w+)", part, re.IGNORECASE):
        text = token.group()
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text == "*" and depth == 0:
            return None
        elif token.group(1):
            names.append(token.group(1))
        elif token.group(2) and depth == 0:
            names.append(token.group(2))
    return names


def group_openings(query: str) -> list[int]:
    """Positions of the ``{`` that open each top-level group of a query, skipping
    comments, strings and IRIs."""
    openings, depth = [], 0
    for i, c in enumerate(skeleton(query)):
        if c == "{":
            if depth == 0:
                openings.append(i)
            depth += 1
        elif c == "}":
            depth -= 1
    return openings


def inline_values(query: str, bindings: Binding | None, show: Callable[[Any], str] = str) -> str:
    """The query with ``bindings`` as a ``VALUES`` block at the start of its WHERE group,
    so each parameter is bound as an RDF term where the pattern is evaluated (a trailing
    VALUES would join after GROUP BY). Terms are serialised by pyoxigraph, which checks
    IRIs and escapes literals: a value can never change the query's structure. ``show``
    writes each term (the query page passes one that writes prefixed names, for reading).

    >>> inline_values("SELECT * WHERE { ?p ?q ?r }", {"p": ox.NamedNode("http://x/a")})
    'SELECT * WHERE { VALUES (?p) { (<http://x/a>) } ?p ?q ?r }'
    """
    if not bindings:
        return query
    names = " ".join(f"?{ox.Variable(k).value}" for k in bindings)
    terms = " ".join(show(to_term(v)) for v in bindings.values())
    openings = group_openings(query)
    if not openings:
        raise KgError("the query has no WHERE clause to bind parameters in")
    where = openings[0]
    if re.search(r"\bCONSTRUCT\s*$", query[:where], re.IGNORECASE) and len(openings) > 1:
        where = openings[1]  # CONSTRUCT { template } WHERE { ... }
    return f"{query[:where + 1]} VALUES ({names}) {{ ({terms}) }}{query[where + 1:]}"


def open_store(out: Path | None = None, endpoint: str | None = None) -> Store:
    """The store to query: ``endpoint`` when given, else the embedded store of the current
    build in ``out`` (by default the shipped dataset's build folder in the per-user cache,
    :func:`kg.paths.default_build_dir`). Opening never builds: build first
    (:func:`kg.store.build.ensure_built`, or ``kg build``), then open what was built."""
    if endpoint:
        return RemoteStore(endpoint)
    folder = Path(out) if out else default_build_dir()
    generation = current_generation(folder)
    if generation is None:
        raise KgError(f"no build in {folder}: run `kg build --build-dir {folder}` first")
    return LocalStore(generation / "store")


def rdflib_graph(out: Path | None = None) -> Any:
    """The built graph under rdflib's API, for analysts and notebooks used to rdflib: an
    ``rdflib.Graph`` backed by the build's Oxigraph store through oxrdflib, opened read-only
    (adding a triple raises), so it is not parsed again and queries run at Oxigraph's speed.
    The usual prefixes (``kg:``, ``product:``, ...) are bound. The current build in ``out``
    is used as it is (see :func:`open_store`).

    >>> g = rdflib_graph()  # doctest: +SKIP
    >>> g.query("SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Product }")  # doctest: +SKIP
    """
    # rdflib and oxrdflib are slow to import: loaded here, only for the analysts who ask.
    import rdflib
    from oxrdflib import OxigraphStore
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    store = open_store(out=out)
    assert isinstance(store, LocalStore)
    graph = rdflib.Graph(store=OxigraphStore(store=store.store), identifier=DATASET_DEFAULT_GRAPH_ID)
    for prefix, namespace in vocab.PREFIXES.items():
        graph.bind(prefix, rdflib.Namespace(namespace), override=True)
    return graph
