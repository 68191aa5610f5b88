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
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str = ""
    doc: str = ""


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
                Column("id", "id", True),
                Column("title", required=True),
                Column("publisher"),
                Column("date", "date", doc="YYYY, YYYY-MM or YYYY-MM-DD"),
                Column("kind", "enum", True, vocab.SOURCE_KINDS),
                Column("file", doc="file name of the source's full text"),
                Column("url"),
                Column("note"),
            ),
            ("id",),
            facts=False,
            doc="where facts come from",
        ),
        Table(
            "park",
            (Column("id", "id", True), *_labels(), *_source_cols()),
            ("id",),
            required_file=False,
            doc="the zone itself (one row)",
        ),
        Table(
            "chains",
            (
                Column("id", "id", True),
                *_labels(),
                Column("kind", "enum", True, ("core", "extension")),
                Column("description_zh"),
                Column("description_en"),
                *_source_cols(),
            ),
            ("id",),
        ),
        Table(
            "products",
            (
                Column("id", "id", True),
                *_labels(),
                Column("chains", "refs", ref="chains"),
                Column("segment", "enum", True, vocab.SEGMENTS),
                Column("kind", "enum", True, vocab.PRODUCT_KINDS),
                Column("value_tier", "enum", True, ("1", "2", "3")),
                Column("cas"),
                Column("wikidata"),
                *_source_cols(),
                Column("note"),
            ),
            ("id",),
        ),
        Table(
            "flows",
            (
                Column("input", "ref", True, ref="products"),
                Column("output", "ref", True, ref="products"),
                Column("process_zh"),
                Column("process_en"),
                *_source_cols(),
            ),
            ("input", "output"),
        ),
        Table(
            "companies",
            (
                Column("id", "id", True),
                *_labels(),
                Column("location", "enum", True, vocab.LOCATIONS),
                *_source_cols(),
            ),
            ("id",),
            required_file=False,
        ),
        Table(
            "company_products",
            (
                Column("company", "ref", True, ref="companies"),
                Column("product", "ref", True, ref="products"),
                Column("inferred", "bool"),
                *_source_cols(),
            ),
            ("company", "product"),
            required_file=False,
        ),
        Table(
            "projects",
            (
                Column("id", "id", True),
                *_labels(),
                Column("company", "ref", ref="companies"),
                Column("chains", "refs", ref="chains"),
                Column("status", "enum", choices=vocab.PROJECT_STATUSES),
                Column("year", "int"),
                Column("investment_cny", "number"),
                Column("capacity", "number"),
                Column("capacity_unit"),
                *_source_cols(),
                Column("note"),
            ),
            ("id",),
            required_file=False,
        ),
        Table(
            "project_products",
            (
                Column("project", "ref", True, ref="projects"),
                Column("product", "ref", True, ref="products"),
                Column("inferred", "bool", True),
                *_source_cols(),
            ),
            ("project", "product"),
            required_file=False,
        ),
        Table(
            "indicators",
            (
                Column("id", "id", True),
                *_labels(),
                Column("value", "number", True),
                Column("unit", required=True),
                Column("year", "int", True),
                Column("kind", "enum", True, vocab.INDICATOR_KINDS),
                Column("chain", "ref", ref="chains"),
                *_source_cols(),
                Column("note"),
            ),
            ("id",),
            required_file=False,
        ),
        Table(
            "targets",
            (Column("product", "ref", True, ref="products"), *_source_cols()),
            ("product", "source"),
            required_file=False,
        ),
        Table(
            "assets",
            (
                Column("id", "id", True),
                *_labels(),
                Column("kind", "enum", True, vocab.ASSET_KINDS),
                Column("chains", "refs", ref="chains"),
                Column("products", "refs", ref="products"),
                Column("company", "ref", ref="companies"),
                *_source_cols(),
                Column("note"),
            ),
            ("id",),
            required_file=False,
        ),
    )
}

# Load order: a table is checked after the tables it refers to.
TABLE_ORDER = tuple(TABLES)
