"""The report's two small tables for the terminal."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kg.outputs.report.data import _chain_names, _chain_text, _label, targets
from kg.outputs.report.labels import GAP_LABELS, TEXT

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


