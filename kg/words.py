"""Every word kg shows people, in Chinese and English, in one place.

The command line, the report page, the workbook and the explorer all read their names of
things from here — gap types, statuses (with the derivation a status rests on), score
components, list names, gates, chain kinds, source kinds and the column headers they share —
so the same thing is called the same everywhere and they cannot drift apart. Each entry is
``key: (zh, en)``; :func:`word` picks one language.

>>> word(GAP_TYPES, "weak", "zh")
'弱链'
>>> status_text("present", "co_product", "en")
'present (co-product)'
>>> score_text(0.4)
'0.400'
"""

from __future__ import annotations

from collections.abc import Mapping

Words = Mapping[str, tuple[str, str]]

LANGS = ("zh", "en")

GAP_TYPES: Words = {
    "missing": ("缺链", "missing"),
    "weak": ("弱链", "weak"),
    "upstream_break": ("断链", "upstream break"),
    "downstream_break": ("延链", "downstream break"),
}

PRODUCT_STATUSES: Words = {
    "present": ("已有", "present"),
    "planned": ("在建/规划", "planned"),
    "missing": ("缺失", "missing"),
}

PROJECT_STATUSES: Words = {
    "reserve": ("谋划/储备", "reserve"),
    "signed": ("签约", "signed"),
    "approved": ("获批", "approved"),
    "under_construction": ("开工/在建", "under construction"),
    "operating": ("建成投产", "operating"),
}

STATUS_BASES: Words = {
    "brand": ("品牌", "brand"),
    "resource": ("资源", "resource"),
    "activity": ("指标所述活动", "activity"),
    "co_product": ("联产/副产", "co-product"),
    "captive": ("厂内中间体", "captive"),
}
"""The derivation a product's status rests on when no producer or project is named, shown
beside the status, never silently: 已有（联产/副产）, present (co-product)."""

EVIDENCE_RULES: Words = {
    "producer": ("区内企业生产", "made by a zone company"),
    "project": ("项目", "a project"),
    "brand": ("园区品牌", "a brand of the zone"),
    "resource": ("园区资源", "a resource the zone holds"),
    "activity": ("指标所述活动", "activity an indicator states"),
    "co_product": ("联产/副产（同一工艺）", "co- or by-product of a process run in the zone"),
    "captive": ("厂内自用中间体", "intermediate made inside a zone plant"),
}
"""The rule that gave a product its status, in the evidence the page and panel show."""

COMPONENTS: Words = {
    "feedstock_readiness": ("本地原料保障", "feedstock readiness"),
    "demand_pull": ("本地需求拉动", "demand pull"),
    "outlet_value": ("就地消纳", "outlet value"),
    "bridging": ("断链修复", "bridging"),
    "downstream_reach": ("延链潜力", "downstream reach"),
    "value_tier": ("附加值", "value"),
    "strategic_target": ("招引方向", "strategic target"),
    "cross_chain": ("跨链协同", "cross-chain synergy"),
    "market_outlook": ("市场前景", "market outlook"),
}

COMPONENT_SHORT: Words = {
    "feedstock_readiness": ("原料", "feed"),
    "demand_pull": ("需求", "demand"),
    "outlet_value": ("消纳", "outlet"),
    "bridging": ("修复", "bridge"),
    "downstream_reach": ("延链", "reach"),
    "value_tier": ("附加值", "value"),
    "strategic_target": ("方向", "target"),
    "cross_chain": ("跨链", "cross"),
    "market_outlook": ("市场", "market"),
}
"""Short component names for narrow places (a terminal table)."""

LISTS: Words = {
    "recruit": ("招商", "recruit"),
    "develop": ("培育", "develop"),
    "secure": ("保障", "secure"),
    "gated": ("受限", "gated"),
}

GATES: Words = {
    "policy": ("政策限制", "policy"),
    "controlled": ("受控物质", "controlled substance"),
    "water": ("耗水超限", "water use"),
    "energy": ("能耗超限", "energy use"),
    "hazardous": ("危险工艺", "hazardous process"),
}

CHAIN_KINDS: Words = {"core": ("核心链", "core"), "extension": ("延伸链", "extension")}

PRODUCT_KINDS: Words = {
    "raw_material": ("原料", "raw material"),
    "intermediate": ("中间产品", "intermediate"),
    "end_product": ("终端产品", "end product"),
    "service": ("服务", "service"),
    "energy": ("能源", "energy"),
}

SOURCE_KINDS: Words = {
    "article": ("报道/文件", "article"),
    "general_knowledge": ("通用产业知识", "general industry knowledge"),
    "reference": ("公开参考资料", "reference"),
    "user": ("用户资料", "user"),
}

COLUMNS: Words = {
    "rank": ("排名", "Rank"),
    "id": ("编号", "Id"),
    "product": ("产品", "Product"),
    "chain": ("产业链", "Chain"),
    "name": ("名称", "Name"),
    "kind": ("类型", "Kind"),
    "gap_type": ("缺口类型", "Gap type"),
    "status": ("区内状态", "Status"),
    "score": ("优先分", "Score"),
    "reason": ("理由", "Reason"),
    "candidates": ("可对接企业", "Companies to approach"),
    "local_inputs": ("本地上游（可供原料）", "Local inputs (could supply it)"),
    "local_consumers": ("本地下游（等待供应）", "Local consumers (waiting for it)"),
    "rank_range": ("权重±20%时排名", "Rank with each weight ±20%"),
    "gates": ("限制", "Gate"),
    "list": ("清单", "List"),
    "products": ("产品数", "Products"),
    "present": ("已有", "Present"),
    "planned": ("在建/规划", "Planned"),
    "missing": ("缺失", "Missing"),
    "completeness": ("完整度（已有）", "Completeness (present)"),
    "completeness_planned": ("完整度（含规划）", "Completeness (present or planned)"),
    "component": ("评分项", "Component"),
    "weight": ("权重", "Weight"),
}
"""Column headers shared by the terminal tables, the report's tables and the workbook."""

PHRASES: Words = {
    "no_chain": ("（5+2 链外）", "(outside the chains)"),
    "none": ("无", "none"),
}
"""Short phrases more than one output shows."""


def word(words: Words, key: str, lang: str) -> str:
    """``words[key]`` in ``lang`` (``zh`` or ``en``); the key itself when it has no entry."""
    entry = words.get(key)
    return entry[0 if lang == "zh" else 1] if entry else key


def in_lang(words: Words, lang: str) -> dict[str, str]:
    """One language of a table of words: ``{key: text}``."""
    return {key: word(words, key, lang) for key in words}


def status_text(status: str, basis: str, lang: str) -> str:
    """A product's status for people, with the derivation it rests on when there is one:
    ``已有（联产/副产）``, ``present (co-product)``."""
    shown = word(PRODUCT_STATUSES, status, lang)
    if basis in STATUS_BASES:
        words = word(STATUS_BASES, basis, lang)
        shown += f"（{words}）" if lang == "zh" else f" ({words})"
    return shown


def score_text(value: float) -> str:
    """A score or component as people see it everywhere: three decimals."""
    return f"{float(value):.3f}"


def share_text(value: float) -> str:
    """A completeness share as people see it everywhere: a percentage with one decimal."""
    return f"{float(value):.1%}"
