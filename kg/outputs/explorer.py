"""The interactive explorer: the product-flow graph as one self-contained, offline HTML page.

``explorer_html(G)`` turns the product graph (``kg.store.projection.product_graph``, with the gap
attributes ``kg.analysis.gaps.analyse`` adds) into a page a leader can open from a USB stick: products
coloured by chain, shaped by status, sized by recruitment priority, flows as arrows from
upstream (left) to downstream (right), a side panel explaining each product, filters by
chain, status and gap, and a search by Chinese or English name.

Why it is safe to open anywhere:
- offline: vis-network's script and style are copied into the page from the pyvis package;
  the page's own script and style are inline; fonts are the viewer's. No URL is fetched.
- escaped: the data travels as JSON inside ``<script type="application/json">`` with ``<``,
  ``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX``, so no text can close the tag; the page
  puts every text into the panel with ``textContent``; node labels are drawn on a canvas.
- never spins: positions are computed here (x by longest flow path from the raw materials,
  one horizontal band per chain), physics is off.

>>> import networkx as nx
>>> G = nx.DiGraph(chains={"salt": {"label_zh": "盐化工", "label_en": "Salt", "kind": "core"}})
>>> G.add_node("salt", label_zh="原盐", label_en="Salt", chains=["salt"], status="present")
>>> G.add_node("sodium", label_zh="金属钠", label_en="Sodium", chains=["salt"], status="missing")
>>> G.add_edge("salt", "sodium")
>>> page = explorer_html(G, lang="en")
>>> page.startswith("<!DOCTYPE html>") and "http://" not in page.split("<script", 1)[0]
True
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from kg import vocab
from kg.analysis.gaps import COMPONENT_LABELS, GAP_LABELS
from kg.errors import KgError
from kg.files import write_atomic
from kg.graph.mapping import KIND_CLASS
from kg.paths import ontology_file

# Colours of the fixed chains (colour-blind-aware, distinct on white); other parks' chains
# take the fallback colours in the order of their chains table.
CHAIN_COLOURS = {
    "salt": "#4E79A7",
    "coal": "#7F6A5A",
    "fine": "#B07AA1",
    "fluorine": "#59A14F",
    "new-energy": "#F28E2B",
    "agri": "#B59A1E",
    "tourism": "#3FA7B5",
}
FALLBACK_COLOURS = ("#E15759", "#D37295", "#499894", "#8CD17D", "#A0CBE8", "#9D7660", "#BAB0AC")
NO_CHAIN_COLOUR = "#888888"

# How each product status is drawn (shape, fill, border): legend and nodes share this table.
STATUS_STYLE = {
    "present": {"shape": "dot", "fill": 0.0, "border": 2, "dashes": False},
    "planned": {"shape": "diamond", "fill": 0.55, "border": 3, "dashes": False},
    "missing": {"shape": "square", "fill": 0.82, "border": 3, "dashes": True},
}

TOP = 15  # how many of the highest-priority products the panel lists before a click
BASE_SIZE = 14
PRIORITY_SIZE = 26  # a product with score 1 is drawn BASE_SIZE + PRIORITY_SIZE

UI = {
    "title": ("产业链图谱", "Industry-chain graph"),
    "chains": ("产业链", "Chains"),
    "status": ("状态", "Status"),
    "gaps_only": ("只看缺口", "Gaps only"),
    "search": ("搜索产品（中文或英文）", "Search products (Chinese or English)"),
    "shown": ("显示产品", "Products shown"),
    "legend": ("图例", "Legend"),
    "size": ("节点越大，招引优先级越高", "Larger node = higher recruitment priority"),
    "multi": ("属于多条产业链：填充为第一条链的颜色，外圈为第二条链的颜色",
              "In several chains: fill in the first chain's colour, ring in the second's"),
    "arrow": ("箭头：原料 → 产品（上游在左，下游在右）", "Arrow: input → output (upstream left, downstream right)"),
    "hint": ("将鼠标移到产品上查看说明，点击固定。", "Hover over a product to explain it; click to keep it here."),
    "chain": ("产业链", "Chain"),
    "segment": ("环节", "Segment"),
    "kind": ("类别", "Kind"),
    "value_tier": ("价值层级", "Value tier"),
    "gap": ("缺口类型", "Gap type"),
    "score": ("招引优先级", "Recruitment priority"),
    "components": ("评分构成", "Score components"),
    "producers": ("园区内生产企业", "Local producers"),
    "named_by": ("园区品牌或资源（未列出生产企业）", "Named by a brand or place of the zone (no producer named)"),
    "evidence": ("状态依据", "Why this status"),
    "rule:producer": ("区内企业生产", "made by a zone company"),
    "rule:project": ("项目", "a project"),
    "rule:brand": ("园区品牌", "a brand of the zone"),
    "rule:resource": ("园区资源", "a resource the zone holds"),
    "rule:activity": ("指标所述活动", "activity an indicator states"),
    "rule:co_product": ("联产/副产（同一工艺）", "co-product or by-product of a process run in the zone"),
    "rule:captive": ("厂内自用中间体", "intermediate made inside a zone plant"),
    "candidates": ("可招引企业（园区外）", "Companies to approach (outside the zone)"),
    "projects": ("项目", "Projects"),
    "inputs": ("原料（来自）", "Inputs (from)"),
    "outputs": ("下游产品（流向）", "Outputs (to)"),
    "targeted": ("来源中明确提出招引", "Targeted in a source"),
    "sources": ("来源", "Sources"),
    "none": ("无", "none"),
    "no_chain": ("未归入产业链", "In no chain"),
    "only": ("仅", "only"),
    "only_title": ("只显示这条产业链", "Show this chain only"),
    "top": ("招引优先级最高的产品", "Products most worth recruiting"),
    "inferred": ("由项目名称推断", "inferred from the project name"),
    "no_status": ("状态未说明", "status not stated"),
    "investment_unit": ("亿元", "CNY bn"),
    "no_match": ("没有匹配的产品", "No matching product"),
    "hidden_match": ("（已被筛选隐藏）", " (hidden by the filters)"),
}


@functools.lru_cache(maxsize=1)
def vocabulary_labels() -> dict[str, tuple[str, str]]:
    """Chinese and English labels of the ontology's terms (statuses, segments, kinds...),
    read from the shipped ``kg.ttl``: ``{"present": ("已有", "present"), ...}``."""
    import pyoxigraph as ox

    store = ox.Store()
    with open(ontology_file(), "rb") as handle:
        store.load(handle, ox.RdfFormat.TURTLE)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    query = ("SELECT ?t ?l WHERE { ?t <http://www.w3.org/2000/01/rdf-schema#label> ?l "
             f"FILTER(STRSTARTS(STR(?t), \"{vocab.ONTOLOGY_NS}\")) }}")
    for row in store.query(query):
        labels[row["t"].value[len(vocab.ONTOLOGY_NS):]][row["l"].language or ""] = row["l"].value
    return {name: (v.get("zh", name), v.get("en", name)) for name, v in labels.items()}


def _mix(colour: str, weight: float) -> str:
    """``colour`` mixed with white: weight 0 keeps it, 1 gives white."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * weight):02x}" for c in rgb)


