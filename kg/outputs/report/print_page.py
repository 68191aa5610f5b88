"""The report laid out for paper (``report.pdf``): a cover, the completeness chart, the four
recruitment lists with one block per product, and the sources as an appendix.

A product's reason, its local inputs and consumers and the companies to approach take whole
lines on paper: a ten-column table squeezes them to a word per line on A4. Pages carry the
park, the data version and ``page / pages`` in their margins (``@page`` margin boxes, see
:mod:`.pdf`); the cover carries none."""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any

import pandas as pd

from kg.outputs.report.data import _chain_names, _chain_text, _component_label, _label, component_names, sources
from kg.outputs.report.labels import GAP_LABELS, SOURCE_KIND_LABELS, TEXT
from kg.outputs.report.sections import _facts_text, _html_completeness
from kg.outputs.report.styles import STYLE, _e
from kg.store.generations import MANIFEST
from kg.store.stores import Store

LISTS = ("recruit", "develop", "secure", "gated")

WORDS = {
    "zh": {"date": "日期", "version": "数据版本", "built": "构建于", "data_date": "数据日期（最新来源）",
           "list_recruit": "招商：重点招引目标", "appendix": "附录：资料来源", "contents": "目录",
           "top_note": "每个清单列出前 {top} 项；完整排名见 gaps.xlsx 与 kg gaps --ranking。",
           "cautions": "提示", "quotes": "原文引述", "page": "第 {page} 页"},
    "en": {"date": "Date", "version": "Data version", "built": "built", "data_date": "Data date (newest source)",
           "list_recruit": "Recruit: top recruitment targets", "appendix": "Appendix: sources", "contents": "Contents",
           "top_note": "Each list shows its first {top} products; the full ranking is in gaps.xlsx and "
                       "kg gaps --ranking.",
           "cautions": "Caution", "quotes": "Quotes", "page": "page {page}"},
}


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: every character but letters, digits and spaces
    escaped, so no label can end the string, the rule or the style element."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def margin_boxes(header: str, version: str = "", cover: bool = False) -> str:
    """``@page`` rules: A4, the running header (``header`` left, ``version`` right) and
    ``page / pages`` at the foot of every page (but the first, a ``cover``)."""
    return (
        "@page{size:A4;margin:18mm 15mm 16mm 15mm;"
        f"@top-left{{content:{css_string(header)};font-size:8pt;color:#5b6673}}"
        f"@top-right{{content:{css_string(version)};font-size:8pt;color:#5b6673}}"
        '@bottom-center{content:counter(page) " / " counter(pages);font-size:9pt;color:#5b6673}}'
        + ("@page:first{@top-left{content:none}@top-right{content:none}@bottom-center{content:none}}"
           if cover else ""))


