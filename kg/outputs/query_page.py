"""`kg serve`'s query page: YASGUI's editor (YASQE) and result view (YASR) configured for kg,
and the two small services the page needs from the server.

The YASGUI bundle itself is not in this repository: the Oxigraph server that ``kg serve`` runs
ships it and serves it at ``/yasgui.min.js`` and ``/yasgui.min.css``; the front forwards those
paths to it, so the page makes no request to any other host. kg's own part is
``query_page.html`` and ``query_page.js`` beside this module, and these routes:

- ``/`` the page, with kg's prefixes, vocabulary and canned queries in it as JSON;
- ``/query_page.js`` kg's script;
- ``/canned?name=NAME&PARAM=VALUE`` a canned query as readable text, its parameters bound
  as RDF terms by :func:`kg.store.sparql.bind` (a bad value is refused with the reason);
- ``/download?format=csv|xlsx&query=...`` (GET or POST) runs the query through the endpoint
  itself, so the front's time bound applies, and writes the answer with kg's own table
  writer (:func:`kg.outputs.text.render`), the same as the CLI's;
- ``/favicon.ico`` the page's icon (the page also carries it inline).
"""

from __future__ import annotations

import json
import re
import textwrap
import urllib.parse
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyoxigraph as ox

from kg import vocab
from kg.errors import KgError
from kg.outputs.text import render
from kg.paths import ontology_file
from kg.store.endpoint import Reply, Route
from kg.store.sparql import bind, canned_queries, compact, run, sparql_text, to_frame
from kg.store.stores import EndpointError, RemoteStore, inline_values

HERE = Path(__file__).resolve().parent
DOWNLOAD_FORMATS = {"csv": "text/csv; charset=utf-8",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
JSON_TYPE = "application/json; charset=utf-8"
FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
           '<rect width="32" height="32" rx="6" fill="#1f5f8b"/>'
           '<circle cx="9" cy="22" r="4" fill="#fff"/><circle cx="23" cy="22" r="4" fill="#fff"/>'
           '<circle cx="16" cy="9" r="4" fill="#fff"/>'
           '<path d="M9 22 16 9 23 22Z" fill="none" stroke="#fff" stroke-width="2"/></svg>')


def vocabulary_terms() -> list[str]:
    """Every IRI named in kg's ontology that has a prefix, as a prefixed name (``kg:feeds``,
    ``rdfs:label``), and every prefix (``product:``): what the editor completes."""
    names = set()
    for triple in ox.parse(path=str(ontology_file()), format=ox.RdfFormat.TURTLE):
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                short = compact(term)
                if not short.startswith("<") and not short.endswith(":"):
                    names.add(short)
    return sorted(names) + [f"{prefix}:" for prefix in vocab.PREFIXES]


def page_config() -> dict:
    """What the page's script is told: the endpoint path, the prefixes, the vocabulary to
    complete, and the canned queries with their titles and parameters."""
    queries = [{"name": q.name, "title_zh": q.title_zh, "title_en": q.title_en,
                "description": q.description,
                "params": [{"name": p.name, "kind": p.kind, "default": p.default, "help": p.help}
                           for p in q.params]}
               for q in canned_queries()]
    return {"endpoint": "/query", "prefixes": vocab.PREFIXES, "terms": vocabulary_terms(),
            "queries": queries}


@lru_cache(maxsize=1)
def page_html() -> bytes:
    """The page: ``query_page.html`` with its configuration inlined as JSON (``</`` escaped,
    so no value can close the script element) and the icon inlined as a data: URL."""
    data = json.dumps(page_config(), ensure_ascii=False).replace("</", "<\\/")
    icon = "data:image/svg+xml," + urllib.parse.quote(FAVICON)
    text = (HERE / "query_page.html").read_text(encoding="utf-8")
    return text.replace("@CONFIG@", data).replace("@ICON@", icon).encode("utf-8")


