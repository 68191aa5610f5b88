"""`kg extract` and `kg merge`: turn a park article into reviewed rows of the data tables."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.common import data_dir, data_option, handle_errors, lang_option, out_option, print_issues


@click.command()
@click.argument("article", type=click.Path(path_type=Path))
@click.option("--source-id", default="", help="Id of the article in sources.csv (default: from the file name).")
@click.option("--title", default="", help="Title of the article (default: its first line).")
@click.option("--date", default="", help="Date of the article, YYYY[-MM[-DD]]; its year is the default year of facts.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Review to write: FILE.xlsx (with a CSV folder FILE/ beside it) or a folder of CSV files.")
@click.option("--force", is_flag=True, help="Replace a review that already exists.")
@click.option("--evaluate", "expected", type=click.Path(path_type=Path), default=None, metavar="EXPECTED_DIR",
              help="Instead of a review, compare the proposals with the expected facts in EXPECTED_DIR (tables "
                   "in the data layout) and print recall and precision per table.")
@data_option
@handle_errors
def extract(article, source_id, title, date, output, force, expected, data):
    """Read ARTICLE (UTF-8 or GBK; plain text, Markdown or HTML) and propose rows for the
    projects, companies, indicators, targets and assets tables, each with the verbatim quote
    that states it, a confidence and the rule that found it. Things the dataset (--data)
    already holds are proposed as updates, old and new side by side. Nothing is written to
    the dataset: review the proposals, then `kg merge`."""
    from kg.extract import extract as run
    from kg.outputs.text import text_table
    from kg.tables.dataset import load_tables

    tables = load_tables(data_dir(data))
    if expected:
        from kg.extract import known_from
        from kg.extract.evaluate import read_expected, score

        _, proposals, warnings = run(article, {k: v for k, v in tables.items()
                                               if k in ("products", "chains")}, source_id, title, date)
        print_issues(warnings)
        figures = score(proposals, read_expected(expected), known_from(tables, facts=False), Path(article).name)
        click.echo(text_table(figures))
        return
    review, _, warnings = run(article, tables, source_id, title, date)
    print_issues(warnings)
    counts = ", ".join(f"{t} {n}" for t, n in review.count().items())
    if output is None:
        output = Path(f"{Path(article).stem}-review.xlsx")
    from kg.extract.review import write_review

    write_review(review, output, force)
    click.echo(f"proposed: {counts}")
    click.echo(f"review written: {output}" + (f" and {output.with_suffix('')}/" if output.suffix == ".xlsx" else ""))


@click.command()
@click.argument("review", type=click.Path(path_type=Path))
@click.option("--data", "data", type=click.Path(path_type=Path), required=True,
              help="The dataset folder of CSV tables to merge into.")
@out_option
@lang_option
@handle_errors
def merge(review, data, out, lang):
    """Write the accepted rows (accept = yes) of REVIEW into the tables in --data. The merged
    tables pass every check of `kg build` first, on a copy; if one fails, nothing is written.
    Then print what moved, as `kg changes` does."""
    from kg.analysis.changes import change_rows
    from kg.extract.merge import merge_into
    from kg.outputs.text import text_table

    result, moved = merge_into(review, data, out)
    written = ", ".join(f"{t} +{result.added.get(t, 0)}/~{result.replaced.get(t, 0)}"
                        for t in sorted(set(result.added) | set(result.replaced)))
    click.echo(f"merged into {data}: {written}  (+ added, ~ replaced)")
    rows = change_rows(moved, lang)
    title = "合并带来的变化" if lang == "zh" else "What the merge moved"
    click.echo(f"{title}\n\n{text_table(rows) if len(rows) else ('无变化' if lang == 'zh' else 'nothing moved')}")


COMMANDS = [extract, merge]
