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
  Requests in flight on other connections at that moment fail too;
- honest answers: the engine's whole answer is read (into a spool file past 1 MB) before
  the status is sent, so a client never gets a cut answer as 200: a cancelled or broken one
  is a 503 or 502, one past ``max_answer`` bytes a 507; then it is sent with its length at
  the client's pace, so a slow client holds no engine connection and restarts nothing;
- bounds and guards: no SERVICE clause unless allowed (the engine would send requests for
  the client), the Host header must name this server (no DNS rebinding), a socket timeout
  on every client connection, at most :data:`MAX_CONNECTIONS` at once, request bodies of at
  most :data:`MAX_BODY` bytes with a valid Content-Length (chunked bodies: 411);
- the engine dies with kg serve: SIGTERM and SIGHUP stop it and remove the temporary
  folder; on ``kill -9`` the kernel ends it (:mod:`kg.store.children`) and the next
  ``kg serve`` removes the folder left behind.

Loading the graph into a SPARQL 1.1 server (``kg push``) is :mod:`kg.store.push`.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
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
from kg.files import claimed, remove_leftovers
from kg.store.children import die_with_parent
from kg.store.sparql import SERVICE_OFF, has_service

CANCELLED = b"The SPARQL operation has been cancelled"  # what the engine writes when it gives up
BUFFER = 1 << 20  # answers up to this size are held until complete, so a failure is a clean 503
FORWARDED_HEADERS = ("Content-Type", "Accept")
MAX_BODY = 1 << 20  # bytes a request body may hold: a query, not a data load
MAX_CONNECTIONS = 64  # client connections served at once; more are answered 503 at once
CLIENT_TIMEOUT = 20.0  # seconds a client may stay silent (or not read) before it is dropped
MAX_ANSWER = 256 << 20  # bytes of one answer, held whole before it is sent
WORKDIR_MARK, WORKDIR_TEXT = ".kg-serve", "kg serve"  # kg's mark on its temporary folders
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "localhost.localdomain"}
ENGINE_PAGE = ("/", "/index.html")  # Oxigraph's own YASGUI page fetches prefix.cc: never forwarded
Reply = tuple[int, str, bytes, dict[str, str]]
"""What a page the front answers itself gives: status, content type, body, extra headers."""
Route = Callable[[dict[str, str], str], Reply]
"""A page the front answers itself: (form fields, the endpoint's own URL) -> :data:`Reply`."""


def script_dirs() -> list[str]:
    """Where ``pip install`` put the commands of kg's own environment: the interpreter's
    scripts folder and the folder of the interpreter itself. A virtual environment run as
    ``.venv/bin/kg`` without being activated is not on PATH, yet its ``oxigraph`` is there."""
    import sysconfig

    return [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]


def oxigraph_binary() -> str:
    """The ``oxigraph`` command (PyPI package ``oxigraph``, installed with kg): first in kg's
    own environment (:func:`script_dirs`), then on PATH; or a KgError saying how to get it."""
    for folder in script_dirs():
        found = shutil.which("oxigraph", path=folder)
        if found:
            return found
    found = shutil.which("oxigraph")
    if not found:
        raise KgError("the `oxigraph` command (the SPARQL server kg serve runs) is not installed in kg's "
                      f"environment ({sys.executable}) nor on PATH: pip install 'oxigraph>=0.5,<0.6' "
                      "(pip install . installs it with kg)")
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
        self.wanted: queue.Queue = queue.Queue()
        self.keeper: threading.Thread | None = None

    def start(self) -> None:
        """Start the engine; it is killed by the kernel when the thread that started it ends
        (:func:`kg.store.children.die_with_parent`), so that ``kill -9`` of kg serve ends it
        too: :meth:`run` starts it from a thread that lives as long as the server."""
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve-read-only", "--location", str(self.store),
             "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(self.timeout)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        wait_listening("127.0.0.1", self.port, process=self.process)

    def run(self) -> None:
        """Start the keeper thread, which starts the engine and every restart of it."""
        self.keeper = threading.Thread(target=self._keep, name="kg-engine-keeper", daemon=True)
        self.keeper.start()
        self._ask(None)

    def close(self) -> None:
        """Stop the engine and the keeper thread."""
        if self.keeper is not None:
            self.wanted.put(None)
            self.keeper.join(30)
        self.stop()

    def _keep(self) -> None:
        while (item := self.wanted.get()) is not None:
            seen, done, failed = item
            try:
                with self.lock:
                    if self.process is seen:
                        if seen is not None:
                            self.stop()
                            self.restarts += 1
                        self.start()
            except BaseException as exc:  # handed to the thread that asked
                failed.append(exc)
            done.set()

    def _ask(self, seen: subprocess.Popen | None) -> None:
        done, failed = threading.Event(), []
        self.wanted.put((seen, done, failed))
        done.wait()
        if failed:
            raise failed[0]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self, seen: subprocess.Popen | None) -> None:
        """Restart the engine (on the keeper thread), unless another thread already replaced
        the process ``seen``."""
        self._ask(seen)


