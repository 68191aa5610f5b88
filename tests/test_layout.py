"""The package's layout: imports point one way, down the stages a fact passes through.

The import graph is read from the source with ``ast``: every ``import kg...`` and
``from kg... import ...`` in a module, at its top or inside a function, is an edge. The graph
must have no cycle, and no module may import one of a later stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import kg

PACKAGE = Path(kg.__file__).resolve().parent

# The stages, lowest first: a module may import its own stage and the ones before it.
STAGES = [
    # shared by everything, importing nothing above
    ("core", ["kg", "kg.vocab", "kg.words", "kg.progress", "kg.collector", "kg.errors", "kg.paths", "kg.files",
              "kg.cells"]),
    ("tables", ["kg.tables"]),       # the table contract, CSV and workbook readers, tidying
    ("graph", ["kg.graph"]),         # mapping to RDF, SHACL validation
    ("store", ["kg.store"]),         # build, embedded store, product graph kept with it, SPARQL, endpoint
    ("analysis", ["kg.analysis"]),   # gaps and ranking, what-if, changes, projects, stats
    ("extract", ["kg.extract"]),     # articles in: proposed rows, the review, merging what is accepted
    ("outputs", ["kg.outputs"]),     # report, explorer, text and tables for people
    ("cli", ["kg.cli", "kg.__main__"]),  # the command line
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def stage_of(module: str) -> int:
    """The index of the stage ``module`` belongs to: the stage naming it, or its package."""
    best = None
    for index, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if module == prefix or (prefix != "kg" and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"{module} is in no stage: add it to STAGES in {__file__}")
    return best[0]


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The kg modules ``module`` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package upwards
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.add(source)
            # ``from kg.analysis import gaps`` imports the module kg.analysis.gaps
            found.update(f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in known)
    return {name for name in found if name in known and name != module}


def import_graph() -> nx.DiGraph:
    found = modules()
    known = set(found)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for module, path in found.items():
        graph.add_edges_from((module, target) for target in imported(module, path, known))
    return graph


def test_the_import_graph_is_read():
    # Edges at the top of a module, inside a function, and through ``from package import module``:
    # a reader that missed them would let every other test here pass on an empty graph.
    graph = import_graph()
    assert graph.has_edge("kg.store.build", "kg.graph.mapping")
    assert graph.has_edge("kg.store.build", "kg.graph.shacl")  # imported inside validate_graph
    assert graph.has_edge("kg.outputs.report.data", "kg.analysis.gaps")  # from kg.analysis import gaps
    assert graph.number_of_edges() > 50


def test_every_module_is_in_a_stage():
    for module in modules():
        stage_of(module)


def test_no_import_cycle():
    graph = import_graph()
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles)


def test_imports_point_down_the_stages():
    graph = import_graph()
    upward = [f"{a} ({STAGES[stage_of(a)][0]}) imports {b} ({STAGES[stage_of(b)][0]})"
              for a, b in sorted(graph.edges) if stage_of(a) < stage_of(b)]
    assert not upward, "imports against the stage order:\n" + "\n".join(upward)
