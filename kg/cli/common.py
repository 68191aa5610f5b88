"""What every command shares: the option names, the store, and turning errors into exit codes."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from kg.errors import KgError
from kg.paths import default_build_dir, default_data_dir
from kg.store.build import ensure_built
from kg.store.stores import LocalStore, open_store
from kg.tables.read import DataErrors, error_count, group_issues

data_option = click.option(
    "--data", "data", type=click.Path(path_type=Path), default=None,
    help="Folder of CSV tables, or an .xlsx workbook with one sheet per table (default: the shipped Alxa dataset).")
FILE_SUFFIXES = {".html", ".htm", ".csv", ".tsv", ".xlsx", ".xls", ".json", ".jsonld", ".ttl", ".nt", ".rdf",
                 ".owl", ".rq", ".sparql", ".txt", ".md", ".pdf", ".zip", ".png", ".svg"}
"""Suffixes of files kg writes or reads: a build folder named like one is a mistake (``-o`` meant)."""


def _checked_build_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Refuse a build folder that looks like a file (``kg viz --build-dir graph.html``) as a
    usage error, pointing at ``-o/--output``; warn that ``--out`` is the old name."""
    if value is None:
        return None
    if param.name == "old_out":
        click.echo("warning: --out is the old name of --build-dir (the build folder); it will go away. "
                   "The file or folder a command writes is -o/--output.", err=True)
    if value.suffix.lower() in FILE_SUFFIXES:
        raise click.BadParameter(
            f"{str(value)!r} looks like a file, but this option names the build folder (kg's working folder). "
            f"To write {value.name}, use -o/--output {value}.", ctx=ctx, param=param)
    return value


def build_dir_option(func):
    """``--build-dir DIR``, the build folder, on a command; the command receives it as ``out``,
    resolved: the folder given, else :func:`kg.paths.default_build_dir` of ``--data`` (a folder
    per dataset in the per-user cache). ``--out`` is kept, hidden, as the old name."""
    @functools.wraps(func)
    def wrapper(*args, build_dir: Path | None = None, old_out: Path | None = None, **kwargs):
        chosen = build_dir or old_out
        kwargs["out"] = Path(chosen) if chosen else default_build_dir(data_dir(kwargs.get("data")))
        return func(*args, **kwargs)

    wrapper = click.option("--out", "old_out", type=click.Path(path_type=Path), default=None, hidden=True,
                           callback=_checked_build_dir, expose_value=True)(wrapper)
    return click.option(
        "--build-dir", "build_dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
        callback=_checked_build_dir,
        help="The build folder, kg's working folder (default: one per dataset in the per-user cache, "
             "$XDG_CACHE_HOME/kg or ~/.cache/kg). Not the output: that is -o/--output.")(wrapper)
endpoint_option = click.option(
    "--endpoint", default=None, metavar="URL",
    help="Query a remote SPARQL 1.1 endpoint instead of the embedded store.")
lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                           help="Language of labels and headers.")
output_option = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                             help="Write to this file instead of the terminal.")


def data_dir(data: Path | None) -> Path:
    return Path(data) if data else default_data_dir()


def store_from(data: Path | None, out: Path | None, endpoint: str | None):
    """The store a command reads: the endpoint, or the build in ``out`` (built first if stale,
    then opened)."""
    if endpoint:
        return open_store(endpoint=endpoint)
    folder = Path(out) if out else default_build_dir(data_dir(data))
    return LocalStore(ensure_built(data_dir(data), folder) / "store")


def did_you_mean(value: str, choices: dict[str, list[str]]) -> str:
    """``"; did you mean X?"`` for the id in ``choices`` (id → its labels) closest to
    ``value``, by id or by label; empty when none is close."""
    import difflib

    exact = [key for key, labels in choices.items() if value.lower() in {str(n).lower() for n in labels if n}]
    if exact:
        return f"; did you mean {' or '.join(exact)}?"
    names = {}
    for key, labels in choices.items():
        for name in (key, *labels):
            if name:
                names[str(name).lower()] = key
    close = difflib.get_close_matches(value.lower(), list(names), n=3, cutoff=0.6)
    found = list(dict.fromkeys(names[c] for c in close))
    return f"; did you mean {' or '.join(found)}?" if found else ""


def check_chain(graph, chains: str | tuple[str, ...] | list[str] | None) -> None:
    """A usage error (exit 2) for a chain id the data does not have, with the nearest id and
    the known ones."""
    wanted = [chains] if isinstance(chains, str) else list(chains or [])
    meta = graph.graph.get("chains", {})
    known = set(meta) | {c for _, d in graph.nodes(data=True) for c in d.get("chains") or ()}
    for chain in wanted:
        if chain not in known:
            labels = {c: [meta.get(c, {}).get("label_zh", ""), meta.get(c, {}).get("label_en", "")] for c in known}
            raise click.BadParameter(f"unknown chain id {chain!r}{did_you_mean(chain, labels)} "
                                     f"(the chains: {', '.join(sorted(known))})", param_hint="'--chain'")


def terminal_progress(stream=None):
    """A progress listener writing ``[12.3 s] step`` lines to ``stream`` (stderr) when it is a
    terminal; None when it is piped or a file, so scripts and logs stay quiet."""
    import time

    stream = stream if stream is not None else sys.stderr
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    start = time.monotonic()

    def report(text: str) -> None:
        stream.write(f"[{time.monotonic() - start:5.1f} s] {text}\n")
        stream.flush()

    return report


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