class Front(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], engine: Engine, deadline: float,
                 pages: dict[str, Route] | None = None, allow_service: bool = False,
                 client_timeout: float = CLIENT_TIMEOUT, max_answer: int = MAX_ANSWER,
                 spool: Path | None = None):
        self.engine = engine
        self.deadline = deadline
        self.pages = pages or {}
        self.allow_service = allow_service
        self.client_timeout = client_timeout
        self.max_answer = max_answer
        self.spool = spool
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, FrontHandler)
        host, port = self.server_address[:2]
        self.own_endpoint = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/query"
        self.wildcard = host in ("0.0.0.0", "::", "")
        self.names = LOCAL_NAMES | {str(address[0]).lower().strip("[]")}
        if self.wildcard:
            self.names |= {socket.gethostname().lower(), socket.getfqdn().lower()}

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request's Host header names this server: a local name or the bound
        address (and, bound to every address, any IP address or this machine's name). A page
        on another site that has made its own name point here (DNS rebinding) is refused."""
        if header is None:
            return True  # HTTP/1.0 without Host: no browser, no rebinding
        host = header.strip().lower()
        if host.startswith("["):
            host = host[1:].split("]", 1)[0]
        elif host.count(":") == 1:
            host = host.split(":", 1)[0]
        if host in self.names:
            return True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return self.wildcard

    def process_request(self, request, client_address) -> None:
        """Serve a connection in a thread of its own, at most :data:`MAX_CONNECTIONS` at
        once; past that, answer 503 at once and close."""
        if not self.slots.acquire(blocking=False):
            busy = b"the endpoint is busy: too many connections at once; try again\n"
            try:
                request.settimeout(1)
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                + f"Content-Length: {len(busy)}\r\nConnection: close\r\n\r\n".encode() + busy)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class FrontHandler(BaseHTTPRequestHandler):
    server: Front
    server_version = "kg-serve"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def setup(self) -> None:
        self.timeout = self.server.client_timeout  # the socket timeout of this connection
        super().setup()

    def parse_request(self) -> bool:
        """Read the request line and headers, then refuse a Host that is not this server's."""
        if not super().parse_request():
            return False
        if not self.server.host_allowed(self.headers.get("Host")):
            self.reply(403, f"the Host {self.headers.get('Host')!r} is not this server's name: use "
                            f"{self.server.own_endpoint}\n".encode())
            return False
        return True

    def read_body(self) -> bytes | None:
        """The request's body (empty when it has none), or None after answering why it is
        not taken: a chunked body (411), a Content-Length that is not a number (400), or one
        larger than :data:`MAX_BODY` (413)."""
        if self.headers.get("Transfer-Encoding"):
            self.reply(411, b"send the body with a Content-Length (chunked bodies are not taken)\n")
            return None
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        if len(set(lengths)) > 1 or not lengths[0].strip().isdigit():
            self.reply(400, f"bad Content-Length {', '.join(lengths)!r}: expected one whole number\n".encode())
            return None
        length = int(lengths[0])
        if length > MAX_BODY:
            self.reply(413, f"the request body is {length} bytes; at most {MAX_BODY} are taken\n".encode())
            return None
        return self.rfile.read(length) if length else b""

    def query_text(self, body: bytes) -> str:
        """The SPARQL query a request carries: the ``query`` field of the URL or of a form
        body, or a ``application/sparql-query`` body."""
        fields = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query", [])
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = body.decode("utf-8", "replace")
        if kind == "application/x-www-form-urlencoded":
            fields += urllib.parse.parse_qs(text).get("query", [])
        elif kind == "application/sparql-query":
            fields.append(text)
        return "\n".join(fields)

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
        body = self.read_body()
        if body is None:
            return
        if self.command == "POST" and body:
            form.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
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
        """Pass the request to the engine and its whole answer to the client (see the module
        docstring): 503 past the deadline or when the engine cancelled, 502 when its answer
        broke off, 507 past the answer limit, 400 for a SERVICE clause unless allowed."""
        body = self.read_body()
        if body is None:
            return
        if not self.server.allow_service and has_service(self.query_text(body)):
            return self.reply(400, f"{SERVICE_OFF} (kg serve --allow-service)\n".encode())
        with tempfile.SpooledTemporaryFile(max_size=BUFFER, dir=self.server.spool) as answer:
            got = self.fetch(body, answer)
            if got is None:
                return
            status, headers, size = got
            answer.seek(0)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if self.command != "HEAD":
                    shutil.copyfileobj(answer, self.wfile, 1 << 16)
            except OSError:
                pass  # the client left or stopped reading (its socket timed out): its loss alone

    def fetch(self, body: bytes, answer) -> tuple[int, dict[str, str], int] | None:
        """Read the engine's whole answer into ``answer``; return its status, headers and
        size, or None after replying with the error that stopped it."""
        engine, started = self.server.engine, time.monotonic()
        with engine.lock:  # wait while the engine restarts
            process = engine.process
        headers = {k: self.headers[k] for k in FORWARDED_HEADERS if self.headers[k]}
        connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=self.server.deadline)
        size, tail = 0, b""
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            while True:
                remaining = self.server.deadline - (time.monotonic() - started)
                if remaining <= 0:
                    raise TimeoutError
                connection.sock.settimeout(remaining)
                chunk = response.read1(65536) if self.command != "HEAD" else b""
                if not chunk:
                    break
                size += len(chunk)
                if size > self.server.max_answer:
                    self.reply(507, f"the answer is larger than this endpoint's limit of "
                                    f"{self.server.max_answer >> 20} MB (kg serve --max-answer-mb): add a LIMIT "
                                    "or ask for less\n".encode())
                    return None
                answer.write(chunk)
                tail = (tail + chunk)[-256:]
        except TimeoutError:
            engine.restart(process)  # first, so that the next request finds it ready
            self.reply(503, self.timeout_message())
            return None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self.reply(502, f"the SPARQL engine failed: its answer broke off ({exc})\n".encode())
            return None
        finally:
            connection.close()
        if tail.rstrip().endswith(CANCELLED):
            self.reply(503, self.timeout_message())
            return None
        kept = {name: response.getheader(name) for name in ("Content-Type", "Allow") if response.getheader(name)}
        return response.status, kept, size

    def timeout_message(self) -> bytes:
        return f"the query was stopped: it ran longer than {self.server.engine.timeout} s\n".encode()


