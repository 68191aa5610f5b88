"""`kg changes`: what moved between an older version of the dataset and the current one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.analysis.changes import change_rows, version_store
from kg.analysis.changes import changes as find_changes
from kg.cli.common import (
    data_option,
    endpoint_option,
    handle_errors,
    lang_option,
    out_option,
    output_option,
    store_from,
)
from kg.files import write_atomic
from kg.outputs.text import render, text_table

since_option = click.option(
    "--since", "since", type=click.Path(path_type=Path), required=True, metavar="OLD",
    help="The older version: a folder of CSV tables or an .xlsx workbook (built into <out>/since-<fingerprint>).")


@click.command()
@since_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table and csv: one row per change, in --lang; json: an object of sections "
                   "(projects, products, companies, indicators, completeness), ids and both labels on every row.")
@output_option
@lang_option
@data_option
@out_option
@endpoint_option
@handle_errors
def changes(since, fmt, output, lang, data, out, endpoint):
    """What moved since OLD: projects added, removed or whose status (with its direction,
    forward or backward along reserve → signed → approved → under_construction → operating),
    year, investment or products changed; products whose zone status changed; companies
    added or removed; indicators whose value changed; each chain's completeness before and
    after. The current version is --data (or --endpoint)."""
    old = version_store(since, out)
    moved = find_changes(old, store_from(data, out, endpoint))
    if fmt == "json":
        payload = (json.dumps(moved.records(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif fmt == "csv":
        payload = render(change_rows(moved, lang), "csv")
    else:
        rows = change_rows(moved, lang)
        title = f"自 {since} 以来的变化" if lang == "zh" else f"What moved since {since}"
        body = text_table(rows) if len(rows) else ("无变化" if lang == "zh" else "nothing moved")
        payload = f"{title}\n\n{body}\n".encode()
    if output:
        write_atomic(output, payload)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(payload.decode("utf-8"), nl=False)


COMMANDS = [changes]
