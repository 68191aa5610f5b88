"""Commands that move tables in and out: an Excel/CSV template, and the graph as tables."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.common import data_option, endpoint_option, handle_errors, out_option, store_from
from kg.outputs.export import export_tables as export
from kg.tables.workbook import write_tables


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.xlsx for a workbook, or a folder for CSV files.")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@handle_errors
def template(output, force):
    """Write empty tables to fill in: a workbook (one sheet per table, a comment on each
    header explaining the column, drop-down lists for chains, segment, status, location and
    the other fixed vocabularies, a _notes sheet) or a folder of CSV files with _notes.csv.
    Build from it with `kg build --data FILE.xlsx`."""
    files = write_tables(None, output, force)
    click.echo(f"template written: {', '.join(str(f) for f in files) if len(files) == 1 else output}")


@click.command(name="export-tables")
@data_option
@out_option
@endpoint_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("tables"), show_default=True,
              help="FILE.xlsx for a workbook, or a folder for CSV files.")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@handle_errors
def export_tables(data, out, endpoint, output, force):
    """Write the current graph back out as tables (read from the store with SPARQL). Building
    those tables again gives the same graph."""
    files = export(store_from(data, out, endpoint), output, force)
    click.echo(f"{len(files)} file(s) written to {output}")


COMMANDS = [template, export_tables]
