"""Analysis of the product graph: gaps and ranking (:mod:`.gaps`), what-if (:mod:`.whatif`),
changes between versions (:mod:`.changes`), projects (:mod:`.projects`) and counts (:mod:`.stats`)."""
