"""`kg gaps` (gaps, recruitment ranking, chain completeness) and `kg whatif`."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from kg import vocab, words
from kg.analysis.gaps import COMPONENTS, analyse, gap_records, resolve_weights
from kg.analysis.lists import LISTS
from kg.analysis.whatif import whatif as run_whatif
from kg.cli.common import (
    build_dir_option,
    check_chain,
    data_option,
    endpoint_option,
    handle_errors,
    lang_option,
    output_option,
    store_from,
)
from kg.files import write_atomic
from kg.outputs.text import emit, fit_table, terminal_width, text_table
from kg.store.projection import product_graph

TERMINAL_DROP_ORDER: tuple[str | tuple[str, ...], ...] = (
    "local_consumers", "local_inputs", "gates", "rank_range", tuple(COMPONENTS), "candidates", "status", "id",
    "gap_type", "chain")
"""The columns a terminal too narrow for the whole table leaves out, first ones first; the
reason is never cut: it wraps in the room left."""


def _names(graph, ids, lang: str) -> str:
    sep = "、" if lang == "zh" else "; "
    return sep.join(graph.nodes[i].get(f"label_{lang}", i) for i in ids)


def _parties(parties, lang: str) -> str:
    sep = "、" if lang == "zh" else "; "
    return sep.join(d[f"label_{lang}"] for d in parties)


def headers(columns, lang: str, short: bool = False) -> dict[str, str]:
    """Column id → header in ``lang``, the same words as the report (kg.words); component
    names short when ``short`` (a terminal)."""
    components = words.COMPONENT_SHORT if short else words.COMPONENTS
    return {c: words.word(components, c, lang) if c in COMPONENTS else words.word(words.COLUMNS, c, lang)
            for c in columns}


def _display(frame: pd.DataFrame, graph, lang: str, chain_col: str) -> pd.DataFrame:
    """Gap or ranking rows for people, columns by id: labels in one language, chains by
    name, gap types and statuses in kg.words' words, lists as text; numbers stay numbers."""
    out = pd.DataFrame()
    if "rank" in frame:
        out["rank"] = frame["rank"]
    out["id"] = frame["id"]
    out["product"] = frame[f"label_{lang}"]
    chains = graph.graph.get("chains", {})
    sep = "、" if lang == "zh" else "; "
    cs = frame[chain_col].map(lambda c: [c] if isinstance(c, str) else list(c or []))
    out["chain"] = cs.map(lambda ids: sep.join(chains.get(c, {}).get(f"label_{lang}", c) for c in ids)
                          or words.word(words.PHRASES, "no_chain", lang))
    out["gap_type"] = frame["gap_type"].map(lambda g: words.word(words.GAP_TYPES, g, lang))
    out["status"] = [words.status_text(st, b, lang) for st, b in zip(frame["status"], frame["status_basis"])]
    out["score"] = frame["score"]
    for name in COMPONENTS:
        out[name] = frame[name]
    if "rank_range" in frame:
        out["rank_range"] = frame["rank_range"].map(lambda r: f"{r[0]}–{r[1]}" if r else "")
    out["gates"] = frame["gates"].map(lambda gs: "; ".join(g[f"detail_{lang}"] for g in gs))
    out["candidates"] = frame["candidates"].map(lambda c: _parties(c[:3], lang))
    out["local_inputs"] = frame["local_inputs"].map(lambda ids: _names(graph, ids, lang))
    out["local_consumers"] = frame["local_consumers"].map(lambda ids: _names(graph, ids, lang))
    out["reason"] = frame[f"reason_{lang}"]
    return out


def _completeness_display(frame: pd.DataFrame, lang: str, as_text: bool) -> pd.DataFrame:
    """Each chain's completeness for people: the chain by name, its kind in words, shares as
    the report shows them (percentages) when ``as_text``."""
    share = words.share_text if as_text else float
    out = pd.DataFrame({
        "chain": frame[f"label_{lang}"].where(frame[f"label_{lang}"].astype(bool), frame["chain"]),
        "kind": frame["kind"].map(lambda k: words.word(words.CHAIN_KINDS, k, lang)),
        **{c: frame[c] for c in ("products", "present", "planned", "missing")},
        "completeness": frame["completeness"].map(share),
        "completeness_planned": frame["completeness_planned"].map(share),
    })
    return out.rename(columns=headers(out.columns, lang))


