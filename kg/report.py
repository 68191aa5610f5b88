"""The planner's report: one folder with an HTML page, an Excel workbook and the explorer.

``write_report`` turns a gap analysis (``kg.gaps.analyse``) and the store it came from into

- ``index.html``: completeness per chain (a chart drawn in inline SVG, so Chinese labels are
  text the browser renders with its own fonts), the top recruitment targets with every score
  component, their reason, the local products that feed them or wait for them and the
  companies that could be asked; the weak and broken links; the project pipeline by status
  and investment; the sources with the quotes behind the facts. No script, style sheet or font
  is fetched from anywhere: the page works offline;
- ``gaps.xlsx``: top targets, one sheet per chain, projects, sources and the score weights
  used; headers in the report's language, column widths set, header row frozen, filters on;
- ``graph.html``: the interactive explorer (``kg.viz``).

The folder is written next to its final place and swapped in at the end, so a failed report
leaves the previous one as it was.

>>> from kg.store import open_store
>>> from kg.gaps import analyse
>>> store = open_store()  # doctest: +SKIP
>>> paths = write_report(analyse(store), store, Path("report"), lang="en", top=10)  # doctest: +SKIP
>>> sorted(p.name for p in paths.files())  # doctest: +SKIP
['gaps.xlsx', 'graph.html', 'index.html']
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from kg import gaps as gaps_module
from kg import vocab
from kg.cells import workbook_bytes as text_workbook_bytes
from kg.errors import KgError
from kg.projection import _rows
from kg.store import Store

REPORT_FILES = ("index.html", "gaps.xlsx", "graph.html")
BREAK_TYPES = ("weak", "upstream_break", "downstream_break")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "产业链招商报告", "completeness": "各产业链完整度", "targets": "重点招引目标",
        "links": "弱链与断链", "pipeline": "项目储备与推进", "sources": "资料来源",
        "weights": "评分权重", "chain": "产业链", "kind": "类型", "products": "产品数",
        "present": "已有", "planned": "在建/规划", "missing": "缺失",
        "completeness_col": "完整度（已有）", "completeness_planned": "完整度（含规划）",
        "rank": "排名", "product": "产品", "product_en": "英文名", "gap_type": "缺口类型",
        "score": "优先分", "reason": "理由", "feeds_from": "本地上游（可供原料）",
        "feeds_into": "本地下游（等待供应）", "candidates": "可对接企业",
        "component": "评分项", "weight": "权重", "value": "得分",
        "status": "状态", "year": "年份", "investment": "投资额（元）", "investment_short": "投资额",
        "company": "企业", "capacity": "产能", "unit": "单位", "quote": "原文引述", "source": "来源",
        "project": "项目", "count": "项目数", "with_investment": "已披露投资的项目",
        "title_col": "标题", "publisher": "发布方", "date": "日期", "source_kind": "来源类型",
        "file": "文件", "facts": "依据此句的事实", "fact_count": "事实数",
        "facts_without_quote": "条事实（通用产业知识，无引述）",
        "unstated": "未说明", "none": "无", "core": "核心链", "extension": "延伸链",
        "legend_present": "已有", "legend_planned": "在建/规划", "legend_missing": "缺失",
        "intro": "本报告由 kg 根据知识图谱生成：各产业链的完整度、缺失与薄弱环节、建议优先招引的产品及理由。",
        "open_graph": "打开交互式产业链图谱", "open_xlsx": "下载 Excel 工作簿",
        "score_note": "优先分 = 各评分项（0–1）按权重加权求和；每一项都列出，排名可自行复核。",
        "no_investment": "来源未披露投资额", "yuan_100m": "亿元", "inferred": "（据项目名称推断）",
        "pipeline_products": "产品", "no_rows": "无", "total": "合计",
        "sheet_targets": "重点招引目标", "sheet_projects": "项目", "sheet_sources": "来源",
        "sheet_weights": "评分权重", "no_chain": "（5+2 链外）",
        "changes": "自 {since} 以来的变化", "sheet_changes": "变化", "no_changes": "无变化",
    },
    "en": {
        "title": "Industry-chain recruitment report", "completeness": "Completeness of each chain",
        "targets": "Top recruitment targets", "links": "Weak and broken links",
        "pipeline": "Project pipeline", "sources": "Sources", "weights": "Score weights",
        "chain": "Chain", "kind": "Kind", "products": "Products", "present": "Present",
        "planned": "Planned", "missing": "Missing", "completeness_col": "Completeness (present)",
        "completeness_planned": "Completeness (present or planned)", "rank": "Rank",
        "product": "Product", "product_en": "Chinese name", "gap_type": "Gap type", "score": "Score",
        "reason": "Reason", "feeds_from": "Local inputs (could supply it)",
        "feeds_into": "Local consumers (waiting for it)", "candidates": "Companies to approach",
        "component": "Component", "weight": "Weight", "value": "Value", "status": "Status",
        "year": "Year", "investment": "Investment (CNY)", "investment_short": "Investment",
        "company": "Company", "capacity": "Capacity", "unit": "Unit", "quote": "Quote",
        "source": "Source", "project": "Project", "count": "Projects",
        "with_investment": "Projects with a stated investment", "title_col": "Title",
        "publisher": "Publisher", "date": "Date", "source_kind": "Kind", "file": "File",
        "facts": "Facts resting on it", "fact_count": "Facts",
        "facts_without_quote": "facts (general industry knowledge, no quote)",
        "unstated": "not stated", "none": "none", "core": "core", "extension": "extension",
        "legend_present": "present", "legend_planned": "planned", "legend_missing": "missing",
        "intro": "Generated by kg from the knowledge graph: how complete each chain is, its missing and "
                 "weak links, and which products to recruit first, and why.",
        "open_graph": "Open the interactive chain graph", "open_xlsx": "Download the Excel workbook",
        "score_note": "Score = weighted sum of the components (each 0–1); every component is shown, so the "
                      "ranking can be checked.",
        "no_investment": "investment not stated by the source", "yuan_100m": "× 100 million CNY",
        "inferred": " (inferred from the project name)", "pipeline_products": "Products",
        "no_rows": "none", "total": "Total",
        "sheet_targets": "Top targets", "sheet_projects": "Projects", "sheet_sources": "Sources",
        "sheet_weights": "Weights", "no_chain": "(outside the chains)",
        "changes": "What moved since {since}", "sheet_changes": "Changes", "no_changes": "nothing moved",
    },
}

GAP_LABELS = {lang: {k: v[i] for k, v in gaps_module.GAP_LABELS.items()} for i, lang in enumerate(("zh", "en"))}
STATUS_LABELS = {
    "zh": {"reserve": "谋划/储备", "signed": "签约", "approved": "获批", "under_construction": "开工/在建",
           "operating": "建成投产", "present": "已有", "planned": "在建/规划", "missing": "缺失"},
    "en": {"reserve": "reserve", "signed": "signed", "approved": "approved",
           "under_construction": "under construction", "operating": "operating",
           "present": "present", "planned": "planned", "missing": "missing"},
}
SOURCE_KIND_LABELS = {
    "zh": {"article": "报道/文件", "general_knowledge": "通用产业知识", "user": "用户资料"},
    "en": {"article": "article", "general_knowledge": "general industry knowledge", "user": "user"},
}

PROJECTS = """
SELECT ?j ?label_zh ?label_en ?status ?year ?investment ?capacity ?unit ?company ?company_zh ?company_en
       ?quote ?source WHERE {
  ?j a kg:Project .
  OPTIONAL { ?j rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?j rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { ?j kg:status ?status }
  OPTIONAL { ?j kg:year ?year }
  OPTIONAL { ?j kg:investmentCNY ?investment }
  OPTIONAL { ?j kg:capacity ?capacity }
  OPTIONAL { ?j kg:capacityUnit ?unit }
  OPTIONAL { ?j kg:runBy ?company .
             OPTIONAL { ?company rdfs:label ?company_zh FILTER(LANG(?company_zh) = "zh") }
             OPTIONAL { ?company rdfs:label ?company_en FILTER(LANG(?company_en) = "en") } }
  OPTIONAL { ?j kg:quote ?quote }
  OPTIONAL { ?j prov:wasDerivedFrom ?source }
}"""

PROJECT_CHAINS = """
SELECT ?j ?chain WHERE { ?j a kg:Project ; kg:inChain ?chain }"""

PROJECT_PRODUCTS = """
SELECT ?j ?p ?inferred WHERE {
  ?j a kg:Project ; kg:willProduce ?p .
  OPTIONAL { ?o kg:project ?j ; kg:product ?p ; kg:inferred ?inferred }
}"""

SOURCES = """
SELECT ?source ?title ?publisher ?date ?kind ?file ?url WHERE {
  ?source a kg:Source .
  OPTIONAL { ?source dcterms:title ?title }
  OPTIONAL { ?source dcterms:publisher ?publisher }
  OPTIONAL { ?source dcterms:date ?date }
  OPTIONAL { ?source kg:sourceKind ?kind }
  OPTIONAL { ?source kg:file ?file }
  OPTIONAL { ?source schema:url ?url }
}"""

FACTS = """
SELECT ?source ?s ?quote ?label_zh ?label_en WHERE {
  ?s prov:wasDerivedFrom ?source .
  OPTIONAL { ?s kg:quote ?quote }
  OPTIONAL { ?s rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?s rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
}"""

# What kind of thing a fact is about, from the path segment of its IRI.
FACT_KINDS = {
    "zh": {"park": "园区", "chain": "产业链", "product": "产品", "flow": "流向", "company": "企业",
           "production": "生产", "project": "项目", "output": "项目产品", "indicator": "指标",
           "target": "招引方向", "asset": "资源"},
    "en": {"park": "park", "chain": "chain", "product": "product", "flow": "flow", "company": "company",
           "production": "production", "project": "project", "output": "project output",
           "indicator": "indicator", "target": "target", "asset": "asset"},
}


@dataclass
class ReportPaths:
    """Where the report's files are."""

    folder: Path
    index: Path
    workbook: Path
    graph: Path

    def files(self) -> list[Path]:
        return [self.index, self.workbook, self.graph]


# ---------------------------------------------------------------- data for the report

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _label(row: dict[str, Any] | pd.Series, lang: str, fallback: str = "") -> str:
    """The label in ``lang``, else the other language, else ``fallback``."""
    other = "en" if lang == "zh" else "zh"
    for key in (f"label_{lang}", f"label_{other}"):
        value = row.get(key)
        if not _blank(value):
            return str(value)
    return fallback


def projects(store: Store) -> pd.DataFrame:
    """One row per project: labels, company, chains, status, year, investment (CNY), capacity,
    the products it will make (``*`` marks one inferred from the project's name), the source
    and the quote. Sorted by status (furthest along first), then year and id.

    >>> from kg.store import open_store
    >>> projects(open_store())[["id", "status", "year"]].head(1)  # doctest: +SKIP
    """
    rows = _rows(store, PROJECTS)
    chains: dict[str, list[str]] = {}
    for row in _rows(store, PROJECT_CHAINS):
        chains.setdefault(row["j"], []).append(vocab.local_id(row["chain"]))
    outputs: dict[str, list[str]] = {}
    for row in _rows(store, PROJECT_PRODUCTS):
        outputs.setdefault(row["j"], []).append(vocab.local_id(row["p"]) + ("*" if row["inferred"] else ""))
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        iri = row["j"]
        if iri in seen:  # a project with two quotes or sources keeps the first
            continue
        seen[iri] = {
            "id": vocab.local_id(iri), "label_zh": row["label_zh"] or "", "label_en": row["label_en"] or "",
            "company": vocab.local_id(row["company"]) if row["company"] else "",
            "company_zh": row["company_zh"] or "", "company_en": row["company_en"] or "",
            "chains": sorted(set(chains.get(iri, []))),
            "status": vocab.local_id(row["status"]) if row["status"] else "",
            "year": int(row["year"]) if row["year"] is not None else None,
            "investment_cny": float(row["investment"]) if row["investment"] is not None else None,
            "capacity": float(row["capacity"]) if row["capacity"] is not None else None,
            "capacity_unit": row["unit"] or "",
            "products": sorted(set(outputs.get(iri, []))),
            "source": vocab.local_id(row["source"]) if row["source"] else "",
            "quote": row["quote"] or "",
        }
    columns = ["id", "label_zh", "label_en", "company", "company_zh", "company_en", "chains", "status", "year",
               "investment_cny", "capacity", "capacity_unit", "products", "source", "quote"]
    frame = pd.DataFrame(list(seen.values()), columns=columns)
    order = {s: i for i, s in enumerate(reversed(vocab.PROJECT_STATUSES))}
    frame["_order"] = frame["status"].map(order).fillna(len(order))
    frame = frame.sort_values(["_order", "year", "id"], na_position="last", kind="mergesort")
    return frame.drop(columns="_order").reset_index(drop=True)


def pipeline(projects_frame: pd.DataFrame) -> pd.DataFrame:
    """Projects per status, in the order a project moves (``""`` = status not stated): how
    many, how many state an investment, and the stated investment summed (CNY)."""
    frame = projects_frame
    rows = []
    for status in (*vocab.PROJECT_STATUSES, ""):
        part = frame[frame["status"] == status]
        if status == "" and part.empty:
            continue
        stated = part["investment_cny"].dropna()
        rows.append({"status": status, "projects": len(part), "with_investment": len(stated),
                     "investment_cny": float(stated.sum()) if len(stated) else 0.0})
    return pd.DataFrame(rows, columns=["status", "projects", "with_investment", "investment_cny"])


def source_titles(store: Store) -> dict[str, str]:
    """Source id → title, for naming sources in the explorer's panel."""
    return sources(store)[0].set_index("id")["title"].to_dict()


def sources(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sources (one row each: id, title, publisher, date, kind, file, url, facts), and the
    quotes behind the facts (one row per source and quote, with the facts that rest on it as
    ``kind: label`` strings). Facts without a quote (chain templates from general industry
    knowledge) are counted in ``facts`` but have no quote row."""
    facts = _rows(store, FACTS)
    counts: dict[str, int] = {}
    quoted: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for row in facts:
        source = vocab.local_id(row["source"])
        counts[source] = counts.get(source, 0) + 1
        if row["quote"]:
            kind = row["s"].split(vocab.DATA_NS, 1)[-1].split("/", 1)[0]
            quoted.setdefault((source, row["quote"]), []).append(
                (kind, row["label_zh"] or vocab.local_id(row["s"]), row["label_en"] or vocab.local_id(row["s"])))
    source_rows = []
    for row in _rows(store, SOURCES):
        sid = vocab.local_id(row["source"])
        source_rows.append({"id": sid, "title": row["title"] or "", "publisher": row["publisher"] or "",
                            "date": str(row["date"] or ""), "kind": row["kind"] or "", "file": row["file"] or "",
                            "url": row["url"] or "", "facts": counts.get(sid, 0)})
    source_frame = pd.DataFrame(source_rows, columns=["id", "title", "publisher", "date", "kind", "file", "url",
                                                      "facts"]).sort_values("id").reset_index(drop=True)
    quote_rows = [{"source": s, "quote": q, "facts": sorted(set(f))} for (s, q), f in quoted.items()]
    quote_frame = pd.DataFrame(quote_rows, columns=["source", "quote", "facts"])
    if len(quote_frame):
        quote_frame = quote_frame.sort_values(["source", "quote"]).reset_index(drop=True)
    return source_frame, quote_frame


def _as_list(value: Any) -> list:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return [value]


def _chains_of(row: Any) -> list[str]:
    """The chain ids of a ranking row (``chains``, a list) or of a gap row (``chain``)."""
    value = row["chains"] if "chains" in row else row.get("chain")
    return [str(c) for c in _as_list(value) if str(c)]


def component_names(analysis: Any) -> list[str]:
    """The score components, in the order of the weights."""
    return list(analysis.weights)


def _component_label(name: str, lang: str) -> str:
    entry = gaps_module.COMPONENT_LABELS.get(name)
    return entry[0 if lang == "zh" else 1] if entry else name


def targets(analysis: Any, top: int | None = None) -> pd.DataFrame:
    """The ranking (``analysis.ranking``: one row per missing or weak product, with its rank,
    score, components, reason, ``local_inputs``, ``local_consumers`` and ``candidates``) cut
    to its first ``top`` rows."""
    ranking = analysis.ranking
    return (ranking.head(top) if top else ranking).copy().reset_index(drop=True)


def chain_gaps(analysis: Any, chain: str) -> pd.DataFrame:
    """Every gap of one chain, in the order of ``analysis.gaps``: what to recruit for
    (missing, weak) first, highest score first, then the breaks."""
    gaps = analysis.gaps
    return gaps[gaps["chain"] == chain].reset_index(drop=True)


# ---------------------------------------------------------------- terminal summary

def summary(analysis: Any, lang: str = "zh", top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two small tables for the terminal: completeness per chain, and the top targets."""
    t = TEXT[lang]
    comp = analysis.completeness
    chains = pd.DataFrame({
        t["chain"]: [_label(r, lang, r["chain"]) for _, r in comp.iterrows()],
        t["products"]: comp["products"], t["present"]: comp["present"], t["planned"]: comp["planned"],
        t["missing"]: comp["missing"],
        t["completeness_col"]: [f"{v:.0%}" for v in comp["completeness"]],
        t["completeness_planned"]: [f"{v:.0%}" for v in comp["completeness_planned"]],
    })
    frame = targets(analysis, top)
    chain_names = _chain_names(analysis, lang)
    tops = pd.DataFrame({
        t["rank"]: frame["rank"], t["product"]: [_label(r, lang, r["id"]) for _, r in frame.iterrows()],
        t["chain"]: [_chain_text(r, chain_names, lang) for _, r in frame.iterrows()],
        t["gap_type"]: [GAP_LABELS[lang].get(g, g) for g in frame["gap_type"]],
        t["score"]: [f"{float(s):.3f}" for s in frame["score"]],
    })
    return chains, tops


def _chain_text(row: Any, chain_names: dict[str, str], lang: str) -> str:
    """The chains of a row by name, or a note that the product is in none of them."""
    return ", ".join(chain_names.get(c, c) for c in _chains_of(row)) or TEXT[lang]["no_chain"]


def _chain_names(analysis: Any, lang: str) -> dict[str, str]:
    comp = analysis.completeness
    return {r["chain"]: _label(r, lang, r["chain"]) for _, r in comp.iterrows()}


# ---------------------------------------------------------------- HTML

STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
 "Hiragino Sans GB",sans-serif;margin:0;color:#1d2733;background:#f6f7f9;line-height:1.5}
header{background:#17324d;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px;font-size:24px} header p{margin:0;opacity:.85}
header a{color:#cfe3ff;margin-right:18px}
main{padding:8px 32px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:12px 20px;margin:18px 0}
h2{font-size:19px;border-bottom:2px solid #17324d;padding-bottom:4px}
h3{font-size:16px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #dde2e8;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef2f6;position:sticky;top:0}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.comps{display:grid;grid-template-columns:auto 60px auto;gap:1px 6px;align-items:center;font-size:12px;
 white-space:nowrap}
.track{display:block;height:9px;background:#eef0f3}.fill{display:block;height:9px;background:#2f7ed8}
.tag{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;margin:1px 2px 1px 0}
.present{background:#d7f0dc}.planned{background:#fff1c2}.missing{background:#f8d7da}
.weak{background:#ffe5cc}.upstream_break,.downstream_break{background:#e6defa}
.quote{color:#4a5563;font-size:12px}
.note{color:#5b6673;font-size:13px}
svg text{font-size:13px;fill:#1d2733}
"""


def _e(value: Any) -> str:
    """Escaped text of a cell ('' for a missing value)."""
    if _blank(value):
        return ""
    return escape(str(value), quote=True)


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _money(value: float | None, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value / 1e8:,.2f} {TEXT[lang]['yuan_100m']}"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """An HTML table from escaped cells (the caller escapes, so cells may hold markup)."""
    numeric = numeric or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _svg_bars(rows: list[tuple[str, list[tuple[float, str, str]], str]], width: int = 900) -> str:
    """A horizontal stacked bar chart in SVG: one row per (label, [(share, css colour, title)],
    right-hand text). Labels are SVG text, so the browser renders them with its own fonts."""
    label_w, right_w, row_h = 190, 190, 28
    bar_w = width - label_w - right_w
    height = row_h * len(rows) + 10
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    for i, (label, segments, right) in enumerate(rows):
        y = 5 + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" fill="#eef0f3"/>')
        x = float(label_w)
        for share, colour, title in segments:
            w = max(0.0, min(1.0, share)) * bar_w
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="18" fill="{colour}">'
                             f"<title>{escape(title)}</title></rect>")
            x += w
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 17}">{escape(right)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(items: list[tuple[str, str]]) -> str:
    return "<p>" + " ".join(
        f'<svg width="12" height="12"><rect width="12" height="12" fill="{c}"/></svg> {escape(label)}&nbsp;&nbsp;'
        for c, label in items) + "</p>"


def _names(G, ids: list[str], lang: str) -> str:
    tags = []
    for pid in ids:
        node = G.nodes[pid]
        status = node.get("status", "")
        tags.append(f'<span class="tag {escape(status)}">{_e(_label(node, lang, pid))}</span>')
    return " ".join(tags) or _e(TEXT[lang]["none"])


def _html_completeness(analysis: Any, lang: str) -> str:
    t = TEXT[lang]
    comp = analysis.completeness
    rows = []
    for _, r in comp.iterrows():
        n = int(r["products"])
        present, planned = float(r["completeness"]), float(r["completeness_planned"]) - float(r["completeness"])
        rows.append((_label(r, lang, r["chain"]),
                     [(present, "#2e9e4f", f"{t['present']} {int(r['present'])}/{n}"),
                      (planned, "#f0b429", f"{t['planned']} {int(r['planned'])}/{n}")],
                     f"{float(r['completeness']):.0%} / {float(r['completeness_planned']):.0%}  ({n})"))
    chart = _svg_bars(rows)
    legend = _legend([("#2e9e4f", t["legend_present"]), ("#f0b429", t["legend_planned"]),
                      ("#eef0f3", t["legend_missing"])])
    table = _table(
        [t["chain"], t["kind"], t["products"], t["present"], t["planned"], t["missing"], t["completeness_col"],
         t["completeness_planned"]],
        [[_e(_label(r, lang, r["chain"])), _e(t.get(r["kind"], r["kind"])), _e(int(r["products"])),
          _e(int(r["present"])), _e(int(r["planned"])), _e(int(r["missing"])), f"{float(r['completeness']):.1%}",
          f"{float(r['completeness_planned']):.1%}"] for _, r in comp.iterrows()],
        numeric={2, 3, 4, 5, 6, 7})
    return f'<section id="completeness"><h2>{escape(t["completeness"])}</h2>{chart}{legend}{table}</section>'


def _html_components(row: pd.Series, names: list[str], weights: dict[str, float], lang: str) -> str:
    """Each component as: name, a bar of its value, the value × its weight."""
    cells = []
    for name in names:
        value = float(row.get(name, 0.0) or 0.0)
        cells.append(f'<span>{escape(_component_label(name, lang))}</span>'
                     f'<span class="track"><span class="fill" style="width:{value * 100:.0f}%"></span></span>'
                     f'<span class="cval" data-component="{escape(name)}">'
                     f"{value:.3f} × {float(weights[name]):g}</span>")
    return f'<div class="comps">{"".join(cells)}</div>'


def _html_targets(analysis: Any, frame: pd.DataFrame, lang: str) -> str:
    t = TEXT[lang]
    G = analysis.graph
    names = component_names(analysis)
    chain_names = _chain_names(analysis, lang)
    other = "en" if lang == "zh" else "zh"
    rows = []
    for _, r in frame.iterrows():
        candidates = "; ".join(_label(c, lang, c.get("id", "")) for c in r["candidates"])
        rows.append([
            _e(int(r["rank"])),
            f'<b>{_e(_label(r, lang, r["id"]))}</b><br><span class="note">{_e(r.get(f"label_{other}"))}</span>',
            _e(_chain_text(r, chain_names, lang)),
            f'<span class="tag {escape(str(r["gap_type"]))}">{_e(GAP_LABELS[lang].get(r["gap_type"]))}</span>',
            f'<b class="score">{float(r["score"]):.3f}</b>',
            _html_components(r, names, analysis.weights, lang),
            _e(r.get(f"reason_{lang}")),
            _names(G, r["local_inputs"], lang), _names(G, r["local_consumers"], lang),
            _e(candidates) or _e(t["none"]),
        ])
    table = _table([t["rank"], t["product"], t["chain"], t["gap_type"], t["score"], t["component"], t["reason"],
                    t["feeds_from"], t["feeds_into"], t["candidates"]], rows, numeric={0, 4})
    table = table.replace("<table>", '<table id="targets-table">', 1)
    return (f'<section id="targets"><h2>{escape(t["targets"])}</h2><p class="note">{escape(t["score_note"])}</p>'
            f"{table}</section>")


def _html_links(analysis: Any, lang: str) -> str:
    t = TEXT[lang]
    gaps = analysis.gaps
    chain_names = _chain_names(analysis, lang)
    parts = [f'<section id="links"><h2>{escape(t["links"])}</h2>']
    order = {c: i for i, c in enumerate(chain_names)}  # the chains' own order, products in none last
    for gap_type in BREAK_TYPES:
        part = gaps[gaps["gap_type"] == gap_type]
        parts.append(f"<h3>{escape(GAP_LABELS[lang][gap_type])} ({len(part)})</h3>")
        if part.empty:
            parts.append(f'<p class="note">{escape(t["no_rows"])}</p>')
            continue
        part = part.assign(_order=part["chain"].map(order).fillna(len(order)))
        part = part.sort_values(["_order", "id"], kind="mergesort")
        rows = [[_e(_chain_text(r, chain_names, lang)), _e(_label(r, lang, r["id"])),
                 _e(_num(r["score"]) if not _blank(r.get("score")) else ""), _e(r.get(f"reason_{lang}"))]
                for _, r in part.iterrows()]
        parts.append(_table([t["chain"], t["product"], t["score"], t["reason"]], rows, numeric={2}))
    parts.append("</section>")
    return "".join(parts)


def _html_pipeline(analysis: Any, frame: pd.DataFrame, lang: str) -> str:
    t = TEXT[lang]
    G = analysis.graph
    chain_names = _chain_names(analysis, lang)
    by_status = pipeline(frame)
    most = max([1, *by_status["projects"]])
    rows = []
    for _, r in by_status.iterrows():
        label = STATUS_LABELS[lang].get(r["status"], t["unstated"]) if r["status"] else t["unstated"]
        money = _money(r["investment_cny"], lang) if r["with_investment"] else t["no_investment"]
        rows.append((label, [(r["projects"] / most, "#2f7ed8", f"{label}: {r['projects']}")],
                     f"{r['projects']}  ·  {money}"))
    chart = _svg_bars(rows)
    table = _table([t["status"], t["count"], t["with_investment"], t["investment_short"]],
                   [[_e(row[0]), _e(int(r["projects"])), _e(int(r["with_investment"])),
                     _e(_money(r["investment_cny"], lang) if r["with_investment"] else "")]
                    for row, (_, r) in zip(rows, by_status.iterrows())], numeric={1, 2, 3})
    listing = []
    for _, r in frame.iterrows():
        status = STATUS_LABELS[lang].get(r["status"], "") if r["status"] else t["unstated"]
        products = []
        for pid in r["products"]:
            inferred = pid.endswith("*")
            pid = pid.rstrip("*")
            name = _label(G.nodes[pid], lang, pid) if pid in G else pid
            products.append(_e(name) + (_e(t["inferred"]) if inferred else ""))
        capacity = "" if _blank(r["capacity"]) else f"{r['capacity']:,.10g} {r['capacity_unit']}"
        listing.append([
            _e(_label(r, lang, r["id"])), _e(_label({"label_zh": r["company_zh"], "label_en": r["company_en"]},
                                                     lang, r["company"])),
            _e(_chain_text(r, chain_names, lang)), _e(status),
            _e("" if r["year"] is None or pd.isna(r["year"]) else int(r["year"])),
            _e(_money(r["investment_cny"], lang)), _e(capacity), "<br>".join(products),
            f'<span class="quote">{_e(r["quote"])}</span>'])
    listing_table = _table([t["project"], t["company"], t["chain"], t["status"], t["year"], t["investment_short"],
                            t["capacity"], t["pipeline_products"], t["quote"]], listing, numeric={4, 5})
    return (f'<section id="pipeline"><h2>{escape(t["pipeline"])}</h2>{chart}{table}'
            f"{listing_table}</section>")


def _facts_text(facts: list[tuple[str, str, str]], lang: str) -> str:
    """``kind: label; kind: label`` for the facts resting on one quote."""
    return "; ".join(f"{FACT_KINDS[lang].get(k, k)}: {zh if lang == 'zh' else en}" for k, zh, en in facts)


def _html_sources(source_frame: pd.DataFrame, quote_frame: pd.DataFrame, lang: str) -> str:
    t = TEXT[lang]
    parts = [f'<section id="sources"><h2>{escape(t["sources"])}</h2>']
    for _, s in source_frame.iterrows():
        parts.append(f'<h3 id="source-{escape(s["id"])}">{_e(s["title"] or s["id"])}</h3>')
        meta = [(t["source"], s["id"]), (t["source_kind"], SOURCE_KIND_LABELS[lang].get(s["kind"], s["kind"])),
                (t["publisher"], s["publisher"]), (t["date"], s["date"]), (t["file"], s["file"]), ("URL", s["url"])]
        parts.append("<p class=\"note\">" + " · ".join(f"{escape(k)}: {_e(v)}" for k, v in meta if v) + "</p>")
        quotes = quote_frame[quote_frame["source"] == s["id"]] if len(quote_frame) else quote_frame
        quoted = sum(len(f) for f in quotes["facts"]) if len(quotes) else 0
        if int(s["facts"]) > quoted:
            parts.append(f'<p class="note">{int(s["facts"]) - quoted} {escape(t["facts_without_quote"])}</p>')
        if len(quotes):
            rows = [[f'<span class="quote">{_e(q["quote"])}</span>',
                     _e(_facts_text(q["facts"], lang))]
                    for _, q in quotes.iterrows()]
            parts.append(_table([t["quote"], t["facts"]], rows))
    parts.append("</section>")
    return "".join(parts)


def _html_weights(analysis: Any, lang: str) -> str:
    t = TEXT[lang]
    rows = [[_e(_component_label(n, lang)), _e(n), _e(f"{float(w):g}")] for n, w in analysis.weights.items()]
    table = _table([t["component"], "id", t["weight"]], rows, {2})
    return f'<section id="weights"><h2>{escape(t["weights"])}</h2>{table}</section>'


def _html_changes(changes: Any, since: str, lang: str) -> str:
    """What moved since an older version (``kg.changes.changes``), one row per change."""
    from kg.changes import change_rows

    t = TEXT[lang]
    rows = change_rows(changes, lang)
    body = (_table(list(rows.columns), [[_e(v) for v in r] for r in rows.itertuples(index=False)])
            if len(rows) else f'<p class="note">{escape(t["no_changes"])}</p>')
    return f'<section id="changes"><h2>{escape(t["changes"].format(since=since))}</h2>{body}</section>'


def index_html(analysis: Any, store: Store, lang: str = "zh", top: int = 20, park: str = "",
               changes: Any = None, since: str = "") -> str:
    """The report page as one self-contained HTML string (no external requests); with
    ``changes`` (``kg.changes.Changes``), a section of what moved since ``since``."""
    t = TEXT[lang]
    frame = targets(analysis, top)
    source_frame, quote_frame = sources(store)
    body = [
        f"<header><h1>{_e(park + ' · ' if park else '')}{escape(t['title'])}</h1><p>{escape(t['intro'])}</p>"
        f'<p><a href="graph.html">{escape(t["open_graph"])}</a><a href="gaps.xlsx">{escape(t["open_xlsx"])}</a>'
        "</p></header><main>",
        _html_completeness(analysis, lang), _html_changes(changes, since, lang) if changes is not None else "",
        _html_targets(analysis, frame, lang), _html_links(analysis, lang),
        _html_pipeline(analysis, projects(store), lang), _html_sources(source_frame, quote_frame, lang),
        _html_weights(analysis, lang), "</main>",
    ]
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(park + ' · ' if park else '')}{escape(t['title'])}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def park_label(store: Store, lang: str) -> str:
    frame = store.select(f'SELECT ?l WHERE {{ ?p a kg:Park ; rdfs:label ?l FILTER(LANG(?l) = "{lang}") }} LIMIT 1')
    return str(frame["l"][0]) if len(frame) else ""


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
        widest = max([_cell_width(header)] + [_cell_width(r[i]) for r in rows])
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
    with ``changes`` (``kg.changes.Changes``) a last sheet of what moved."""
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
        from kg.changes import change_rows

        moved = change_rows(changes, lang)
        _sheet(wb, _sheet_title(t["sheet_changes"], used), list(moved.columns), moved.values.tolist())

    return text_workbook_bytes(wb)  # every text cell stored as text, never as a formula


# ---------------------------------------------------------------- the folder

def _replace_folder(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder ``tmp`` into ``out_dir``; the old report is removed only after."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
        os.rmdir(old)
        os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except BaseException:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_target(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise KgError(f"{out_dir} exists and is not a folder; choose another -o/--output")
    strangers = sorted(p.name for p in out_dir.iterdir() if p.name not in REPORT_FILES)
    if strangers:
        raise KgError(f"{out_dir} holds files that are not part of a report ({', '.join(strangers[:5])}); "
                      "a report replaces its whole folder, so choose an empty or new -o/--output folder")


def write_report(analysis: Any, store: Store, out_dir: Path, lang: str = "zh", top: int = 20,
                 changes: Any = None, since: str = "") -> ReportPaths:
    """Write ``index.html``, ``gaps.xlsx`` and ``graph.html`` into ``out_dir``, all or nothing.

    ``analysis`` is a ``kg.gaps.GapAnalysis`` of the graph in ``store``; ``top`` is how many
    recruitment targets the page and the first sheet list. ``out_dir`` must be new, empty or a
    previous report: it is replaced as a whole. ``changes`` (``kg.changes.Changes``) adds a
    section of what moved since ``since`` to the page and a sheet to the workbook.
    """
    if lang not in TEXT:
        raise KgError(f"unknown language {lang!r}; expected zh or en")
    if top < 1:
        raise KgError("--top must be at least 1")
    from kg.viz import explorer_html

    out_dir = Path(out_dir).resolve()
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.new-"))
    try:
        park = park_label(store, lang)
        (tmp / "index.html").write_text(index_html(analysis, store, lang, top, park, changes, since),
                                        encoding="utf-8")
        (tmp / "gaps.xlsx").write_bytes(workbook_bytes(analysis, store, lang, top, changes))
        (tmp / "graph.html").write_text(explorer_html(analysis.graph, lang=lang, sources=source_titles(store)),
                                        encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report folder is an ordinary one
        _replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReportPaths(out_dir, out_dir / "index.html", out_dir / "gaps.xlsx", out_dir / "graph.html")
