"""SHACL validation of the built graph, reported in a data steward's words.

The table checks (:mod:`kg.tables.read`) catch what one table can show; the shapes in
``ontology/shapes.ttl`` catch what only the graph shows (e.g. a product made in the zone
that sits in no chain template). Each violation is turned back into the table, row and
column it came from.

Two engines read the same shapes:

- :func:`store_violations` (the default) compiles each constraint of the shapes into one
  SPARQL query and runs it on the Oxigraph store the build loads anyway. It covers the
  SHACL Core components the shapes use (targets by class, subjects-of and objects-of;
  predicate, inverse and sequence paths; min/max count, class, datatype, in, min/max
  inclusive and exclusive, disjoint, language-in, qualified value shapes, and/or/xone/not); a
  shape using anything else is refused by name, never skipped. On a million triples it takes
  seconds, where pyshacl takes many minutes.
- :func:`pyshacl_violations` runs pyshacl over an rdflib graph: the reference
  implementation, used by the tests to check that both engines find the same violations.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(b'<https://w3id.org/kg-chain/id/chain/x> a <https://w3id.org/kg-chain/ontology#IndustryChain> .',
...            format=ox.RdfFormat.TURTLE)
>>> sorted({v.column for v in store_violations(store)}, key=str)
[None, 'source']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from kg.errors import KgError
from kg.paths import shapes_file
from kg.tables.read import DataIssue

SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

# The bulk of a national dataset: one node per company and per company-product row. Every
# constraint the shapes place on them (labels, location, source, quote, the company and
# product of a production, capacity and year) is a one-row constraint that kg.tables.read
# already checks on the table (required columns, enums, references, unique keys), and the
# one that spans tables (an external company's production cites a checkable source) is
# checked there too (kg.tables.read.check_producer_sources), so the build's validation
# leaves these nodes out; everything else, and every shape whose focus is a product, a
# flow or a project that links to them, still runs. See benchmarks/BENCHMARKS.md.
TABLE_CHECKED = ("https://w3id.org/kg-chain/ontology#Company", "https://w3id.org/kg-chain/ontology#Production")
# Shapes whose every constraint kg.tables.read guarantees for a graph the mapping made: every
# rdfs:label in it comes from a required label column (checked non-empty, row by row) or is
# built from two such labels ("A → B"), tagged zh and en by the mapping, on ids the tables
# keep unique. Checking it on the store reads every label literal of the data back from disk
# (most of the build's SHACL time); the build leaves it to the tables. pyshacl, the reference
# engine, and store_violations without ``skip_shapes`` still run it.
TABLE_CHECKED_SHAPES = ("https://w3id.org/kg-chain/shapes#Labelled",)
CHECK_THREADS = 2  # checks run at once (see store_violations)
Rows = Mapping[str, tuple[str, int]] | Callable[[], Mapping[str, tuple[str, int]]]


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the focus node, the shape's column name, the offending value."""

    focus: str
    column: str | None
    value: str | None
    message: str
    severity: str  # "error" or "warning"


def to_issues(violations: Iterable[Violation], rows: Rows) -> list[DataIssue]:
    """Violations as :class:`DataIssue` s naming the file and row each focus node came from.

    ``rows`` maps a resource IRI to its (file, row) (:func:`kg.graph.mapping.row_index`), or is a
    function returning that map, called only when there is a violation to place."""
    violations = list(violations)
    if not violations:
        return []
    index = rows() if callable(rows) else rows
    issues = []
    for v in violations:
        file, row = index.get(v.focus, ("graph", None))
        issues.append(DataIssue(file, row, v.column, v.value, f"{v.message} [{v.focus}]", v.severity))
    return sorted(issues, key=lambda i: (i.file, i.row or 0, i.column or "", i.expected, i.value or ""))


def _severity(severity: rdflib.term.Node | None) -> str:
    return "warning" if severity in (SH.Warning, SH.Info) else "error"


# --- pyshacl: the reference engine -------------------------------------------------------