PRINT_STYLE = """
body{background:#fff;font-size:10pt;line-height:1.45;margin:0}
main{padding:0;max-width:none}
a{color:inherit;text-decoration:none}
section{border:0;border-radius:0;padding:0;margin:0 0 10pt;background:none}
h2{font-size:15pt;margin:0 0 6pt;break-after:avoid}
h3{font-size:11.5pt;margin:8pt 0 3pt;break-after:avoid}
.chapter{break-before:page}
svg.chart{width:100%;height:auto}
table{font-size:9pt;width:100%} th{position:static} thead{display:table-header-group}
tr,li{break-inside:avoid}
.cover{height:250mm;display:flex;flex-direction:column;justify-content:center;padding:0 10mm}
.cover .park{font-size:18pt;color:#17324d;margin-bottom:6pt}
.cover h1{font-size:28pt;margin:0 0 18pt;border-bottom:3pt solid #17324d;padding-bottom:8pt}
.cover dl{display:grid;grid-template-columns:max-content 1fr;gap:4pt 14pt;font-size:11pt;margin:0 0 18pt}
.cover dt{color:#5b6673} .cover dd{margin:0;overflow-wrap:anywhere}
.cover ol{font-size:11pt;padding-left:1.4em}
.target{break-inside:avoid;border-top:0.6pt solid #aab4c0;padding:5pt 0 6pt}
.target h3{display:flex;gap:8pt;align-items:baseline;margin:0 0 2pt}
.target .rank{min-width:2em;color:#17324d} .target .other{font-weight:normal;color:#5b6673;font-size:9.5pt}
.target .score{margin-left:auto;white-space:nowrap;font-variant-numeric:tabular-nums}
.target p{margin:2pt 0} .meta{color:#4a5563;font-size:9pt}
.target dl{display:grid;grid-template-columns:max-content 1fr;gap:1pt 8pt;margin:3pt 0}
.target dt{color:#4a5563} .target dd{margin:0;overflow-wrap:anywhere}
.target ol{margin:0;padding-left:1.3em}
.parts{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:0 12pt;font-size:8.5pt;color:#4a5563;
 margin-top:3pt}
.parts span{display:flex;justify-content:space-between;gap:4pt;border-bottom:0.4pt dotted #c5ccd4}
.source{break-inside:avoid-page}
.source p,.quotes{font-size:9pt;overflow-wrap:anywhere}
.quotes{margin:2pt 0 8pt;padding-left:1.4em} .quotes li{margin:0 0 3pt}
.quotes .facts{color:#4a5563;font-size:8.5pt}
.note{font-size:9pt}
"""


# The targets table's cells, by position, as labelled lines when the page is printed.
TARGET_CELLS = {3: "chain", 4: "gap_type", 6: "component", 7: "reason", 8: "feeds_from", 9: "feeds_into",
                10: "candidates"}


def page_print_style(title: str, lang: str) -> str:
    """The print styles of the report page (``index.html``): A4 with ``title`` and page
    numbers in the margins (so the browser prints no header of its own, no file path), the
    links to the explorer and workbook left off, links printed as text, table headers
    repeated and rows kept whole, and the top targets table as one block per target."""
    t = TEXT[lang]
    labels = "".join(f"#targets-table td:nth-child({i})::before{{content:{css_string(t[key])}}}"
                     for i, key in TARGET_CELLS.items())
    return "@media print{" + margin_boxes(title) + PAGE_PRINT_STYLE + labels + "}"


PAGE_PRINT_STYLE = """
body{background:#fff;font-size:10pt}
header{background:none;color:#000;padding:0 0 6pt;border-bottom:2pt solid #17324d}
header p{opacity:1} header a{display:none}
a{color:inherit;text-decoration:none}
main{padding:0;max-width:none}
section{border:0;border-radius:0;padding:0;margin:0 0 12pt}
h2,h3{break-after:avoid}
table{font-size:8.5pt} th{position:static} thead{display:table-header-group} tr{break-inside:avoid}
td{overflow-wrap:anywhere}
svg.chart{width:100%;height:auto}
#targets-table thead{display:none}
#targets-table,#targets-table tbody{display:block}
#targets-table tr{display:grid;grid-template-columns:2.5em 1fr max-content;border-top:.6pt solid #aab4c0;
 padding:4pt 0;break-inside:avoid}
#targets-table td{display:block;border:0;padding:1pt 4pt}
#targets-table td:nth-child(n+3){grid-column:2 / 4}
#targets-table td:nth-child(5){grid-column:3;grid-row:1;text-align:right}
#targets-table td:nth-child(n+3)::before{color:#4a5563;font-weight:bold;margin-right:6pt}
#targets-table td:nth-child(6)::before{display:block}
#targets-table .comps{grid-template-columns:repeat(2,max-content 48px max-content);column-gap:10px}
"""


