"""The table contract: which tables exist, their columns, and what each column holds.

One place for it: the loader checks against it, the docs and the Excel template are written
from it, and the mapping to RDF reads the same names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg import vocab


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` is one of: ``id`` (a slug, this table's key), ``text``, ``enum`` (one of
    ``choices``), ``ref`` (an id in table ``ref``), ``refs`` (a ``;``-list of such ids),
    ``int``, ``number`` (>= 0), ``bool``, ``date``.

    ``unit`` (numbers only) is the unit the number is counted in: either a fixed unit
    (``"元"``) or the name of the column that holds each row's unit (``"unit"``). The loader
    uses it to read amounts typed as ``12.5亿`` or ``3000万元`` (see :mod:`kg.tables.read`).
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str = ""
    doc: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required_file: bool = True
    doc: str = ""
    facts: bool = field(default=True)  # rows state facts: source (+ quote for articles)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _source_cols() -> tuple[Column, ...]:
    return (
        Column("source", "ref", True, ref="sources", doc="id of the source in sources.csv"),
        Column("quote", doc="words copied verbatim from the source (required for articles)"),
    )


def _labels() -> tuple[Column, ...]:
    return (
        Column("label_zh", required=True, doc="name in Chinese"),
        Column("label_en", required=True, doc="name in English"),
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "sources",
            (
                Column("id", "id", True, doc="short id of the source, e.g. alxa-2026-article"),
                Column("title", required=True, doc="title of the article, report or dataset"),
                Column("publisher", doc="who published it"),
                Column("date", "date", doc="publication date: YYYY, YYYY-MM or YYYY-MM-DD"),
                Column("kind", "enum", True, vocab.SOURCE_KINDS,
                       doc="article (facts quoted from a text), general_knowledge (chain templates) or user "
                           "(typed in by the data steward)"),
                Column("file", doc="file name of the source's full text"),
                Column("url", doc="web address of the source"),
                Column("note", doc="free remarks"),
            ),
            ("id",),
            facts=False,
            doc="where facts come from",
        ),
        Table(
            "park",
            (Column("id", "id", True, doc="short id of the park, e.g. alxa-hi-tech-zone"), *_labels(),
             *_source_cols()),
            ("id",),
            required_file=False,
            doc="the zone itself (one row)",
        ),
        Table(
            "chains",
            (
                Column("id", "id", True, doc="chain id: salt, coal, fine, fluorine, new-energy, agri, tourism"),
                *_labels(),
                Column("kind", "enum", True, ("core", "extension"),
                       doc="core (one of the five) or extension (the +2)"),
                Column("description_zh", doc="what the chain covers, in Chinese"),
                Column("description_en", doc="what the chain covers, in English"),
                *_source_cols(),
            ),
            ("id",),
        ),
        Table(
            "products",
            (
                Column("id", "id", True, doc="product id, e.g. sodium-cyanide"),
                *_labels(),
                Column("chains", "refs", ref="chains", doc="chain ids it belongs to, separated by ';'"),
                Column("segment", "enum", True, vocab.SEGMENTS, doc="where in the chain: upstream, midstream "
                       "or downstream"),
                Column("kind", "enum", True, vocab.PRODUCT_KINDS, doc="raw_material, intermediate, end_product, "
                       "service or energy"),
                Column("value_tier", "enum", True, ("1", "2", "3", "4", "5"),
                       doc="value-added tier by typical price band: 1 bulk (< 2,000 元/t), 2 commodity "
                           "(2,000–10,000), 3 specialty (10,000–50,000), 4 fine or high-purity "
                           "(50,000–500,000), 5 electronic-grade, device or > 500,000 元/t"),
                Column("cas", doc="CAS registry number, e.g. 7440-23-5"),
                Column("formula", doc="chemical formula of the substance it is, or is counted as (100% basis: "
                       "caustic soda NaOH, brine NaCl), e.g. Ca(OH)2; used by flows' equations"),
                Column("wikidata", doc="Wikidata item id, e.g. Q658"),
                Column("aliases", doc="other names it goes by, separated by ';' (e.g. 烧碱;氢氧化钠)"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("id",),
        ),
        Table(
            "flows",
            (
                Column("input", "ref", True, ref="products", doc="product id of the input"),
                Column("output", "ref", True, ref="products", doc="product id of what is made from it"),
                Column("process_zh", doc="the process, in Chinese (e.g. 电解)"),
                Column("process_en", doc="the process, in English"),
                Column("process", doc="id of the process this flow belongs to: flows with the same process "
                       "are one process, whose outputs come together (empty: the output's own route)"),
                Column("relation", "enum", choices=vocab.FLOW_RELATIONS,
                       doc="the output's role in its process: main, co_product or by_product (empty: main)"),
                Column("alternative", doc="a name shared by inputs of one process that stand in for each other: "
                       "the process needs one of them (e.g. alkali for the alkali of a hydrolysis); empty: the "
                       "input is needed"),
                Column("ratio", "number", doc="tonnes of input per tonne of this output, where the standard "
                       "route gives one; with an equation, the stoichiometric minimum it gives (3 significant "
                       "figures)"),
                Column("equation", doc="the balanced reaction of the process, written with the products' formulas, "
                       "e.g. 2 NaCl + 2 H2O -> 2 NaOH + Cl2 + H2; the ratio is checked against it"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("input", "output"),
        ),
        Table(
            "companies",
            (
                Column("id", "id", True, doc="company id, e.g. lingsheng"),
                *_labels(),
                Column("location", "enum", True, vocab.LOCATIONS, doc="zone (in the park) or external"),
                Column("province", doc="province where an external company makes its products, e.g. 浙江"),
                Column("aliases", doc="other names it goes by, separated by ';'"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("id",),
            required_file=False,
        ),
        Table(
            "company_products",
            (
                Column("company", "ref", True, ref="companies", doc="company id"),
                Column("product", "ref", True, ref="products", doc="product id it makes"),
                Column("inferred", "bool", doc="true when the product is taken from the company's name only"),
                Column("capacity", "number", doc="capacity for this product, in capacity_unit", unit="capacity_unit"),
                Column("capacity_unit", doc="unit of the capacity, e.g. 吨/年"),
                Column("year", "int", doc="year the capacity or the fact is stated for"),
                Column("process", doc="process id (flows.csv) the company runs to make it, when the product has "
                       "several routes"),
                *_source_cols(),
                Column("note", doc="free remarks: where in the source the fact stands"),
            ),
            ("company", "product"),
            required_file=False,
        ),
        Table(
            "projects",
            (
                Column("id", "id", True, doc="project id"),
                *_labels(),
                Column("company", "ref", ref="companies", doc="company id running it (may be empty)"),
                Column("chains", "refs", ref="chains", doc="chain ids, separated by ';'"),
                Column("status", "enum", choices=vocab.PROJECT_STATUSES,
                       doc="reserve, signed, approved, under_construction or operating; empty when the "
                           "source states none"),
                Column("year", "int", doc="year the source reports it for, e.g. 2026"),
                Column("investment_cny", "number", doc="investment in yuan, e.g. 1250000000 or 12.5亿",
                       unit="元"),
                Column("capacity", "number", doc="capacity, in capacity_unit", unit="capacity_unit"),
                Column("capacity_unit", doc="unit of the capacity, e.g. 吨/年, kW"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("id",),
            required_file=False,
        ),
        Table(
            "project_products",
            (
                Column("project", "ref", True, ref="projects", doc="project id"),
                Column("product", "ref", True, ref="products", doc="product id it will make"),
                Column("inferred", "bool", True, doc="true when the product is taken from the project's name only"),
                Column("process", doc="process id (flows.csv) the project will run to make it, when the product "
                       "has several routes"),
                *_source_cols(),
            ),
            ("project", "product"),
            required_file=False,
        ),
        Table(
            "indicators",
            (
                Column("id", "id", True, doc="indicator id"),
                *_labels(),
                Column("value", "number", True, doc="the figure, counted in unit", unit="unit"),
                Column("unit", required=True, doc="unit of the value, e.g. 元, 个, %"),
                Column("year", "int", True, doc="year the figure is for"),
                Column("kind", "enum", True, vocab.INDICATOR_KINDS, doc="result (achieved), plan or target"),
                Column("chain", "ref", ref="chains", doc="chain id when the figure is about one chain"),
                Column("products", "refs", ref="products", doc="product ids whose activity in the zone a result "
                       "states (e.g. visitors of desert tourism), separated by ';'"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("id",),
            required_file=False,
        ),
        Table(
            "targets",
            (Column("product", "ref", True, ref="products", doc="product id the source says to attract"),
             *_source_cols()),
            ("product", "source"),
            required_file=False,
        ),
        Table(
            "product_facts",
            (
                Column("product", "ref", True, ref="products", doc="product id"),
                Column("fact", "enum", True, vocab.PRODUCT_FACTS,
                       doc="which fact: " + ", ".join(vocab.PRODUCT_FACTS)),
                Column("value", required=True, doc="a number or a range low-high for the *_per_t facts; "
                       "one of the fixed words for policy_category, controlled and market_outlook; "
                       "the process name for hazardous_process"),
                Column("unit", doc="unit of a number, e.g. 元/吨, m³/t, tce/t"),
                Column("year", "int", doc="year the fact is stated for"),
                *_source_cols(),
                Column("note", doc="free remarks: where in the source the fact stands"),
            ),
            ("product", "fact", "source"),
            required_file=False,
            doc="facts about a product that the ranking weighs, each with its source",
        ),
        Table(
            "park_limits",
            (
                Column("limit", "enum", True, vocab.PARK_LIMITS, doc="which limit: " + ", ".join(vocab.PARK_LIMITS)),
                Column("value", doc="the most a product may need (a number), or for hazardous_process "
                       "'no' when the park takes no such process; empty when the source states the "
                       "constraint without a figure"),
                Column("unit", doc="unit of the value, e.g. m³/t"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("limit",),
            required_file=False,
            doc="the park's own limits that gate what it recruits",
        ),
        Table(
            "assets",
            (
                Column("id", "id", True, doc="asset id"),
                *_labels(),
                Column("kind", "enum", True, vocab.ASSET_KINDS,
                       doc="brand, place, event, facility, route, campaign or goal"),
                Column("chains", "refs", ref="chains", doc="chain ids, separated by ';'"),
                Column("products", "refs", ref="products", doc="product ids, separated by ';'"),
                Column("company", "ref", ref="companies", doc="company id"),
                *_source_cols(),
                Column("note", doc="free remarks"),
            ),
            ("id",),
            required_file=False,
        ),
    )
}

# Load order: a table is checked after the tables it refers to.
TABLE_ORDER = tuple(TABLES)
