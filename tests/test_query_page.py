"""`kg serve`'s query page (YASGUI from the Oxigraph server's bundle, configured for kg) in
headless Debian Chromium, offline: every request stays on 127.0.0.1, a canned query runs from
its title with a parameter, a syntax error is marked at its line in words, and results download
as CSV and xlsx written by kg's own writer. With KG_WRITE_SCREENSHOT=1 the screenshots in
docs/img/query-page*.png are rewritten."""

from __future__ import annotations

import csv
import html
import io
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.paths import default_data_dir
from tests.conftest import kg_serve

IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
TIMEOUT = 1  # seconds, kg serve --timeout


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`kg serve` over the shipped dataset on a free loopback port."""
    out = tmp_path_factory.mktemp("page") / "build"
    log = tmp_path_factory.mktemp("page-log") / "serve.log"
    with kg_serve(default_data_dir(), out, log, TIMEOUT) as (base, process):
        yield base
    assert process.returncode == 0, log.read_text()


class Visit:
    """The query page opened in a fresh browser page, with every request it made
    (``requests``), the ones refused for leaving the host (``outside``), answers of 400
    and above (``failed``) and console errors or uncaught exceptions (``errors``)."""

    def __init__(self, browser, base: str, viewport=(1400, 1000)):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]},
                                     accept_downloads=True)
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.failed: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", lambda r: self.failed.append((r.status, r.url)) if r.status >= 400 else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            if urllib.parse.urlsplit(r.request.url).hostname == "127.0.0.1":
                return r.continue_()
            self.outside.append(r.request.url)
            return r.abort()
        self.page.route("**/*", route)
        self.page.goto(base + "/")
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_selector(".CodeMirror", timeout=30_000)

    def hosts(self) -> set[str | None]:
        """The hosts of every request (a blob: URL counts as its origin's; data: as local)."""
        return {urllib.parse.urlsplit(url.removeprefix("blob:")).hostname if not url.startswith("data:")
                else "127.0.0.1" for url in self.requests}

    def run(self, text: str) -> None:
        self.page.evaluate("text => kgQueryPage.yasqe.setValue(text)", text)
        self.page.click(".yasqe_queryButton")

    def screenshot(self, name: str, tmp_path: Path) -> Path:
        target = IMG / name if os.environ.get("KG_WRITE_SCREENSHOT") == "1" else tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(target))
        return target


def test_page_loads_with_no_request_leaving_the_host(browser, served):
    visit = Visit(browser, served)
    page = visit.page
    assert visit.hosts() == {"127.0.0.1"} and visit.outside == []
    paths = {urllib.parse.urlsplit(u).path for u in visit.requests}
    assert {"/", "/yasgui.min.js", "/yasgui.min.css", "/query_page.js"} <= paths
    assert visit.failed == [] and visit.errors == []  # no 404, favicon included
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon.startswith("data:image/svg+xml,")
    # YASGUI is there, with kg's completers only (no prefix.cc, no LOV) and kg's prefixes known.
    assert page.evaluate("Object.keys(kgQueryPage.yasqe.autocompleters)") == ["variables", "kgTerms"]
    page.evaluate("kgQueryPage.yasqe.setValue('SELECT * WHERE { ?p kg:zoneStatus kg:missing }')")
    assert page.evaluate("kgQueryPage.yasqe.queryValid") is True
    assert "PREFIX" not in page.evaluate("kgQueryPage.yasqe.getValue()")
    # Completion from kg's vocabulary: kg:fe -> kg:feeds.
    page.evaluate("kgQueryPage.yasqe.setValue('SELECT * WHERE { ?a kg:fe'); kgQueryPage.yasqe.focus();"
                  "kgQueryPage.yasqe.setCursor({line: 0, ch: 40})")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    assert "kg:feeds" in page.locator(".CodeMirror-hints li").all_inner_texts()
    # Canned queries are offered by title, in Chinese and in English.
    titles = page.locator("#canned-select option").all_inner_texts()
    assert "某产品的全部上游" in titles
    page.select_option("#lang", "en")
    assert "Everything upstream of a product" in page.locator("#canned-select option").all_inner_texts()
    assert visit.hosts() == {"127.0.0.1"} and visit.outside == []
    page.close()


