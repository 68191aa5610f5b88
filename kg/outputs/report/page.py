"""The report page: its sections in one self-contained HTML string."""

from __future__ import annotations

from html import escape
from typing import Any

from kg.analysis.projects import projects
from kg.outputs.report.data import sources, targets
from kg.outputs.report.labels import TEXT
from kg.outputs.report.print_page import page_print_style
from kg.outputs.report.sections import (
    _html_changes,
    _html_completeness,
    _html_evidence,
    _html_links,
    _html_lists,
    _html_pipeline,
    _html_sources,
    _html_targets,
    _html_weights,
)
from kg.outputs.report.styles import STYLE, _e
from kg.store.stores import Store


def index_html(analysis: Any, store: Store, lang: str = "zh", top: int = 20, park: str = "",
               changes: Any = None, since: str = "") -> str:
    """The report page as one self-contained HTML string (no external requests); with
    ``changes`` (``kg.analysis.changes.Changes``), a section of what moved since ``since``."""
    t = TEXT[lang]
    frame = targets(analysis, top)
    source_frame, quote_frame = sources(store)
    body = [
        f"<header><h1>{_e(park + ' · ' if park else '')}{escape(t['title'])}</h1><p>{escape(t['intro'])}</p>"
        f'<p><a href="graph.html">{escape(t["open_graph"])}</a><a href="gaps.xlsx">{escape(t["open_xlsx"])}</a>'
        "</p></header><main>",
        _html_completeness(analysis, lang), _html_changes(changes, since, lang) if changes is not None else "",
        _html_targets(analysis, frame, lang), _html_lists(analysis, lang, top), _html_evidence(analysis, lang),
        _html_links(analysis, lang),
        _html_pipeline(analysis, projects(store), lang), _html_sources(source_frame, quote_frame, lang),
        _html_weights(analysis, lang), "</main>",
    ]
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(park + ' · ' if park else '')}{escape(t['title'])}</title>"
            f"<style>{STYLE}{page_print_style((park + ' · ' if park else '') + t['title'], lang)}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def park_label(store: Store, lang: str) -> str:
    frame = store.select(f'SELECT ?l WHERE {{ ?p a kg:Park ; rdfs:label ?l FILTER(LANG(?l) = "{lang}") }} LIMIT 1')
    return str(frame["l"][0]) if len(frame) else ""
