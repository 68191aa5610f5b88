"""The report folder: page, workbook and explorer, written beside its place and swapped in."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.outputs.explorer import explorer_html
from kg.outputs.report.data import source_titles
from kg.outputs.report.labels import TEXT
from kg.outputs.report.page import index_html, park_label
from kg.outputs.report.workbook import workbook_bytes
from kg.store.stores import Store

REPORT_FILES = ("index.html", "gaps.xlsx", "graph.html")


@dataclass
class ReportPaths:
    """Where the report's files are."""

    folder: Path
    index: Path
    workbook: Path
    graph: Path

    def files(self) -> list[Path]:
        return [self.index, self.workbook, self.graph]


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
                 changes: Any = None, since: str = "") -> ReportPaths:
    """Write ``index.html``, ``gaps.xlsx`` and ``graph.html`` into ``out_dir``, all or nothing.

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
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report folder is an ordinary one
        _replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReportPaths(out_dir, out_dir / "index.html", out_dir / "gaps.xlsx", out_dir / "graph.html")
