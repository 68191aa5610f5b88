"""What-if: add hypothetical producers or projects and see how the chains change.

A planner asks "if we landed these projects, which gaps close, which open, and how much more
complete is each chain?". :func:`whatif` copies the product graph, marks the added products
as made in the zone, runs :func:`kg.analysis.gaps.analyse` on both graphs and compares them.

Projects come from a CSV file with one row per project and product (the shape of
``project_products.csv`` with the project's status beside it). Columns:

========== ======== ===============================================================
column     required meaning
========== ======== ===============================================================
project    yes      an id for the hypothetical project (a-z, 0-9, ``-``, ``_``, ``.``)
product    yes      the id of a product in the graph that the project would make
status     no       reserve, signed, approved, under_construction or operating;
                    ``operating`` makes the product ``present``, any other status
                    (or none) makes it ``planned``
label_zh   no       the project's name in Chinese
label_en   no       the project's name in English
company    no       who would run it (free text)
year       no       the year, e.g. 2027
========== ======== ===============================================================

>>> import networkx as nx
>>> G = nx.DiGraph()
>>> G.add_node("a", status="present", chains=["salt"])
>>> G.add_node("b", status="missing", chains=["salt"])
>>> G.add_edge("a", "b")
>>> result = whatif(G, add_products=["b"])
>>> result.completeness[["chain", "completeness_before", "completeness_after"]].values.tolist()
[['salt', 0.5, 1.0]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from kg import vocab
from kg.analysis.gaps import GapAnalysis, _chain_order, analyse, local_suppliers
from kg.errors import KgError
from kg.tables.read import DataErrors, DataIssue, _bad, _check_column, _check_keys, decode, parse_csv
from kg.tables.schema import Column, Table

PROJECTS_TABLE = Table(
    "whatif_projects",
    (
        Column("project", "id", True, doc="id of the hypothetical project"),
        Column("product", "text", True, doc="id of a product in the graph"),
        Column("status", "enum", choices=vocab.PROJECT_STATUSES),
        Column("label_zh"),
        Column("label_en"),
        Column("company"),
        Column("year", "int"),
    ),
    ("project", "product"),
    facts=False,
    doc="hypothetical projects for kg whatif",
)

HYPOTHETICAL = {"id": "whatif", "label_zh": "假设的本地企业", "label_en": "hypothetical local producer"}


@dataclass
class WhatIf:
    """Before and after: ``completeness`` per chain (``*_before``, ``*_after``, ``delta``),
    the gaps ``closed`` and ``opened`` (id, chain, gap_type, reasons), the products whose
    status ``changed``, and the two full analyses."""

    completeness: pd.DataFrame
    closed: pd.DataFrame
    opened: pd.DataFrame
    changed: pd.DataFrame
    before: GapAnalysis
    after: GapAnalysis


def read_projects(path: Path, G: nx.DiGraph) -> pd.DataFrame:
    """The hypothetical projects of a CSV file, checked: every problem is raised at once as
    :class:`kg.tables.read.DataErrors` naming the file, row and column."""
    path = Path(path)
    issues: list[DataIssue] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KgError(f"cannot read the projects file {path}: {exc}") from exc
    text = decode(raw, path.name, issues)
    frame = parse_csv(text, PROJECTS_TABLE, path.name, issues) if text else None
    if frame is None:
        raise DataErrors(issues or [DataIssue(path.name, None, None, None, "the file is empty")])
    table = Table(path.name.removesuffix(".csv"), PROJECTS_TABLE.columns, PROJECTS_TABLE.key, facts=False)
    for col in table.columns:
        _check_column(frame, table, col, {}, issues)
    _check_keys(frame, table, issues)
    known = frame["product"].astype(str).isin(set(G.nodes)) | (frame["product"].astype(str) == "")
    _bad(frame, ~known, path.name, "product", "is not a product id in the graph", issues)
    if any(i.severity == "error" for i in issues):
        raise DataErrors(issues)
    return frame


def apply_changes(G: nx.DiGraph, add_products: Iterable[str] = (),
                  projects: pd.DataFrame | None = None) -> nx.DiGraph:
    """A copy of ``G`` where each of ``add_products`` has a hypothetical local producer
    (status ``present``) and each project row makes its product ``present`` (operating) or
    ``planned`` (any other status); ``G`` itself is left as it was."""
    H = G.copy()
    unknown = [p for p in add_products if p not in H]
    if unknown:
        raise KgError("unknown product id(s): " + ", ".join(unknown))
    for p in add_products:
        data = H.nodes[p]
        data["unnamed_supply"] = data.get("status") == "present" and not local_suppliers(G, p)
        data["producers"] = [*(data.get("producers") or []), dict(HYPOTHETICAL)]
        data["status"] = "present"
    if projects is not None:
        for row in projects.to_dict("records"):
            p = str(row["product"])
            if p not in H:
                raise KgError(f"unknown product id: {p}")
            data = H.nodes[p]
            status = str(row.get("status") or "") or None
            project = {"id": str(row["project"]), "label_zh": str(row.get("label_zh") or row["project"]),
                       "label_en": str(row.get("label_en") or row["project"]), "status": status,
                       "year": int(row["year"]) if str(row.get("year") or "") else None,
                       "investment_cny": None, "company": str(row.get("company") or "") or None,
                       "inferred": False}
            data.setdefault("unnamed_supply", data.get("status") == "present" and not local_suppliers(G, p))
            data["projects"] = [*(data.get("projects") or []), project]
            if status == "operating":
                data["status"] = "present"
            elif data.get("status") != "present":
                data["status"] = "planned"
    return H


def _compare_completeness(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    keep = ["chain", "label_zh", "label_en"]
    values = ["present", "planned", "missing", "completeness", "completeness_planned"]
    merged = before[keep + values].merge(after[["chain", *values]], on="chain", how="outer",
                                         suffixes=("_before", "_after"))
    merged = merged.sort_values("chain", key=lambda c: c.map(_chain_order), kind="mergesort")
    merged["delta"] = (merged["completeness_after"] - merged["completeness_before"]).round(4)
    merged["delta_planned"] = (merged["completeness_planned_after"] - merged["completeness_planned_before"]).round(4)
    order = keep + [f"{v}_{w}" for v in ("completeness", "completeness_planned") for w in ("before", "after")]
    order += ["delta", "delta_planned"] + [f"{v}_{w}" for v in values[:3] for w in ("before", "after")]
    return merged[order].reset_index(drop=True)


def _gap_diff(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Rows of gaps ``left`` whose (id, chain, gap_type) is not in ``right``."""
    key = ["id", "chain", "gap_type"]
    right_keys = set(map(tuple, right[key].values.tolist()))
    mask = pd.Series([tuple(k) not in right_keys for k in left[key].values.tolist()], index=left.index, dtype=bool)
    columns = ["id", "label_zh", "label_en", "chain", "gap_type", "reason_zh", "reason_en"]
    order = left["gap_type"].map(vocab.GAP_TYPES.index)
    return (left.assign(_t=order).loc[mask].sort_values(["id", "chain", "_t"])[columns].reset_index(drop=True))


