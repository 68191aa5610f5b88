"""SPARQL endpoints: serving the built graph on this machine, and pushing it to a server.

``serve`` runs Oxigraph's own read-only SPARQL 1.1 Protocol server (the ``oxigraph`` CLI,
PyPI package ``oxigraph``) over the build's store, on a private loopback port, behind a
small front on the address the user asked for. The engine does the protocol (GET and POST,
content negotiation, refusing updates with 403); the front adds only two things:

- the pages it is given (``kg serve`` gives the query page, :mod:`kg.outputs.query_page`, whose
  YASGUI bundle is the engine's own ``/yasgui.min.js``, forwarded like any path); the
  engine's own page at ``/`` is never shown (it fetches ``http://prefix.cc/popular/all.file.json``);
- a hard bound on a runaway query. The engine cancels a query after ``--timeout-s``
  seconds, but only where its evaluator checks for cancellation; some operators do not
  (a 4-way cross product under COUNT ran 69 s with a 2 s timeout). The front waits
  ``timeout + grace`` seconds for an answer; past that it answers 503 and restarts the
  engine (a read-only open, well under a second), which ends the query for certain.
  Requests in flight on other connections at that moment fail too.

``push`` loads the graph into any SPARQL 1.1 server through the Graph Store Protocol.
"""

from __future__ import annotations

import http.client
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

CANCELLED = b"The SPARQL operation has been cancelled"  # what the engine writes when it gives up
BUFFER = 1 << 20  # answers up to this size are held until complete, so a failure is a clean 503
FORWARDED_HEADERS = ("Content-Type", "Accept")
ENGINE_PAGE = ("/", "/index.html")  # Oxigraph's own YASGUI page fetches prefix.cc: never forwarded
Reply = tuple[int, str, bytes, dict[str, str]]
"""What a page the front answers itself gives: status, content type, body, extra headers."""
Route = Callable[[dict[str, str], str], Reply]
"""A page the front answers itself: (form fields, the endpoint's own URL) -> :data:`Reply`."""


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


class Front(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], engine: Engine, deadline: float,
                 pages: dict[str, Route] | None = None):
        self.engine = engine
        self.deadline = deadline
        self.pages = pages or {}
        super().__init__(address, FrontHandler)
        host, port = self.server_address[:2]
        self.own_endpoint = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/query"


class FrontHandler(BaseHTTPRequestHandler):
    server: Front
    server_version = "kg-serve"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = urllib.parse.urlsplit(self.path).path
        if path in self.server.pages:
            self.page(path)
        elif path in ENGINE_PAGE:
            self.reply(404, b"no query page here\n")
        else:
            self.forward()

    def do_POST(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path in self.server.pages and self.command in ("POST", "HEAD"):
            self.page(path)
        else:
            self.forward()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_POST

    def page(self, path: str) -> None:
        """Answer from one of the pages given to the front, with the fields of the URL's
        query string and of a form-encoded POST body."""
        form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        length = int(self.headers.get("Content-Length") or 0)
        if self.command == "POST" and length:
            form.update(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
        status, content_type, body, headers = self.server.pages[path](form, self.server.own_endpoint)
        self.reply(status, body, content_type, headers)

    def reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
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
          announce: Callable[[str], None] = print, ready: threading.Event | None = None,
          pages: dict[str, Route] | None = None) -> None:
    """Serve ``store`` read-only at http://host:port/query until interrupted (Ctrl-C, SIGTERM).
    ``pages`` answer their paths in the front (the query page, :func:`kg.outputs.query_page.routes`);
    every other path goes to the engine, except the engine's own page at ``/``."""
    import signal

    grace = max(2.0, timeout / 2)
    workdir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    engine = Engine(link_store(store, workdir / "store"), timeout)
    try:
        engine.start()
        try:
            front = Front((host, port), engine, deadline=timeout + grace, pages=pages)
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