def _darken(colour: str, factor: float = 0.65) -> str:
    return "#" + "".join(f"{round(int(colour[i:i + 2], 16) * factor):02x}" for i in (1, 3, 5))


def chain_colours(chain_ids: Iterable[str]) -> dict[str, str]:
    """A colour per chain id: the fixed chains keep theirs, others take the fallbacks in order."""
    colours: dict[str, str] = {}
    spare = iter(FALLBACK_COLOURS * 20)
    for cid in chain_ids:
        colours[cid] = CHAIN_COLOURS.get(cid) or next(spare)
    return colours


def _chain_order(G: nx.DiGraph) -> list[str]:
    """Chain ids in display order: the fixed chains in their design order (the five core
    chains, then the two extensions), then any other chain of the graph by id."""
    ids = set(G.graph.get("chains", {}))
    for _, chains in G.nodes(data="chains"):
        ids.update(chains or ())
    return [c for c in vocab.CHAIN_IDS if c in ids] + sorted(ids - set(vocab.CHAIN_IDS))


def _sorted_chains(chains: Iterable[str] | None, order: list[str]) -> list[str]:
    rank = {c: i for i, c in enumerate(order)}
    return sorted(set(chains or ()), key=lambda c: (rank.get(c, len(rank)), c))


def flow_depth(G: nx.DiGraph) -> dict[Any, int]:
    """Longest flow path from a raw material to each product (0 for products with no input).
    Products in a cycle share the depth of their strongly connected component."""
    condensed = nx.condensation(G)
    depth: dict[int, int] = {}
    for comp in nx.topological_sort(condensed):
        depth[comp] = max((depth[p] + 1 for p in condensed.predecessors(comp)), default=0)
    members = condensed.graph["mapping"]
    return {node: depth[members[node]] for node in G}