def readable_query(name: str, values: dict[str, str]) -> str:
    """A canned query as an analyst reads it: its titles and description as comments, no
    PREFIX lines (the page declares them), and its parameters bound in a VALUES block of
    prefixed names (``product:sodium``). A value that is not valid for its parameter is a
    KgError saying why."""
    known = {q.name: q for q in canned_queries()}
    if name not in known:
        raise KgError(f"no canned query named {name!r}")
    query = known[name]
    given = {k: v.strip() for k, v in values.items() if v.strip()}
    terms = bind(query, given)
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#")).strip()
    head = [f"# {query.title_zh} / {query.title_en}"]
    head += ["# " + line for line in textwrap.wrap(query.description, 88)]
    return "\n".join(head) + "\n" + inline_values(body, terms, show=sparql_text) + "\n"


def canned(form: dict[str, str], endpoint: str) -> Reply:
    """``/canned``: ``{"text": ...}``, or 400 with ``{"error": ...}``."""
    values = {k: v for k, v in form.items() if k != "name"}
    try:
        body = {"text": readable_query(form.get("name", ""), values)}
        status = 200
    except KgError as exc:
        body, status = {"error": str(exc).replace("--param ", "")}, 400
    return status, JSON_TYPE, json.dumps(body, ensure_ascii=False).encode("utf-8"), {}


def answer_frame(text: str, endpoint: str, typed: bool, timeout: float) -> pd.DataFrame:
    """The answer to ``text`` from ``endpoint`` as a table of prefixed names: a SELECT's rows,
    an ASK's one boolean, a CONSTRUCT's triples."""
    result = run(RemoteStore(endpoint, timeout=timeout), text)
    if result.form == "select":
        return to_frame(result, typed=typed)
    if result.form == "ask":
        return pd.DataFrame({"boolean": [bool(result.boolean)]})
    rows = sorted((compact(t.subject), compact(t.predicate), compact(t.object)) for t in result.triples)
    return pd.DataFrame(rows, columns=["subject", "predicate", "object"])


def download_route(timeout: float) -> Route:
    """``/download``: the answer as a CSV or xlsx file written by :func:`kg.outputs.text.render`.
    ``timeout`` is how long to wait for the endpoint (longer than its own bound)."""
    def download(form: dict[str, str], endpoint: str) -> Reply:
        fmt, text = form.get("format", ""), form.get("query", "")
        if fmt not in DOWNLOAD_FORMATS:
            return 400, "text/plain; charset=utf-8", b"format must be csv or xlsx\n", {}
        if not text.strip():
            return 400, "text/plain; charset=utf-8", b"no query given\n", {}
        try:
            frame = answer_frame(text, endpoint, typed=fmt == "xlsx", timeout=timeout)
        except EndpointError as exc:
            return exc.status, "text/plain; charset=utf-8", f"{exc.detail}\n".encode(), {}
        except KgError as exc:
            return 400, "text/plain; charset=utf-8", f"{exc}\n".encode(), {}
        stem = re.sub(r"[^a-z0-9-]", "", form.get("name", "").lower())[:60] or "query"
        return 200, DOWNLOAD_FORMATS[fmt], render(frame, fmt), {
            "Content-Disposition": f'attachment; filename="kg-{stem}.{fmt}"'}

    return download


def routes(timeout: float) -> dict[str, Route]:
    """The page's paths for :func:`kg.store.endpoint.serve`; ``timeout`` is the engine's query
    timeout in seconds (downloads wait for the front's full bound beyond it)."""
    script = (HERE / "query_page.js").read_bytes()

    def fixed(content_type: str, body: bytes) -> Route:
        return lambda form, endpoint: (200, content_type, body, {})

    page = fixed("text/html; charset=utf-8", page_html())
    return {"/": page, "/index.html": page,
            "/query_page.js": fixed("text/javascript; charset=utf-8", script),
            "/favicon.ico": fixed("image/svg+xml", FAVICON.encode()),
            "/canned": canned, "/download": download_route(2 * timeout + 30)}
