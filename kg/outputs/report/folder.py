"""The report folder: page, workbook, explorer and PDF, written beside its place and swapped in.

The new report is written into a hidden folder beside the report (``.NAME.new-*``) marked as
kg's (``.kg-report``, locked while the run lasts; the old report is marked before it is moved)
and swapped with the old one in one step where the system can (Linux
``renameat2(RENAME_EXCHANGE)``): a kill at any moment leaves a complete report folder; the
mark is taken off the new report after the swap. What a killed run leaves beside it (a hidden folder with kg's mark and
no live run holding it) is removed by the next run; nothing else is.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.files import claimed, remove_leftovers
from kg.outputs.explorer import explorer_html
from kg.outputs.report.data import source_titles
from kg.outputs.report.labels import TEXT
from kg.outputs.report.page import index_html, park_label
from kg.outputs.report.pdf import PdfUnavailable, print_to_pdf
from kg.outputs.report.print_page import print_html
from kg.outputs.report.workbook import workbook_bytes
from kg.store.stores import Store

REPORT_FILES = ("index.html", "gaps.xlsx", "graph.html", "report.pdf")
MARKER = ".kg-report"  # kg's mark on its report folders, locked while a run writes one


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

def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False
    where the system or file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _replace_folder(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder ``tmp`` into ``out_dir``; the old report is removed only after.
    In one step where the system can; else in two renames (a kill between them leaves the
    old report in a hidden folder beside, which the next run removes)."""
    if out_dir.exists():  # the old report, once beside under a hidden name, is known as kg's
        (out_dir / MARKER).write_text(out_dir.name + "\n", encoding="utf-8")
    if out_dir.exists() and _exchange(tmp, out_dir):
        (out_dir / MARKER).unlink(missing_ok=True)  # the report holds its files only
        shutil.rmtree(tmp, ignore_errors=True)  # the old report, now under the temporary name
        return
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
    (out_dir / MARKER).unlink(missing_ok=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_target(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise KgError(f"{out_dir} exists and is not a folder; choose another -o/--output")
    strangers = sorted(p.name for p in out_dir.iterdir() if p.name not in (*REPORT_FILES, MARKER))
    if strangers:
        raise KgError(f"{out_dir} holds files that are not part of a report ({', '.join(strangers[:5])}); "
                      "a report replaces its whole folder, so choose an empty or new -o/--output folder")


def remove_report_leftovers(out_dir: Path) -> list[Path]:
    """Remove the hidden folders a killed run left beside ``out_dir`` (``.NAME.new-*`` and
    ``.NAME.old-*`` holding kg's mark for this report and no live run's lock); return them."""
    kinds = (f".{out_dir.name}.new-", f".{out_dir.name}.old-")
    beside = sorted(p for p in out_dir.parent.glob(f".{out_dir.name}.*") if p.name.startswith(kinds))
    return remove_leftovers(beside, MARKER, out_dir.name)


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
    remove_report_leftovers(out_dir)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.new-"))
    try:
        with claimed(tmp, MARKER, out_dir.name):
            warnings = _write_files(tmp, out_dir, analysis, store, lang, top, changes, since, pdf)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    made = out_dir / "report.pdf" if pdf and not warnings else None
    return ReportPaths(out_dir, out_dir / "index.html", out_dir / "gaps.xlsx", out_dir / "graph.html", made, warnings)


def _write_files(tmp: Path, out_dir: Path, analysis: Any, store: Store, lang: str, top: int, changes: Any,
                 since: str, pdf: bool) -> list[str]:
    """Write the report's files into ``tmp`` and swap it in as ``out_dir``; the warnings (a PDF
    this machine cannot print)."""
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
    return warnings


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
