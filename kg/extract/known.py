"""What a dataset already knows, indexed by the names a text may use for it.

Products and companies are found by their Chinese label or an alias (the ``aliases`` column,
``;``-separated); a product label with a parenthesis, ``鸵鸟（养殖）``, also answers to the name
before it (``鸵鸟``), to both together (``鸵鸟养殖``) and, when four characters or longer, to
what stands inside (``自主品牌赛事``). Chains answer to their label without quotes or ``+``
and to any term their description quotes as the source's wording (``原文写作“精细化化工”``).
Projects, assets and indicators answer to their Chinese label; a project also without a
trailing ``项目``.

>>> import pandas as pd
>>> names_of("鸵鸟（养殖）", "")
['鸵鸟（养殖）', '鸵鸟', '鸵鸟养殖']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from kg.tables.read import Tables, split_list

PAREN = re.compile(r"^(?P<head>[^（(]+)[（(](?P<inner>[^）)]+)[）)]$")
QUOTED = re.compile(r"“([^”]{2,})”")
FACT_TABLES = ("projects", "companies", "indicators", "assets", "targets")


def names_of(label: str, aliases: str) -> list[str]:
    """Every name a product or company answers to (label first, no duplicates)."""
    names = [label.strip()] if label and label.strip() else []
    match = PAREN.match(label.strip()) if label else None
    if match:
        head, inner = match["head"].strip(), match["inner"].strip()
        names += [head, head + inner]
        if len(inner) >= 4:
            names.append(inner)
    names += split_list(aliases.replace("；", ";") if aliases else "")
    return list(dict.fromkeys(n for n in names if len(n) >= 2))


def project_key(label: str) -> str:
    """A project's label as compared: without spaces, quotes and a trailing 项目."""
    key = re.sub(r"[\s“”\"]", "", label or "")
    return key[:-2] if key.endswith("项目") and len(key) > 4 else key


@dataclass
class Known:
    """The names of a dataset's things, and its zone-fact rows keyed by id.

    ``product_names`` and ``company_names`` map each name to an id (longest names first, so
    the longest match wins); ``chain_names`` the same for chains. ``facts`` holds the rows of
    the zone-fact tables (empty when matching against vocabulary only, as the evaluation does).
    """

    product_names: dict[str, str] = field(default_factory=dict)
    company_names: dict[str, str] = field(default_factory=dict)
    chain_names: dict[str, str] = field(default_factory=dict)
    product_chains: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, pd.DataFrame] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)

    def rows(self, table: str) -> list[dict[str, str]]:
        frame = self.facts.get(table)
        if frame is None or frame.empty:
            return []
        return frame.drop(columns=["_row"], errors="ignore").fillna("").astype(str).to_dict("records")

    def find_product(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping known product names in ``text``, longest first: (start, end, id)."""
        return _find(text, self.product_names)

    def find_company(self, text: str) -> list[tuple[int, int, str]]:
        return _find(text, self.company_names)

    def chain_of(self, name: str) -> str:
        """The chain a name stands for (``“新能源+”`` → new-energy), or ''."""
        return self.chain_names.get(name.strip("“”\" ").rstrip("+"), "")

    def project(self, label: str) -> dict[str, str] | None:
        key = project_key(label)
        return next((r for r in self.rows("projects") if project_key(r["label_zh"]) == key), None)

    def company(self, label: str) -> dict[str, str] | None:
        cid = self.company_names.get(label)
        return next((r for r in self.rows("companies") if r["id"] == cid), None) if cid else None

    def by_label(self, table: str, label: str) -> dict[str, str] | None:
        return next((r for r in self.rows(table) if r.get("label_zh") == label), None)


def _find(text: str, names: dict[str, str]) -> list[tuple[int, int, str]]:
    taken: list[tuple[int, int, str]] = []
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            if all(match.end() <= s or match.start() >= e for s, e, _ in taken):
                taken.append((match.start(), match.end(), names[name]))
    return sorted(taken)


def known_from(tables: Tables | None, facts: bool = True) -> Known:
    """The index of ``tables`` (a loaded dataset); ``facts=False`` keeps only the
    vocabulary (products, chains), so that nothing is taken for an update."""
    known = Known()
    if not tables:
        return known
    for row in _records(tables.get("products")):
        for name in names_of(row["label_zh"], row.get("aliases", "")):
            known.product_names.setdefault(name, row["id"])
        known.product_chains[row["id"]] = split_list(row.get("chains", ""))
    for row in _records(tables.get("chains")):
        for name in [row["label_zh"].rstrip("+"), *QUOTED.findall(row.get("description_zh", ""))]:
            known.chain_names.setdefault(name.rstrip("+"), row["id"])
    for name in tables:
        frame = tables[name]
        if "id" in frame.columns:
            known.ids[name] = set(frame["id"].astype(str))
    if facts:
        for row in _records(tables.get("companies")):
            for name in names_of(row["label_zh"], row.get("aliases", "")):
                known.company_names.setdefault(name, row["id"])
        known.facts = {name: tables[name] for name in FACT_TABLES if name in tables}
    return known


def _records(frame: pd.DataFrame | None) -> list[dict[str, str]]:
    if frame is None or frame.empty:
        return []
    return frame.fillna("").astype(str).to_dict("records")