def test_canned_query_runs_from_its_title_with_a_parameter(browser, served, tmp_path):
    visit = Visit(browser, served)
    page = visit.page
    page.select_option("#lang", "zh")
    page.select_option("#canned-select", label="某产品的全部上游")
    page.fill("#canned-form input[name=product]", "methionine")
    page.click("#canned-run")
    page.wait_for_selector("#yasr table.dataTable tbody td", timeout=30_000)
    text = page.evaluate("kgQueryPage.yasqe.getValue()")
    # Readable: titles as comments, the parameter bound as a prefixed name, no PREFIX lines.
    assert text.startswith("# 某产品的全部上游 / Everything upstream of a product")
    assert "VALUES (?product) { (product:methionine) }" in text and "PREFIX" not in text
    cells = page.locator("#yasr table.dataTable tbody td").all_inner_texts()
    assert "product:methionine" in cells and "product:ammonia" in cells  # prefixed names
    assert not any("https://w3id.org" in c for c in cells)
    # A value that is not an id is refused before anything runs, in words.
    page.fill("#canned-form input[name=product]", "x> } ; DROP")
    page.click("#canned-open")
    page.wait_for_selector("#canned-error:has-text('not a product id')")
    assert page.evaluate("kgQueryPage.yasqe.getValue()") == text
    page.fill("#canned-form input[name=product]", "methionine")
    page.click("#canned-open")
    page.locator(".CodeMirror").first.hover()
    visit.screenshot("query-page.png", tmp_path)
    assert visit.hosts() == {"127.0.0.1"} and visit.errors == []
    page.close()


def test_syntax_error_is_shown_at_its_line(browser, served, tmp_path):
    visit = Visit(browser, served)
    page = visit.page
    page.select_option("#lang", "en")
    visit.run("SELECT ?product ?label\nWHERE {\n  ?product a kg:Product ;\n    rdfs:label ?label\n"
              "  FILTER(LANG(?label) = \"en\"\n}\nLIMIT 10\n")
    page.wait_for_selector(".kg-error-widget", timeout=30_000)
    # The endpoint's error is at line 6 of what the editor sent (the prefixes go on one line
    # before it), which is line 6 of the editor once that line is taken off.
    marked = page.evaluate("""() => { const y = kgQueryPage.yasqe, lines = [];
        for (let i = 0; i < y.lineCount(); i++) {
          const info = y.lineInfo(i);
          if ((info.bgClass || "").includes("kg-error-line")) lines.push(i + 1);
        } return lines; }""")
    assert marked == [6]
    message = page.inner_text("#kg-message")
    assert message.startswith("Syntax error at line 6, column")
    widget = page.locator(".CodeMirror .kg-error-widget").inner_text()
    assert widget == message
    assert page.locator(".kg-error-at").count() == 1
    visit.screenshot("query-page-error.png", tmp_path)
    # Editing the query clears the mark.
    page.evaluate("kgQueryPage.yasqe.replaceRange(')', {line: 4, ch: 29})")
    assert page.locator(".CodeMirror .kg-error-widget").count() == 0
    assert page.locator(".CodeMirror .kg-error-line").count() == 0
    page.close()


def test_endpoint_errors_are_explained_in_words(browser, served):
    visit = Visit(browser, served)
    page = visit.page
    page.select_option("#lang", "en")
    visit.run("INSERT DATA { product:x kg:feeds product:y }")
    page.wait_for_selector("#kg-message.error")
    assert page.inner_text("#kg-message") == ("This endpoint is read-only: updates (INSERT, DELETE, "
                                              "LOAD, ...) are refused.")
    visit.run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    page.wait_for_selector("#kg-message.error:has-text('taking too long')", timeout=60_000)
    assert "ran longer than 1 s" in page.inner_text("#kg-message")
    assert "taking too long" in page.inner_text("#yasr")
    page.close()