def data_version(store: Store, lang: str, source_frame: pd.DataFrame | None = None) -> str:
    """Which data the report shows: the build's fingerprint (its first 12 characters) and build
    date for a local build, else the newest date among the sources (an endpoint's data)."""
    w = WORDS[lang]
    generation = getattr(store, "generation", None)
    manifest = generation / MANIFEST if generation is not None else None
    if manifest is not None and manifest.is_file():
        info = json.loads(manifest.read_text(encoding="utf-8"))
        built = dt.datetime.fromtimestamp(float(info.get("built_at", 0))).date().isoformat()
        return f"{info['fingerprint'][:12]} ({w['built']} {built})"
    frame = source_frame if source_frame is not None else sources(store)[0]
    dates = sorted(d for d in frame["date"] if d)
    return f"{w['data_date']} {dates[-1]}" if dates else ""


def _items(G: Any, ids: list[str], lang: str) -> str:
    names = [_label(G.nodes[p], lang, p) if p in G else p for p in ids]
    return _e("; ".join(names)) or _e(TEXT[lang]["none"])


def _candidate(c: dict, lang: str) -> str:
    """One company to approach: name, provinces, capacity and year, source."""
    capacity = c.get("capacity")
    parts = [c.get("province"),
             f"{capacity:,.10g} {c.get('capacity_unit') or ''}".strip() if isinstance(capacity, (int, float))
             and not pd.isna(capacity) else None,
             str(int(c["year"])) if isinstance(c.get("year"), (int, float)) and not pd.isna(c["year"]) else None,
             c.get("source")]
    detail = " · ".join(str(p) for p in parts if p)
    extra = f' <span class="meta">{_e(detail)}</span>' if detail else ""
    return f"<li>{_e(_label(c, lang, c.get('id', '')))}{extra}</li>"


def _target(r: pd.Series, analysis: Any, lang: str, names: list[str]) -> str:
    """One product of a list as a block: rank, names, score; chains, gap type, rank range;
    reason; local inputs and consumers; companies; gates and cautions; score components."""
    t, w = TEXT[lang], WORDS[lang]
    G = analysis.graph
    other = "en" if lang == "zh" else "zh"
    meta = [f"{t['chain']}: {_chain_text(r, _chain_names(analysis, lang), lang)}",
            f"{t['gap_type']}: {GAP_LABELS[lang].get(r['gap_type'], r['gap_type'])}"]
    span = r.get("rank_range")
    if isinstance(span, (list, tuple)) and len(span) == 2:
        meta.append(f"{t['rank_range']}: {int(span[0])}–{int(span[1])}")
    rows = [(t["feeds_from"], _items(G, list(r["local_inputs"]), lang)),
            (t["feeds_into"], _items(G, list(r["local_consumers"]), lang)),
            (t["candidates"], f"<ol>{''.join(_candidate(c, lang) for c in r['candidates'])}</ol>"
             if len(r["candidates"]) else _e(t["none"]))]
    if len(r["gates"]):
        rows.append((t["gates"], _e("; ".join(g[f"detail_{lang}"] for g in r["gates"]))))
    if len(r["cautions"]):
        rows.append((w["cautions"], _e("; ".join(c.get(f"detail_{lang}", "") for c in r["cautions"]))))
    details = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    parts = "".join(f"<span><span>{escape(_component_label(n, lang))}</span>"
                    f"<span>{float(r.get(n, 0.0) or 0.0):.3f} × {float(analysis.weights[n]):g}</span></span>"
                    for n in names)
    return (f'<article class="target"><h3><span class="rank">{int(r["rank"])}</span>'
            f'<span class="name">{_e(_label(r, lang, r["id"]))}</span>'
            f'<span class="other">{_e(r.get(f"label_{other}"))}</span>'
            f'<span class="score">{escape(t["score"])} {float(r["score"]):.3f}</span></h3>'
            f'<p class="meta">{_e(" · ".join(meta))}</p>'
            f'<p class="reason"><b>{escape(t["reason"])}</b>: {_e(r.get(f"reason_{lang}"))}</p>'
            f'<dl>{details}</dl><div class="parts">{parts}</div></article>')


def _list_title(name: str, lang: str) -> str:
    return WORDS[lang]["list_recruit"] if name == "recruit" else TEXT[lang][f"list_{name}"]


