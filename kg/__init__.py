"""kg: an industry-chain knowledge graph toolkit for industrial parks.

Tables (CSV) -> a SHACL-validated RDF graph -> gap analysis, recruitment ranking, SPARQL,
an interactive HTML graph and a planner's report.
"""

__version__ = "0.1.0"
