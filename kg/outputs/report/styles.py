"""The page's style sheet and the HTML pieces its sections are made of: escaped text, numbers,
tables, bar charts drawn in inline SVG, legends."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from kg.outputs.report.data import _blank
from kg.outputs.report.labels import TEXT

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
