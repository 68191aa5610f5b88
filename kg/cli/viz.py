"""`kg viz`: the interactive explorer as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from kg.analysis.gaps import analyse
from kg.cli.common import data_option, endpoint_option, handle_errors, lang_option, out_option, store_from
from kg.outputs.explorer import select_products, write_explorer
from kg.outputs.report.data import source_titles


@click.command()
@click.option("--chain", "chains", multiple=True, metavar="ID",
              help="Show only the products of this chain (repeat for several).")
@click.option("--gaps-only", is_flag=True, help="Show only the products with a gap (missing, weak, broken).")
@lang_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=Path("graph.html"),
              show_default=True, help="The HTML file to write.")
@data_option
@out_option
@endpoint_option
@handle_errors
def viz(chains, gaps_only, lang, output, data, out, endpoint):
    """Write the chains as an interactive graph: one HTML file that opens offline (no request
    to any other host). Products are coloured by chain, shaped by status (present, planned,
    missing), sized by recruitment priority; flows run from upstream (left) to downstream
    (right). Hover or click a product to see its producers, projects, gaps, score and sources;
    filter by chain, status or gap and search by Chinese or English name."""
    store = store_from(data, out, endpoint)
    graph = analyse(store).graph
    shown = select_products(graph, chains or None, gaps_only)  # also rejects an unknown chain id
    write_explorer(graph, output, chains=chains or None, gaps_only=gaps_only, lang=lang, sources=source_titles(store))
    click.echo(f"wrote {output}: {shown.number_of_nodes()} of {graph.number_of_nodes()} products, "
               f"{shown.number_of_edges()} flows")


COMMANDS = [viz]