def emit_table(shown: pd.DataFrame, lang: str, output) -> None:
    """Gap or ranking rows (:func:`_display`) as a terminal table that fits the terminal:
    scores with three decimals as in the report, columns left out when it is too narrow (said
    on stderr), the reason wrapped, never cut. Into a file or a pipe: every column, whole."""
    shown = shown.copy()
    for column in ("score", *COMPONENTS):
        shown[column] = shown[column].map(words.score_text)
    width = None if output else terminal_width()
    names = headers(shown.columns, lang, short=width is not None)
    # A column the view does not show (the gap rows have no rank range) is not in the order.
    order = tuple(group for group in (tuple(names[c] for c in ((g,) if isinstance(g, str) else g) if c in names)
                                      for g in TERMINAL_DROP_ORDER) if group)
    text, dropped = fit_table(shown.rename(columns=names), width, names["reason"], order)
    if output:
        write_atomic(output, (text + "\n").encode("utf-8"))
        return
    click.echo(text)
    short = [names[c] for c in COMPONENTS]
    if set(short) <= set(dropped):  # the components left out are named once, as a group
        at = dropped.index(short[0])
        dropped = [*dropped[:at], f"{words.word(words.COLUMNS, 'component', lang)} ×{len(short)}",
                   *[d for d in dropped[at:] if d not in short]]
    if dropped:
        note = (f"（终端宽度不够，未显示：{'、'.join(dropped)}；加宽终端，或用 --format csv / xlsx 查看全部列）"
                if lang == "zh" else f"(not shown, the terminal is too narrow: {', '.join(dropped)}; a wider "
                                     "terminal shows them, --format csv or xlsx gives every column)")
        click.echo(note, err=True)


weights_option = click.option("--weights", "weights_file", type=click.Path(path_type=Path, dir_okay=False),
                              default=None, help="File of 'name = value' lines overriding the default weights.")
weight_option = click.option("--weight", "weight_options", multiple=True, metavar="NAME=VALUE",
                             help="Override one weight, e.g. --weight strategic_target=0.3 (repeatable).")


@click.command()
@click.option("--chain", default=None, metavar="ID", help="Only this chain (e.g. fluorine).")
@click.option("--type", "gap_type", type=click.Choice(vocab.GAP_TYPES), default=None, help="Only this gap type.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N", help="Only the first N rows.")
@click.option("--ranking", "view", flag_value="ranking",
              help="Show the recruitment ranking: one row per missing or weak product.")
@click.option("--completeness", "view", flag_value="completeness",
              help="Show each chain's completeness instead of the gaps.")
@click.option("--list", "list_name", type=click.Choice(LISTS), default="recruit", show_default=True,
              help="With --ranking: which list — recruit (招商: products a company could make), develop "
                   "(培育: services the park grows), secure (保障: raw materials and energy) or gated "
                   "(kept off by a gate: policy, controlled substance, the park's limits).")
@click.option("--no-gates", is_flag=True, help="Rank every product on its list, gates shown but not applied.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table",
              show_default=True)