def _band_layout(G: nx.DiGraph, depth: dict, cap: int, x_step: float, y_step: float) -> tuple[dict, list[dict]]:
    """Positions for one column height ``cap`` and the bands (chain, top, bottom)."""
    order = _chain_order(G)
    band_of = {n: (_sorted_chains(G.nodes[n].get("chains"), order) or [""])[0] for n in G}
    bands = [c for c in [*order, ""] if c in set(band_of.values())]
    isolated = {n for n in G if G.degree(n) == 0}
    max_depth = max((depth[n] for n in G if n not in isolated), default=0)

    columns: dict[tuple[str, int], list] = defaultdict(list)
    for n in G:
        if n not in isolated:
            columns[band_of[n], depth[n]].append(n)
    wraps = {key: max(1, math.ceil(len(nodes) / cap)) for key, nodes in columns.items()}
    widths = [max((wraps.get((b, d), 1) for b in bands), default=1) for d in range(max_depth + 1)]
    x_of_depth = [sum(widths[:d]) * x_step for d in range(max_depth + 1)]
    total_width = sum(widths)

    def segment_rank(n) -> int:
        seg = G.nodes[n].get("segment")
        return vocab.SEGMENTS.index(seg) if seg in vocab.SEGMENTS else len(vocab.SEGMENTS)

    pos: dict[Any, tuple[float, float]] = {}
    band_boxes = []
    top = 0.0
    for band in bands:
        rows = max((math.ceil(len(columns[band, d]) / wraps[band, d]) for d in range(max_depth + 1)
                    if (band, d) in columns), default=0)
        for d in range(max_depth + 1):
            nodes = columns.get((band, d))
            if not nodes:
                continue
            # Order a column by where its inputs sit (barycentre), so arrows stay short.
            bary = {}
            for n in nodes:
                ys = [pos[p][1] for p in G.predecessors(n) if p in pos]
                bary[n] = sum(ys) / len(ys) if ys else -1.0
            nodes.sort(key=lambda n: (bary[n], segment_rank(n), str(n)))
            cols = wraps[band, d]
            per_col = math.ceil(len(nodes) / cols)
            sub_step = x_step * widths[d] / cols
            for i, n in enumerate(nodes):
                c, r = divmod(i, per_col)
                height = min(per_col, len(nodes) - c * per_col)
                pos[n] = (x_of_depth[d] + c * sub_step, top + ((rows - height) / 2 + r) * y_step)
        height = rows * y_step
        lonely = sorted((n for n in isolated if band_of[n] == band), key=str)
        if lonely:
            cols = max(total_width, math.ceil(math.sqrt(len(lonely))))
            for i, n in enumerate(lonely):
                r, c = divmod(i, cols)
                pos[n] = (c * x_step, top + height + r * y_step)
            height += math.ceil(len(lonely) / cols) * y_step
        band_boxes.append({"chain": band, "top": top - y_step / 2, "bottom": top + height - y_step / 2})
        top += height + y_step  # a gap between bands
    return pos, band_boxes