def pyshacl_violations(data: rdflib.Graph, shapes_path: Path | None = None) -> list[Violation]:
    """Validate an rdflib graph with pyshacl; one :class:`Violation` per result."""
    import pyshacl

    shapes = rdflib.Graph().parse(shapes_path or shapes_file(), format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                           advanced=True, allow_warnings=True)
    if conforms:
        return []
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        name = shapes.value(report.value(result, SH.sourceShape), SH.name)
        found.append(Violation(
            str(report.value(result, SH.focusNode)), None if name is None else str(name),
            None if value is None else str(value),
            str(message) if message is not None else "violates a SHACL shape",
            _severity(report.value(result, SH.resultSeverity))))
    return found


def shacl_issues(data: rdflib.Graph, rows: Rows, shapes_path: Path | None = None) -> list[DataIssue]:
    """Validate ``data`` with pyshacl; one :class:`DataIssue` per violation."""
    return to_issues(pyshacl_violations(data, shapes_path), rows)


# --- SHACL compiled to SPARQL, run on the Oxigraph store ---------------------------------

@dataclass(frozen=True)
class Check:
    """One constraint as a SPARQL query returning ``?focus`` (and ``?value``) per violation."""

    query: str
    column: str | None
    message: str
    severity: str


SUPPORTED = {SH[n] for n in (
    "targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "property", "path", "name", "message",
    "severity", "minCount", "maxCount", "class", "datatype", "in", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "disjoint", "languageIn", "qualifiedValueShape", "qualifiedMinCount",
    "qualifiedMaxCount", "or", "and",
    "xone", "not", "description", "order", "group", "deactivated")} | {RDF.type}


# Node-level constraint components, in the order their checks are listed.
COMPONENTS = (SH["class"], SH.datatype, SH["in"], SH.languageIn, SH.minInclusive, SH.maxInclusive,
              SH.minExclusive, SH.maxExclusive, SH["or"], SH["and"], SH.xone, SH["not"])