@output_option
@lang_option
@weights_option
@weight_option
@data_option
@build_dir_option
@endpoint_option
@handle_errors
def gaps(chain, gap_type, top, view, list_name, no_gates, fmt, output, lang, weights_file, weight_options, data, out,
         endpoint):
    """Missing (缺链), weak (弱链), broken (断链) and short (延链) links of each chain, with
    a recruitment score per product that shows all its components.

    By default one row per gap (product, chain, gap type): the gaps to recruit for
    (missing, weak) first, highest score first, then the breaks. --ranking lists each
    missing or weak product once, ranked; --completeness lists each chain's share of
    products present (and present or planned). Table and xlsx headers follow --lang; csv and
    json keep the English column names. See docs/method.md for the method and weights.
    """
    if view == "completeness" and gap_type:
        raise click.UsageError("--type does not apply to --completeness")
    weights = resolve_weights(weights_file, weight_options)
    result = analyse(store_from(data, out, endpoint), weights, apply_gates=not no_gates)
    graph = result.graph
    check_chain(graph, chain)
    if view == "completeness":
        frame = result.completeness
        if chain:
            frame = frame[frame["chain"] == chain]
        frame = frame.head(top) if top else frame
        if fmt in ("table", "xlsx"):
            emit(_completeness_display(frame, lang, as_text=fmt == "table"), fmt, output)
        else:
            emit(frame, fmt, output)
        return
    if view == "ranking":
        frame = result.ranked(list_name)
        if chain:
            frame = frame[frame["chains"].map(lambda cs: chain in cs)]
        if gap_type:
            frame = frame[frame["gap_type"] == gap_type]
        chain_col = "chains"
    else:
        frame = result.gaps
        if chain:
            frame = frame[frame["chain"] == chain]
        if gap_type:
            frame = frame[frame["gap_type"] == gap_type]
        chain_col = "chain"
    frame = (frame.head(top) if top else frame).reset_index(drop=True)
    if fmt == "json":
        emit(frame, "json", output, records=gap_records(frame))
    elif fmt == "csv":
        flat = frame.drop(columns=["components"]).copy()
        flat["candidates"] = flat["candidates"].map(lambda c: ";".join(d["id"] for d in c))
        flat["gates"] = flat["gates"].map(lambda gs: ";".join(f"{g['gate']}: {g[f'detail_{lang}']}" for g in gs))
        flat["evidence"] = flat["evidence"].map(lambda es: ";".join(f"{e['rule']}: {e['id']}" for e in es))
        if "cautions" in flat:
            flat["cautions"] = flat["cautions"].map(lambda cs: ";".join(c[f"detail_{lang}"] for c in cs))
        if "rank_range" in flat:
            flat["rank_range"] = flat["rank_range"].map(lambda r: f"{r[0]}-{r[1]}" if r else "")
        for col in ("local_inputs", "local_consumers", "chains"):
            if col in flat:
                flat[col] = flat[col].map(";".join)
        emit(flat, "csv", output)
    elif fmt == "xlsx":
        shown = _display(frame, graph, lang, chain_col)
        emit(shown.rename(columns=headers(shown.columns, lang)), fmt, output)
    else:
        emit_table(_display(frame, graph, lang, chain_col), lang, output)


def _whatif_tables(result, lang: str) -> list[tuple[str, pd.DataFrame]]:
    other = "en" if lang == "zh" else "zh"
    comp = result.completeness.drop(columns=[f"label_{other}"]).rename(columns={f"label_{lang}": "name"})
    gap_cols = ["id", f"label_{lang}", "chain", "gap_type", f"reason_{lang}"]
    changed = result.changed.drop(columns=[f"label_{other}"])
    if lang == "zh":
        return [("各链完整度（前→后）", comp), ("补上的缺口", result.closed[gap_cols]),
                ("新出现的缺口", result.opened[gap_cols]), ("状态变化的产品", changed)]
    return [("Completeness per chain (before → after)", comp), ("Gaps closed", result.closed[gap_cols]),
            ("Gaps opened", result.opened[gap_cols]), ("Products whose status changed", changed)]


@click.command()
@click.option("--add-product", "add_products", multiple=True, metavar="ID",
              help="Suppose a company in the zone makes this product (repeatable).")
@click.option("--add-projects", "projects_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE.csv",
              help="Hypothetical projects: CSV with columns project, product (required), status, label_zh, "
                   "label_en, company, year.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@output_option
@lang_option
@data_option
@build_dir_option
@endpoint_option
@handle_errors
def whatif(add_products, projects_file, fmt, output, lang, data, out, endpoint):
    """What if these products were made in the zone, or these projects landed? Shows each
    chain's completeness before and after, and the gaps that close and open."""
    if not add_products and not projects_file:
        raise click.UsageError("give --add-product ID (one or more) or --add-projects FILE.csv")
    graph = product_graph(store_from(data, out, endpoint))
    result = run_whatif(graph, add_products=add_products, projects=projects_file)
    if fmt == "json":
        def records(frame: pd.DataFrame) -> list:
            return json.loads(frame.to_json(orient="records", force_ascii=False))
        doc = {"completeness": records(result.completeness), "closed": records(result.closed),
               "opened": records(result.opened), "changed": records(result.changed)}
        emit(result.completeness, "json", output, records=doc)  # type: ignore[arg-type]
        return
    parts = []
    for title, frame in _whatif_tables(result, lang):
        empty = "(none)" if lang == "en" else "（无）"
        parts.append(f"{title}\n{text_table(frame) if len(frame) else empty}\n")
    text = "\n".join(parts)
    if output:

        write_atomic(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


COMMANDS = [gaps, whatif]
