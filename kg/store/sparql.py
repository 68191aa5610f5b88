"""SPARQL for analysts: the canned queries, their parameters, and results in the standard
formats, the same from the embedded store or a remote endpoint.

A canned query is a ``.rq`` file in ``kg/store/queries/`` whose leading comment lines are its header::

    # title_zh: 某产品的全部上游
    # title_en: Everything upstream of a product
    # description: Every product that feeds the given product ...
    # param: product product = methionine -- product id

``param: NAME KIND [= DEFAULT] -- help``: the query's variable ``?NAME`` is bound to the
value as an RDF term of KIND (an id kind such as ``product`` makes ``product:methionine``;
``status`` makes ``kg:operating``; ``integer``/``string``/... make literals). A parameter with
no default is left unbound unless given, which means "all".

>>> from kg.store.stores import open_store
>>> query = resolve("upstream-of")
>>> result = run(open_store(), query.text, bind(query, {"product": "methionine"}))  # doctest: +SKIP
>>> result.variables[:2]  # doctest: +SKIP
['product', 'upstream']
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox

from kg import vocab
from kg.errors import KgError
from kg.store.children import die_with_parent
from kg.store.query_worker import term_json
from kg.store.stores import LocalStore, RemoteStore, Store, inline_values, python_value, skeleton, with_prefixes

QUERY_DIR = Path(__file__).resolve().parent / "queries"
XSD = vocab.PREFIXES["xsd"]
ID_PATTERN = re.compile(vocab.LINK_ID_PATTERN)
VOCAB_KINDS = {"status": vocab.PROJECT_STATUSES, "segment": vocab.SEGMENTS,
               "zone_status": vocab.PRODUCT_STATUSES}
LITERAL_KINDS = {"string": "", "integer": "integer", "decimal": "decimal", "boolean": "boolean"}
PARAM_KINDS = (*vocab.RESOURCE_TYPES, *VOCAB_KINDS, "iri", *LITERAL_KINDS)


@dataclass
class Param:
    name: str
    kind: str
    default: str | None = None
    help: str = ""


@dataclass
class Query:
    """A query to run: a canned one, a ``.rq`` file, or text typed by the user."""
    name: str
    text: str
    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    path: Path | None = None
    description_zh: str = ""
    description_en: str = ""

    @property
    def where(self) -> str:
        """How error messages name the query."""
        return str(self.path) if self.path else "query"


def parse_header(text: str, where: str = "query") -> dict[str, Any]:
    """The header fields of a query's leading ``# key: value`` comment lines; a line
    starting with ``#`` and more spaces continues the previous field."""
    fields: dict[str, Any] = {"params": []}
    last = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        body = line[1:]
        match = re.match(r"\s?([a-z_]+):\s*(.*)$", body)
        if match and not body.startswith("  "):
            key, value = match.groups()
            if key == "param":
                fields["params"].append(_param(value, f"{where}:{number}"))
                last = None
            else:
                fields[key] = value.strip()
                last = key
        elif last and body.strip():
            fields[last] += " " + body.strip()
    return fields


def _param(spec: str, where: str) -> Param:
    match = re.fullmatch(r"([A-Za-z_]\w*)\s+([a-z_-]+)\s*(?:=\s*(\S+))?\s*(?:--\s*(.*))?", spec.strip())
    if not match or match.group(2) not in PARAM_KINDS:
        raise KgError(f"{where}: bad parameter line {spec!r}; expected 'NAME KIND [= DEFAULT] -- help' "
                      f"with KIND one of {', '.join(PARAM_KINDS)}")
    name, kind, default, text = match.groups()
    return Param(name, kind, default, (text or "").strip())


