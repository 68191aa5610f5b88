"""Commands on the dataset itself: build, validate, stats."""

from __future__ import annotations

import json

import click

from kg.analysis.stats import chain_stats, totals
from kg.cli.common import (
    build_dir_option,
    data_dir,
    data_option,
    endpoint_option,
    handle_errors,
    output_option,
    print_issues,
    store_from,
)
from kg.outputs.text import emit
from kg.store.build import build as build_graph
from kg.store.build import validate_dataset


@click.command()
@data_option
@build_dir_option
@click.option("--force", is_flag=True, help="Rebuild even when the inputs are unchanged.")
@click.option("--turtle/--no-turtle", default=None,
              help="Write graph.ttl, or not (--no-turtle: for national-size data, where Turtle is a second copy of "
                   "graph.nt that takes a core for a quarter of the build). Default: as the current build did; "
                   "graph.ttl when there is none.")
@handle_errors
def build(data, out, force, turtle):
    """Read the tables, check them, map them to RDF, validate with SHACL and write the
    graph (Turtle, N-Triples and the embedded store) into the build folder. A failed build
    leaves the previous build as it was."""
    result = build_graph(data_dir(data), out, force=force, turtle=turtle)
    print_issues(result.warnings)
    state = "up to date" if result.skipped else "built"
    files = [name for name in ("graph.ttl", "graph.nt") if (result.generation / name).exists()]
    click.echo(f"{state}: {result.triples} triples in the build folder {out} "
               f"({', '.join(files)}, the store in {result.generation.name}/store)")


@click.command()
@data_option
@handle_errors
def validate(data):
    """Check the tables and the graph they make, without writing anything. Every problem is
    listed with its file, row, column and value; exit 1 if there is any."""
    result = validate_dataset(data_dir(data))
    print_issues(result.warnings)
    click.echo(f"valid: {result.rows} rows in {result.tables} tables, {result.triples} data triples")


@click.command()
@data_option
@build_dir_option
@endpoint_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@output_option
@handle_errors
def stats(data, out, endpoint, fmt, output):
    """How many chains, products, flows, companies, projects and triples, and per chain."""
    store = store_from(data, out, endpoint)
    counts = totals(store)
    per_chain = chain_stats(store)
    if fmt == "json":
        records = {"totals": counts, "chains": json.loads(per_chain.to_json(orient="records", force_ascii=False))}
        emit(per_chain, "json", output, records=records)  # type: ignore[arg-type]
        return
    if fmt == "table" and not output:
        click.echo("  ".join(f"{k}={v}" for k, v in counts.items()))
        click.echo()
    emit(per_chain, fmt, output)


COMMANDS = [build, validate, stats]