class _Compiler:
    def __init__(self, shapes: rdflib.Graph, skip: Iterable[str] = ()):
        self.g = shapes
        self.fresh = 0
        self.skip = set(skip)

    def var(self) -> str:
        self.fresh += 1
        return f"?_v{self.fresh}"

    def list(self, node: rdflib.term.Node) -> list[rdflib.term.Node]:
        return list(rdflib.collection.Collection(self.g, node))

    def term(self, node: rdflib.term.Node) -> str:
        if isinstance(node, rdflib.URIRef):
            return f"<{node}>"
        if isinstance(node, rdflib.Literal):
            return node.n3()
        raise KgError(f"shapes: a blank node where an IRI or literal was expected ({node})")

    def path(self, node: rdflib.term.Node) -> str:
        if isinstance(node, rdflib.URIRef):
            return f"<{node}>"
        inverse = self.g.value(node, SH.inversePath)
        if inverse is not None:
            return f"^{self.path(inverse)}"
        if self.g.value(node, RDF.first) is not None:  # a sequence path: ( p1 p2 ... )
            return "(" + "/".join(self.path(step) for step in self.list(node)) + ")"
        raise KgError("shapes: only predicate, inverse and sequence paths are supported by the store validator")

    def check_supported(self, shape: rdflib.term.Node) -> None:
        for p in set(self.g.predicates(shape)):
            if p not in SUPPORTED:
                raise KgError(f"shapes: {p} is not supported by the store validator; "
                              "validate with engine='pyshacl' or extend kg/graph/shacl.py")

    def targets(self, shape: rdflib.term.Node) -> str | None:
        parts, open_ended = [], False
        for c in self.g.objects(shape, SH.targetClass):
            if str(c) not in self.skip:
                parts.append(f"?focus a/<{SUBCLASS}>* {self.term(c)} .")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?focus {self.term(p)} ?_t .")
            open_ended = True
        for p in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"?_t {self.term(p)} ?focus .")
            open_ended = True
        for n in self.g.objects(shape, SH.targetNode):
            parts.append(f"VALUES ?focus {{ {self.term(n)} }}")
        if not parts:
            return None
        union = " UNION ".join(f"{{ {p} }}" for p in parts)
        skipped = "".join(f" MINUS {{ ?focus a <{c}> }}" for c in sorted(self.skip)) if open_ended else ""
        return f"{{ SELECT DISTINCT ?focus WHERE {{ {union}{skipped} }} }}"

    def conforms(self, shape: rdflib.term.Node, x: str) -> str:
        """A SPARQL expression: the node ``x`` conforms to ``shape`` (node or property shape)."""
        self.check_supported(shape)
        terms = []
        path = self.g.value(shape, SH.path)
        if path is not None:
            v = self.var()
            p = self.path(path)
            low, high = self.g.value(shape, SH.minCount), self.g.value(shape, SH.maxCount)
            if low is not None and int(low) > 0:
                terms.append(f"EXISTS {{ {x} {p} {v} }}" if int(low) == 1 else
                             f"EXISTS {{ SELECT {x} WHERE {{ {x} {p} {v} }} GROUP BY {x} "
                             f"HAVING (COUNT(DISTINCT {v}) >= {int(low)}) }}")
            if high is not None:
                terms.append(f"NOT EXISTS {{ SELECT {x} WHERE {{ {x} {p} {v} }} GROUP BY {x} "
                             f"HAVING (COUNT(DISTINCT {v}) > {int(high)}) }}")
            value = self.value_expression(shape, v)
            if value:
                terms.append(f"NOT EXISTS {{ {x} {p} {v} FILTER(!({value})) }}")
            extra = set(self.g.predicates(shape)) - {SH.path, SH.minCount, SH.maxCount, SH.name, SH.message,
                                                     SH.severity, SH.description, SH.order, SH.group, RDF.type,
                                                     SH["class"], SH.datatype, SH["in"], SH.languageIn,
                                                     SH.minInclusive, SH.maxInclusive, SH.minExclusive,
                                                     SH.maxExclusive}
            if extra:
                raise KgError(f"shapes: {sorted(extra)} inside a nested property shape is not supported")
        else:
            value = self.value_expression(shape, x)
            if value:
                terms.append(value)
            for inner in self.g.objects(shape, SH.property):
                terms.append(self.conforms(inner, x))
        return "(" + " && ".join(terms) + ")" if terms else "true"

    def component(self, component: rdflib.term.Node, value: rdflib.term.Node, x: str) -> str:
        """One node-level constraint component (e.g. ``sh:class kg:Product``) on ``x``."""
        if component == SH["class"]:
            return f"EXISTS {{ {x} a/<{SUBCLASS}>* {self.term(value)} }}"
        if component == SH.datatype:
            return f"(isLiteral({x}) && DATATYPE({x}) = {self.term(value)})"
        if component == SH["in"]:
            return f"({x} IN ({', '.join(self.term(v) for v in self.list(value))}))"
        if component == SH.languageIn:
            tests = " || ".join(f'langMatches(LANG({x}), "{lang}")' for lang in self.list(value))
            return f"(isLiteral({x}) && ({tests or 'false'}))"
        if component == SH.minInclusive:
            return f"COALESCE({x} >= {self.term(value)}, false)"
        if component == SH.maxInclusive:
            return f"COALESCE({x} <= {self.term(value)}, false)"
        if component == SH.minExclusive:
            return f"COALESCE({x} > {self.term(value)}, false)"
        if component == SH.maxExclusive:
            return f"COALESCE({x} < {self.term(value)}, false)"
        if component == SH["or"]:
            return "(" + " || ".join(self.conforms(m, x) for m in self.list(value)) + ")"
        if component == SH["and"]:
            return "(" + " && ".join(self.conforms(m, x) for m in self.list(value)) + ")"
        if component == SH.xone:
            count = " + ".join(f"IF({self.conforms(m, x)}, 1, 0)" for m in self.list(value))
            return f"(({count}) = 1)"
        if component == SH["not"]:
            return f"!({self.conforms(value, x)})"
        raise KgError(f"shapes: {component} is not supported by the store validator")

    def any_value_patterns(self, members: rdflib.term.Node, x: str) -> list[str] | None:
        """For an ``sh:or`` list whose every member only asks for a value on a path
        (``sh:path`` and ``sh:minCount 1``), one graph pattern per member: ``x`` conforms when
        one of them matches. None for any other list."""
        patterns = []
        for member in self.list(members):
            keys = set(self.g.predicates(member)) - {RDF.type}
            if keys != {SH.path, SH.minCount} or int(self.g.value(member, SH.minCount)) != 1:
                return None
            patterns.append(f"{{ {x} {self.path(self.g.value(member, SH.path))} {self.var()} }}")
        return patterns or None

    def value_expression(self, shape: rdflib.term.Node, x: str) -> str:
        """Node-level constraints of ``shape`` on ``x`` as one SPARQL expression ('' if none)."""
        return " && ".join(self.component(c, v, x) for c in COMPONENTS for v in self.g.objects(shape, c))

    def node_checks(self, shape: rdflib.term.Node, target: str) -> list[Check]:
        """Checks of one node shape: its own constraints, then each property shape's."""
        self.check_supported(shape)
        g = self.g
        message = g.value(shape, SH.message)
        severity = _severity(g.value(shape, SH.severity))
        name = g.value(shape, SH.name)
        column = None if name is None else str(name)
        checks = []
        own = {
            SH["class"]: "is not an instance of the required class",
            SH.datatype: "has the wrong datatype", SH["in"]: "is not one of the allowed values",
            SH.languageIn: "has the wrong language", SH.minInclusive: "is below the minimum",
            SH.maxInclusive: "is above the maximum", SH.minExclusive: "is not above the minimum",
            SH.maxExclusive: "is not below the maximum", SH["or"]: "conforms to none of the alternatives (sh:or)",
            SH["and"]: "does not conform to all the shapes (sh:and)",
            SH.xone: "conforms to not exactly one of the alternatives (sh:xone)",
            SH["not"]: "conforms to a shape it must not (sh:not)",
        }
        for component, default in own.items():
            for value in g.objects(shape, component):
                alternatives = self.any_value_patterns(value, "?focus") if component == SH["or"] else None
                if alternatives:  # no value on any of the paths: an anti-join, not one EXISTS per focus node
                    violating = f"{target} MINUS {{ {' UNION '.join(alternatives)} }}"
                else:
                    violating = f"{target} FILTER(!({self.component(component, value, '?focus')}))"
                checks.append(Check(f"SELECT ?focus (?focus AS ?value) WHERE {{ {violating} }}",
                                    column, str(message) if message is not None else default, severity))
        for prop in g.objects(shape, SH.property):
            checks.extend(self.property_checks(prop, target))
        return checks

    def property_checks(self, prop: rdflib.term.Node, target: str) -> list[Check]:
        self.check_supported(prop)
        g = self.g
        path_node = g.value(prop, SH.path)
        if path_node is None:
            raise KgError("shapes: a property shape without sh:path")
        p = self.path(path_node)
        name = g.value(prop, SH.name)
        column = None if name is None else str(name)
        message = g.value(prop, SH.message)
        severity = _severity(g.value(prop, SH.severity))

        def say(default: str) -> str:
            return str(message) if message is not None else default

        checks = []
        low = g.value(prop, SH.minCount)
        if low is not None and int(low) > 0:
            if int(low) == 1:  # MINUS, not FILTER NOT EXISTS: Oxigraph runs it as a hash anti-join
                query = f"SELECT ?focus WHERE {{ {target} MINUS {{ ?focus {p} ?value }} }}"
            else:
                query = (f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus {p} ?value }} }} GROUP BY ?focus "
                         f"HAVING (COUNT(DISTINCT ?value) < {int(low)})")
            checks.append(Check(query, column, say(f"needs at least {int(low)} value(s)"), severity))
        high = g.value(prop, SH.maxCount)
        if high is not None:
            checks.append(Check(
                f"SELECT ?focus WHERE {{ {target} ?focus {p} ?value }} GROUP BY ?focus "
                f"HAVING (COUNT(DISTINCT ?value) > {int(high)})",
                column, say(f"holds more than {int(high)} value(s)"), severity))
        for component in COMPONENTS:
            for value in g.objects(prop, component):
                if component == SH["class"]:  # an anti-join again, for the same reason
                    query = (f"SELECT ?focus ?value WHERE {{ {target} ?focus {p} ?value MINUS {{ ?value "
                             f"a/<{SUBCLASS}>* {self.term(value)} }} }}")
                else:
                    expression = self.component(component, value, "?value")
                    query = f"SELECT ?focus ?value WHERE {{ {target} ?focus {p} ?value FILTER(!({expression})) }}"
                checks.append(Check(query, column, say(f"value violates sh:{component.split('#')[-1]}"), severity))
        for other in g.objects(prop, SH.disjoint):
            checks.append(Check(
                f"SELECT ?focus ?value WHERE {{ {target} ?focus {p} ?value . ?focus {self.term(other)} ?value }}",
                column, say(f"shares a value with {other}"), severity))
        for qualified in g.objects(prop, SH.qualifiedValueShape):
            matches = f"COALESCE({self.conforms(qualified, '?value')}, false)"
            q_low, q_high = g.value(prop, SH.qualifiedMinCount), g.value(prop, SH.qualifiedMaxCount)
            if q_low is not None and int(q_low) == 1:  # none conforms: an anti-join
                checks.append(Check(
                    f"SELECT ?focus WHERE {{ {target} MINUS {{ ?focus {p} ?value FILTER({matches}) }} }}",
                    column, say("needs at least 1 conforming value"), severity))
            elif q_low is not None and int(q_low) > 1:
                checks.append(Check(
                    f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus {p} ?value FILTER({matches}) }} }} "
                    f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) < {int(q_low)})",
                    column, say(f"needs at least {int(q_low)} conforming value(s)"), severity))
            if q_high is not None:
                checks.append(Check(
                    f"SELECT ?focus WHERE {{ {target} ?focus {p} ?value FILTER({matches}) }} "
                    f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) > {int(q_high)})",
                    column, say(f"holds more than {int(q_high)} conforming value(s)"), severity))
        return checks