def read_xlsx(data: bytes) -> list[list]:
    """Every cell of the workbook's first sheet; asserts that none is a formula."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_results_download_as_csv_and_xlsx(browser, served, shipped_store, tmp_path):
    from kg.store.sparql import resolve, run, to_frame

    visit = Visit(browser, served)
    page = visit.page
    page.select_option("#lang", "zh")
    page.select_option("#canned-select", label="产业链概览")
    page.click("#canned-run")
    page.wait_for_selector("#yasr table.dataTable tbody td", timeout=30_000)
    files = {}
    for fmt in ("csv", "xlsx"):
        with page.expect_download() as info:
            page.click(f"#download-{fmt}")
        download = info.value
        assert download.suggested_filename == f"kg-chain-overview.{fmt}"
        files[fmt] = Path(download.path()).read_bytes()
    expected = to_frame(run(shipped_store, resolve("chain-overview").text))
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8"))))
    assert rows[0] == list(expected.columns)
    assert rows[1:] == expected.astype(str).values.tolist()
    assert rows[1][0].startswith("chain:")  # prefixed names, as on the page
    cells = read_xlsx(files["xlsx"])
    assert cells[0] == list(expected.columns) and len(cells) == len(expected) + 1
    products = cells[0].index("products")
    assert all(isinstance(row[products], int) for row in cells[1:])  # numbers stay numbers
    assert page.inner_text("#kg-message") == "已下载：kg-chain-overview.xlsx"
    # The chart of this aggregate answer (kg's plugin: the bundle has no chart plugin).
    page.click(".yasr .select_kgChart")
    assert page.locator(".kg-chart svg rect").count() == len(expected)
    assert page.input_value(".kg-chart select") == "share_present"  # the last column that is not all 0
    texts = page.locator(".kg-chart svg text").all_text_contents()
    assert texts[0::2] == expected["label_zh"].tolist()  # bars named by the label in the page's language
    assert [float(t) for t in texts[1::2]] == [float(v) for v in expected["share_present"]]
    assert visit.hosts() == {"127.0.0.1"} and visit.outside == [] and visit.errors == []
    page.close()
    # The screenshot shows the downloaded workbook as openpyxl reads it back.
    shown = browser.new_page(viewport={"width": 1400, "height": 520})
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in cells)
    shown.set_content(
        "<style>body{font-family:sans-serif;margin:1em}td{border:1px solid #bbb;padding:3px 8px}"
        "table{border-collapse:collapse}tr:first-child{background:#e8eef4;font-weight:bold}</style>"
        "<h3>kg-chain-overview.xlsx — downloaded from the query page (产业链概览 / Chain overview), "
        "read back with openpyxl: no formula cells</h3>"
        f"<table>{body}</table>")
    target = IMG / "query-page-download.png" if os.environ.get("KG_WRITE_SCREENSHOT") == "1" \
        else tmp_path / "download.png"
    shown.screenshot(path=str(target))
    shown.close()


# ---------------------------------------------------------------- the page's services, over HTTP

def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_favicon_and_engine_page(served):
    status, headers, body = get(served + "/favicon.ico")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml" and body.startswith(b"<svg")
    status, _, body = get(served + "/")
    assert status == 200 and b"prefix.cc" not in body and b'src="/yasgui.min.js"' in body


def test_download_refuses_bad_requests_in_words(served):
    query = urllib.parse.quote("SELECT * WHERE { ?s ?p }")
    status, _, body = get(f"{served}/download?format=csv&query={query}")
    assert status == 400 and b"line 1, column" in body
    status, _, body = get(f"{served}/download?format=pdf&query={query}")
    assert status == 400 and body == b"format must be csv or xlsx\n"
    stuck = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    status, _, body = get(f"{served}/download?format=csv&query={stuck}")
    assert status == 503 and b"ran longer than 1 s" in body


def test_download_ask_and_construct(served):
    ask = urllib.parse.quote("ASK { product:methionine a kg:Product }")
    status, _, body = get(f"{served}/download?format=csv&query={ask}")
    assert status == 200 and body.decode().split() == ["boolean", "True"]
    construct = urllib.parse.quote("CONSTRUCT { product:methionine rdfs:label ?l } "
                                   "WHERE { product:methionine rdfs:label ?l }")
    status, headers, body = get(f"{served}/download?format=xlsx&query={construct}")
    cells = read_xlsx(body)
    assert cells[0] == ["subject", "predicate", "object"] and len(cells) == 3
    assert {row[0] for row in cells[1:]} == {"product:methionine"}
    assert headers["Content-Disposition"] == 'attachment; filename="kg-query.xlsx"'


def test_download_writes_hostile_text_as_text(served):
    """Text that looks like a formula stays text: the download goes through kg's writers."""
    query = urllib.parse.quote('SELECT ("=HYPERLINK(\\"http://x\\")" AS ?a) ("@SUM(A1)" AS ?b) (-1 AS ?n) WHERE {}')
    status, _, body = get(f"{served}/download?format=xlsx&query={query}")
    assert status == 200
    assert read_xlsx(body) == [["a", "b", "n"], ['=HYPERLINK("http://x")', "@SUM(A1)", -1]]  # text, no formula
    status, _, body = get(f"{served}/download?format=csv&query={query}")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows == [["a", "b", "n"], ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "-1"]]  # OWASP's quote


def test_canned_queries_open_as_readable_text():
    from kg.errors import KgError
    from kg.outputs.query_page import readable_query

    text = readable_query("projects-by-status-year", {"status": "operating", "year": "2026"})
    assert text.startswith("# ")
    assert "VALUES (?status ?year) { (kg:operating 2026) }" in text
    assert "PREFIX" not in text and "# param:" not in text
    # Empty fields mean "all"; a value of the wrong kind is refused with the reason.
    assert "VALUES" not in readable_query("projects-by-status-year", {"status": "", "year": " "})
    with pytest.raises(KgError, match="not an integer"):
        readable_query("projects-by-status-year", {"year": "2026) } DROP"})
    with pytest.raises(KgError, match="no canned query"):
        readable_query("../../etc/passwd", {})
