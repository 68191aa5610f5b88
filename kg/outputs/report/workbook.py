"""The report's Excel workbook: top targets, one sheet per chain, projects, sources, weights."""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

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
    chain_gaps,
    component_names,
    sources,
    targets,
)
from kg.outputs.report.labels import GAP_LABELS, SOURCE_KIND_LABELS, STATUS_LABELS, TEXT
from kg.outputs.report.sections import _facts_text
from kg.store.stores import Store

# ---------------------------------------------------------------- Excel

def _cell_width(value: Any) -> int:
    text = "" if _blank(value) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet(wb, title: str, headers: list[str], rows: list[list[Any]], formats: dict[int, str] | None = None) -> None:
    """A sheet with a bold frozen header row, filters on and column widths fitted to the text."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append(headers)
    for row in rows:
        ws.append([None if _blank(v) else v for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for index, fmt in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = fmt
    for i, header in enumerate(headers):
        widest = max([min(_cell_width(header), HEADER_WIDTH)] + [_cell_width(r[i]) for r in rows])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(60, max(8, widest + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


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
        t["product"], t["product_en"], "id", t["chain"], t["gap_type"], t["score"],
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
    _sheet(wb, _sheet_title(t["sheet_targets"], used), headers, rows, score_cols)

    for _, chain in analysis.completeness.iterrows():
        headers, rows = _gap_rows(chain_gaps(analysis, chain["chain"]), analysis, lang, with_rank=False)
        _sheet(wb, _sheet_title(_label(chain, lang, chain["chain"]), used), headers, rows,
               {i - 1: f for i, f in score_cols.items()})

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
           [t["project"], "id", t["company"], t["chain"], t["status"], t["year"], t["investment"], t["capacity"],
            t["unit"], t["pipeline_products"], t["source"], t["quote"]], project_rows, {6: "#,##0", 7: "#,##0.##"})

    source_frame, quote_frame = sources(store)
    titles = dict(zip(source_frame["id"], source_frame["title"]))
    source_rows = [[s["id"], s["title"], SOURCE_KIND_LABELS[lang].get(s["kind"], s["kind"]), s["publisher"],
                    s["date"], s["file"], s["url"], int(s["facts"]), None, None] for _, s in source_frame.iterrows()]
    source_rows += [[q["source"], titles.get(q["source"], ""), None, None, None, None, None, len(q["facts"]),
                     q["quote"], _facts_text(q["facts"], lang)]
                    for _, q in quote_frame.iterrows()]
    _sheet(wb, _sheet_title(t["sheet_sources"], used),
           [t["source"], t["title_col"], t["source_kind"], t["publisher"], t["date"], t["file"], "URL", t["fact_count"],
            t["quote"], t["facts"]], source_rows)

    _sheet(wb, _sheet_title(t["sheet_weights"], used), [t["component"], "id", t["weight"]],
           [[_component_label(n, lang), n, float(w)] for n, w in analysis.weights.items()])

    if changes is not None:

        moved = change_rows(changes, lang)
        _sheet(wb, _sheet_title(t["sheet_changes"], used), list(moved.columns), moved.values.tolist())

    return text_workbook_bytes(wb)  # every text cell stored as text, never as a formula
