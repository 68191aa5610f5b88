"""The planner's report: one folder with an HTML page, an Excel workbook and the explorer.

``write_report`` (:mod:`.folder`) turns a gap analysis (``kg.analysis.gaps.analyse``) and the store it came from into

- ``index.html``: completeness per chain (a chart drawn in inline SVG, so Chinese labels are
  text the browser renders with its own fonts), the top recruitment targets with every score
  component, their reason, the local products that feed them or wait for them and the
  companies that could be asked; the weak and broken links; the project pipeline by status
  and investment; the sources with the quotes behind the facts. No script, style sheet or font
  is fetched from anywhere: the page works offline;
- ``gaps.xlsx``: top targets, one sheet per chain, projects, sources and the score weights
  used; headers in the report's language, column widths set, header row frozen, filters on;
- ``graph.html``: the interactive explorer (``kg.outputs.explorer``).

The folder is written next to its final place and swapped in at the end, so a failed report
leaves the previous one as it was. Its parts: the words in both languages (:mod:`.labels`),
the data read for it (:mod:`.data`), the terminal summary (:mod:`.summary`), the page's styles
and HTML pieces (:mod:`.styles`), its sections (:mod:`.sections`), the page (:mod:`.page`), the
workbook (:mod:`.workbook`) and the folder (:mod:`.folder`).

>>> from kg.store.stores import open_store
>>> from kg.analysis.gaps import analyse
>>> from kg.outputs.report.folder import write_report
>>> store = open_store()  # doctest: +SKIP
>>> paths = write_report(analyse(store), store, "report", lang="en", top=10)  # doctest: +SKIP
>>> sorted(p.name for p in paths.files())  # doctest: +SKIP
['gaps.xlsx', 'graph.html', 'index.html']
"""
