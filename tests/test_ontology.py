"""Every term the data uses is declared in the ontology, with zh and en labels and a definition."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import vocab
from kg.paths import ontology_file, shapes_file

KG = rdflib.Namespace(vocab.ONTOLOGY_NS)


def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_file(), format="turtle")


def declared_terms(graph: rdflib.Graph) -> set:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.ConceptScheme)
    terms = {s for k in kinds for s in graph.subjects(RDF.type, k)}
    terms |= {s for s, _, o in graph.triples((None, RDF.type, None)) if str(s).startswith(vocab.ONTOLOGY_NS)}
    return {t for t in terms if str(t).startswith(vocab.ONTOLOGY_NS)}


def test_every_term_has_both_labels_and_a_definition():
    graph = ontology()
    terms = declared_terms(graph)
    assert len(terms) > 40
    for term in terms:
        langs = {label.language for label in graph.objects(term, RDFS.label)}
        assert {"zh", "en"} <= langs, f"{term} lacks a zh or en label"
        definitions = {d.language for d in graph.objects(term, SKOS.definition)}
        assert {"zh", "en"} <= definitions, f"{term} lacks a zh or en definition"


def test_every_kg_term_in_the_built_graph_is_declared(shipped_build):
    graph = rdflib.Graph().parse(shipped_build / "graph.nt", format="nt")
    declared = declared_terms(ontology())
    used = set()
    for _s, p, o in graph:
        if str(p).startswith(vocab.ONTOLOGY_NS):
            used.add(p)
        if p == RDF.type and str(o).startswith(vocab.ONTOLOGY_NS):
            used.add(o)
        if isinstance(o, rdflib.URIRef) and str(o).startswith(vocab.ONTOLOGY_NS):
            used.add(o)
    assert used, "the graph uses no kg: terms"
    assert used <= declared, f"undeclared: {sorted(used - declared)}"


def test_every_data_resource_has_zh_and_en_labels(shipped_build):
    graph = rdflib.Graph().parse(shipped_build / "graph.nt", format="nt")
    subjects = {s for s in graph.subjects() if str(s).startswith(vocab.DATA_NS)}
    assert len(subjects) > 50
    for s in subjects:
        langs = {label.language for label in graph.objects(s, RDFS.label)}
        assert {"zh", "en"} <= langs, f"{s} lacks a zh or en label"


def test_shapes_parse_and_name_columns():
    shapes = rdflib.Graph().parse(shapes_file(), format="turtle")
    names = set(shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#name")))
    assert {"segment", "status", "location", "source"} <= {str(n) for n in names}


def test_status_labels_in_the_ontology_are_the_words_people_see():
    """The graph's own labels of statuses (what a SPARQL user reads) are kg/words.py's, the
    words of the CLI, report and explorer."""
    from kg import words

    onto = rdflib.Graph().parse(ontology_file(), format="turtle")
    for table in (words.PRODUCT_STATUSES, words.PROJECT_STATUSES):
        for status, (zh, en) in table.items():
            labels = {(str(o), o.language) for o in onto.objects(rdflib.URIRef(vocab.term(status)), RDFS.label)}
            assert {(zh, "zh"), (en, "en")} <= labels, (status, labels)
