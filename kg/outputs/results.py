"""A SPARQL answer (:class:`kg.store.sparql.Result`) written in the format the user asked for."""

from __future__ import annotations

import csv
import io
import json

from kg.cells import neutralise
from kg.errors import KgError
from kg.outputs.text import text_table
from kg.store.sparql import Result, to_frame, to_json, to_turtle


def render(result: Result, fmt: str) -> bytes:
    """The answer in ``fmt``: ``table`` (aligned text), ``csv`` (SPARQL 1.1 CSV results) or
    ``json`` (SPARQL 1.1 Query Results JSON). CONSTRUCT answers are Turtle whatever ``fmt``
    is; ASK answers are ``true``/``false`` in table and csv."""
    if result.form == "construct":
        return to_turtle(result)
    if fmt == "json":
        return (json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if result.form == "ask":
        return (("true" if result.boolean else "false") + "\n").encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        writer.writerows([["" if t is None else neutralise(t.value) for t in row] for row in result.rows])
        return buffer.getvalue().encode("utf-8")
    if fmt == "table":
        return (text_table(to_frame(result)) + f"\n({len(result.rows)} rows)\n").encode("utf-8")
    raise KgError(f"unknown format {fmt!r}; expected table, csv or json")

