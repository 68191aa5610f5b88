"""Shared fixtures: copies of datasets to break, and one build of the shipped data."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kg.paths import default_data_dir

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
MINI = HERE / "fixtures" / "mini"
REQUIRE_ALL = bool(os.environ.get("KG_REQUIRE_ALL"))


def kg_command(*args: str) -> list[str]:
    """The command line of `kg ARGS` as a user runs it, from this checkout (see :func:`checkout_env`)."""
    return [sys.executable, "-m", "kg", *args]


def checkout_env() -> dict[str, str]:
    """The environment for a `kg` subprocess: this checkout first on PYTHONPATH, so the code
    under test runs and not a copy installed in the environment."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH", "")) if p)
    return env


def run_kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`kg ARGS` from this checkout in a subprocess; its exit code, stdout and stderr."""
    return subprocess.run(kg_command(*args), capture_output=True, text=True, cwd=cwd, env=checkout_env())


def skip_or_fail(reason: str) -> None:
    """Skip for a missing system tool on a user's machine; fail on CI (KG_REQUIRE_ALL=1)."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (KG_REQUIRE_ALL is set, so nothing may skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory) -> Path:
    """kg's per-user cache (where a build goes when no --build-dir is given) in a temporary
    folder for the whole session, for this process and the kg processes it starts: the tests
    never write into the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small hand-made dataset."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped dataset."""
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target, ignore=shutil.ignore_patterns("*.md", "*.txt"))
    return target


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """The build folder of the shipped dataset, built once per test session."""
    from kg.store.build import build

    out = tmp_path_factory.mktemp("shipped") / "build"
    build(default_data_dir(), out)
    return out


@pytest.fixture(scope="session")
def shipped_store(shipped_build: Path):
    from kg.store.stores import open_store

    return open_store(shipped_build)


# ---------------------------------------------------------------- pages in a real browser

@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through playwright-python, one per test module (a sync
    playwright cannot run twice at once in one thread, so a module never holds it open
    while another module starts its own)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    if not Path("/usr/bin/chromium").exists():
        skip_or_fail("chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


class OpenedPage:
    """A page opened by :func:`open_page`, with what happened while it loaded and ran:
    ``outside`` every request that did not stay on file:// (refused), ``errors`` console
    errors and uncaught exceptions, ``dialogs`` the messages of alert/confirm/prompt."""

    def __init__(self, page):
        self.page, self.outside, self.errors, self.dialogs = page, [], [], []


def open_page(browser, path: Path, viewport: tuple[int, int] = (1600, 1000), ready: str | None = None) -> OpenedPage:
    """Open a local file, recording and refusing every request that leaves file://; wait for
    the load event, and for the CSS selector ``ready`` when given."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    opened = OpenedPage(page)

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            opened.outside.append(r.request.url)
            r.abort()

    def dialog(d):
        opened.dialogs.append(d.message)
        d.dismiss()

    page.route("**/*", route)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("dialog", dialog)
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_load_state("load")
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=30_000)
    return opened


@contextlib.contextmanager
def kg_serve(data: Path, out: Path, log: Path, timeout: float, *extra: str):
    """`kg serve` over ``data`` (built into ``out``) on a free loopback port, as a user runs it
    (with the ``extra`` options); yields (base URL, process) and stops the server afterwards."""
    import signal

    from kg.store.endpoint import free_port, wait_listening

    if not shutil.which("oxigraph"):
        skip_or_fail("the `oxigraph` command (PyPI oxigraph) is not installed")
    port = free_port()
    with open(log, "w") as handle:
        process = subprocess.Popen(
            kg_command("serve", "--data", str(data), "--build-dir", str(out), "--port", str(port),
                       "--timeout", str(timeout), *extra),
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, env=checkout_env())
    try:
        wait_listening("127.0.0.1", port, timeout=60, process=process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def sparql_stub(rows: list[dict] | tuple = ()):
    """A SPARQL server stub on loopback for the tests that check kg never sends requests for
    its clients: it records each request's path and answers every query with ``rows`` (SPARQL
    JSON bindings). Yields (the endpoint's URL, the list of recorded paths)."""
    hits: list[str] = []
    body = json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": list(rows)}}).encode()

    class Stub(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.do_POST()

        def do_POST(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sparql", hits
    finally:
        server.shutdown()
        server.server_close()
