"""Print-ready output: `report.pdf` (A4, text on every page, lists laid out for paper), the
report page's print styles, and the page setup of every workbook kg writes, printed by
LibreOffice as a planner would print it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import MINI, open_page, skip_or_fail

A4 = (595.0, 842.0)  # points
CONTENT_PX = (210 - 30) / 25.4 * 96  # the A4 page's width inside its 15 mm margins, in CSS pixels


def chromium_or_skip() -> None:
    from kg.outputs.report.pdf import find_chromium

    if find_chromium() is None:
        skip_or_fail("Chromium is not installed (Debian package chromium): no PDF can be printed")


def pdf_pages(path: Path) -> list:
    try:
        from pypdf import PdfReader
    except ImportError:
        skip_or_fail("pypdf is not installed (pip install '.[test]')")
    return list(PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def reports(shipped_store, tmp_path_factory):
    """The report of the shipped data in Chinese and in English (five per list)."""
    from kg.analysis.gaps import analyse
    from kg.outputs.report.folder import write_report

    chromium_or_skip()
    analysis = analyse(shipped_store)
    root = tmp_path_factory.mktemp("print")
    return {"analysis": analysis,
            "zh": write_report(analysis, shipped_store, root / "zh", lang="zh", top=20),
            "en": write_report(analysis, shipped_store, root / "en", lang="en", top=5)}


def test_report_pdf_is_a4_with_text_and_page_numbers_on_every_page(reports, shipped_build):
    import json

    paths = reports["zh"]
    assert paths.warnings == [] and paths.pdf == paths.folder / "report.pdf"
    assert sorted(p.name for p in paths.folder.iterdir()) == ["gaps.xlsx", "graph.html", "index.html", "report.pdf"]
    pages = pdf_pages(paths.pdf)
    assert len(pages) > 3
    texts = [page.extract_text() or "" for page in pages]
    for number, (page, text) in enumerate(zip(pages, texts), start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 1.5 and abs(height - A4[1]) < 1.5, (number, width, height)
        assert len(text.strip()) > 20, number
        if number > 1:  # the cover has no number; every other page says which of how many it is
            assert re.search(rf"\b{number}\s*/\s*{len(pages)}\b", text), (number, text[-80:])
    fingerprint = json.loads((shipped_build / "current" / "manifest.json").read_text())["fingerprint"]
    cover = texts[0]
    assert "产业链招商报告" in cover and fingerprint[:12] in cover
    assert re.search(r"20\d\d-\d\d-\d\d", cover)  # the date
    assert "file://" not in "".join(texts) and str(paths.folder) not in "".join(texts)


def test_report_pdf_lists_in_order_with_reasons_and_sources_last(reports):
    analysis = reports["analysis"]
    text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf_pages(reports["zh"].pdf)))
    headings = ["招商：重点招引目标", "培育：", "保障：", "受限：", "附录：资料来源"]
    positions = [text.find(h, text.find("目录") + 200) for h in headings]  # past the contents on the cover
    assert -1 not in positions and positions == sorted(positions), positions
    for name in ("recruit", "develop", "secure", "gated"):
        first = analysis.ranked(name).iloc[0]
        assert re.sub(r"\s+", "", first["reason_zh"])[:30] in text, name


def test_english_report_pdf(reports):
    texts = [p.extract_text() or "" for p in pdf_pages(reports["en"].pdf)]
    assert "Industry-chain recruitment report" in texts[0]
    whole = " ".join(texts)
    assert "Recruit: top recruitment targets" in whole and "Appendix: sources" in whole


def test_print_page_fits_the_page_width(reports, shipped_store, browser, tmp_path):
    """The paper layout measured in Chromium at the width of the A4 page's content box: no
    element of it, and no target's block, is wider than the page."""
    from kg.outputs.report.print_page import print_html

    path = tmp_path / "print.html"
    path.write_text(print_html(reports["analysis"], shipped_store, "zh", 20, "园区"), encoding="utf-8")
    opened = open_page(browser, path, viewport=(int(CONTENT_PX), 1100))
    page = opened.page
    page.emulate_media(media="print")
    assert opened.outside == [] and opened.errors == []
    measured = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + '.' + e.className);
        const blocks = [...document.querySelectorAll('.target')];
        return {width, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 5), blocks: blocks.length,
                overflowing: blocks.filter(b => b.scrollWidth > b.clientWidth + 1).length};
    }""")
    assert measured["wide"] == [] and measured["scroll"] <= measured["width"], measured
    assert measured["blocks"] >= 20 and measured["overflowing"] == 0, measured
    page.close()


def test_report_page_prints_on_a4_without_path_links_or_split_rows(reports, browser):
    """index.html printed from the browser: A4, the links to the explorer and the workbook
    left off, headers repeated, rows whole, every target within the page, and no local path
    in the browser's own header and footer (the page's margin boxes replace them)."""
    paths = reports["zh"]
    opened = open_page(browser, paths.index, viewport=(int(CONTENT_PX), 1100))
    page = opened.page
    page.emulate_media(media="print")
    styles = page.evaluate("""() => ({
        links: [...document.querySelectorAll('header a')].map(a => getComputedStyle(a).display),
        underline: [...document.querySelectorAll('a')].map(a => getComputedStyle(a).textDecorationLine),
        thead: getComputedStyle(document.querySelector('#completeness thead')).display,
        rows: getComputedStyle(document.querySelector('#links tr')).breakInside,
        width: document.documentElement.clientWidth,
        targets: [...document.querySelectorAll('#targets-table tbody tr')].map(r => r.getBoundingClientRect().right),
    })""")
    assert styles["links"] and set(styles["links"]) == {"none"}
    assert set(styles["underline"]) == {"none"}
    assert styles["thead"] == "table-header-group" and styles["rows"] == "avoid"
    assert len(styles["targets"]) == 20 and max(styles["targets"]) <= styles["width"] + 1, styles
    pdf = paths.folder.parent / "index-print.pdf"
    pdf.write_bytes(page.pdf(display_header_footer=True, prefer_css_page_size=True))
    pages = pdf_pages(pdf)
    text = "".join(p.extract_text() or "" for p in pages)
    assert all(abs(float(p.mediabox.width) - A4[0]) < 1.5 for p in pages)
    assert "file://" not in text and str(paths.folder) not in text
    assert re.search(rf"\b2\s*/\s*{len(pages)}\b", text)
    page.close()


def test_report_without_chromium_is_written_with_a_warning(tmp_path):
    """No browser on the PATH: the page, workbook and explorer are written, report.pdf is
    not, the warning says why, and the exit code is 0."""
    env = {k: v for k, v in os.environ.items() if k != "KG_CHROMIUM"}
    env["PATH"] = str(Path(sys.executable).parent)
    run = subprocess.run([sys.executable, "-m", "kg", "report", "-o", str(tmp_path / "r"), "--data", str(MINI),
                          "--build-dir", str(tmp_path / "build")], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert "warning: report.pdf not written" in run.stderr and "chromium" in run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["gaps.xlsx", "graph.html", "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "r"]  # nothing left beside it


# ---------------------------------------------------------------- workbooks on paper

def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def workbooks(shipped_build, tmp_path_factory):
    """Every workbook kg writes: the report's, `kg gaps --format xlsx`, `kg template`, `kg export-tables`."""
    from kg.analysis.gaps import analyse
    from kg.outputs.report.folder import write_report
    from kg.store.stores import open_store

    root = tmp_path_factory.mktemp("books")
    store = open_store(shipped_build)
    write_report(analyse(store), store, root / "report", lang="zh", top=20, pdf=False)
    for args in (("gaps", "--format", "xlsx", "-o", str(root / "gaps.xlsx"), "--build-dir", str(shipped_build)),
                 ("template", "-o", str(root / "template.xlsx")),
                 ("export-tables", "-o", str(root / "tables.xlsx"), "--build-dir", str(shipped_build))):
        run = kg(*args)
        assert run.returncode == 0, run.stderr
    return {"report": root / "report" / "gaps.xlsx", "gaps": root / "gaps.xlsx",
            "template": root / "template.xlsx", "export": root / "tables.xlsx"}