def _html_list(analysis: Any, name: str, lang: str, top: int, first: bool) -> str:
    """One recruitment list, one block per product, its first ``top`` products."""
    frame = analysis.ranked(name).head(top)
    names = component_names(analysis)
    blocks = "".join(_target(r, analysis, lang, names) for _, r in frame.iterrows())
    note = f'<p class="note">{escape(TEXT[lang]["score_note"])}</p>' if first else ""
    body = blocks or f'<p class="note">{escape(TEXT[lang]["no_rows"])}</p>'
    return (f'<section id="print-{name}" class="chapter"><h2>{escape(_list_title(name, lang))}</h2>'
            f"{note}{body}</section>")


def _html_appendix(source_frame: pd.DataFrame, quote_frame: pd.DataFrame, lang: str) -> str:
    """The sources: title, kind, publisher, date, file, URL (as text), and the quotes with the
    facts resting on each."""
    t, w = TEXT[lang], WORDS[lang]
    parts = [f'<section id="print-sources" class="chapter"><h2>{escape(w["appendix"])}</h2>']
    for number, (_, s) in enumerate(source_frame.iterrows(), start=1):
        meta = [(t["source"], s["id"]), (t["source_kind"], SOURCE_KIND_LABELS[lang].get(s["kind"], s["kind"])),
                (t["publisher"], s["publisher"]), (t["date"], s["date"]), (t["file"], s["file"]), ("URL", s["url"])]
        quotes = quote_frame[quote_frame["source"] == s["id"]] if len(quote_frame) else quote_frame
        items = "".join(f'<li>{_e(q["quote"])}<br><span class="facts">{_e(_facts_text(q["facts"], lang))}</span></li>'
                        for _, q in quotes.iterrows())
        parts.append(f'<div class="source"><h3>[{number}] {_e(s["title"] or s["id"])}</h3>'
                     f'<p class="meta">{" · ".join(f"{escape(k)}: {_e(v)}" for k, v in meta if v)}</p>'
                     + (f'<ol class="quotes">{items}</ol>' if items else "") + "</div>")
    parts.append("</section>")
    return "".join(parts)


def print_html(analysis: Any, store: Store, lang: str = "zh", top: int = 20, park: str = "",
               day: dt.date | None = None) -> str:
    """The report for paper as one self-contained HTML string (A4 pages, no script, nothing
    fetched): cover (park, title, date, data version, contents), completeness, the recruit,
    develop, secure and gated lists (their first ``top`` products each), sources."""
    t, w = TEXT[lang], WORDS[lang]
    source_frame, quote_frame = sources(store)
    version = data_version(store, lang, source_frame)
    day = day or dt.date.today()
    title = (park + " · " if park else "") + t["title"]
    chapters = [t["completeness"], *(_list_title(n, lang) for n in LISTS), w["appendix"]]
    cover = (f'<section class="cover"><div class="park">{_e(park)}</div><h1>{escape(t["title"])}</h1>'
             f'<dl><dt>{escape(w["date"])}</dt><dd>{day.isoformat()}</dd>'
             f'<dt>{escape(w["version"])}</dt><dd>{_e(version)}</dd></dl>'
             f'<p>{escape(t["intro"])}</p><p class="note">{escape(w["top_note"].format(top=top))}</p>'
             f'<h2>{escape(w["contents"])}</h2><ol>{"".join(f"<li>{escape(c)}</li>" for c in chapters)}</ol>'
             "</section>")
    completeness = _html_completeness(analysis, lang).replace('<section id="completeness">',
                                                              '<section id="completeness" class="chapter">', 1)
    body = [cover, completeness,
            *(_html_list(analysis, name, lang, top, first=i == 0) for i, name in enumerate(LISTS)),
            _html_appendix(source_frame, quote_frame, lang)]
    html_lang = "zh-CN" if lang == "zh" else "en"
    pages = margin_boxes(title, f"{w['version']} {version}", cover=True)
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title><style>{STYLE}{PRINT_STYLE}{pages}"
            f"</style></head><body><main>{''.join(body)}</main></body></html>\n")
