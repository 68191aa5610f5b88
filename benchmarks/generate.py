"""Deterministic synthetic datasets in the CSV layout of ``data/``, for the scale benchmarks.

Nothing here is real: every id is a synthetic slug (``p-000123``, ``c-0004567``), every label
says it is synthetic (``合成产品 123`` / ``Synthetic product 123``), and every row cites a
source of kind ``user`` titled as generated, not real (the one ``synthetic`` source, or in
the ``wide`` shape a source of its own, ``s-00000123``).

The shape follows a national-size version of the shipped data: the fixed chain ids; per
chain, groups of products layered 6 to 12 deep (raw materials feed intermediates feed end
products), each product fed by one to three products of the layer before; a few percent of
flows cross chains; many companies per product (most outside the zone, so most products
have recruitment candidates), zone companies covering only part of each chain (so products
are present, planned and missing, and some have a single local producer); projects in every
status (and some with none), with years, investments and capacities. (The ``wide`` shape
at S has three products per chain, so its chains are shorter there.)

Sizes (data triples): S ≈ 10k, M ≈ 100k, L ≈ 1M, XL ≈ 5M. The shape (:class:`Shape`) is
apart from the size: producers per product, projects per product, and whether every row
cites the one synthetic source or a source of its own. Two named shapes (:data:`SHAPES`):
``base`` (about 12 producers per product, 0.6 projects per product, one source) and ``wide``
(about 5 producers per product, 5 projects per product, every row its own source)::

    python -m benchmarks.generate L /tmp/kg-L      # or: python benchmarks/generate.py L DIR
    python -m benchmarks.generate XL /tmp/kg-XL-wide --shape wide

>>> import tempfile
>>> counts = generate(Path(tempfile.mkdtemp()), 2_000)
>>> counts["products"] > 0
True
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg import vocab
from kg.tables.schema import TABLES

SIZES = {"S": 10_000, "M": 100_000, "L": 1_000_000, "XL": 5_000_000}
SOURCE = "synthetic"
STATUSES = (*vocab.PROJECT_STATUSES, "")  # every status, and projects whose source states none

# Rows per data triple of the base shape, measured on generated data (triples per row:
# product ≈ 10, flow ≈ 9, company ≈ 5, company_products ≈ 9, project ≈ 12, project_products ≈ 9).
PER_TRIPLE = {"products": 1 / 200, "companies": 1 / 19, "projects": 1 / 330}
TWO_PRODUCTS = 0.2  # share of companies that make a second product: 1.2 products per company


@dataclass(frozen=True)
class Shape:
    """The shape of a dataset apart from its size: rows per data triple of products,
    companies and projects (the rates that make the size), and whether every row cites a
    source of its own (``own_sources``) or all cite the one ``synthetic`` source."""

    name: str
    products: float
    companies: float
    projects: float
    own_sources: bool = False
    min_products: int = 60  # at the smallest sizes: the base shape's chains then stay 6 or more deep

    @classmethod
    def of(cls, name: str, products: float, producers: float, projects: float, own_sources: bool,
           min_products: int = 60) -> Shape:
        """A shape from ``products`` per data triple, ``producers`` (company–product rows)
        per product and ``projects`` per product."""
        return cls(name, products, products * producers / (1 + TWO_PRODUCTS), products * projects, own_sources,
                   min_products)

    @property
    def producers(self) -> float:
        """Company–product rows per product, before duplicates are dropped."""
        return self.companies * (1 + TWO_PRODUCTS) / self.products

    @property
    def projects_per_product(self) -> float:
        return self.projects / self.products


SHAPES = {
    "base": Shape("base", PER_TRIPLE["products"], PER_TRIPLE["companies"], PER_TRIPLE["projects"]),
    # About 440 triples per product (over a third of them the sources' own); calibrated by building
    # S, M and L. Three products per chain at least, so that S stays near 10k triples.
    "wide": Shape.of("wide", products=1 / 440, producers=5, projects=5, own_sources=True, min_products=21),
}


# The columns each generated row holds, in its order; the table's other columns stay empty.
ROW_COLUMNS = {
    "sources": "id title publisher date kind file url note",
    "park": "id label_zh label_en source quote",
    "chains": "id label_zh label_en kind description_zh description_en source quote",
    "products": "id label_zh label_en chains segment kind value_tier cas wikidata source quote note",
    "flows": "input output process_zh process_en source quote",
    "companies": "id label_zh label_en location source quote",
    "company_products": "company product inferred source quote",
    "projects": ("id label_zh label_en company chains status year investment_cny capacity capacity_unit source quote "
                 "note"),
    "project_products": "project product inferred source quote",
    "targets": "product source quote",
    "indicators": "id label_zh label_en value unit year kind chain source quote note",
    "assets": "id label_zh label_en kind chains products company source quote note",
}


class Citations:
    """One source per row (shape ``wide``): each row's source cell becomes a new source id,
    and :attr:`rows` collects the sources.csv rows those ids need."""

    def __init__(self, seed: int, shape: str):
        self.note = f"benchmarks/generate.py, seed {seed}, shape {shape}"
        self.rows: list[list] = []

    def __call__(self, name: str, rows: list[list]) -> None:
        column = ROW_COLUMNS[name].split().index("source")
        for row in rows:
            n = len(self.rows) + 1
            row[column] = f"s-{n:08d}"
            self.rows.append([row[column], f"Synthetic source {n} (generated, not real) 合成来源 {n}（生成，非真实）",
                              "kg benchmarks", "2026", "user", "", "", f"{self.note}, {name}.csv"])


def _write(folder: Path, name: str, rows: list[list], cite: Citations | None = None) -> None:
    columns = [c.name for c in TABLES[name].columns]
    held = ROW_COLUMNS[name].split()
    if cite is not None and name != "sources":
        cite(name, rows)
    with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[dict(zip(held, row)).get(c, "") for c in columns] for row in rows])


def _products_and_flows(rng: np.random.Generator, n_products: int) -> tuple[list[list], list[list], dict]:
    """Products in layered groups per chain, and the flows between them."""
    chains = vocab.CHAIN_IDS
    per_chain = np.full(len(chains), n_products // len(chains))
    per_chain[: n_products % len(chains)] += 1
    products: list[list] = []
    layer_of: dict[str, tuple[str, int, int]] = {}  # id -> (chain, layer, depth)
    groups: list[list[list[str]]] = []  # group -> layer -> product ids
    number = 0
    for chain, count in zip(chains, per_chain):
        left = int(count)
        while left > 0:
            depth = int(rng.integers(6, 13))
            size = min(left, max(depth, int(rng.integers(40, 120))))
            if left - size < 6:
                size = left
            depth = min(depth, size)
            # Wider in the middle of the chain than at its ends.
            weights = 1.0 + np.sin(np.linspace(0.3, np.pi - 0.3, depth))
            per_layer = 1 + np.floor(weights / weights.sum() * (size - depth)).astype(int)
            per_layer[depth // 2] += size - per_layer.sum()  # >= 0: the floors sum to at most size
            layers: list[list[str]] = []
            for layer, width in enumerate(per_layer):
                ids = []
                for _ in range(int(width)):
                    number += 1
                    pid = f"p-{number:06d}"
                    ids.append(pid)
                    layer_of[pid] = (chain, layer, depth)
                layers.append(ids)
            groups.append(layers)
            left -= size
    ids = list(layer_of)
    cross = set(rng.choice(len(ids), size=max(1, len(ids) // 30), replace=False).tolist())
    for i, pid in enumerate(ids):
        chain, layer, depth = layer_of[pid]
        chains_cell = chain
        if i in cross:
            other = chains[(chains.index(chain) + 1 + int(rng.integers(0, len(chains) - 1))) % len(chains)]
            chains_cell = f"{chain};{other}"
        segment = vocab.SEGMENTS[min(2, layer * 3 // depth)]
        if chain == "tourism":
            kind = "service"
        elif layer == 0:
            kind = "energy" if chain == "new-energy" and i % 3 == 0 else "raw_material"
        elif layer == depth - 1:
            kind = "end_product"
        else:
            kind = "intermediate"
        tier = str(1 + min(2, layer * 3 // depth))
        n = int(pid[2:])
        products.append([pid, f"合成产品 {n}", f"Synthetic product {n}", chains_cell, segment, kind, tier,
                         "", "", SOURCE, "", ""])

    flows: set[tuple[str, str]] = set()
    for layers in groups:
        for layer in range(1, len(layers)):
            below = layers[layer - 1]
            for j, pid in enumerate(layers[layer]):
                flows.add((below[j % len(below)], pid))  # every product has an input
                for _ in range(int(rng.integers(0, 3))):
                    flows.add((below[int(rng.integers(0, len(below)))], pid))
            for j, pid in enumerate(below):  # every product feeds something
                flows.add((pid, layers[layer][j % len(layers[layer])]))
    # Cross-chain flows: an early-layer product of one group feeds a later one of another.
    for _ in range(max(1, len(flows) // 25)):
        a, b = groups[int(rng.integers(0, len(groups)))], groups[int(rng.integers(0, len(groups)))]
        if a is b:
            continue
        la = int(rng.integers(0, len(a) - 1))
        if la + 1 >= len(b):
            continue
        lb = int(rng.integers(la + 1, len(b)))  # to a later layer: no cycle, no longer chain
        src, dst = a[la][int(rng.integers(0, len(a[la])))], b[lb][int(rng.integers(0, len(b[lb])))]
        flows.add((src, dst))
    flow_rows = []
    for k, (a, b) in enumerate(sorted(flows)):
        step = k % 50
        flow_rows.append([a, b, f"合成工艺 {step}", f"Synthetic process {step}", SOURCE, ""])
    return products, flow_rows, layer_of


def generate(folder: Path, triples: int, seed: int = 8, shape: Shape | str = "base") -> dict[str, int]:
    """Write a synthetic dataset of about ``triples`` data triples into ``folder``, in the
    ``shape`` (a :class:`Shape` or a name in :data:`SHAPES`); return the row count of each
    table. The same ``triples``, ``seed`` and shape give the same files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(shape, str):
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r}: use {', '.join(SHAPES)}")
        shape = SHAPES[shape]
    rng = np.random.default_rng(seed)
    n_products = max(shape.min_products, round(triples * shape.products))
    n_companies = max(20, round(triples * shape.companies))
    n_projects = max(10, round(triples * shape.projects))
    cite = Citations(seed, shape.name) if shape.own_sources else None
    if cite is None:
        title = "Synthetic benchmark data (generated, not real) 合成基准数据（生成，非真实）"
        _write(folder, "sources", [[SOURCE, title, "kg benchmarks", "2026", "user", "", "",
                                    f"benchmarks/generate.py, seed {seed}"]])

    def put(name: str, rows: list[list]) -> None:
        _write(folder, name, rows, cite)

    put("park", [["synthetic-park", "合成园区", "Synthetic park", SOURCE, ""]])
    put("chains", [[c, f"合成产业链 {c}", f"Synthetic chain {c}", "core" if c in vocab.CORE_CHAINS else "extension",
                    "", "", SOURCE, ""] for c in vocab.CHAIN_IDS])
    products, flows, layer_of = _products_and_flows(rng, n_products)
    put("products", products)
    put("flows", flows)
    ids = np.array(list(layer_of))

    # Zone companies make only part of each chain: products outside that part stay missing
    # (or planned), and the long tail of the part has a single local producer.
    n_zone = max(5, n_companies // 10)
    covered = rng.random(len(ids)) < 0.45
    zone_pool, all_pool = ids[covered], ids
    popularity = rng.zipf(1.6, size=len(all_pool)).astype(float)
    popularity /= popularity.sum()
    makes = 1 + (rng.random(n_companies) < TWO_PRODUCTS)  # one or two products each
    owner = np.repeat(np.arange(n_companies), makes)
    in_zone = owner < n_zone
    popular = rng.choice(len(all_pool), size=len(owner), p=popularity)
    uniform = rng.integers(0, len(all_pool), size=len(owner))
    external = np.where(rng.random(len(owner)) < 0.3, popular, uniform)
    made = np.where(in_zone, zone_pool[rng.integers(0, len(zone_pool), size=len(owner))], all_pool[external])
    companies = [[f"c-{k + 1:07d}", f"合成企业 {k + 1}", f"Synthetic company {k + 1}",
                  "zone" if k < n_zone else "external", SOURCE, ""] for k in range(n_companies)]
    links = {(f"c-{k + 1:07d}", str(pid)) for k, pid in zip(owner.tolist(), made.tolist())}
    put("companies", companies)
    put("company_products", [[c, p, "false", SOURCE, ""] for c, p in sorted(links)])

    zone_ids = [row[0] for row in companies[:n_zone]]
    projects, outputs = [], {}
    for k in range(n_projects):
        jid = f"j-{k + 1:06d}"
        status = STATUSES[k % len(STATUSES)]
        pid = str(ids[int(rng.integers(0, len(ids)))])
        chain = layer_of[pid][0]
        company = zone_ids[int(rng.integers(0, len(zone_ids)))] if k % 4 else ""
        year = str(2020 + k % 11)
        investment = str(int(rng.integers(1, 500)) * 10_000_000) if k % 3 else ""
        capacity, unit = (str(int(rng.integers(1, 100)) * 1000), "吨/年") if k % 2 else ("", "")
        projects.append([jid, f"合成项目 {k + 1}", f"Synthetic project {k + 1}", company, chain, status, year,
                         investment, capacity, unit, SOURCE, f"合成项目 {k + 1}", ""])
        outputs[(jid, pid)] = "false"
        if k % 3 == 0:
            outputs.setdefault((jid, str(ids[int(rng.integers(0, len(ids)))])), "true")
    put("projects", projects)
    put("project_products", [[j, p, outputs[j, p], SOURCE, ""] for j, p in sorted(outputs)])

    n_targets = max(3, len(ids) // 200)
    targets = sorted({str(p) for p in rng.choice(ids, size=n_targets, replace=False)})
    put("targets", [[p, SOURCE, f"合成招引方向 {p}"] for p in targets])
    indicators = [[f"i-{year}-{kind}", f"合成指标 {year} {kind}", f"Synthetic indicator {year} {kind}",
                   str(100 + year % 7), "个", str(year), kind, vocab.CHAIN_IDS[year % 7], SOURCE,
                   f"合成指标 {year}", ""]
                  for year in range(2020, 2031) for kind in vocab.INDICATOR_KINDS]
    put("indicators", indicators)
    put("assets", [[f"a-{c}", f"合成品牌 {c}", f"Synthetic brand {c}", "brand", c, "", "", SOURCE, "", ""]
                   for c in vocab.CHAIN_IDS])
    if cite is not None:
        _write(folder, "sources", cite.rows)
    return {"products": len(products), "flows": len(flows), "companies": len(companies),
            "company_products": len(links), "projects": len(projects), "project_products": len(outputs),
            "targets": len(targets), "indicators": len(indicators), "sources": len(cite.rows) if cite else 1}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic kg dataset (CSV tables).")
    parser.add_argument("size", help="S, M, L, XL or a number of triples")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--shape", choices=list(SHAPES), default="base",
                        help="base: about 12 producers and 0.6 projects per product, one source; "
                             "wide: about 5 producers and 5 projects per product, every row its own source")
    args = parser.parse_args(argv)
    triples = SIZES[args.size] if args.size in SIZES else int(args.size)
    counts = generate(args.folder, triples, args.seed, args.shape)
    print(", ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