def whatif(G: nx.DiGraph, add_products: Iterable[str] = (), projects: pd.DataFrame | Path | str | None = None,
           weights: Mapping[str, float] | None = None) -> WhatIf:
    """Completeness per chain before and after adding local producers of ``add_products``
    and the hypothetical ``projects`` (a checked frame or a CSV path, see the module doc),
    with the gaps that close and open. ``G`` is not changed apart from the analysis
    attributes :func:`kg.analysis.gaps.analyse` sets on it."""
    add_products = list(add_products)
    if projects is not None and not isinstance(projects, pd.DataFrame):
        projects = read_projects(Path(projects), G)
    H = apply_changes(G, add_products, projects)
    before = analyse(G, weights)
    after = analyse(H, weights)
    changed = [
        {"id": p, "label_zh": G.nodes[p].get("label_zh", p), "label_en": G.nodes[p].get("label_en", p),
         "status_before": G.nodes[p].get("status", "missing"), "status_after": H.nodes[p].get("status", "missing")}
        for p in sorted(G.nodes) if G.nodes[p].get("status") != H.nodes[p].get("status")
    ]
    return WhatIf(
        completeness=_compare_completeness(before.completeness, after.completeness),
        closed=_gap_diff(before.gaps, after.gaps),
        opened=_gap_diff(after.gaps, before.gaps),
        changed=pd.DataFrame(changed, columns=["id", "label_zh", "label_en", "status_before", "status_after"]),
        before=before, after=after,
    )