def load_query(path: Path, name: str | None = None) -> Query:
    """A query read from a ``.rq`` file, with its header."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KgError(f"cannot read the query file {path}: {exc}") from exc
    header = parse_header(text, str(path))
    return Query(name or path.stem, text, header.get("title_zh", ""), header.get("title_en", ""),
                 header.get("description", ""), header["params"], path,
                 header.get("description_zh", ""), header.get("description_en", ""))


def canned_queries() -> list[Query]:
    """Every canned query shipped in ``kg/store/queries/``, by name."""
    return [load_query(path) for path in sorted(QUERY_DIR.glob("*.rq"))]


def resolve(spec: str) -> Query:
    """A canned query's name, a ``.rq`` file, or the text of a query."""
    if (QUERY_DIR / f"{spec}.rq").is_file() and "/" not in spec:
        return load_query(QUERY_DIR / f"{spec}.rq")
    if spec.endswith(".rq") or (len(spec) < 4096 and "\n" not in spec and Path(spec).is_file()):
        if not Path(spec).is_file():
            raise KgError(f"query file not found: {spec}")
        return load_query(Path(spec))
    if re.search(r"[{\s]", spec):
        header = parse_header(spec)
        return Query("query", spec, params=header["params"])
    names = ", ".join(q.name for q in canned_queries())
    raise KgError(f"no canned query named {spec!r}; the canned queries are: {names}")


def param_term(kind: str, value: str, name: str = "") -> ox.NamedNode | ox.Literal:
    """The RDF term for ``value`` as a parameter of ``kind`` (see the module docstring)."""
    label = f"--param {name}" if name else "parameter"
    if kind in vocab.RESOURCE_TYPES:
        if not ID_PATTERN.fullmatch(value):
            raise KgError(f"{label}: {value!r} is not a {kind} id (lowercase letters, digits, '.', '_', '-')")
        return ox.NamedNode(vocab.resource(kind, value))
    if kind in VOCAB_KINDS:
        if value not in VOCAB_KINDS[kind]:
            raise KgError(f"{label}: {value!r} is not a {kind}; expected one of {', '.join(VOCAB_KINDS[kind])}")
        return ox.NamedNode(vocab.term(value))
    if kind == "iri":
        return _iri(value, label)
    datatype = LITERAL_KINDS[kind]
    if not datatype:
        return ox.Literal(value)
    checks = {"integer": r"[+-]?\d+", "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)", "boolean": r"true|false"}
    if not re.fullmatch(checks[datatype], value):
        raise KgError(f"{label}: {value!r} is not an {datatype}" if datatype == "integer"
                      else f"{label}: {value!r} is not a {datatype}")
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def _iri(value: str, label: str) -> ox.NamedNode:
    text = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    prefix, _, local = text.partition(":")
    if prefix in vocab.PREFIXES and not local.startswith("//"):
        text = vocab.PREFIXES[prefix] + local
    try:
        return ox.NamedNode(text)
    except ValueError as exc:
        raise KgError(f"{label}: {value!r} is not an IRI ({exc})") from exc


def guess_term(value: str, name: str = "") -> ox.NamedNode | ox.Literal:
    """The term for a parameter a query does not declare: a known prefixed name or an
    absolute IRI becomes an IRI, a whole number an xsd:integer, anything else a string."""
    if re.fullmatch(r"[+-]?\d+", value):
        return param_term("integer", value, name)
    prefix, sep, _ = value.partition(":")
    if sep and (prefix in vocab.PREFIXES or value.startswith(("http://", "https://", "urn:", "<"))):
        return param_term("iri", value, name)
    return ox.Literal(value)


