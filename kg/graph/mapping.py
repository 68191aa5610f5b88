"""Map checked tables to RDF, as N-Triples lines built column-wise with pandas.

Each row of an entity table becomes one resource with a readable IRI
(``.../id/product/methionine``); each row of a link table (flows, company_products,
project_products, targets) becomes a direct triple (``kg:feeds``, ``kg:produces``,
``kg:willProduce``) plus a small resource carrying that fact's source and quote, so that
the provenance of every asserted fact is in the graph.

>>> from kg.paths import default_data_dir
>>> from kg.tables.dataset import load_tables
>>> lines = to_ntriples(load_tables(default_data_dir()))
>>> lines[0].startswith("<https://w3id.org/kg-chain/id/")
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kg import vocab
from kg.graph.candidates import kept_candidates
from kg.graph.status import StatusResult, derive_status
from kg.tables.read import ROW, Tables, parse_range

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV_FROM = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
CJK = r"[\u3400-\u9fff\uf900-\ufaff]"  # a Chinese character: the alias is tagged zh

KIND_CLASS = {
    "raw_material": "RawMaterial", "intermediate": "Intermediate", "end_product": "EndProduct",
    "service": "Service", "energy": "Energy",
    "brand": "Brand", "place": "Place", "event": "Event", "facility": "Facility",
    "route": "Route", "campaign": "Campaign", "goal": "Goal",
}


@dataclass
class Derived:
    """What the mapping derives from the tables beyond their rows, computed once for the
    graph and for the product graph's answers (:mod:`kg.graph.answers`): each product's
    status and its evidence (:func:`kg.graph.status.derive_status`), and the producers
    outside the zone kept to approach, with every product's count of them
    (:func:`kg.graph.candidates.kept_candidates`)."""

    status: StatusResult
    kept: pd.DataFrame
    counts: pd.Series


def derive(tables: Tables) -> Derived:
    """The statuses, evidence and kept candidates of ``tables`` (:class:`Derived`)."""
    status = derive_status(tables)
    kept, counts = kept_candidates(tables, status.status)
    return Derived(status, kept, counts)


def t(name: str) -> str:
    """An ontology term as an N-Triples IRI."""
    return f"<{vocab.term(name)}>"


def ext(iri: str) -> str:
    return f"<{iri}>"


def _texts(values: pd.Series | str) -> np.ndarray | str:
    """The cells as a numpy array of Python strings (a text passes through). pandas' own
    string dtype calls Python once per cell for every step (a comparison, a concatenation);
    numpy runs the same steps over an object array in C, which at national size is most of
    the mapping's time. Missing cells stay missing, as with ``astype(str)``."""
    if isinstance(values, str):
        return values
    array = values.to_numpy(dtype=object)
    if isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(array, skipna=False) == "string":
        return array
    return values.astype(str).to_numpy(dtype=object)


def iris(kind: str, ids: pd.Series) -> pd.Series:
    return pd.Series(f"<{vocab.DATA_NS}{kind}/" + _texts(ids) + ">", index=ids.index, dtype=object)


ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"))  # N-Triples' ECHARs, backslash first
_APART = "\x1f"  # keeps a column's cells apart while it is escaped as one text


def _escaped(texts: np.ndarray) -> np.ndarray:
    """Texts as the inside of N-Triples literals. The column is escaped as one text, its
    cells joined by a separator none of them holds (else one cell at a time)."""
    joined = _APART.join(texts)
    if joined.count(_APART) == max(len(texts) - 1, 0):
        for char, escaped in ESCAPES:
            if char in joined:
                joined = joined.replace(char, escaped)
        parts = joined.split(_APART) if len(texts) else []
    else:
        parts = []
        for text in texts:
            for char, escaped in ESCAPES:
                text = text.replace(char, escaped)
            parts.append(text)
    return np.array(parts, dtype=object)


def escape(values: pd.Series) -> pd.Series:
    """Cells as the inside of N-Triples literals (see :func:`_escaped`)."""
    return pd.Series(_escaped(_texts(values)), index=values.index, dtype=object)


def _literals(texts: np.ndarray, lang: str = "", datatype: str = "") -> np.ndarray:
    suffix = f"@{lang}" if lang else (f"^^<{XSD}{datatype}>" if datatype else "")
    return '"' + _escaped(texts) + ('"' + suffix)


