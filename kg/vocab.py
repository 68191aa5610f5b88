"""The fixed vocabulary and namespaces: the interface other tools rely on.

Chain ids, project statuses, product statuses and gap types are fixed by the design; the
IRIs of the ontology's terms and of the data's resources are built here and nowhere else.
"""

from __future__ import annotations

ONTOLOGY_NS = "https://w3id.org/kg-chain/ontology#"
DATA_NS = "https://w3id.org/kg-chain/id/"

CHAIN_IDS = ("salt", "coal", "fine", "fluorine", "new-energy", "agri", "tourism")
CORE_CHAINS = CHAIN_IDS[:5]

# Ordered: a project moves left to right.
PROJECT_STATUSES = ("reserve", "signed", "approved", "under_construction", "operating")
PRODUCT_STATUSES = ("present", "planned", "missing")
GAP_TYPES = ("missing", "weak", "upstream_break", "downstream_break")
SEGMENTS = ("upstream", "midstream", "downstream")
PRODUCT_KINDS = ("raw_material", "intermediate", "end_product", "service", "energy")
LOCATIONS = ("zone", "external")
CHAIN_KINDS = ("core", "extension")
SOURCE_KINDS = ("article", "general_knowledge", "reference", "user")
# reference: a published document a reader can check (a national standard, an official list or
# catalogue, a company's annual report or announcement, a textbook): title, publisher, date, url.
INDICATOR_KINDS = ("result", "plan", "target")
# Outputs of one process that come together: the main product, co-products, by-products.
FLOW_RELATIONS = ("main", "co_product", "by_product")
# Facts about a product that the ranking weighs (product_facts.csv), each with its source.
PRODUCT_FACTS = (
    "price_cny_per_t", "water_m3_per_t", "energy_tce_per_t", "hazardous_process",
    "policy_category", "controlled", "market_outlook",
)
# Facts whose value is an amount per tonne of product: a number or a range "low-high".
AMOUNT_FACTS = ("price_cny_per_t", "water_m3_per_t", "energy_tce_per_t")
POLICY_CATEGORIES = ("encouraged", "restricted", "eliminated")
MARKET_OUTLOOKS = ("growing", "stable", "overcapacity")
# Controlled-substance status (product_facts.csv, fact "controlled"):
# hfc_quota: an HFC whose production for controlled uses is under the Kigali quota regime (no new
#   or expanded plants); ods: an ozone-depleting substance (e.g. an HCFC) whose production for
#   controlled uses is being phased out; ods_feedstock_only: an ODS that may be made only as
#   feedstock for the maker's own downstream products (e.g. carbon tetrachloride); precursor: a
#   precursor chemical (易制毒化学品) whose production needs a licence; key_hazardous_chemical: a
#   hazardous chemical under key supervision (重点监管的危险化学品).
CONTROLLED_STATUSES = ("hfc_quota", "ods", "ods_feedstock_only", "precursor", "key_hazardous_chemical")
# Facts whose value is one of a fixed list of words.
FACT_WORDS = {"policy_category": POLICY_CATEGORIES, "market_outlook": MARKET_OUTLOOKS,
              "controlled": CONTROLLED_STATUSES}
# How the facts and limits are named to people (zh, en).
FACT_LABELS = {
    "price_cny_per_t": ("价格（元/吨）", "price (CNY/t)"),
    "water_m3_per_t": ("单位产品取水量（m³/t）", "water per tonne (m³/t)"),
    "energy_tce_per_t": ("单位产品综合能耗（tce/t）", "energy per tonne (tce/t)"),
    "hazardous_process": ("重点监管危险化工工艺", "hazardous process under key supervision"),
    "policy_category": ("产业结构调整指导目录类别", "national policy category"),
    "controlled": ("受控物质", "controlled substance"),
    "market_outlook": ("市场前景", "market outlook"),
}
LIMIT_LABELS = {
    "water_m3_per_t": ("用水约束", "water limit"),
    "energy_tce_per_t": ("能耗约束", "energy limit"),
    "hazardous_process": ("危险工艺约束", "hazardous-process limit"),
    "land": ("用地约束", "land limit"),
}
# The park's own limits (park_limits.csv) a product's intensity is checked against.
PARK_LIMITS = ("water_m3_per_t", "energy_tce_per_t", "hazardous_process", "land")
AMOUNT_LIMITS = ("water_m3_per_t", "energy_tce_per_t", "land")  # a number when given
# Three ranking lists: recruit (招商), develop (培育), secure (保障).
RANKING_LISTS = ("recruit", "develop", "secure")
ASSET_KINDS = ("brand", "place", "event", "facility", "route", "campaign", "goal")

# One path segment per resource type: .../id/product/methionine
RESOURCE_TYPES = (
    "chain", "product", "flow", "company", "production", "project", "output",
    "indicator", "target", "asset", "source", "park", "evidence", "fact", "limit",
)

# An id: lowercase letters and digits, single '.', '_' or '-' between them. No separator
# doubles up or ends an id, because a link's id joins two ids with "--"
# (flow/sodium--sodium-cyanide) and must split back one way only.
ID_PATTERN = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
LINK_ID_PATTERN = f"{ID_PATTERN}(?:--{ID_PATTERN})*"

PREFIXES: dict[str, str] = {
    "kg": ONTOLOGY_NS,
    **{t: f"{DATA_NS}{t}/" for t in RESOURCE_TYPES},
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
}


def term(name: str) -> str:
    """IRI of an ontology term, e.g. ``term("Product")``."""
    return ONTOLOGY_NS + name


def resource(kind: str, local_id: str) -> str:
    """IRI of a data resource, e.g. ``resource("product", "methionine")``."""
    return f"{DATA_NS}{kind}/{local_id}"


def local_id(iri: str) -> str:
    """The last path segment of a data IRI: ``.../product/methionine`` -> ``methionine``."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, to put before a user's query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