def bind(query: Query, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """The RDF terms for a query's parameters: given values, else declared defaults. A name
    the query neither declares nor uses is an error (a typo would otherwise be ignored)."""
    declared = {p.name: p for p in query.params}
    terms: dict[str, ox.NamedNode | ox.Literal] = {}
    for name, value in values.items():
        if name in declared:
            terms[name] = param_term(declared[name].kind, value, name)
        elif declared or not re.search(rf"[?$]{re.escape(name)}\b", query.text):
            known = ", ".join(declared) or "none"
            raise KgError(f"--param {name}: {query.name} has no parameter {name!r} (its parameters: {known})")
        else:
            terms[name] = guess_term(value, name)
    for param in query.params:
        if param.name not in terms and param.default is not None:
            terms[param.name] = param_term(param.kind, param.default, param.name)
    return terms


def unknown_ids(store: Any, query: Query, terms: dict[str, ox.NamedNode | ox.Literal]) -> list[str]:
    """A warning for each id parameter (product, company, chain, ...) that names nothing in
    the graph, with the nearest ids of that kind: a misspelt id would otherwise give an empty
    answer with no hint why."""
    import difflib

    warnings = []
    for param in query.params:
        term = terms.get(param.name)
        if param.kind not in vocab.RESOURCE_TYPES or not isinstance(term, ox.NamedNode):
            continue
        if len(store.select(f"SELECT ?p WHERE {{ <{term.value}> ?p ?o }} LIMIT 1")):
            continue
        base = vocab.resource(param.kind, "")
        frame = store.select(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{base}")) }}')
        ids = sorted({str(s)[len(base):] for s in frame["s"]} if len(frame) else set())
        ids = [i for i in ids if "/" not in i]
        near = difflib.get_close_matches(term.value[len(base):], ids, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        warnings.append(f"--param {param.name}: no {param.kind} with the id {term.value[len(base):]!r} in the "
                        f"graph, so the answer is empty{hint}")
    return warnings


UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
# The first keyword after the prologue (PREFIX and BASE declarations), in a query's skeleton.
FIRST_WORD = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)*([A-Za-z]+)", re.IGNORECASE)
SERVICE = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:.-])(\s+SILENT(?![\w:.-]))?", re.IGNORECASE)


SERVICE_OFF = ("SERVICE (a federated query) is turned off: it makes the engine send requests to other servers. "
               "Turn it on with --allow-service if you mean it")


def has_service(text: str) -> bool:
    """Whether a query holds a SERVICE clause (outside strings, IRIs and comments)."""
    return bool(SERVICE.search(skeleton(text)))


def check_query(text: str, where: str = "query", allow_service: bool = False) -> str:
    """Refuse what kg never runs, before the syntax check: an update (``updates are not
    allowed here``) and, unless ``allow_service``, a ``SERVICE`` clause (a federated query
    makes the engine send requests to other servers). Returns the query to check the syntax
    of: each SERVICE made a GRAPH (the same grammar, positions kept), so that checking sends
    no request."""
    shape = skeleton(text)
    first = FIRST_WORD.match(shape)
    if first and first.group(1).upper() in UPDATE_WORDS:
        raise KgError(f"{where}: updates are not allowed here ({first.group(1).upper()}): kg reads the graph only; "
                      "to change it, edit the tables and run kg build")
    services = list(SERVICE.finditer(shape))
    if services and not allow_service:
        raise KgError(f"{where}: {SERVICE_OFF}")
    probe = list(text)
    for match in services:
        probe[match.start():match.end()] = "GRAPH".ljust(match.end() - match.start())
    return "".join(probe)


def check_syntax(text: str, where: str = "query", allow_service: bool = False) -> str:
    """The form of a query (``select``, ``ask``, ``construct``), or a KgError naming the line
    and column of its first syntax error (positions in the text as the user wrote it).
    Updates, and SERVICE unless ``allow_service``, are refused first (:func:`check_query`);
    checking runs the query on an empty store and sends no request anywhere."""
    probe = check_query(text, where, allow_service)
    try:
        result = ox.Store().query(probe, prefixes=vocab.PREFIXES)
    except SyntaxError as exc:
        message = str(exc)
        match = re.match(r"error at (\d+):(\d+):\s*(.*)", message, re.DOTALL)
        if not match:
            raise KgError(f"{where}: SPARQL syntax error: {message}") from exc
        line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
        if "Prefix not found" in detail:
            detail = f"unknown prefix (declared for you: {', '.join(vocab.PREFIXES)})"
        elif len(detail) > 160:
            detail = " ".join(detail[:160].split()) + " …"
        lines = text.splitlines() or [""]
        if line > len(lines) or not lines[line - 1].strip():  # at the end: show the last line that has text
            line = max((i + 1 for i, t in enumerate(lines) if t.strip()), default=1)
            column = len(lines[line - 1].rstrip()) + 1
        shown = lines[line - 1]
        # The caret goes under the character the engine names: Chinese characters take two
        # terminal columns, a tab stays a tab.
        pad = "".join(c if c == "\t" else " " * (2 if unicodedata.east_asian_width(c) in "WF" else 1)
                      for c in shown[:max(column - 1, 0)])
        raise KgError(f"{where}: SPARQL syntax error at line {line}, column {column}: {detail}\n"
                      f"  {shown}\n  {pad}^") from exc
    except (OSError, RuntimeError) as exc:
        raise KgError(f"{where}: {exc}") from exc
    if isinstance(result, ox.QuerySolutions):
        return "select"
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "construct"


