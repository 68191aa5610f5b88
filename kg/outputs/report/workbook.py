"""The report's Excel workbook: top targets, one sheet per chain, projects, sources, weights."""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

from kg import vocab, words
from kg.analysis.changes import change_rows
from kg.analysis.projects import projects
from kg.cells import HEADER_WIDTH
from kg.cells import workbook_bytes as text_workbook_bytes
from kg.outputs.report.data import (
    _blank,
    _chain_names,
    _chain_text,
    _component_label,
    _label,
    component_names,
    sources,
    targets,
)
from kg.outputs.report.labels import GAP_LABELS, SOURCE_KIND_LABELS, STATUS_LABELS, TEXT
from kg.outputs.report.sections import _facts_text
from kg.outputs.report.styles import empty_columns
from kg.store.stores import Store

# ---------------------------------------------------------------- Excel

def _cell_width(value: Any) -> int:
    text = "" if _blank(value) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


WRAP_AT = 60  # characters: a wider column is capped and its text wraps


def _sheet(wb, title: str, headers: list[str], rows: list[list[Any]], formats: dict[int, str] | None = None,
           why_empty: dict[str, str] | None = None, lang: str = "zh") -> None:
    """A sheet with a bold frozen header row, filters on and column widths fitted to the text;
    long text (reasons, quotes) wraps in a capped column. A column empty in every row is left
    out and named once, with why (``why_empty`` by header), in a note under the table."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    t = TEXT[lang]
    empty = set(empty_columns(headers, [["" if _blank(v) else v for v in r] for r in rows]))
    keep = [i for i in range(len(headers)) if i not in empty]
    formats = {keep.index(i): f for i, f in (formats or {}).items() if i in keep}
    dropped = [headers[i] for i in sorted(empty)]
    headers = [headers[i] for i in keep]
    rows = [[r[i] for i in keep] for r in rows]
    ws = wb.create_sheet(title)
    ws.append(headers)
    for row in rows:
        ws.append([None if _blank(v) else v for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for index, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = fmt
    for i, header in enumerate(headers):
        widest = max([min(_cell_width(header), HEADER_WIDTH)] + [_cell_width(r[i]) for r in rows])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(WRAP_AT, max(8, widest + 2))
        if widest > WRAP_AT:
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=i + 1, max_col=i + 1):
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    if dropped:
        sep = "：" if lang == "zh" else ": "
        ws.append([])
        ws.append([t["empty_columns_note"]])
        ws.cell(ws.max_row, 1).font = Font(italic=True)
        for name in dropped:
            ws.append([f"{name}{sep}{(why_empty or {}).get(name, t['empty_column'])}"])


def _sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, none of []:*?/\\)."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name).strip("'")[:31] or "sheet"
    title, n = clean, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _gap_rows(frame: pd.DataFrame, analysis: Any, lang: str, with_rank: bool) -> tuple[list[str], list[list]]:
    t = TEXT[lang]
    names = component_names(analysis)
    chain_names = _chain_names(analysis, lang)
    other = "en" if lang == "zh" else "zh"
    G = analysis.graph
    headers = ([t["rank"]] if with_rank else []) + [
        t["product"], t["product_en"], t["id"], t["chain"], t["gap_type"], t["score"],
        *[_component_label(n, lang) for n in names], t["reason"], t["feeds_from"], t["feeds_into"], t["candidates"]]
    rows = []
    for _, r in frame.iterrows():
        pid = r["id"]
        feeds_from, feeds_into, candidates = r["local_inputs"], r["local_consumers"], r["candidates"]
        score = None if _blank(r.get("score")) else round(float(r["score"]), 6)
        rows.append(([int(r["rank"])] if with_rank else []) + [
            _label(r, lang, pid), r.get(f"label_{other}"), pid,
            _chain_text(r, chain_names, lang),
            GAP_LABELS[lang].get(r["gap_type"], r["gap_type"]), score,
            *[None if _blank(r.get(n)) else round(float(r[n]), 6) for n in names],
            r.get(f"reason_{lang}"),
            "; ".join(_label(G.nodes[p], lang, p) for p in feeds_from),
            "; ".join(_label(G.nodes[p], lang, p) for p in feeds_into),
            "; ".join(_label(c, lang, c["id"]) for c in candidates)])
    return headers, rows


def _chain_rows(analysis: Any, chain: str, lang: str) -> tuple[list[str], list[list], dict[int, str]]:
    """One row per product of ``chain``, present products included, in the chain's order
    (upstream to downstream, then by id): status (with the derivation it rests on), its gaps
    in this chain and their reasons, score and components, local inputs and consumers,
    candidate companies."""
    t = TEXT[lang]
    names = component_names(analysis)
    other = "en" if lang == "zh" else "zh"
    G = analysis.graph
    gaps = analysis.gaps[analysis.gaps["chain"] == chain]
    by_product: dict[str, list] = {}
    for _, g in gaps.iterrows():
        by_product.setdefault(g["id"], []).append(g)
    segments = {s: i for i, s in enumerate(vocab.SEGMENTS)}
    members = sorted((p for p, d in G.nodes(data=True) if chain in (d.get("chains") or ())),
                     key=lambda p: (segments.get(G.nodes[p].get("segment"), len(segments)), p))
    headers = [t["product"], t["product_en"], t["id"], t["product_status"], t["gap_types"], t["score"],
               *[_component_label(n, lang) for n in names], t["reason"], t["feeds_from"], t["feeds_into"],
               t["candidates"]]
    sep = "；" if lang == "zh" else "; "
    rows = []
    for p in members:
        d = G.nodes[p]
        found = by_product.get(p, [])
        components = d.get("components") or {}
        rows.append([
            _label(d, lang, p), d.get(f"label_{other}"), p,
            words.status_text(d.get("status", "missing"), d.get("status_basis", ""), lang),
            sep.join(GAP_LABELS[lang].get(g["gap_type"], g["gap_type"]) for g in found) or t["none_gap"],
            None if _blank(d.get("score")) else round(float(d["score"]), 6),
            *[None if _blank(components.get(n)) else round(float(components[n]), 6) for n in names],
            sep.join(str(g[f"reason_{lang}"]) for g in found),
            "; ".join(_label(G.nodes[q], lang, q) for q in sorted(G.predecessors(p)) if G.nodes[q].get("status")
                      in ("present", "planned")),
            "; ".join(_label(G.nodes[q], lang, q) for q in sorted(G.successors(p)) if G.nodes[q].get("status")
                      in ("present", "planned")),
            "; ".join(_label(c, lang, c.get("id", "")) for c in (d.get("candidates") or [])),
        ])
    formats = {i: "0.000" for i in range(5, 6 + len(names))}
    return headers, rows, formats


def workbook_bytes(analysis: Any, store: Store, lang: str = "zh", top: int = 20, changes: Any = None) -> bytes:
    """The Excel workbook: top targets, one sheet per chain, projects, sources, weights, and
    with ``changes`` (``kg.analysis.changes.Changes``) a last sheet of what moved."""
    from openpyxl import Workbook

    t = TEXT[lang]
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    names = component_names(analysis)
    score_cols = {i: "0.000" for i in range(6, 7 + len(names))}

    headers, rows = _gap_rows(targets(analysis, top), analysis, lang, with_rank=True)
    _sheet(wb, _sheet_title(t["sheet_targets"], used), headers, rows, score_cols,
           {t["candidates"]: t["no_candidates"]}, lang)

    for _, chain in analysis.completeness.iterrows():
        headers, rows, formats = _chain_rows(analysis, chain["chain"], lang)
        _sheet(wb, _sheet_title(_label(chain, lang, chain["chain"]), used), headers, rows, formats,
               {t["candidates"]: t["no_candidates"]}, lang)

    chain_names = _chain_names(analysis, lang)
    frame = projects(store)
    G = analysis.graph
    project_rows = []
    for _, r in frame.iterrows():
        products = [(_label(G.nodes[p.rstrip("*")], lang, p) if p.rstrip("*") in G else p.rstrip("*"))
                    + (t["inferred"] if p.endswith("*") else "") for p in r["products"]]
        project_rows.append([
            _label(r, lang, r["id"]), r["id"],
            _label({"label_zh": r["company_zh"], "label_en": r["company_en"]}, lang, r["company"]),
            _chain_text(r, chain_names, lang),
            STATUS_LABELS[lang].get(r["status"], r["status"]) if r["status"] else t["unstated"],
            None if r["year"] is None or pd.isna(r["year"]) else int(r["year"]),
            r["investment_cny"], r["capacity"], r["capacity_unit"], "; ".join(products), r["source"], r["quote"]])
    _sheet(wb, _sheet_title(t["sheet_projects"], used),
           [t["project"], t["id"], t["company"], t["chain"], t["status"], t["year"], t["investment"], t["capacity"],
            t["unit"], t["pipeline_products"], t["source"], t["quote"]], project_rows, {6: "#,##0", 7: "#,##0.##"},
           {t["investment"]: t["no_investment_col"]}, lang)

    source_frame, quote_frame = sources(store)
    titles = dict(zip(source_frame["id"], source_frame["title"]))
    source_rows = [[s["id"], s["title"], SOURCE_KIND_LABELS[lang].get(s["kind"], s["kind"]), s["publisher"],
                    s["date"], s["file"], s["url"], int(s["facts"])] for _, s in source_frame.iterrows()]
    _sheet(wb, _sheet_title(t["sheet_sources"], used),
           [t["source"], t["title_col"], t["source_kind"], t["publisher"], t["date"], t["file"], t["url"],
            t["fact_count"]], source_rows, lang=lang)
    quote_rows = [[q["source"], titles.get(q["source"], ""), q["quote"], len(q["facts"]), _facts_text(q["facts"], lang)]
                  for _, q in quote_frame.iterrows()]
    _sheet(wb, _sheet_title(t["sheet_quotes"], used),
           [t["source"], t["title_col"], t["quote"], t["fact_count"], t["facts"]], quote_rows, lang=lang)

    _sheet(wb, _sheet_title(t["sheet_weights"], used), [t["component"], t["id"], t["weight"]],
           [[_component_label(n, lang), n, float(w)] for n, w in analysis.weights.items()], lang=lang)

    if changes is not None:

        moved = change_rows(changes, lang)
        _sheet(wb, _sheet_title(t["sheet_changes"], used), list(moved.columns), moved.values.tolist(), lang=lang)

    return text_workbook_bytes(wb)  # every text cell stored as text, never as a formula