def layout(G: nx.DiGraph, x_step: float = 210.0, y_step: float = 76.0, aspect: float = 1.2,
           bands: list | None = None) -> dict[Any, tuple[float, float]]:
    """Positions for the explorer: x from upstream (left) to downstream (right) by
    ``flow_depth``; one horizontal band per chain (a product sits in its first chain's band),
    in the chains' design order; inside a band each column is ordered by where its inputs sit,
    to keep arrows short. Tall columns wrap into side-by-side sub-columns, at the height that
    brings the whole picture closest to ``aspect`` (width / height), so 50 or 2,000 products
    fill a screen; products with no flow at all sit in a grid at the foot of their band.
    Pass a list as ``bands`` to receive each band's ``{"chain", "top", "bottom"}``.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    >>> sorted((n, x) for n, (x, y) in layout(G).items())
    [('a', 0.0), ('b', 210.0), ('c', 420.0)]
    """
    if not len(G):
        return {}
    depth = flow_depth(G)
    tallest = max(Counter(depth.values()).values())
    best = None
    caps, cap = [], float(tallest)
    while cap > 2:
        caps.append(math.ceil(cap))
        cap /= 1.25
    for cap in sorted({*caps, 2}, reverse=True):
        pos, boxes = _band_layout(G, depth, cap, x_step, y_step)
        xs = [x for x, _ in pos.values()]
        width = max(xs) - min(xs) + x_step
        height = boxes[-1]["bottom"] - boxes[0]["top"]
        miss = abs(math.log(width / max(height, y_step) / aspect))
        if best is None or miss < best[0] - 1e-9:
            best = (miss, pos, boxes)
    _, pos, boxes = best
    if bands is not None:
        bands[:] = boxes
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def select_products(G: nx.DiGraph, chains: Iterable[str] | None = None, gaps_only: bool = False) -> nx.DiGraph:
    """The part of G the page shows: products in any of ``chains`` (all when None), and with
    ``gaps_only`` only products with at least one gap type; flows between the kept products."""
    keep = set(G)
    if chains:
        wanted = set(chains)
        known = set(_chain_order(G))
        unknown = sorted(wanted - known)
        if unknown:
            raise KgError(f"unknown chain id(s): {', '.join(unknown)}; the graph has: {', '.join(sorted(known))}")
        keep = {n for n in keep if wanted & set(G.nodes[n].get("chains") or ())}
    if gaps_only:
        keep = {n for n in keep if G.nodes[n].get("gap_types")}
    sub = G.subgraph(keep).copy()
    sub.graph.update(G.graph)
    return sub


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _plain(value: Any) -> Any:
    """Plain JSON data (str/int/float/bool/list/dict) from what the graph carries."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return str(value)


def _node_style(attrs: dict, colours: dict[str, str], order: list[str], lang: str) -> dict:
    chains = _sorted_chains(attrs.get("chains"), order)
    first = colours.get(chains[0], NO_CHAIN_COLOUR) if chains else NO_CHAIN_COLOUR
    status = attrs.get("status") if attrs.get("status") in STATUS_STYLE else "missing"
    style = STATUS_STYLE[status]
    if len(chains) > 1:
        ring, width = colours.get(chains[1], NO_CHAIN_COLOUR), style["border"] + 2
    else:
        ring, width = (_darken(first) if status == "present" else first), style["border"]
    fill = _mix(first, style["fill"])
    score = attrs.get("score")
    size = BASE_SIZE + (PRIORITY_SIZE * float(score) if isinstance(score, (int, float)) and score == score else 0)
    idx = 0 if lang == "zh" else 1
    label = _text(attrs.get("label_zh" if lang == "zh" else "label_en")) or _text(
        attrs.get("label_en" if lang == "zh" else "label_zh"))
    tags = [GAP_LABELS[g][idx] for g in attrs.get("gap_types") or () if g in GAP_LABELS and g != "missing"]
    if tags:
        label += "\n" + "·".join(tags)
    colour = {"background": fill, "border": ring}
    return {
        "label": label,
        "shape": style["shape"],
        "size": round(size, 2),
        "borderWidth": width,
        "borderWidthSelected": width + 2,
        "shapeProperties": {"borderDashes": [6, 4] if style["dashes"] else False},
        "color": {**colour, "highlight": {"background": fill, "border": "#111111"},
                  "hover": {"background": fill, "border": "#111111"}},
        # Local products' names are larger, so the overview still reads what the zone has.
        "font": {"color": "#6f6f6f", "size": 15} if status == "missing" else {"color": "#1f1f1f", "size": 22},
    }


def explorer_data(G: nx.DiGraph, chains: Iterable[str] | None = None, gaps_only: bool = False,
                  lang: str = "zh", sources: Mapping[str, str] | None = None) -> dict:
    """The data the page draws, as plain JSON-ready values: ``{"nodes": [...], "edges":
    [...], "chains": [...], "ui": {...}, "terms": {...}}``. Each node holds its vis-network
    drawing (position, shape, colour, size, label) and under ``info`` everything the panel
    explains; ``explorer_html`` embeds exactly this. ``sources`` (source id → title) lets the
    panel name a product's sources by title instead of id."""
    if lang not in ("zh", "en"):
        raise KgError(f"unknown language {lang!r}: use zh or en")
    sub = select_products(G, chains, gaps_only)
    order = _chain_order(G)
    colours = chain_colours(order)
    band_boxes: list[dict] = []
    pos = layout(sub, bands=band_boxes)
    info_keys = ("iri", "label_zh", "label_en", "chains", "segment", "kind", "value_tier", "status",
                 "producers", "named_by", "candidates", "projects", "targeted", "target_quotes", "sources",
                 "gap_types", "score", "components", "status_basis", "evidence")
    nodes = []
    for n, attrs in sub.nodes(data=True):
        x, y = pos[n]
        info = {k: _plain(attrs.get(k)) for k in info_keys}
        info["chains"] = _sorted_chains(attrs.get("chains"), order)
        info["sources"] = [{"id": str(s), "title": _text((sources or {}).get(s))} for s in attrs.get("sources") or ()]
        info["inputs"] = [str(p) for p in sub.predecessors(n)]
        info["outputs"] = [str(s) for s in sub.successors(n)]
        nodes.append({"id": str(n), "x": x, "y": y, **_node_style(attrs, colours, order, lang), "info": info})
    edges = []
    for i, (u, v) in enumerate(sub.edges()):
        faint = "missing" in (sub.nodes[u].get("status"), sub.nodes[v].get("status"))
        edges.append({"id": f"e{i}", "from": str(u), "to": str(v), "dashes": faint})
    chain_meta = G.graph.get("chains", {})
    shown = {c for n in sub for c in sub.nodes[n].get("chains") or ()}
    chain_list = [{"id": c, "label_zh": _text(chain_meta.get(c, {}).get("label_zh")) or c,
                   "label_en": _text(chain_meta.get(c, {}).get("label_en")) or c,
                   "kind": _text(chain_meta.get(c, {}).get("kind")), "colour": colours[c]}
                  for c in order if c in shown]
    if any(not sub.nodes[n].get("chains") for n in sub):
        chain_list.append({"id": "", "label_zh": UI["no_chain"][0], "label_en": UI["no_chain"][1], "kind": "",
                           "colour": NO_CHAIN_COLOUR})
    # A layout of each chain alone, used when the page shows a single chain.
    chain_layouts = {}
    if len(chain_list) > 1:
        for c in chain_list:
            members = [n for n in sub if (c["id"] in (sub.nodes[n].get("chains") or ())) or
                       (not c["id"] and not sub.nodes[n].get("chains"))]
            alone = nx.DiGraph(sub.subgraph(members).edges)
            alone.add_nodes_from(members, chains=[c["id"]] if c["id"] else [])  # one band: this chain's
            for n in members:
                alone.nodes[n]["segment"] = sub.nodes[n].get("segment")
            boxes: list[dict] = []
            own = layout(alone, bands=boxes)
            chain_layouts[c["id"]] = {"bands": boxes, "pos": {str(n): list(xy) for n, xy in own.items()}}
    idx = 0 if lang == "zh" else 1
    # the sidebar's top: the recruit list, as kg gaps --ranking shows it (missing products only)
    ranked = sorted((n for n in sub if isinstance(sub.nodes[n].get("score"), (int, float))
                     and sub.nodes[n].get("status") == "missing" and sub.nodes[n].get("list") == "recruit"),
                    key=lambda n: (-float(sub.nodes[n]["score"]), str(n)))
    labels = vocabulary_labels()
    terms = {k: list(v) for k, v in labels.items()}
    terms.update({kind: list(labels[cls]) for kind, cls in KIND_CLASS.items() if cls in labels})
    terms.update({f"gap:{k}": list(v) for k, v in GAP_LABELS.items()})
    terms.update({f"component:{k}": list(v) for k, v in COMPONENT_LABELS.items()})
    return {
        "lang": lang,
        "nodes": nodes,
        "edges": edges,
        "chains": chain_list,
        "bands": band_boxes,
        "chain_layouts": chain_layouts,
        "top": [str(n) for n in ranked[:TOP]],
        "statuses": [{"id": s, **{k: v for k, v in STATUS_STYLE[s].items()}} for s in vocab.PRODUCT_STATUSES],
        "project_statuses": list(vocab.PROJECT_STATUSES),
        "ui": {k: v[idx] for k, v in UI.items()},
        "terms": terms,
    }