@dataclass
class Result:
    """A query's answer: rows of RDF terms (SELECT), a boolean (ASK) or triples."""
    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)


def _too_many(where: str, max_rows: int) -> KgError:
    return KgError(f"{where}: the answer has more than {max_rows} rows; nothing is shown rather than a part. "
                   "Add a LIMIT to the query, or raise --max-rows (0: no limit)")


def run_isolated(path: Path, text: str, timeout: float, max_rows: int = 0, where: str = "query") -> tuple[str, bytes]:
    """Run a query (the usual prefixes declared) on the store at ``path`` in a process of
    its own (:mod:`kg.store.query_worker`) that is ended after ``timeout`` seconds, and dies with
    this one. Returns the form and the answer (SPARQL JSON results or N-Triples); an answer
    of more than ``max_rows`` rows (0: no limit), a timeout or a failure is a KgError."""
    request = json.dumps({"query": text, "prefixes": vocab.PREFIXES, "max_rows": int(max_rows)}).encode()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.store.query_worker", "--store", str(path), "--parent", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent)
    try:
        out, err = process.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise KgError(f"{where}: the query was stopped: it ran longer than {timeout:g} s (--timeout)") from None
    except BaseException:
        process.kill()
        process.wait()
        raise
    header_line, _, body = out.partition(b"\n")
    if process.returncode != 0 or not header_line:
        ended = (f"was ended by signal {-process.returncode}" if process.returncode < 0
                 else f"exited with code {process.returncode}")
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise KgError(f"{where}: the query failed: its process {ended} (out of memory?) {detail[0]}".rstrip())
    header = json.loads(header_line)
    if "error" in header:
        raise KgError(f"{where}: the query failed: {header['error']}")
    if header["more"]:
        raise _too_many(where, max_rows)
    return header["form"], body


def run(store: Store, text: str, bindings: dict | None = None, where: str = "query", timeout: float | None = None,
        max_rows: int = 0, allow_service: bool = False) -> Result:
    """Run a query of any form on the embedded store or a remote endpoint. Prefixes are
    declared for the user and ``bindings`` are bound as RDF terms (:func:`kg.store.stores.inline_values`).

    ``timeout`` (seconds): on the embedded store the query runs in a process of its own,
    ended at the timeout (:func:`run_isolated`); on an endpoint it bounds the request.
    Without it the query runs here, as a notebook expects. ``max_rows``: an answer with more
    rows or triples is an error, never a part (0: no limit). ``allow_service``: SERVICE
    clauses are refused unless True (:func:`check_query`)."""
    form = check_syntax(text, where, allow_service)
    if isinstance(store, LocalStore) and store.path is not None and timeout:
        form, body = run_isolated(store.path, inline_values(text, bindings), timeout, max_rows, where)
        answer = _parse_answer(form, body, where)
    elif isinstance(store, LocalStore):
        answer = store.raw(text, bindings)
    elif isinstance(store, RemoteStore):
        accept = "application/n-triples" if form == "construct" else "application/sparql-results+json"
        if timeout:
            store.timeout = timeout
        body = store.request(with_prefixes(inline_values(text, bindings)), accept)
        answer = _parse_answer(form, body, f"the endpoint {store.endpoint}")
        expected = {"select": ox.QuerySolutions, "ask": ox.QueryBoolean}.get(form)
        if expected is not None and not isinstance(answer, expected):
            got = "a yes/no (ASK) answer" if isinstance(answer, ox.QueryBoolean) else "rows (a SELECT answer)"
            raise KgError(f"the endpoint {store.endpoint} answered a {form.upper()} query with {got}")
    else:
        raise KgError(f"cannot run SPARQL on {type(store).__name__}")
    limit = max_rows + 1 if max_rows else None
    try:
        if form == "select":
            names = [v.value for v in answer.variables]
            rows = [[solution[name] for name in names] for solution in itertools.islice(answer, limit)]
            if max_rows and len(rows) > max_rows:
                raise _too_many(where, max_rows)
            return Result(form, names, rows)
        if form == "ask":
            return Result(form, boolean=bool(answer))
        triples = [t if isinstance(t, ox.Triple) else t.triple for t in itertools.islice(answer, limit)]
        if max_rows and len(triples) > max_rows:
            raise _too_many(where, max_rows)
        return Result(form, triples=triples)
    except (OSError, RuntimeError, SyntaxError) as exc:
        raise KgError(f"{where}: the query failed: {exc}") from exc
    finally:
        # pyoxigraph's answer may be dropped only on the thread that made it: a traceback
        # kept by the caller would otherwise hand it to whichever thread collects garbage.
        answer = None  # noqa: F841


