"""Reading the product facts (product_facts.csv) that the product graph carries on its nodes.

A node's ``facts`` maps a fact name to its entries, one per source: ``{"value", "min", "max",
"unit", "year", "source"}`` (``min``/``max`` for numbers and ranges).

>>> fact_numbers({"water_m3_per_t": [{"min": 2.0, "max": 5.0}, {"min": 3.0, "max": 3.0}]}, "water_m3_per_t")
(2.0, 5.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def fact_numbers(facts: Mapping[str, Any], name: str) -> tuple[float | None, float | None]:
    """(low, high) of a numeric product fact (the facts table allows ranges), across its
    sources; (None, None) when no source states it."""
    entries = facts.get(name) or []
    if isinstance(entries, Mapping):
        entries = [entries]
    lows = [float(e["min"]) for e in entries if e.get("min") is not None]
    highs = [float(e["max"]) for e in entries if e.get("max") is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)


def fact_words(facts: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The entries of a word-valued product fact (policy_category, controlled, market_outlook,
    hazardous_process), each a dict with at least ``value`` and ``source``."""
    entries = facts.get(name) or []
    if isinstance(entries, Mapping):
        entries = [entries]
    return [e for e in entries if str(e.get("value") or "")]