def serve(store: Path, host: str = "127.0.0.1", port: int = 7878, timeout: int = 30,
          announce: Callable[[str], None] = print, ready: threading.Event | None = None,
          pages: dict[str, Route] | None = None, allow_service: bool = False,
          client_timeout: float = CLIENT_TIMEOUT, max_answer: int = MAX_ANSWER) -> None:
    """Serve ``store`` read-only at http://host:port/query until interrupted (Ctrl-C, SIGTERM,
    SIGHUP). ``pages`` answer their paths in the front (the query page,
    :func:`kg.outputs.query_page.routes`); every other path goes to the engine, except the
    engine's own page at ``/``. ``allow_service`` lets SERVICE clauses through;
    ``client_timeout`` (seconds) and ``max_answer`` (bytes) bound clients and answers."""
    grace = max(2.0, timeout / 2)
    temp = Path(tempfile.gettempdir())
    remove_leftovers(sorted(temp.glob("kg-serve-*")), WORKDIR_MARK, WORKDIR_TEXT)  # what a killed one left
    workdir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    with claimed(workdir, WORKDIR_MARK, WORKDIR_TEXT):
        try:
            _serve(workdir, store, host, port, timeout, grace, announce, ready, pages, allow_service,
                   client_timeout, max_answer)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _serve(workdir: Path, store: Path, host: str, port: int, timeout: int, grace: float,
           announce: Callable[[str], None], ready: threading.Event | None, pages: dict[str, Route] | None,
           allow_service: bool, client_timeout: float, max_answer: int) -> None:
    engine = Engine(link_store(store, workdir / "store"), timeout)
    try:
        engine.run()
        try:
            front = Front((host, port), engine, deadline=timeout + grace, pages=pages, allow_service=allow_service,
                          client_timeout=client_timeout, max_answer=max_answer, spool=workdir)
        except OSError as exc:
            raise KgError(f"cannot listen on {host}:{port}: {exc}") from exc
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), lambda *_: threading.Thread(target=front.shutdown).start())
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
        engine.close()