def literal(values: pd.Series, lang: str = "", datatype: str = "") -> pd.Series:
    """N-Triples literals; ``lang`` or an XSD ``datatype`` local name."""
    return pd.Series(_literals(_texts(values), lang, datatype), index=values.index, dtype=object)


def decimal_text(values: pd.Series) -> pd.Series:
    """Checked numbers as xsd:decimal lexical forms (no exponent: '1.2e9' -> '1200000000')."""
    from decimal import Decimal

    def one(v: str) -> str:
        if not v:
            return ""
        text = format(Decimal(v), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return values.astype(str).map(one)


def _items(cells: pd.Series) -> pd.Series:
    """The items of ``;``-list cells, trimmed, empties dropped, indexed by their row."""
    items = cells.astype(str).str.split(";").explode().str.strip()
    return items[items.notna() & (items != "")]


class Lines:
    """Collects N-Triples lines column by column, or hands each column's lines to ``sink``
    (text of whole lines, each ending in a newline) as soon as they are made, keeping none."""

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self.parts: list[list[str]] = []
        self.sink = sink
        self.count = 0

    def add(self, subjects: pd.Series, predicate: str, objects: pd.Series | str,
            keep: pd.Series | None = None) -> None:
        """One line per subject (and object, row by row), where ``keep`` (a boolean
        Series on the same rows) holds."""
        for other in (objects, keep):
            if isinstance(other, pd.Series) and not other.index.equals(subjects.index):
                raise ValueError("the objects and the rows kept must be on the subjects' rows")
        between = f" {predicate} "
        if isinstance(objects, str):
            made = _texts(subjects) + (between + objects + " .\n")
        else:
            made = _texts(subjects) + between + _texts(objects) + " .\n"
        if keep is not None:
            made = made[keep.to_numpy(dtype=bool, na_value=False)]
        self.count += len(made)
        if self.sink is None:
            self.parts.append([line[:-1] for line in made.tolist()])
        elif len(made):
            self.sink("".join(made.tolist()))  # one copy of the column's text, not two

    def add_text(self, subjects: pd.Series, predicate: str, values: pd.Series, lang: str = "",
                 datatype: str = "") -> None:
        """Literal triples, skipping empty cells."""
        texts = _texts(values)  # converted once for the literals and the test for empty cells
        self.add(subjects, predicate, pd.Series(_literals(texts, lang, datatype), index=values.index),
                 pd.Series(texts != "", index=values.index))

    def add_list(self, subjects: pd.Series, predicate: str, cells: pd.Series, kind: str) -> None:
        """One triple per item of a ``;``-list cell, pointing at resources of ``kind``."""
        items = _items(cells)
        self.add(subjects.loc[items.index], predicate, iris(kind, items))

    def add_labels(self, subjects: pd.Series, predicate: str, cells: pd.Series) -> None:
        """One language-tagged literal per item of a ``;``-list cell of names: ``zh`` when the
        item has a CJK character, ``en`` otherwise (``烧碱;NaOH`` → ``"烧碱"@zh``, ``"NaOH"@en``)."""
        items = cells.astype(str).str.split(";").explode().str.strip()
        items = items[items.notna() & (items != "")]
        lang = items.str.contains(CJK, regex=True).map({True: "@zh", False: "@en"})
        self.add(subjects.loc[items.index], predicate, '"' + escape(items) + '"' + lang)

    def result(self) -> list[str]:
        return [line for part in self.parts for line in part]


def _provenance(out: Lines, subjects: pd.Series, frame: pd.DataFrame) -> None:
    out.add(subjects, PROV_FROM, iris("source", frame["source"]), frame["source"].astype(str) != "")
    out.add_text(subjects, t("quote"), frame["quote"], "zh")


def _labels(out: Lines, subjects: pd.Series, zh: pd.Series, en: pd.Series) -> None:
    out.add_text(subjects, LABEL, zh, "zh")
    out.add_text(subjects, LABEL, en, "en")


def _link_labels(frame: pd.DataFrame, left: str, right: str, labels: Tables, sep: str) -> tuple[pd.Series, pd.Series]:
    """zh and en labels for a link row, built from the labels of the two ends."""
    def name(col: str, lang: str) -> pd.Series:
        table = labels[col]
        mapping = dict(zip(table["id"], table[f"label_{lang}"]))
        return frame[col].map(mapping).fillna(frame[col]).astype(object)  # object even when empty
    return (name(left, "zh") + sep + name(right, "zh"), name(left, "en") + sep + name(right, "en"))


def range_bounds(values: pd.Series, amounts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The low and high ends of checked amount cells (``"0.308-0.35"`` -> ``"0.308"``,
    ``"0.35"``; a single number is both ends) as decimal lexical forms; '' for cells that are
    not amounts (``amounts`` False) or are empty."""
    def ends(value: str, is_amount: bool) -> tuple[str, str]:
        bounds = parse_range(value) if is_amount and value else None
        if bounds is None:
            return "", ""
        low, _, high = value.partition("-")
        return low, high or low
    pairs = [ends(str(v), bool(a)) for v, a in zip(values, amounts)]
    return (decimal_text(pd.Series([p[0] for p in pairs], index=values.index, dtype=object)),
            decimal_text(pd.Series([p[1] for p in pairs], index=values.index, dtype=object)))


def product_status(tables: Tables) -> pd.Series:
    """Derived status of each product in the zone, indexed by product id: ``present``,
    ``planned`` or ``missing``, by the evidence rules of :mod:`kg.status`."""
    return derive_status(tables).status


def to_ntriples(tables: Tables) -> list[str]:
    """All data triples of a checked dataset, as N-Triples lines (ontology not included)."""
    out = Lines()
    _map(tables, out)
    return out.result()


def write_ntriples(tables: Tables, sink: Callable[[str], None], derived: Derived | None = None) -> int:
    """Hand the data triples of a checked dataset to ``sink`` as N-Triples text, one table
    column at a time, as they are made; return how many lines. The lines of a column are
    all that is held at once: a national dataset's triples never sit in memory together
    (the build writes them to graph.nt and loads them into the store as they come).
    ``derived`` is :func:`derive` of ``tables``, when the caller has it already.

    >>> from kg.paths import default_data_dir
    >>> from kg.tables.dataset import load_tables
    >>> texts = []
    >>> n = write_ntriples(load_tables(default_data_dir()), texts.append)
    >>> n == len(to_ntriples(load_tables(default_data_dir()))) == "".join(texts).count("\\n")
    True
    """
    out = Lines(sink)
    _map(tables, out, derived)
    return out.count


def _map(tables: Tables, out: Lines, derived: Derived | None = None) -> None:
    derived = derived or derive(tables)
    labels_of = {"input": tables["products"], "output": tables["products"], "product": tables["products"],
                 "company": tables["companies"], "project": tables["projects"]}

    src = tables["sources"]
    s = iris("source", src["id"])
    out.add(s, RDF_TYPE, t("Source"))
    _labels(out, s, src["title"], src["title"])
    out.add_text(s, "<http://purl.org/dc/terms/title>", src["title"])
    out.add_text(s, "<http://purl.org/dc/terms/publisher>", src["publisher"])
    out.add_text(s, "<http://purl.org/dc/terms/date>", src["date"])
    out.add_text(s, t("sourceKind"), src["kind"])
    out.add_text(s, t("file"), src["file"])
    out.add_text(s, "<https://schema.org/url>", src["url"], datatype="anyURI")
    out.add_text(s, COMMENT, src["note"])

    park = tables["park"]
    s = iris("park", park["id"])
    out.add(s, RDF_TYPE, t("Park"))
    _labels(out, s, park["label_zh"], park["label_en"])
    _provenance(out, s, park)

    ch = tables["chains"]
    s = iris("chain", ch["id"])
    out.add(s, RDF_TYPE, t("IndustryChain"))
    out.add(s, RDF_TYPE, "<http://www.w3.org/2004/02/skos/core#Concept>")
    out.add(s, RDF_TYPE, ch["kind"].map({"core": t("CoreChain"), "extension": t("ExtensionChain")}))
    out.add(s, "<http://www.w3.org/2004/02/skos/core#inScheme>", t("ChainScheme"))
    _labels(out, s, ch["label_zh"], ch["label_en"])
    out.add_text(s, "<http://purl.org/dc/terms/description>", ch["description_zh"], "zh")
    out.add_text(s, "<http://purl.org/dc/terms/description>", ch["description_en"], "en")
    _provenance(out, s, ch)

    pr = tables["products"]
    s = iris("product", pr["id"])
    out.add(s, RDF_TYPE, t("Product"))
    out.add(s, RDF_TYPE, pr["kind"].map(lambda k: t(KIND_CLASS[k])))
    _labels(out, s, pr["label_zh"], pr["label_en"])
    out.add_list(s, t("inChain"), pr["chains"], "chain")
    out.add(s, t("segment"), pr["segment"].map(lambda v: t(v)))
    out.add_text(s, t("valueTier"), pr["value_tier"], datatype="integer")
    out.add_text(s, t("cas"), pr["cas"])
    out.add_text(s, t("formula"), pr["formula"])
    out.add_labels(s, ALT_LABEL, pr["aliases"])
    wikidata = pr["wikidata"].astype(str)
    out.add(s, "<https://schema.org/sameAs>", "<http://www.wikidata.org/entity/" + wikidata + ">",
            wikidata.str.fullmatch(r"Q\d+"))
    out.add(s, t("zoneStatus"), pr["id"].map(derived.status.status).map(lambda v: t(v)))
    out.add_text(s, t("statusBasis"), pr["id"].map(derived.status.basis).fillna(""))
    out.add_text(s, COMMENT, pr["note"])
    _provenance(out, s, pr)

    fl = tables["flows"]
    inputs, outputs = iris("product", fl["input"]), iris("product", fl["output"])
    out.add(inputs, t("feeds"), outputs)
    s = iris("flow", fl["input"] + "--" + fl["output"])
    out.add(s, RDF_TYPE, t("Flow"))
    out.add(s, t("input"), inputs)
    out.add(s, t("output"), outputs)
    _labels(out, s, *_link_labels(fl, "input", "output", labels_of, " → "))
    out.add_text(s, t("process"), fl["process_zh"], "zh")
    out.add_text(s, t("process"), fl["process_en"], "en")
    out.add_text(s, t("processId"), fl["process"])
    relation = fl["relation"].astype(str)
    out.add(s, t("flowRelation"), relation.map(lambda v: t(v) if v else ""), relation != "")
    out.add_text(s, t("alternativeGroup"), fl["alternative"])
    out.add_text(s, t("inputRatio"), decimal_text(fl["ratio"]), datatype="decimal")
    out.add_text(s, t("equation"), fl["equation"])
    out.add_text(s, COMMENT, fl["note"])
    _provenance(out, s, fl)

    co = tables["companies"]
    s = iris("company", co["id"])
    out.add(s, RDF_TYPE, t("Company"))
    _labels(out, s, co["label_zh"], co["label_en"])
    out.add(s, t("location"), co["location"].map(lambda v: t(v)))
    out.add_text(s, t("province"), co["province"])
    out.add_labels(s, ALT_LABEL, co["aliases"])
    out.add_text(s, COMMENT, co["note"])
    _provenance(out, s, co)

    cp = tables["company_products"]
    companies, products = iris("company", cp["company"]), iris("product", cp["product"])
    out.add(companies, t("produces"), products)
    s = iris("production", cp["company"] + "--" + cp["product"])
    out.add(s, RDF_TYPE, t("Production"))
    out.add(s, t("company"), companies)
    out.add(s, t("product"), products)
    out.add_text(s, t("inferred"), cp["inferred"].str.lower(), datatype="boolean")
    out.add_text(s, t("capacity"), decimal_text(cp["capacity"]), datatype="decimal")
    out.add_text(s, t("capacityUnit"), cp["capacity_unit"])
    out.add_text(s, t("year"), cp["year"], datatype="integer")
    out.add_text(s, t("processId"), cp["process"])
    out.add_text(s, COMMENT, cp["note"])
    _labels(out, s, *_link_labels(cp, "company", "product", labels_of, " → "))
    _provenance(out, s, cp)
    kept, counts = derived.kept, derived.counts
    out.add_text(iris("production", kept["company"] + "--" + kept["product"]), t("candidateRank"),
                 kept["rank"].astype(str), datatype="integer")
    out.add_text(iris("product", pd.Series(counts.index, dtype=object)), t("candidateCount"),
                 pd.Series(counts.to_numpy(), dtype=object).astype(str), datatype="integer")

    pj = tables["projects"]
    s = iris("project", pj["id"])
    out.add(s, RDF_TYPE, t("Project"))
    _labels(out, s, pj["label_zh"], pj["label_en"])
    out.add(s, t("runBy"), iris("company", pj["company"]), pj["company"].astype(str) != "")
    out.add_list(s, t("inChain"), pj["chains"], "chain")
    out.add(s, t("status"), pj["status"].map(lambda v: t(v) if v else ""), pj["status"].astype(str) != "")
    out.add_text(s, t("year"), pj["year"], datatype="integer")
    out.add_text(s, t("investmentCNY"), decimal_text(pj["investment_cny"]), datatype="decimal")
    out.add_text(s, t("capacity"), decimal_text(pj["capacity"]), datatype="decimal")
    out.add_text(s, t("capacityUnit"), pj["capacity_unit"])
    out.add_text(s, COMMENT, pj["note"])
    _provenance(out, s, pj)

    pp = tables["project_products"]
    projects, products = iris("project", pp["project"]), iris("product", pp["product"])
    out.add(projects, t("willProduce"), products)
    s = iris("output", pp["project"] + "--" + pp["product"])
    out.add(s, RDF_TYPE, t("ProjectOutput"))
    out.add(s, t("project"), projects)
    out.add(s, t("product"), products)
    out.add_text(s, t("inferred"), pp["inferred"].str.lower(), datatype="boolean")
    _labels(out, s, *_link_labels(pp, "project", "product", labels_of, " → "))
    _provenance(out, s, pp)

    ind = tables["indicators"]
    s = iris("indicator", ind["id"])
    out.add(s, RDF_TYPE, t("Indicator"))
    _labels(out, s, ind["label_zh"], ind["label_en"])
    out.add_text(s, t("value"), decimal_text(ind["value"]), datatype="decimal")
    out.add_text(s, t("unit"), ind["unit"])
    out.add_text(s, t("year"), ind["year"], datatype="integer")
    out.add_text(s, t("indicatorKind"), ind["kind"])
    out.add(s, t("inChain"), iris("chain", ind["chain"]), ind["chain"].astype(str) != "")
    if "products" in ind:
        out.add_list(s, t("product"), ind["products"], "product")
    out.add_text(s, COMMENT, ind["note"])
    _provenance(out, s, ind)

    tg = tables["targets"]
    s = iris("target", tg["product"] + "--" + tg["source"])
    out.add(s, RDF_TYPE, t("Target"))
    out.add(s, t("product"), iris("product", tg["product"]))
    product_names = tables["products"].set_index("id")
    _labels(out, s, "招引方向：" + tg["product"].map(product_names["label_zh"]).astype(object),
            "target: " + tg["product"].map(product_names["label_en"]).astype(object))
    _provenance(out, s, tg)

    pf = tables["product_facts"]
    s = iris("fact", pf["product"] + "--" + pf["fact"] + "--" + pf["source"])
    out.add(s, RDF_TYPE, t("ProductFact"))
    out.add(s, t("aboutProduct"), iris("product", pf["product"]))
    names = tables["products"].set_index("id")
    kinds = pf["fact"].astype(str)
    _labels(out, s, pf["product"].map(names["label_zh"]).fillna(pf["product"]).astype(object) + "：" +
            kinds.map(lambda k: vocab.FACT_LABELS[k][0]),
            pf["product"].map(names["label_en"]).fillna(pf["product"]).astype(object) + ": " +
            kinds.map(lambda k: vocab.FACT_LABELS[k][1]))
    out.add_text(s, t("factKind"), pf["fact"])
    out.add_text(s, t("factValue"), pf["value"])
    low, high = range_bounds(pf["value"], kinds.isin(vocab.AMOUNT_FACTS))
    out.add_text(s, t("factMin"), low, datatype="decimal")
    out.add_text(s, t("factMax"), high, datatype="decimal")
    out.add_text(s, t("unit"), pf["unit"])
    out.add_text(s, t("year"), pf["year"], datatype="integer")
    out.add_text(s, COMMENT, pf["note"])
    _provenance(out, s, pf)

    pl = tables["park_limits"]
    s = iris("limit", pl["limit"])
    out.add(s, RDF_TYPE, t("ParkLimit"))
    limits = pl["limit"].astype(str)
    _labels(out, s, limits.map(lambda k: vocab.LIMIT_LABELS[k][0]), limits.map(lambda k: vocab.LIMIT_LABELS[k][1]))
    out.add_text(s, t("limitKind"), pl["limit"])
    out.add_text(s, t("limitValue"), pl["value"])
    out.add_text(s, t("unit"), pl["unit"])
    out.add_text(s, COMMENT, pl["note"])
    _provenance(out, s, pl)

    a = tables["assets"]
    s = iris("asset", a["id"])
    out.add(s, RDF_TYPE, t("Asset"))
    out.add(s, RDF_TYPE, a["kind"].map(lambda k: t(KIND_CLASS[k])))
    _labels(out, s, a["label_zh"], a["label_en"])
    out.add_list(s, t("inChain"), a["chains"], "chain")
    out.add_list(s, t("product"), a["products"], "product")
    out.add(s, t("company"), iris("company", a["company"]), a["company"].astype(str) != "")
    out.add_text(s, COMMENT, a["note"])
    _provenance(out, s, a)

    _evidence(out, derived.status.evidence, tables)


VIA_TYPES = {"company": "company", "project": "project", "asset": "asset", "indicator": "indicator",
             "product": "product"}


RULE_WORDS = {"producer": ("区内企业生产", "made by a zone company"), "project": ("项目", "a project"),
              "brand": ("园区品牌", "a brand of the zone"), "resource": ("园区资源", "a resource the zone holds"),
              "activity": ("指标所述活动", "activity an indicator states"),
              "co_product": ("联产/副产", "co- or by-product"), "captive": ("厂内自用中间体", "captive intermediate")}


def _evidence(out: Lines, ev: pd.DataFrame, tables: Tables) -> None:
    """One kg:StatusEvidence resource per piece of evidence of :func:`kg.status.derive_status`:
    the product, the rule, the status it gives, what it rests on (a company, project, asset,
    indicator, or the product whose process runs), and the source and quote of the fact."""
    if not len(ev):
        return
    ev = ev.fillna("").astype(str)
    s = iris("evidence", ev["product"] + "--" + ev["rule"] + "--" + ev["via"])
    out.add(s, RDF_TYPE, t("StatusEvidence"))
    out.add(s, t("product"), iris("product", ev["product"]))
    names = tables["products"].set_index("id")
    for lang, i, sep in (("zh", 0, "："), ("en", 1, ": ")):
        label = (ev["product"].map(names[f"label_{lang}"]).fillna(ev["product"]).astype(str) + sep
                 + ev["rule"].map({r: words[i] for r, words in RULE_WORDS.items()}).fillna(ev["rule"])
                 + " (" + ev["via"] + ")")
        out.add_text(s, LABEL, label, lang)
    out.add_text(s, t("evidenceRule"), ev["rule"])
    out.add(s, t("givesStatus"), ev["status"].map(lambda v: t(v)))
    via = "<" + vocab.DATA_NS + ev["via_kind"].map(VIA_TYPES) + "/" + ev["via"] + ">"
    out.add(s, t("via"), via)
    out.add_text(s, t("evidenceProcess"), ev["process"])
    out.add_text(s, t("evidenceRelation"), ev["relation"])
    out.add(s, PROV_FROM, iris("source", ev["source"]), ev["source"] != "")
    out.add_text(s, t("quote"), ev["quote"], "zh")


def row_index(tables: Tables) -> dict[str, tuple[str, int]]:
    """IRI of each resource made from a row -> (file, spreadsheet row), for error messages."""
    index: dict[str, tuple[str, int]] = {}
    spec: Iterable[tuple[str, str, list[str]]] = (
        ("sources", "source", ["id"]), ("park", "park", ["id"]), ("chains", "chain", ["id"]),
        ("products", "product", ["id"]), ("flows", "flow", ["input", "output"]),
        ("companies", "company", ["id"]), ("company_products", "production", ["company", "product"]),
        ("projects", "project", ["id"]), ("project_products", "output", ["project", "product"]),
        ("indicators", "indicator", ["id"]), ("targets", "target", ["product", "source"]),
        ("assets", "asset", ["id"]), ("product_facts", "fact", ["product", "fact", "source"]),
        ("park_limits", "limit", ["limit"]),
    )
    for table, kind, key in spec:
        frame = tables[table]
        ids = frame[key[0]].astype(str)
        for name in key[1:]:
            ids = ids + "--" + frame[name].astype(str)
        for local, row in zip(ids, frame[ROW]):
            index[vocab.resource(kind, local)] = (frame.attrs.get("file", f"{table}.csv"), int(row))
    return index
