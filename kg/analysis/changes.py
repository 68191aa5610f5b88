"""What moved between two versions of a dataset: projects, product statuses, companies,
indicators and each chain's completeness, read from two graphs.

Both versions are read through the :class:`kg.store.stores.Store` interface (SPARQL), so either may
be an embedded build or a remote endpoint. A project's status moves ``forward`` or
``backward`` along :data:`kg.vocab.PROJECT_STATUSES` (reserve → signed → approved →
under_construction → operating); a project whose source states no status has status
``unknown``, and a move to or from ``unknown`` has direction ``unknown``.

>>> from kg.store.stores import open_store
>>> moved = changes(version_store(Path("data-2025"), Path("build")), open_store(Path("build")))  # doctest: +SKIP
>>> moved.projects[["id", "status_before", "status_after", "direction"]]  # doctest: +SKIP
     id status_before       status_after direction
0  p-cl        signed under_construction   forward
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from kg import vocab
from kg.analysis.gaps import completeness
from kg.analysis.projects import projects
from kg.errors import KgError
from kg.store.build import build, claim_folder, fingerprint
from kg.store.projection import product_graph
from kg.store.stores import LocalStore, Store
from kg.tables.read import DataErrors

UNKNOWN = "unknown"  # a project whose source states no status

COMPANIES = """
SELECT ?c ?label_zh ?label_en ?location WHERE {
  ?c a kg:Company .
  OPTIONAL { ?c rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?c rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { ?c kg:location ?location }
}"""

INDICATORS = """
SELECT ?i ?label_zh ?label_en ?value ?unit ?year WHERE {
  ?i a kg:Indicator .
  OPTIONAL { ?i rdfs:label ?label_zh FILTER(LANG(?label_zh) = "zh") }
  OPTIONAL { ?i rdfs:label ?label_en FILTER(LANG(?label_en) = "en") }
  OPTIONAL { ?i kg:value ?value }
  OPTIONAL { ?i kg:unit ?unit }
  OPTIONAL { ?i kg:year ?year }
}"""

PROJECT_COLUMNS = ["id", "label_zh", "label_en", "change", "status_before", "status_after", "direction",
                   "year_before", "year_after", "investment_before", "investment_after", "products_before",
                   "products_after", "fields"]
PRODUCT_COLUMNS = ["id", "label_zh", "label_en", "chains", "change", "status_before", "status_after"]
COMPANY_COLUMNS = ["id", "label_zh", "label_en", "change", "location"]
INDICATOR_COLUMNS = ["id", "label_zh", "label_en", "change", "value_before", "value_after", "unit", "year"]
COMPLETENESS_COLUMNS = ["chain", "label_zh", "label_en", "products_before", "products_after", "present_before",
                        "present_after", "planned_before", "planned_after", "completeness_before",
                        "completeness_after", "completeness_delta", "completeness_planned_before",
                        "completeness_planned_after", "completeness_planned_delta"]


@dataclass
class Changes:
    """What moved from an old version of the graph to a new one; every row has ``label_zh``
    and ``label_en`` (the new version's labels, the old ones for what was removed).

    ``projects``: added, removed, or whose status, year, investment (CNY) or products
    changed (``fields`` names which, ``;``-separated; products are ``;``-separated ids);
    ``products``: added, removed, or whose derived zone status (present/planned/missing)
    changed; ``companies``: added or removed; ``indicators``: added, removed, or whose value
    changed; ``completeness``: every chain's completeness before and after, with the deltas
    (:func:`kg.analysis.gaps.completeness` of each version's product graph).
    """

    projects: pd.DataFrame
    products: pd.DataFrame
    companies: pd.DataFrame
    indicators: pd.DataFrame
    completeness: pd.DataFrame

    SECTIONS = ("projects", "products", "companies", "indicators", "completeness")

    def empty(self) -> bool:
        """True when nothing moved (completeness rows are always there; their deltas count)."""
        comp = self.completeness
        moved = ((comp["completeness_delta"].fillna(1) != 0) | (comp["completeness_planned_delta"].fillna(1) != 0)
                 | (comp["products_before"] != comp["products_after"]))
        return all(getattr(self, s).empty for s in self.SECTIONS[:-1]) and not moved.any()

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """The sections as JSON-ready lists of objects (missing values as None)."""
        return {s: _records(getattr(self, s)) for s in self.SECTIONS}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    if _missing(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def direction(before: str, after: str) -> str:
    """``forward``, ``backward``, ``unknown`` (one side is unknown) or ``""`` (no move).

    >>> direction("signed", "under_construction"), direction("operating", "approved")
    ('forward', 'backward')
    >>> direction("unknown", "signed"), direction("signed", "signed")
    ('unknown', '')
    """
    if before == after:
        return ""
    order = vocab.PROJECT_STATUSES
    if before not in order or after not in order:
        return UNKNOWN
    return "forward" if order.index(after) > order.index(before) else "backward"


def _by_id(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in frame.to_dict("records")}


def _label_pair(key: str, *rows: dict[str, Any] | None) -> tuple[str, str]:
    """The zh and en labels of the first row that has them, else the id."""
    zh = next((str(r["label_zh"]) for r in rows if r and not _missing(r.get("label_zh")) and r["label_zh"]), key)
    en = next((str(r["label_en"]) for r in rows if r and not _missing(r.get("label_en")) and r["label_en"]), key)
    return zh, en


def _project_state(store: Store) -> dict[str, dict[str, Any]]:

    state = {}
    for pid, r in _by_id(projects(store)).items():
        state[pid] = {
            "label_zh": r["label_zh"], "label_en": r["label_en"], "status": r["status"] or UNKNOWN,
            "year": None if _missing(r["year"]) else int(r["year"]),
            "investment": None if _missing(r["investment_cny"]) else float(r["investment_cny"]),
            "products": ";".join(sorted({p.rstrip("*") for p in r["products"]})),
        }
    return state


def project_changes(old: Store, new: Store) -> pd.DataFrame:
    """Projects added, removed, or whose status, year, investment or products changed."""
    before, after = _project_state(old), _project_state(new)
    rows = []
    for pid in sorted(before.keys() | after.keys()):
        b, a = before.get(pid), after.get(pid)
        if b and a:
            fields = [f for f in ("status", "year", "investment", "products") if b[f] != a[f]]
            if not fields:
                continue
            change = "changed"
        else:
            fields, change = [], "added" if a else "removed"
        zh, en = _label_pair(pid, a, b)
        bb, aa = b or {}, a or {}
        rows.append({
            "id": pid, "label_zh": zh, "label_en": en, "change": change,
            "status_before": bb.get("status", ""), "status_after": aa.get("status", ""),
            "direction": direction(b["status"], a["status"]) if b and a else "",
            "year_before": bb.get("year"), "year_after": aa.get("year"),
            "investment_before": bb.get("investment"), "investment_after": aa.get("investment"),
            "products_before": bb.get("products", ""), "products_after": aa.get("products", ""),
            "fields": ";".join(fields),
        })
    frame = pd.DataFrame(rows, columns=PROJECT_COLUMNS)
    for col in ("year_before", "year_after"):
        frame[col] = frame[col].astype("Int64")
    return frame


def product_changes(old_graph: Any, new_graph: Any) -> pd.DataFrame:
    """Products added, removed, or whose derived zone status changed, from two product
    graphs (:func:`kg.store.projection.product_graph`)."""
    rows = []
    for pid in sorted(set(old_graph.nodes) | set(new_graph.nodes)):
        b = old_graph.nodes[pid] if pid in old_graph else None
        a = new_graph.nodes[pid] if pid in new_graph else None
        if b and a and b["status"] == a["status"]:
            continue
        zh, en = _label_pair(pid, a, b)
        rows.append({
            "id": pid, "label_zh": zh, "label_en": en, "chains": ";".join((a or b)["chains"]),
            "change": "changed" if a and b else "added" if a else "removed",
            "status_before": b["status"] if b else "", "status_after": a["status"] if a else "",
        })
    return pd.DataFrame(rows, columns=PRODUCT_COLUMNS)


def _added_removed(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[tuple]:
    return [(key, before.get(key), after.get(key)) for key in sorted(before.keys() | after.keys())]


def _rows_by_id(store: Store, query: str, var: str) -> dict[str, dict[str, Any]]:
    """The rows of a SELECT keyed by the local id of the resource in ``var``."""
    return {vocab.local_id(r[var]): r for r in store.select(query).to_dict("records")}


def company_changes(old: Store, new: Store) -> pd.DataFrame:
    """Companies added or removed (``location``: zone or external)."""
    rows = []
    for cid, b, a in _added_removed(_rows_by_id(old, COMPANIES, "c"), _rows_by_id(new, COMPANIES, "c")):
        if a and b:
            continue
        row = a or b
        zh, en = _label_pair(cid, row)
        rows.append({"id": cid, "label_zh": zh, "label_en": en, "change": "added" if a else "removed",
                     "location": vocab.local_id(row["location"]) if not _missing(row["location"]) else ""})
    return pd.DataFrame(rows, columns=COMPANY_COLUMNS)


def indicator_changes(old: Store, new: Store) -> pd.DataFrame:
    """Indicators added, removed, or whose value changed."""
    rows = []
    for iid, b, a in _added_removed(_rows_by_id(old, INDICATORS, "i"), _rows_by_id(new, INDICATORS, "i")):
        value_b = None if not b or _missing(b["value"]) else float(b["value"])
        value_a = None if not a or _missing(a["value"]) else float(a["value"])
        if a and b and value_b == value_a:
            continue
        row = a or b
        zh, en = _label_pair(iid, a, b)
        rows.append({"id": iid, "label_zh": zh, "label_en": en,
                     "change": "changed" if a and b else "added" if a else "removed",
                     "value_before": value_b, "value_after": value_a,
                     "unit": "" if _missing(row["unit"]) else str(row["unit"]),
                     "year": None if _missing(row["year"]) else int(row["year"])})
    frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def completeness_changes(old_graph: Any, new_graph: Any) -> pd.DataFrame:
    """Each chain's completeness (:func:`kg.analysis.gaps.completeness`) before and after, with deltas
    (None for a chain in one version only)."""
    before = {r["chain"]: r for r in completeness(old_graph).to_dict("records")}
    after = {r["chain"]: r for r in completeness(new_graph).to_dict("records")}
    rows = []
    for chain in [*after, *(c for c in before if c not in after)]:
        b, a = before.get(chain), after.get(chain)
        zh, en = _label_pair(chain, a, b)
        row: dict[str, Any] = {"chain": chain, "label_zh": zh, "label_en": en}
        for name in ("products", "present", "planned", "completeness", "completeness_planned"):
            row[f"{name}_before"] = b[name] if b else None
            row[f"{name}_after"] = a[name] if a else None
        for name in ("completeness", "completeness_planned"):
            row[f"{name}_delta"] = round(a[name] - b[name], 4) if a and b else None
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COMPLETENESS_COLUMNS)
    for name in ("products", "present", "planned"):
        for side in ("before", "after"):
            frame[f"{name}_{side}"] = frame[f"{name}_{side}"].astype("Int64")
    return frame


def changes(old: Store, new: Store) -> Changes:
    """What moved from the graph in ``old`` to the graph in ``new`` (see :class:`Changes`)."""
    old_graph, new_graph = product_graph(old), product_graph(new)
    return Changes(
        projects=project_changes(old, new), products=product_changes(old_graph, new_graph),
        companies=company_changes(old, new), indicators=indicator_changes(old, new),
        completeness=completeness_changes(old_graph, new_graph),
    )


# ---------------------------------------------------------------- the old version

def version_store(old: Path, out: Path) -> Store:
    """The store of an older version of the dataset (a folder of tables or an .xlsx
    workbook), built into its own folder ``out/since-<fingerprint[:12]>`` (reused while the
    inputs are unchanged) and opened read-only."""
    old = Path(old)
    if not old.exists():
        raise KgError(f"--since: {old} not found (expected a folder of CSV tables or an .xlsx workbook)")
    if not (old.is_dir() or old.suffix.lower() == ".xlsx"):
        raise KgError(f"--since: {old} is neither a folder of CSV tables nor an .xlsx workbook")
    if old.is_dir() and not any(old.glob("*.csv")):
        raise KgError(f"--since: {old} holds no CSV tables")
    claim_folder(Path(out))  # the old version's build folder goes inside kg's own
    try:
        result = build(old, Path(out) / f"since-{fingerprint(old)[:12]}", turtle=False)  # only its store is read
    except DataErrors as exc:  # name the old version's files, not to be taken for the current ones
        def named(file: str) -> str:
            return str(old / file) if old.is_dir() else file if file.startswith(str(old)) else f"{old}, {file}"

        raise DataErrors([replace(i, file=named(i.file)) for i in exc.issues]) from exc
    return LocalStore(result.generation / "store")


# ---------------------------------------------------------------- one table for people

WORDS: dict[str, dict[str, str]] = {
    "zh": {"kind": "类别", "change": "变化", "id": "id", "label": "名称", "field": "字段", "before": "之前",
           "after": "之后", "direction": "方向",
           "project": "项目", "product": "产品", "company": "企业", "indicator": "指标", "chain": "产业链",
           "added": "新增", "removed": "删除", "changed": "变更", "forward": "推进", "backward": "回退",
           "unknown": "未说明", "status": "状态", "year": "年份", "investment": "投资额（元）",
           "products": "产品", "zone_status": "园区状态", "value": "数值", "completeness": "完整度（已有）",
           "completeness_planned": "完整度（含规划）", "zone": "园区内", "external": "园区外",
           "reserve": "谋划/储备", "signed": "签约", "approved": "获批", "under_construction": "开工/在建",
           "operating": "建成投产", "present": "已有", "planned": "在建/规划", "missing": "缺失"},
    "en": {"kind": "Kind", "change": "Change", "id": "id", "label": "Name", "field": "Field", "before": "Before",
           "after": "After", "direction": "Direction",
           "project": "project", "product": "product", "company": "company", "indicator": "indicator",
           "chain": "chain", "added": "added", "removed": "removed", "changed": "changed", "forward": "forward",
           "backward": "backward", "unknown": "unknown", "status": "status", "year": "year",
           "investment": "investment (CNY)", "products": "products", "zone_status": "zone status",
           "value": "value", "completeness": "completeness (present)",
           "completeness_planned": "completeness (present or planned)", "zone": "zone", "external": "external",
           "reserve": "reserve", "signed": "signed", "approved": "approved",
           "under_construction": "under construction", "operating": "operating", "present": "present",
           "planned": "planned", "missing": "missing"},
}


def _cell(value: Any) -> str:
    if _missing(value) or value is pd.NA or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:,.10g}"
    return str(value)


def change_rows(moved: Changes, lang: str = "zh") -> pd.DataFrame:
    """Every change as one row (kind, change, id, name, field, before, after, direction),
    headers and words in ``lang``: what the terminal, the report page and its workbook show.
    Chains appear only where their completeness moved."""
    if lang not in WORDS:
        raise KgError(f"unknown language {lang!r}; expected zh or en")
    w = WORDS[lang]
    rows: list[list[str]] = []

    def add(kind: str, r: dict[str, Any], key: str, field: str, before: Any, after: Any, way: str = "") -> None:
        rows.append([w[kind], w[r["change"]] if "change" in r else w["changed"], str(r[key]),
                     str(r[f"label_{lang}"]), w.get(field, field), before, after, w.get(way, way)])

    def word(value: str) -> str:
        return w.get(value, value)

    for r in moved.projects.to_dict("records"):
        if r["change"] != "changed":
            add("project", r, "id", "status", word(r["status_before"]), word(r["status_after"]))
            continue
        for field in r["fields"].split(";"):
            if field == "status":
                add("project", r, "id", "status", word(r["status_before"]), word(r["status_after"]), r["direction"])
            else:
                add("project", r, "id", field, _cell(r[f"{field}_before"]), _cell(r[f"{field}_after"]))
    for r in moved.products.to_dict("records"):
        add("product", r, "id", "zone_status", word(r["status_before"]), word(r["status_after"]))
    for r in moved.companies.to_dict("records"):
        add("company", r, "id", "", word(r["location"]) if r["change"] == "removed" else "",
            word(r["location"]) if r["change"] == "added" else "")
    for r in moved.indicators.to_dict("records"):
        add("indicator", r, "id", "value", _cell(r["value_before"]), _cell(r["value_after"]))
    for r in moved.completeness.to_dict("records"):
        if _missing(r["products_before"]) or _missing(r["products_after"]):  # a chain in one version only
            r = {**r, "change": "added" if _missing(r["products_before"]) else "removed"}
        for field in ("completeness", "completeness_planned"):
            b, a = r[f"{field}_before"], r[f"{field}_after"]
            if _missing(b) or _missing(a) or b != a:
                add("chain", r, "chain", field, "" if _missing(b) else f"{b:.1%}", "" if _missing(a) else f"{a:.1%}")
    headers = [w[k] for k in ("kind", "change", "id", "label", "field", "before", "after", "direction")]
    return pd.DataFrame(rows, columns=headers)
