"""How well the rules do: what ``kg extract`` proposes for an article against the facts a
person took from it by hand.

The expected facts are a folder in the layout of the data tables (the shipped ``data/`` is
one): ``projects.csv`` (label_zh, status), ``companies.csv`` (label_zh, aliases),
``indicators.csv`` (value, unit, year, chain), ``targets.csv`` (product, or label_zh for a
product the known vocabulary lacks), ``assets.csv`` (label_zh); other columns are not read.
The extractor runs with the dataset's vocabulary (products, chains) but none of its zone facts,
so that every fact is proposed as new. A proposal matches an expected row, one to one:

* projects — the same name (compared without a trailing 项目) **and** the same status (an
  empty status matches only an empty one);
* companies — the same name, or an alias of it;
* indicators — the same value, unit and year, and the same chain where the expected row has
  one (the label is free text and not compared);
* targets — the same product id (or the same words, for expected rows given by label_zh);
* assets — the same name (reported, not held to a floor).

Recall = matched / expected, precision = matched / proposed.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from kg.extract.known import Known, names_of, project_key
from kg.extract.rules import Proposal

MEASURED = ("projects", "companies", "indicators", "targets", "assets")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(handle)]


def read_expected(folder: Path) -> dict[str, list[dict[str, str]]]:
    """The expected rows per measured table. When the folder has a ``sources.csv``, only rows
    taken from an article count (source of kind ``article``): rows from references, such as
    producers outside the park, are not in any article's text."""
    folder = Path(folder)
    articles = None
    if (folder / "sources.csv").exists():
        articles = {r["id"] for r in _rows(folder / "sources.csv") if r.get("kind") == "article"}
    out: dict[str, list[dict[str, str]]] = {}
    for table in MEASURED:
        path = folder / f"{table}.csv"
        if path.exists():
            rows = _rows(path)
            out[table] = [r for r in rows if articles is None or "source" not in r or r["source"] in articles]
    return out


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None


def _same(table: str, got: Proposal, want: dict[str, str], labels: dict[str, str]) -> bool:
    row = got.row
    if table == "projects":
        return project_key(row["label_zh"]) == project_key(want["label_zh"]) and \
            row.get("status", "") == want.get("status", "")
    if table == "companies":
        return row["label_zh"] in names_of(want["label_zh"], want.get("aliases", ""))
    if table == "indicators":
        return (_number(row["value"]) == _number(want["value"]) and row["unit"] == want["unit"]
                and row["year"] == want["year"] and (not want.get("chain") or row.get("chain") == want["chain"]))
    if table == "targets":
        if want.get("product"):
            return row.get("product") == want["product"]
        return row.get("label_zh") == want.get("label_zh") or labels.get(row.get("product", "")) == want.get("label_zh")
    return row.get("label_zh") == want.get("label_zh")


def score(proposals: list[Proposal], expected: dict[str, list[dict[str, str]]], known: Known,
          article: str = "") -> pd.DataFrame:
    """Per table: expected, proposed, matched, recall and precision (one row per table)."""
    labels = {pid: name for name, pid in sorted(known.product_names.items(), key=lambda kv: -len(kv[0]))}
    rows = []
    for table in MEASURED:
        want = expected.get(table)
        if want is None:
            continue
        got = [p for p in proposals if p.table == table]
        free = list(range(len(got)))
        matched = 0
        for w in want:
            hit = next((i for i in free if _same(table, got[i], w, labels)), None)
            if hit is not None:
                free.remove(hit)
                matched += 1
        rows.append({"article": article, "table": table, "expected": len(want), "proposed": len(got),
                     "matched": matched, "recall": round(matched / len(want), 3) if want else None,
                     "precision": round(matched / len(got), 3) if got else None})
    return pd.DataFrame(rows, columns=["article", "table", "expected", "proposed", "matched", "recall",
                                       "precision"])


def misses(proposals: list[Proposal], expected: dict[str, list[dict[str, str]]], known: Known,
           table: str) -> tuple[list[dict[str, str]], list[Proposal]]:
    """The expected rows not found and the proposals that match nothing, for one table."""
    labels = {pid: name for name, pid in known.product_names.items()}
    got = [p for p in proposals if p.table == table]
    free = list(range(len(got)))
    missed = []
    for w in expected.get(table, []):
        hit = next((i for i in free if _same(table, got[i], w, labels)), None)
        if hit is None:
            missed.append(w)
        else:
            free.remove(hit)
    return missed, [got[i] for i in free]