def test_every_sheet_of_every_workbook_has_a_page_setup(workbooks):
    for name, path in workbooks.items():
        book = load_workbook(path)
        for sheet in book.worksheets:
            where = (name, sheet.title)
            setup = sheet.page_setup
            assert int(setup.paperSize) == 9, where  # A4
            expected = "landscape" if sheet.max_column > 6 else "portrait"
            assert setup.orientation == expected, where
            assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0, where
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert sheet.print_title_rows in ("1:1", "$1:$1"), where
            footer = sheet.oddFooter.left.text + sheet.oddFooter.right.text
            assert "&A" in footer and "&P" in footer and "&N" in footer, where


def soffice_pdf(book: Path, folder: Path) -> Path:
    """``book`` converted to PDF by LibreOffice Calc, headless, with a profile of its own."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        skip_or_fail("LibreOffice is not installed (Debian package libreoffice-calc)")
    folder.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(folder / 'lo').as_uri()}",
                          "--convert-to", "pdf", "--outdir", str(folder), str(book)],
                         capture_output=True, text=True, timeout=300)
    pdf = folder / (book.stem + ".pdf")
    assert run.returncode == 0 and pdf.exists(), run.stdout + run.stderr
    return pdf


def test_report_workbook_prints_on_a_sane_number_of_a4_pages(workbooks, tmp_path):
    """LibreOffice prints the report's workbook one page wide per sheet: fewer than 40 pages
    (30 with the shipped data's 51 producers outside the zone; 114 without a page setup when
    it had 30), each sheet's footer naming it."""
    book = load_workbook(workbooks["report"])
    pages = pdf_pages(soffice_pdf(workbooks["report"], tmp_path))
    assert len(book.worksheets) <= len(pages) < 40
    for page in pages:
        size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert abs(size[0] - A4[0]) < 1.5 and abs(size[1] - A4[1]) < 1.5
    text = "".join(p.extract_text() or "" for p in pages)
    for sheet in book.sheetnames:
        assert sheet in text, sheet
