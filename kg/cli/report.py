"""`kg report`: the planner's deliverable (HTML page, Excel workbook, explorer) and a summary."""

from __future__ import annotations

from pathlib import Path

import click

from kg.analysis.changes import changes, version_store
from kg.analysis.gaps import analyse, resolve_weights
from kg.cli.common import data_option, endpoint_option, handle_errors, lang_option, out_option, store_from
from kg.cli.gaps import weight_option, weights_option
from kg.outputs.report.folder import write_report
from kg.outputs.report.labels import TEXT
from kg.outputs.report.summary import summary
from kg.outputs.text import text_table

SUMMARY_ROWS = 10  # top targets shown in the terminal


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("report"), show_default=True,
              help="Folder to write the report into (new, empty, or a previous report: it is replaced).")
@lang_option
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many recruitment targets the page and the first sheet list.")
@weights_option
@weight_option
@click.option("--since", "since", type=click.Path(path_type=Path), default=None, metavar="OLD",
              help="Add a section (and a sheet) of what moved since this older version: a folder of CSV tables "
                   "or an .xlsx workbook (as `kg changes --since`).")
@data_option
@out_option
@endpoint_option
@handle_errors
def report(output, lang, top, weights_file, weight_options, since, data, out, endpoint):
    """Write the planner's report into a folder: index.html (completeness per chain, the top
    recruitment targets with every score component and reason, weak and broken links, the
    project pipeline, the sources and their quotes; works offline), gaps.xlsx (top targets,
    one sheet per chain, projects, sources, weights) and graph.html (the explorer). Builds
    the graph first when needed, and prints a summary. With --since OLD, the page and the
    workbook also show what moved since that older version (see `kg changes`). A failed
    report leaves the previous one as it was."""
    weights = resolve_weights(weights_file, weight_options)
    store = store_from(data, out, endpoint)
    analysis = analyse(store, weights)
    moved = None
    if since is not None:

        moved = changes(version_store(since, out), store)
    paths = write_report(analysis, store, output, lang=lang, top=top, changes=moved, since=str(since or ""))
    chains, targets = summary(analysis, lang, min(top, SUMMARY_ROWS))
    text = TEXT[lang]
    click.echo(text["completeness"])
    click.echo(text_table(chains))
    click.echo()
    click.echo(text["targets"])
    click.echo(text_table(targets))
    click.echo()
    for path in paths.files():
        click.echo(f"wrote {path}")
    for warning in paths.warnings:  # the rest of the report is written: a warning, not a failure
        click.echo(f"warning: {warning}", err=True)


COMMANDS = [report]
