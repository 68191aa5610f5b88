"""What every command shares: the option names, the store, and turning errors into exit codes."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from kg.errors import KgError
from kg.paths import DEFAULT_OUT, default_data_dir
from kg.store.build import ensure_built
from kg.store.stores import LocalStore, open_store
from kg.tables.read import DataErrors, error_count, group_issues

data_option = click.option(
    "--data", "data", type=click.Path(path_type=Path), default=None,
    help="Folder of CSV tables, or an .xlsx workbook with one sheet per table (default: the shipped Alxa dataset).")
out_option = click.option(
    "--out", "out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
    help="Build folder.")
endpoint_option = click.option(
    "--endpoint", default=None, metavar="URL",
    help="Query a remote SPARQL 1.1 endpoint instead of the embedded store.")
lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                           help="Language of labels and headers.")
output_option = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                             help="Write to this file instead of the terminal.")


def data_dir(data: Path | None) -> Path:
    return Path(data) if data else default_data_dir()


def store_from(data: Path | None, out: Path, endpoint: str | None):
    """The store a command reads: the endpoint, or the build in ``out`` (built first if stale,
    then opened)."""
    if endpoint:
        return open_store(endpoint=endpoint)
    return LocalStore(ensure_built(data_dir(data), out) / "store")


def print_issues(issues) -> None:
    """Print issues as people read them: repeated ones grouped (:func:`group_issues`)."""
    for issue in group_issues(list(issues)):
        prefix = "warning" if issue.severity == "warning" else "error"
        click.echo(f"{prefix}: {issue}", err=True)


def handle_errors(func):
    """Expected errors print a clear message and exit 1, without a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DataErrors as exc:
            print_issues(exc.issues)
            errors = error_count(exc.issues)
            click.echo(f"{errors} error(s): nothing was written.", err=True)
            sys.exit(1)
        except KgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except BrokenPipeError:
            sys.exit(0)
    return wrapper