def _parse_answer(form: str, body: bytes, source: str) -> Any:
    """An answer sent as SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT)."""
    try:
        if form == "construct":
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))  # read now: errors come here
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError, OSError) as exc:
        what = "N-Triples" if form == "construct" else "SPARQL JSON results"
        raise KgError(f"{source} sent an answer that is not valid {what}: {exc}") from exc


def to_json(result: Result) -> dict:
    """The answer as a SPARQL 1.1 Query Results JSON document (SELECT and ASK)."""
    if result.form == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [{name: term_json(term) for name, term in zip(result.variables, row) if term is not None}
                for row in result.rows]
    return {"head": {"vars": result.variables}, "results": {"bindings": bindings}}


def compact(term: Any) -> str:
    """A term as an analyst reads it: ``product:methionine``, a literal's text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in vocab.PREFIXES.items():
            if term.value.startswith(namespace) and re.fullmatch(r"[\w.-]*", term.value[len(namespace):]):
                return f"{prefix}:{term.value[len(namespace):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def sparql_text(term: Any) -> str:
    """A term as an analyst writes it in a query: ``product:methionine``, ``2026``,
    ``"text"@zh``; an IRI with no usable prefix stays ``<...>``."""
    if isinstance(term, ox.NamedNode):
        short = compact(term)
        return short if not short.endswith(".") else f"<{term.value}>"
    if isinstance(term, ox.Literal) and term.datatype.value in (XSD + "integer", XSD + "boolean") \
            and re.fullmatch(r"-?\d+|true|false", term.value):
        return term.value
    return str(term)


def to_frame(result: Result, typed: bool = False) -> pd.DataFrame:
    """A SELECT answer as a DataFrame of compact strings (for the terminal); with ``typed``,
    numeric and boolean literals become numbers and booleans (for spreadsheets)."""
    def cell(term: Any) -> Any:
        if typed and isinstance(term, ox.Literal) and term.datatype.value != XSD + "string":
            return python_value(term)
        return compact(term)

    return pd.DataFrame([[cell(t) for t in row] for row in result.rows], columns=result.variables)


def to_turtle(result: Result) -> bytes:
    """CONSTRUCT/DESCRIBE triples as Turtle with the usual prefixes, in a stable order."""
    triples = sorted(set(result.triples), key=str)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=vocab.PREFIXES)


def catalogue() -> pd.DataFrame:
    """The canned queries as a table: name, titles, parameters (with defaults), what each
    answers in Chinese and English (for people), and ``description``, the note for whoever
    reads or changes the query (how it is written)."""
    rows = []
    for query in canned_queries():
        params = "; ".join(f"{p.name}={p.default}" if p.default is not None else f"{p.name} (optional)"
                           for p in query.params)
        rows.append([query.name, query.title_zh, query.title_en, params, query.description_zh, query.description_en,
                     query.description])
    return pd.DataFrame(rows, columns=["name", "title_zh", "title_en", "params", "description_zh", "description_en",
                                       "description"])
