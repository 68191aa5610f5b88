"""The sections of the report page: completeness, targets, links, pipeline, sources, weights,
changes."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from kg.analysis.changes import change_rows
from kg.outputs.report.data import (
    FACT_KINDS,
    _blank,
    _chain_names,
    _chain_text,
    _component_label,
    _label,
    component_names,
    pipeline,
)
from kg.outputs.report.labels import GAP_LABELS, SOURCE_KIND_LABELS, STATUS_LABELS, TEXT
from kg.outputs.report.styles import _e, _legend, _money, _num, _svg_bars, _table

BREAK_TYPES = ("weak", "upstream_break", "downstream_break")


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
            f'<b class="score">{float(r["score"]):.3f}</b>' + _rank_range(r, lang),
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


def _rank_range(row: pd.Series, lang: str) -> str:
    """The best and worst rank under ±20 % weights, under the score."""
    r = row.get("rank_range")
    if r is None or (isinstance(r, float) and pd.isna(r)):
        return ""
    return f'<br><span class="note rank-range">{escape(TEXT[lang]["rank_range"])}: {int(r[0])}–{int(r[1])}</span>'


def _html_lists(analysis: Any, lang: str, top: int | None = None) -> str:
    """The develop, secure and gated lists: each ranked on its own, with its reasons and gates."""
    t = TEXT[lang]
    parts = []
    for name in ("develop", "secure", "gated"):
        frame = analysis.ranked(name)
        frame = frame.head(top) if top else frame
        rows = [[_e(int(r["rank"])), _e(_label(r, lang, r["id"])), f"{float(r['score']):.3f}" + _rank_range(r, lang),
                 _e("; ".join(g[f"detail_{lang}"] for g in r["gates"])) or _e(t["none"]), _e(r.get(f"reason_{lang}"))]
                for _, r in frame.iterrows()]
        table = _table([t["rank"], t["product"], t["score"], t["gates"], t["reason"]], rows, numeric={0, 2})
        parts.append(f'<section id="list-{name}"><h2>{escape(t["list_" + name])}</h2>{table}</section>')
    return "".join(parts)


RULE_LABELS = {
    "zh": {"producer": "区内企业生产", "project": "项目", "brand": "园区品牌", "resource": "园区资源",
           "activity": "指标所述活动", "co_product": "联产/副产", "captive": "厂内自用中间体"},
    "en": {"producer": "made by a zone company", "project": "a project", "brand": "a brand of the zone",
           "resource": "a resource the zone holds", "activity": "activity an indicator states",
           "co_product": "co- or by-product of a process run in the zone", "captive": "made inside a zone plant"},
}
DERIVED_RULES = ("brand", "resource", "activity", "co_product", "captive")


def _html_evidence(analysis: Any, lang: str) -> str:
    """The products whose status rests on a derivation (not on a named producer or project),
    each with its evidence: rule, what it rests on, process, quote (docs/method.md)."""
    t = TEXT[lang]
    rows = []
    for p, d in sorted(analysis.graph.nodes(data=True)):
        if d.get("status_basis") not in DERIVED_RULES:
            continue
        for e in d.get("evidence") or ():
            rows.append([_e(_label(d, lang, p)), _e(STATUS_LABELS[lang].get(e["status"], e["status"])),
                         _e(RULE_LABELS[lang].get(e["rule"], e["rule"])), _e(_label(e, lang, e.get("id", ""))),
                         _e(e.get("process")), _e(e.get("quote"))])
    table = _table([t["product"], t["status"], t["evidence"], t["via"], t["process"], t["quote"]], rows)
    return f'<section id="evidence"><h2>{escape(t["evidence_title"])}</h2>{table}</section>'


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
    """What moved since an older version (``kg.analysis.changes.changes``), one row per change."""
    t = TEXT[lang]
    rows = change_rows(changes, lang)
    body = (_table(list(rows.columns), [[_e(v) for v in r] for r in rows.itertuples(index=False)])
            if len(rows) else f'<p class="note">{escape(t["no_changes"])}</p>')
    return f'<section id="changes"><h2>{escape(t["changes"].format(since=since))}</h2>{body}</section>'
