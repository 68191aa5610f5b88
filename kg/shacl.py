"""SHACL validation of the built graph, reported in a data steward's words.

The table checks (:mod:`kg.tables`) catch what one table can show; the shapes in
``ontology/shapes.ttl`` catch what only the graph shows (e.g. a product made in the zone
that sits in no chain template). Each violation is turned back into the table, row and
column it came from.
"""

from __future__ import annotations

from pathlib import Path

import rdflib
from rdflib.namespace import SH

from kg.paths import shapes_file
from kg.tables import DataIssue


def _shape_name(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str | None:
    name = shapes.value(shape, SH.name)
    return str(name) if name is not None else None


def shacl_issues(data: rdflib.Graph, rows: dict[str, tuple[str, int]],
                 shapes_path: Path | None = None) -> list[DataIssue]:
    """Validate ``data`` against the shapes; one :class:`DataIssue` per violation.

    ``rows`` maps a resource IRI to the (file, row) it was made from
    (:func:`kg.mapping.row_index`).
    """
    import pyshacl

    shapes = rdflib.Graph().parse(shapes_path or shapes_file(), format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                           advanced=True, allow_warnings=True)
    if conforms:
        return []
    issues: list[DataIssue] = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = str(report.value(result, SH.focusNode))
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        severity = report.value(result, SH.resultSeverity)
        column = _shape_name(shapes, report.value(result, SH.sourceShape))
        file, row = rows.get(focus, ("graph", None))
        text = str(message) if message is not None else "violates a SHACL shape"
        issues.append(DataIssue(
            file, row, column, None if value is None else str(value),
            f"{text} [{focus}]",
            "warning" if severity in (SH.Warning, SH.Info) else "error",
        ))
    return sorted(issues, key=lambda i: (i.file, i.row or 0, i.column or "", i.expected))
