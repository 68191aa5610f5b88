"""SPARQL endpoints: serving the built graph on this machine, and pushing it to a server.

``serve`` runs Oxigraph's own read-only SPARQL 1.1 Protocol server (the ``oxigraph`` CLI,
PyPI package ``oxigraph``) over the build's store, on a private loopback port, behind a
small front on the address the user asked for. The engine does the protocol (GET and POST,
content negotiation, refusing updates with 403); the front adds only two things:

- ``/`` is a query page of its own that makes no request to any other host (Oxigraph's
  bundled YASGUI page fetches ``http://prefix.cc/popular/all.file.json``);
- a hard bound on a runaway query. The engine cancels a query after ``--timeout-s``
  seconds, but only where its evaluator checks for cancellation; some operators do not
  (a 4-way cross product under COUNT ran 69 s with a 2 s timeout). The front waits
  ``timeout + grace`` seconds for an answer; past that it answers 503 and restarts the
  engine (a read-only open, well under a second), which ends the query for certain.
  Requests in flight on other connections at that moment fail too.

``push`` loads the graph into any SPARQL 1.1 server through the Graph Store Protocol.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kg.errors import KgError
from kg.store.sparql import bind, canned_queries
from kg.store.stores import inline_values, with_prefixes

CANCELLED = b"The SPARQL operation has been cancelled"  # what the engine writes when it gives up
BUFFER = 1 << 20  # answers up to this size are held until complete, so a failure is a clean 503
FORWARDED_HEADERS = ("Content-Type", "Accept")


def oxigraph_binary() -> str:
    """The ``oxigraph`` command (PyPI package ``oxigraph``), or a KgError saying how to get it."""
    found = shutil.which("oxigraph")
    if not found:
        raise KgError("the `oxigraph` command is not installed: pip install 'oxigraph>=0.5,<0.6'")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_listening(host: str, port: int, timeout: float = 20.0, process: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise KgError(f"the server exited with code {process.returncode} before listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise KgError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def link_store(store: Path, target: Path) -> Path:
    """A private view of a build's store for the server: data files hard-linked (immutable,
    no copy), the small bookkeeping files copied. A later build may prune the generation
    without disturbing the server."""
    target.mkdir(parents=True, exist_ok=True)
    for path in Path(store).iterdir():
        if path.name == "LOCK":
            continue
        if path.suffix in (".sst", ".blob"):
            try:
                os.link(path, target / path.name)
                continue
            except OSError:
                pass
        shutil.copy2(path, target / path.name)
    return target


class Engine:
    """The Oxigraph read-only server over a store, on a private loopback port."""

    def __init__(self, store: Path, timeout: int):
        self.store = Path(store)
        self.timeout = int(timeout)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve-read-only", "--location", str(self.store),
             "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(self.timeout)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening("127.0.0.1", self.port, process=self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self, seen: subprocess.Popen | None) -> None:
        """Restart the engine, unless another thread already replaced the process ``seen``."""
        with self.lock:
            if self.process is not seen:
                return
            self.stop()
            self.start()
            self.restarts += 1


def page(endpoint: str = "query") -> bytes:
    """The offline query page: the canned queries, a text box, results as a table. All
    results are inserted as text nodes, never as HTML."""
    examples = {}
    for query in canned_queries():
        body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#")).strip()
        examples[query.name] = {"title": f"{query.title_zh} / {query.title_en}",
                                "text": with_prefixes(inline_values(body, bind(query, {})))}
    data = json.dumps(examples, ensure_ascii=False).replace("</", "<\\/")
    options = "".join(f'<option value="{html.escape(name)}">{html.escape(item["title"])}</option>'
                      for name, item in examples.items())
    return PAGE.replace("@OPTIONS@", options).replace("@DATA@", data).replace("@ENDPOINT@", endpoint).encode()


PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>kg SPARQL</title>
<style>
body{font-family:sans-serif;margin:1em}textarea{width:100%;height:18em;font-family:monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}
#status{color:#555}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}
</style></head><body>
<h3>kg SPARQL endpoint (read-only) — <code>/@ENDPOINT@</code></h3>
<select id="examples"><option value="">— canned queries —</option>@OPTIONS@</select>
<textarea id="query">SELECT * WHERE { ?s ?p ?o } LIMIT 20</textarea>
<button id="run">Run</button> <span id="status"></span>
<div id="out"></div>
<script>
const EXAMPLES = @DATA@;
const $ = (id) => document.getElementById(id);
$("examples").onchange = () => { const e = EXAMPLES[$("examples").value]; if (e) $("query").value = e.text; };
$("run").onclick = async () => {
  const out = $("out"); out.textContent = ""; $("status").textContent = "running…";
  const t0 = performance.now();
  const response = await fetch("@ENDPOINT@", {method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded",
              "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
    body: "query=" + encodeURIComponent($("query").value)});
  const text = await response.text();
  $("status").textContent = response.status + " in " + Math.round(performance.now() - t0) + " ms";
  const type = response.headers.get("content-type") || "";
  if (!response.ok || !type.includes("json")) {
    const pre = document.createElement("pre"); pre.textContent = text; out.appendChild(pre); return;
  }
  const doc = JSON.parse(text);
  if ("boolean" in doc) { out.textContent = String(doc.boolean); return; }
  const table = document.createElement("table"), head = table.insertRow();
  for (const v of doc.head.vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  for (const b of doc.results.bindings) {
    const row = table.insertRow();
    for (const v of doc.head.vars) { row.insertCell().textContent = b[v] ? b[v].value : ""; }
  }
  $("status").textContent += ", " + doc.results.bindings.length + " rows";
  out.appendChild(table);
};
</script></body></html>
"""


