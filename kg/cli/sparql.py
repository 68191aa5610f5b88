"""SPARQL commands: the canned queries, running a query, serving the graph, pushing it."""

from __future__ import annotations

import click

from kg.cli.common import (
    build_dir_option,
    data_dir,
    data_option,
    endpoint_option,
    handle_errors,
    lang_option,
    output_option,
    store_from,
)
from kg.errors import KgError
from kg.files import write_atomic
from kg.outputs.query_page import routes
from kg.outputs.results import render
from kg.outputs.text import emit
from kg.store.build import ensure_built
from kg.store.endpoint import CLIENT_TIMEOUT, MAX_ANSWER, oxigraph_binary
from kg.store.endpoint import serve as serve_graph
from kg.store.push import CHUNK_MB
from kg.store.push import push as push_graph
from kg.store.sparql import bind, catalogue, check_syntax, resolve, run, unknown_ids
from kg.store.stores import RemoteStore


def _params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise KgError(f"--param {item!r}: expected NAME=VALUE")
        params[name.strip()] = value
    return params


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@output_option
@lang_option
@handle_errors
def queries(fmt, output, lang):
    """List the canned SPARQL queries: name, title, parameters with defaults, and what each
    one answers (in --lang; csv and json give both languages and the note on how each query
    is written)."""
    frame = catalogue()
    if fmt == "table" and not output:
        other = "en" if lang == "zh" else "zh"
        label = "参数" if lang == "zh" else "params"
        for row in frame.to_dict("records"):
            click.echo(f"{row['name']}  {row[f'title_{lang}']} / {row[f'title_{other}']}")
            if row["params"]:
                click.echo(f"    {label}: {row['params']}")
            click.echo(f"    {row[f'description_{lang}']}")
        return
    emit(frame, fmt, output)


@click.command()
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE as an RDF term (repeatable); see `kg queries` for each "
                   "canned query's parameters.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="json is the SPARQL 1.1 Query Results JSON format; CONSTRUCT/DESCRIBE give Turtle.")
@output_option
@click.option("--timeout", default=30, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds the query may run; past it, it is stopped (on the embedded store it runs in a "
                   "process of its own, which is ended).")
@click.option("--max-rows", default=100_000, show_default=True, type=click.IntRange(min=0),
              help="An answer with more rows (or triples) is an error rather than a part of it; 0: no limit.")
@click.option("--allow-service", is_flag=True,
              help="Allow SERVICE clauses (federated queries), which make the engine send requests to other "
                   "servers; refused otherwise.")
@endpoint_option
@data_option
@build_dir_option
@handle_errors
def query(query, params, fmt, output, timeout, max_rows, allow_service, endpoint, data, out):
    """Run QUERY: a canned query's name (see `kg queries`), a .rq file, or the query text.

    The usual prefixes (kg:, product:, company:, chain:, rdfs:, ...) are declared for you.
    Parameters are bound as RDF terms, never pasted into the text. Examples:

    \b
        kg query upstream-of --param product=methionine
        kg query my-question.rq --format csv -o answer.csv
        kg query 'SELECT ?p WHERE { ?p kg:zoneStatus kg:missing }' --format csv
    """
    chosen = resolve(query)
    check_syntax(chosen.text, chosen.where, allow_service)  # before building or connecting
    terms = bind(chosen, _params(params))
    store = store_from(data, out, endpoint)
    for warning in unknown_ids(store, chosen, terms):
        click.echo(f"warning: {warning}", err=True)
    result = run(store, chosen.text, terms, chosen.where, timeout=timeout, max_rows=max_rows,
                 allow_service=allow_service)
    body = render(result, fmt)
    if output:
        write_atomic(output, body)
    else:
        click.echo(body.decode("utf-8"), nl=False)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535))
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(min=1),
              help="Seconds a query may run; past it the engine cancels it, and a query that will not "
                   "stop is ended by restarting the engine.")
@click.option("--allow-service", is_flag=True,
              help="Let queries hold SERVICE clauses (federated queries), which make the server send requests "
                   "to other servers for its clients; refused (400) otherwise.")
@click.option("--client-timeout", default=CLIENT_TIMEOUT, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a client connection may stay silent or stop reading before it is closed.")
@click.option("--max-answer-mb", default=MAX_ANSWER >> 20, show_default=True, type=click.IntRange(min=1),
              help="The largest answer sent, in MB; a larger one is refused (507) rather than cut.")
@data_option
@build_dir_option
@handle_errors
def serve(host, port, timeout, allow_service, client_timeout, max_answer_mb, data, out):
    """Serve the built graph as a read-only SPARQL 1.1 Protocol endpoint (Oxigraph):
    /query (GET and POST; JSON, XML, CSV, TSV by Accept; Turtle or N-Triples for CONSTRUCT),
    a query page at / that works offline, updates refused (403). Every answer is complete or
    an error status; requests must name this server in their Host header. Stop with Ctrl-C
    (or SIGTERM, SIGHUP)."""
    oxigraph_binary()  # what serving needs is checked before the build, not after it
    generation = ensure_built(data_dir(data), out)
    serve_graph(generation / "store", host=host, port=port, timeout=timeout,
                announce=lambda text: click.echo(text, err=True), pages=routes(timeout),
                allow_service=allow_service, client_timeout=client_timeout, max_answer=max_answer_mb << 20)


@click.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The server's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query.")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Its Graph Store Protocol endpoint (default: the query endpoint's last path "
                   "segment replaced by 'store', Oxigraph's layout; Fuseki: http://host:3030/DS/data).")
@click.option("--append", is_flag=True, help="Add to the default graph (POST) instead of replacing it (PUT).")
@click.option("--chunk-mb", default=CHUNK_MB, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="The largest block sent in one request, in MB (blocks end at line ends); memory holds one block.")
@click.option("--resume", is_flag=True,
              help="Continue a push of this build to this server that stopped, after the last block the server "
                   "confirmed, without clearing the graph again; with nothing to continue, push all of it.")
@data_option
@build_dir_option
@handle_errors
def push(endpoint, store_url, append, chunk_mb, resume, data, out):
    """Load the built graph into a SPARQL 1.1 server's default graph through the Graph Store
    Protocol, in blocks of at most --chunk-mb. By default the default graph is REPLACED (the
    first block is sent with HTTP PUT, the rest with POST); --append adds to it (POST only).

    The progress is recorded in the build folder after each block the server confirms; when a
    push stops (server down or refusing, kg killed), `kg push --resume` with the same options
    sends only the blocks not confirmed. A push without --resume starts from the beginning."""
    generation = ensure_built(data_dir(data), out)
    result = push_graph(generation / "graph.nt", endpoint, store_url, replace=not append,
                        chunk_bytes=max(1, int(chunk_mb * (1 << 20))), resume=resume)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    count = RemoteStore(endpoint).triples()
    verb = "appended to" if append else "replaced"
    sent = (f"{result.chunks} block(s), {result.bytes_sent:,} bytes, {result.triples_sent:,} triples sent"
            + (f", resumed at block {result.first_chunk}" if result.resumed else ""))
    click.echo(f"{verb} the default graph at {result.url} ({sent}); the endpoint now holds {count} triples")


COMMANDS = [queries, query, serve, push]
