"""`kg gaps` (gaps, recruitment ranking, chain completeness) and `kg whatif`."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from kg import vocab
from kg.analysis.gaps import COMPONENT_LABELS, COMPONENTS, GAP_LABELS, analyse, gap_records, resolve_weights
from kg.analysis.lists import LISTS
from kg.analysis.whatif import whatif as run_whatif
from kg.cli.common import (
    data_option,
    endpoint_option,
    handle_errors,
    lang_option,
    out_option,
    output_option,
    store_from,
)
from kg.errors import KgError
from kg.files import write_atomic
from kg.outputs.text import emit, text_table
from kg.store.projection import product_graph

HEADERS_ZH = {
    "rank": "排名", "id": "编号", "label": "产品", "chain": "产业链", "chains": "产业链", "gap_type": "缺口类型",
    "status": "区内状态", "score": "得分", "reason": "原因", "candidates": "可招引企业",
    "local_inputs": "本地原料", "local_consumers": "本地下游",
    "rank_range": "排名区间", "gates": "准入限制", "name": "名称", "kind": "类型",
    "products": "产品数", "present": "已有", "planned": "在建/规划", "missing": "缺失",
    "completeness": "完整度", "completeness_planned": "含规划完整度",
    **{name: zh for name, (zh, _) in COMPONENT_LABELS.items()},
}
STATUS_ZH = {"present": "已有", "planned": "在建/规划", "missing": "缺失"}
# How a derived status is marked, never silently: "present (co-product)".
BASIS_LABELS = {"brand": ("品牌", "brand"), "resource": ("资源", "resource"), "activity": ("指标所述活动", "activity"),
                "co_product": ("联产/副产", "co-product"), "captive": ("厂内中间体", "captive")}


def status_text(status: str, basis: str, lang: str) -> str:
    """A product's status for people, with the derivation it rests on when there is one."""
    shown = STATUS_ZH.get(status, status) if lang == "zh" else status
    if basis in BASIS_LABELS:
        words = BASIS_LABELS[basis][0 if lang == "zh" else 1]
        shown += f"（{words}）" if lang == "zh" else f" ({words})"
    return shown


def _names(graph, ids, lang: str) -> str:
    sep = "、" if lang == "zh" else "; "
    return sep.join(graph.nodes[i].get(f"label_{lang}", i) for i in ids)


def _parties(parties, lang: str) -> str:
    sep = "、" if lang == "zh" else "; "
    return sep.join(d[f"label_{lang}"] for d in parties)


def _localise(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    if lang == "zh":
        frame = frame.rename(columns=HEADERS_ZH)
    return frame


def _display(frame: pd.DataFrame, graph, lang: str, chain_col: str) -> pd.DataFrame:
    """Gap or ranking rows for people: labels in one language, lists as text."""
    out = pd.DataFrame()
    if "rank" in frame:
        out["rank"] = frame["rank"]
    out["id"] = frame["id"]
    out["label"] = frame[f"label_{lang}"]
    chains = graph.graph.get("chains", {})
    if chain_col == "chain":
        out["chain"] = frame["chain"].map(lambda c: chains.get(c, {}).get(f"label_{lang}", c))
    else:
        out["chains"] = frame["chains"].map(
            lambda cs: ("、" if lang == "zh" else "; ").join(chains.get(c, {}).get(f"label_{lang}", c) for c in cs))
    labels = {k: (v[0] if lang == "zh" else k) for k, v in GAP_LABELS.items()}
    out["gap_type"] = frame["gap_type"].map(labels)
    out["status"] = [status_text(st, b, lang) for st, b in zip(frame["status"], frame["status_basis"])]
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


def _check_chain(graph, chain: str | None) -> None:
    known = set(graph.graph.get("chains", {})) | {c for _, d in graph.nodes(data=True) for c in d.get("chains") or ()}
    if chain and chain not in known:
        raise KgError(f"unknown chain id {chain!r}; known: {', '.join(sorted(known))}")


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
@out_option
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
    weights = resolve_weights(weights_file, weight_options)
    result = analyse(store_from(data, out, endpoint), weights, apply_gates=not no_gates)
    graph = result.graph
    _check_chain(graph, chain)
    if view == "completeness":
        frame = result.completeness
        if chain:
            frame = frame[frame["chain"] == chain]
        if gap_type:
            raise KgError("--type does not apply to --completeness")
        frame = frame.head(top) if top else frame
        if fmt in ("table", "xlsx"):
            shown = frame.drop(columns=["label_en" if lang == "zh" else "label_zh"]).rename(
                columns={f"label_{lang}": "name"})
            emit(_localise(shown, lang), fmt, output)
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
    else:
        emit(_localise(_display(frame, graph, lang, chain_col), lang), fmt, output)


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
@out_option
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