def script_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: ``<``, ``>``, ``&``, U+2028 and U+2029
    are written as ``\\uXXXX`` escapes, so no string in it can end the element or start a
    comment, and ``JSON.parse`` gives back exactly the same strings.

    >>> script_json({"q": "</script><b>"})
    '{"q": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


@functools.lru_cache(maxsize=1)
def _vis_network() -> tuple[str, str]:
    """vis-network's script and style, as shipped inside the pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    for name, text, closing in (("vis-network.min.js", js, "</script"), ("vis-network.css", css, "</style")):
        if closing in text.lower() or "<!--" in text:
            raise KgError(f"{lib / name} contains {closing!r} or '<!--' and cannot be inlined safely")
    return js, css


_TEMPLATE_FILE = Path(__file__).resolve().parent / "explorer_page.html"
_MARKERS = re.compile(r"/\*VIS_CSS\*/|/\*VIS_JS\*/|__DATA__|__LANG__|__TITLE__")


def explorer_html(G: nx.DiGraph, chains: Iterable[str] | None = None, gaps_only: bool = False,
                  lang: str = "zh", sources: Mapping[str, str] | None = None) -> str:
    """One self-contained HTML page (a str) exploring the product graph G: see the module
    docstring for what it shows and why it works offline and safely. ``chains`` keeps only
    the products of those chain ids, ``gaps_only`` only the products with a gap type;
    ``lang`` is the language of the labels and controls (both languages are in the panel);
    ``sources`` maps source ids to titles for the panel."""
    data = explorer_data(G, chains, gaps_only, lang, sources)
    js, css = _vis_network()
    title = UI["title"][0 if lang == "zh" else 1]
    page = _TEMPLATE_FILE.read_text(encoding="utf-8")
    parts = {"/*VIS_CSS*/": css, "/*VIS_JS*/": js, "__DATA__": script_json(data),
             "__LANG__": lang, "__TITLE__": title}
    # One pass: an inserted text is never scanned again for markers.
    return _MARKERS.sub(lambda m: parts[m.group(0)], page)


def write_explorer(G: nx.DiGraph, path: Path, chains: Iterable[str] | None = None, gaps_only: bool = False,
                   lang: str = "zh", sources: Mapping[str, str] | None = None) -> Path:
    """Write ``explorer_html(G, ...)`` to ``path`` as UTF-8, all at once or not at all."""
    path = Path(path)
    write_atomic(path, explorer_html(G, chains, gaps_only, lang, sources).encode("utf-8"))
    return path
