"""Keep the graph current: read a park article, propose rows for the data tables with their
verbatim quotes, let a person review them, and merge what they accept.

``kg extract ARTICLE -o review.xlsx`` → edit the accept column → ``kg merge review.xlsx --data DIR``.
The rules are in :mod:`kg.extract.rules`, the review in :mod:`kg.extract.review`, the merge in
:mod:`kg.extract.merge` and the measurement in :mod:`kg.extract.evaluate`; docs/extract.md
describes them with the figures they reach.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.extract.article import read_article
from kg.extract.known import Known, known_from
from kg.extract.review import Review, build_review
from kg.extract.rules import Proposal, propose
from kg.tables.read import DataIssue, Tables

__all__ = ["Known", "Proposal", "Review", "article_year", "extract", "known_from", "propose", "read_article"]


def article_year(date: str | None, text: str) -> int | None:
    """The year an article is from: its date's year, else the latest year its text names."""
    if date and re.match(r"[0-9]{4}", date):
        return int(date[:4])
    years = [int(y) for y in re.findall(r"(20[0-9]{2})年", text)]
    return max(years) if years else None


def extract(path: Path, tables: Tables | None, source_id: str = "", title: str = "",
            date: str = "") -> tuple[Review, list[Proposal], list[DataIssue]]:
    """Read the article at ``path`` and propose rows against the dataset ``tables`` (its known
    things become updates). Returns the review, the raw proposals and the reading warnings."""
    text, warnings = read_article(Path(path))
    source_id = source_id or re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-") or "article"
    known = known_from(tables)
    proposals = propose(text, source_id, known, article_year(date, text))
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), Path(path).stem)
    source = {"id": source_id, "title": title or first_line[:80], "date": date, "kind": "article",
              "file": Path(path).name, "note": "proposed by kg extract"}
    return build_review(proposals, known, source, text), proposals, warnings
