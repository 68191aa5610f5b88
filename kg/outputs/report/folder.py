"""The report folder: page, workbook, explorer and PDF, written beside its place and swapped in."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.outputs.explorer import explorer_html
from kg.outputs.report.data import source_titles
from kg.outputs.report.labels import TEXT
from kg.outputs.report.page import index_html, park_label
from kg.outputs.report.pdf import PdfUnavailable, print_to_pdf
from kg.outputs.report.print_page import print_html
from kg.outputs.report.workbook import workbook_bytes
from kg.store.stores import Store

REPORT_FILES = ("index.html", "gaps.xlsx", "graph.html", "report.pdf")


@dataclass
class ReportPaths:
    """Where the report's files are."""

    folder: Path
    index: Path
    workbook: Path
    graph: Path
    pdf: Path | None = None  # None when no PDF could be made (see ``warnings``)
    warnings: list[str] = field(default_factory=list)

    def files(self) -> list[Path]:
        return [self.index, self.workbook, self.graph, *([self.pdf] if self.pdf else [])]


# ---------------------------------------------------------------- the folder

def _replace_folder(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder ``tmp`` into ``out_dir``; the old report is removed only after."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
        os.rmdir(old)
        os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except BaseException:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_target(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise KgError(f"{out_dir} exists and is not a folder; choose another -o/--output")
    strangers = sorted(p.name for p in out_dir.iterdir() if p.name not in REPORT_FILES)
    if strangers:
        raise KgError(f"{out_dir} holds files that are not part of a report ({', '.join(strangers[:5])}); "
                      "a report replaces its whole folder, so choose an empty or new -o/--output folder")


def write_report(analysis: Any, store: Store, out_dir: Path, lang: str = "zh", top: int = 20,
                 changes: Any = None, since: str = "", pdf: bool = True) -> ReportPaths:
    """Write ``index.html``, ``gaps.xlsx``, ``graph.html`` and ``report.pdf`` into ``out_dir``,
    all or nothing, except that a machine without Chromium gets the report without its PDF
    and the reason in ``warnings`` (``pdf=False``: no PDF asked for).

    ``analysis`` is a ``kg.analysis.gaps.GapAnalysis`` of the graph in ``store``; ``top`` is how many
    recruitment targets the page and the first sheet list. ``out_dir`` must be new, empty or a
    previous report: it is replaced as a whole. ``changes`` (``kg.analysis.changes.Changes``) adds a
    section of what moved since ``since`` to the page and a sheet to the workbook.
    """
    if lang not in TEXT:
        raise KgError(f"unknown language {lang!r}; expected zh or en")
    if top < 1:
        raise KgError("--top must be at least 1")

    out_dir = Path(out_dir).resolve()
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.new-"))
    try:
        park = park_label(store, lang)
        (tmp / "index.html").write_text(index_html(analysis, store, lang, top, park, changes, since),
                                        encoding="utf-8")
        (tmp / "gaps.xlsx").write_bytes(workbook_bytes(analysis, store, lang, top, changes))
        (tmp / "graph.html").write_text(explorer_html(analysis.graph, lang=lang, sources=source_titles(store)),
                                        encoding="utf-8")
        warnings = _write_pdf(analysis, store, tmp, lang, top, park) if pdf else []
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report folder is an ordinary one
        _replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    made = out_dir / "report.pdf" if pdf and not warnings else None
    return ReportPaths(out_dir, out_dir / "index.html", out_dir / "gaps.xlsx", out_dir / "graph.html", made, warnings)


def _write_pdf(analysis: Any, store: Store, folder: Path, lang: str, top: int, park: str) -> list[str]:
    """Print the paper layout (:mod:`.print_page`) to ``folder/report.pdf``; the reason, as a
    warning, when this machine cannot. The print page itself is not kept."""
    page = folder / ".print.html"
    page.write_text(print_html(analysis, store, lang, top, park), encoding="utf-8")
    try:
        print_to_pdf(page, folder / "report.pdf")
    except PdfUnavailable as exc:
        return [str(exc)]
    finally:
        page.unlink(missing_ok=True)
    return []
