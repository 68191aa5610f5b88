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
                Column("value_tier", "enum", True, ("1", "2", "3"),
                       doc="1 bulk/commodity, 2 specialty, 3 high value-added"),
                Column("cas", doc="CAS registry number, e.g. 7440-23-5"),
                Column("wikidata", doc="Wikidata item id, e.g. Q658"),
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
                *_source_cols(),
            ),
            ("input", "output"),
        ),
        Table(
            "companies",
            (
                Column("id", "id", True, doc="company id, e.g. lingsheng"),
                *_labels(),
                Column("location", "enum", True, vocab.LOCATIONS, doc="zone (in the park) or external"),
                *_source_cols(),
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
                *_source_cols(),
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
