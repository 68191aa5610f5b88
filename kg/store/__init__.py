"""The store: the build folder's embedded Oxigraph store (:mod:`.build`, :mod:`.generations`) and the
product graph kept with it (:mod:`.projection`), the store interface over it or a remote endpoint
(:mod:`.stores`), SPARQL and the canned queries (:mod:`.sparql`, ``queries/``) and the endpoint
that serves them (:mod:`.endpoint`)."""
