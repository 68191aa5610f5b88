"""The store validator (SHACL compiled to SPARQL on Oxigraph) finds what pyshacl finds."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from kg.errors import KgError
from kg.graph.mapping import to_ntriples
from kg.graph.shacl import TABLE_CHECKED, TABLE_CHECKED_SHAPES, compile_shapes, pyshacl_violations, store_issues, store_violations
from kg.tables.dataset import load_tables

K = "https://w3id.org/kg-chain/ontology#"
D = "https://w3id.org/kg-chain/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
PROV = "<http://www.w3.org/ns/prov#wasDerivedFrom>"

# One or more broken triples per kind of constraint in ontology/shapes.ttl.
BROKEN = [
    f"<{D}chain/salt> {A} <{K}ExtensionChain> .",                             # xone: core and extension
    f"<{D}product/salt> <{K}segment> <{K}downstream> .",                     # maxCount
    f"<{D}product/chlorine> <{K}segment> <{K}sideways> .",                   # in, maxCount
    f'<{D}product/salt> <{K}valueTier> "5"^^<{XSD}integer> .',               # maxInclusive, maxCount
    f'<{D}product/sodium> <{K}valueTier> "x" .',                             # datatype
    f"<{D}flow/salt--sodium> <{K}input> <{D}product/sodium> .",              # disjoint, maxCount
    f"<{D}flow/salt--sodium> <{K}flowRelation> <{K}side_product> .",         # in (relation)
    f'<{D}flow/salt--chlorine> <{K}inputRatio> "0"^^<{XSD}decimal> .',       # minExclusive (ratio)
    f'<{D}company/co-a> {LABEL} "另一个"@zh .',                               # qualified max count
    f'<{D}company/co-x> {A} <{K}Company> .',                                    # minCount location, source
    f'<{D}company/co-x> {LABEL} "无英文"@zh .',                               # qualified min count (en)
    f"<{D}project/p-x> {A} <{K}Project> .",                                     # quote minCount
    f"<{D}project/p-x> <{K}runBy> <{D}product/salt> .",                      # class
    f"<{D}company/co-a> <{K}produces> <{D}product/lonely> .",                # or: no flow in or out
    f"<{D}product/lonely> {A} <{K}Product> .",
    f'<{D}source/fixture> <{K}sourceKind> "other" .',                        # in (literals), maxCount
    f'<{D}project/p-met> <{K}investmentCNY> "-5"^^<{XSD}decimal> .',         # minInclusive
    f'<{D}project/p-met> <{K}quote> "plain" .',                               # datatype, maxCount
    f"<{K}Firm> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{K}Company> .",  # class targets follow
    f"<{D}company/co-y> {A} <{K}Firm> .",                                     # subclasses: no location
    f"<{D}production/co-b--sodium-cyanide> {PROV} <{D}source/general> .",    # or over sequence paths
    f'<{D}production/co-b--sodium-cyanide> <{K}capacity> "-1"^^<{XSD}decimal> .',  # minInclusive, maxCount
]


def _key(violations):
    return sorted({(v.focus, v.column, v.value, v.severity) for v in violations},
                  key=lambda k: tuple("" if x is None else x for x in k))


@pytest.fixture(scope="module")
def broken_lines(request):
    from tests.conftest import MINI

    return to_ntriples(load_tables(MINI)) + BROKEN


def _store(lines: list[str]) -> ox.Store:
    store = ox.Store()
    store.bulk_load(input=("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


def test_same_violations_as_pyshacl(broken_lines):
    graph = rdflib.Graph().parse(data="\n".join(broken_lines), format="nt")
    reference = _key(pyshacl_violations(graph))
    found = _key(store_violations(_store(broken_lines)))
    assert len(reference) >= len(BROKEN)
    assert found == reference


def test_skipping_table_checked_nodes_keeps_the_rest(broken_lines):
    every = _key(store_violations(_store(broken_lines)))
    kept = _key(store_violations(_store(broken_lines), skip=TABLE_CHECKED))
    bulk = {f"{D}company/co-a", f"{D}company/co-x", f"{D}company/co-y"}  # companies (co-y by subclass)
    assert any(k[0] in bulk for k in every)
    assert kept == [k for k in every if k[0] not in bulk and "/production/" not in k[0]]


def test_skipping_the_label_shape_keeps_every_other_check(broken_lines):
    """The build leaves the label shape to the table checks (every label comes from a required
    column); every other constraint still finds what it found."""
    lines = broken_lines + [f'<{D}product/salt> {LABEL} "第二个名字"@zh .']
    every = _key(store_violations(_store(lines)))
    kept = _key(store_violations(_store(lines), skip_shapes=TABLE_CHECKED_SHAPES))
    assert (f"{D}product/salt", "label_zh", None, "error") in every
    assert kept == [k for k in every if k[1] not in ("label_zh", "label_en")]
    assert len(kept) > len(BROKEN) // 2


def test_a_missing_label_is_refused_by_the_table_checks(tmp_path):
    """What the label shape would find in a built graph, the tables refuse first, by cell."""
    import shutil

    from kg.store.build import build
    from kg.tables.read import DataErrors
    from tests.conftest import MINI

    data = shutil.copytree(MINI, tmp_path / "data")
    products = (data / "products.csv").read_text(encoding="utf-8").splitlines()
    header = products[0].split(",")
    cells = products[1].split(",")
    cells[header.index("label_en")] = ""
    (data / "products.csv").write_text("\n".join([products[0], ",".join(cells), *products[2:]]) + "\n",
                                       encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        build(data, tmp_path / "build")
    assert "products.csv, row 2, column 'label_en'" in str(caught.value)


def test_clean_mini_has_no_violation():
    from tests.conftest import MINI

    assert store_violations(_store(to_ntriples(load_tables(MINI)))) == []


def test_issues_name_file_and_row(broken_lines):
    from kg.graph.mapping import row_index
    from tests.conftest import MINI

    issues = store_issues(_store(broken_lines), lambda: row_index(load_tables(MINI)))
    texts = [str(i) for i in issues]
    assert any(t.startswith("flows.csv, row 2, column 'output'") and "cannot be its own input" in t for t in texts)
    assert any(t.startswith("graph") and "has no flow in flows.csv" in t for t in texts)


def test_unsupported_shape_is_refused(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:pattern "^a" ] .
""", encoding="utf-8")
    with pytest.raises(KgError, match="pattern"):
        compile_shapes(shapes)


def test_external_production_cites_a_checkable_source():
    """A production of a company outside the zone citing general knowledge breaks
    kgs:ExternalProductionSourced in both engines; a zone company's production is not held
    to it (the source article may be what says the zone makes it)."""
    from tests.conftest import MINI

    lines = to_ntriples(load_tables(MINI)) + [
        f"<{D}production/co-b--sodium-cyanide> {PROV} <{D}source/general> .",
        f"<{D}production/co-a--sodium> {PROV} <{D}source/general> .",
    ]
    graph = rdflib.Graph().parse(data="\n".join(lines), format="nt")
    for violations in (pyshacl_violations(graph), store_violations(_store(lines))):
        sourced = [v for v in violations if "reader can check" in v.message]
        assert [(v.focus, v.column) for v in sourced] == [(f"{D}production/co-b--sodium-cyanide", "source")]
