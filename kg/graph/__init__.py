"""The graph: the checked tables mapped to RDF (:mod:`.mapping`) and validated against the SHACL
shapes (:mod:`.shacl`)."""