class Front(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], engine: Engine, deadline: float):
        self.engine = engine
        self.deadline = deadline
        self.page = page()
        super().__init__(address, FrontHandler)


class FrontHandler(BaseHTTPRequestHandler):
    server: Front
    server_version = "kg-serve"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if urllib.parse.urlsplit(self.path).path in ("/", "/index.html"):
            self.reply(200, self.server.page, "text/html; charset=utf-8")
        else:
            self.forward()

    def do_POST(self) -> None:  # noqa: N802
        self.forward()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_POST

    def reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self) -> None:
        """Pass the request to the engine; answer 503 when it takes longer than the deadline."""
        engine, started = self.server.engine, time.monotonic()
        with engine.lock:  # wait while the engine restarts
            process = engine.process
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: self.headers[k] for k in FORWARDED_HEADERS if self.headers[k]}
        connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=self.server.deadline)
        held, sent = b"", False
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            while True:
                remaining = self.server.deadline - (time.monotonic() - started)
                if remaining <= 0:
                    raise TimeoutError
                connection.sock.settimeout(remaining)
                chunk = response.read1(65536) if self.command != "HEAD" else b""
                if not sent and (not chunk or len(held) + len(chunk) > BUFFER):
                    if not chunk and held.rstrip().endswith(CANCELLED):
                        return self.reply(503, self.timeout_message())
                    self.send_response(response.status)
                    for name in ("Content-Type", "Allow"):
                        if response.getheader(name):
                            self.send_header(name, response.getheader(name))
                    self.end_headers()
                    self.wfile.write(held)
                    sent = True
                if not chunk:
                    return
                if sent:
                    self.wfile.write(chunk)
                else:
                    held += chunk
        except TimeoutError:
            engine.restart(process)  # first, so that the next request finds it ready
            if not sent:
                self.reply(503, self.timeout_message())
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            if not sent:
                self.reply(502, f"the SPARQL engine failed: {exc}\n".encode())
        finally:
            connection.close()

    def timeout_message(self) -> bytes:
        return f"the query was stopped: it ran longer than {self.server.engine.timeout} s\n".encode()


def serve(store: Path, host: str = "127.0.0.1", port: int = 7878, timeout: int = 30,
          announce: Callable[[str], None] = print, ready: threading.Event | None = None) -> None:
    """Serve ``store`` read-only at http://host:port/query until interrupted (Ctrl-C, SIGTERM)."""
    import signal

    grace = max(2.0, timeout / 2)
    workdir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    engine = Engine(link_store(store, workdir / "store"), timeout)
    try:
        engine.start()
        try:
            front = Front((host, port), engine, deadline=timeout + grace)
        except OSError as exc:
            raise KgError(f"cannot listen on {host}:{port}: {exc}") from exc
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=front.shutdown).start())
        announce(f"SPARQL endpoint: http://{host}:{front.server_address[1]}/query  (query page: "
                 f"http://{host}:{front.server_address[1]}/; read-only; queries stopped after {timeout} s)")
        if ready is not None:
            ready.set()
        try:
            front.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            front.server_close()
    finally:
        engine.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def store_url_for(endpoint: str) -> str:
    """Oxigraph's Graph Store Protocol URL next to its query endpoint: .../query -> .../store."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rsplit("/", 1)[0] + "/store"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def push(graph: Path, endpoint: str, store_url: str | None = None, replace: bool = True,
         timeout: float = 600.0) -> str:
    """Load the N-Triples file ``graph`` into the default graph of the server behind
    ``endpoint`` with the SPARQL 1.1 Graph Store Protocol: PUT (replace the default graph)
    or POST (add to it). Returns the URL written to."""
    target = store_url or store_url_for(endpoint)
    url = target + ("&" if "?" in target else "?") + "default"
    data = Path(graph).read_bytes()
    request = urllib.request.Request(url, data=data, method="PUT" if replace else "POST",
                                     headers={"Content-Type": "application/n-triples"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:300]
        raise KgError(f"the server at {url} refused the graph ({exc.code}): {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise KgError(f"cannot reach {url}: {exc}") from exc
    return url