@lru_cache(maxsize=8)
def compile_shapes(shapes_path: Path | None = None, skip: tuple[str, ...] = (),
                   skip_shapes: tuple[str, ...] = ()) -> tuple[Check, ...]:
    """Every constraint of the shapes file as a SPARQL :class:`Check` (cached per file).

    Focus nodes of the classes in ``skip`` are left out of every target; the node shapes
    named in ``skip_shapes`` (IRIs) are left out whole."""
    shapes = rdflib.Graph().parse(shapes_path or shapes_file(), format="turtle")
    compiler = _Compiler(shapes, skip)
    checks: list[Check] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        if shapes.value(shape, SH.deactivated) == rdflib.Literal(True) or str(shape) in skip_shapes:
            continue
        target = compiler.targets(shape)
        if target is not None:
            checks.extend(compiler.node_checks(shape, target))
    return tuple(checks)


def store_violations(store: ox.Store, shapes_path: Path | None = None, skip: Iterable[str] = (),
                     skip_shapes: Iterable[str] = ()) -> list[Violation]:
    """Validate the default graph of an Oxigraph store against the shapes, one SPARQL query
    per constraint; one :class:`Violation` per (focus node, constraint, value).

    ``skip``: IRIs of classes whose instances are not validated (see :data:`TABLE_CHECKED`);
    ``skip_shapes``: IRIs of node shapes not run (see :data:`TABLE_CHECKED_SHAPES`)."""
    # SHACL's class targets and sh:class follow rdfs:subClassOf in the data graph (the
    # compiled "a/rdfs:subClassOf*"). The path stays even where the data holds no subclass
    # triple: Oxigraph then joins the focus nodes with a path's values by a hash join, and
    # finds a path without any value at once, where the plain "a" pattern made it look up
    # every focus node (the build's checks at 5M triples: 10.9 -> 6.5 s, at 1M 1.55 -> 1.05 s).

    def run(check: Check) -> list[Violation]:
        solutions = store.query(check.query)
        has_value = any(v.value == "value" for v in solutions.variables)
        violations = []
        for row in solutions:
            value = row["value"] if has_value else None
            violations.append(Violation(row["focus"].value, check.column, None if value is None else value.value,
                                        check.message, check.severity))
        return violations

    checks = compile_shapes(shapes_path, tuple(sorted(skip)), tuple(sorted(skip_shapes)))
    # Oxigraph answers without the GIL, so the checks run side by side: two at a time on two
    # cores; a third was no faster at 5M triples and its hash joins held 190 MB more.
    with ThreadPoolExecutor(max_workers=CHECK_THREADS) as pool:
        found = {violation for answer in pool.map(run, checks) for violation in answer}
    return sorted(found, key=lambda v: (v.focus, v.column or "", v.message, v.value or ""))


def store_issues(store: ox.Store, rows: Rows, shapes_path: Path | None = None,
                 skip: Iterable[str] = ()) -> list[DataIssue]:
    """Validate the store with the shapes; one :class:`DataIssue` per violation."""
    return to_issues(store_violations(store, shapes_path, skip), rows)
