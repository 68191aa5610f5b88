"""`kg serve` fails honestly: no SERVICE request made for a client unless --allow-service,
the Host header checked (DNS rebinding), never a cut answer sent as 200, a slow client does
not break others, connections and bodies bounded, the engine ended and its temporary folder
removed on SIGHUP, SIGTERM and kill -9 (the next start removes what a killed one left)."""

from __future__ import annotations

import http.client
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.store.endpoint import free_port, wait_listening
from tests.conftest import MINI, kg_serve, skip_or_fail, sparql_stub

PREFIX = "PREFIX kg: <https://w3id.org/kg-chain/ontology#>\n"
TIMEOUT = 2  # --timeout
OPTIONS = ("--client-timeout", "3", "--max-answer-mb", "40")
CANCELLED = b"The SPARQL operation has been cancelled"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    out = tmp_path_factory.mktemp("hardened") / "build"
    log = tmp_path_factory.mktemp("hardened-log") / "serve.log"
    with kg_serve(MINI, out, log, TIMEOUT, *OPTIONS) as (base, process):
        yield base, process, out
    assert process.returncode == 0, log.read_text()


def post(url: str, query: str, accept: str = "application/sparql-results+json", timeout: float = 60,
         headers: dict | None = None):
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url, data=data, headers={"Accept": accept, **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def raw(base: str, request: bytes, timeout: float = 60) -> bytes:
    """Send ``request`` bytes as they are and read until the server closes (or ``timeout``)."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            chunks.append(b"<no answer before the test's own timeout>")
        return b"".join(chunks)


# ---------------------------------------------------------------- item: requests for clients

@pytest.fixture
def elsewhere():
    with sparql_stub([{"s": {"type": "uri", "value": "http://example.org/from-elsewhere"}}]) as (url, hits):
        yield url, hits


def test_service_is_refused_by_the_endpoint(served, elsewhere):
    base, _, _ = served
    url, hits = elsewhere
    query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(base + "/query", query)
    assert refused.value.code == 400 and b"SERVICE" in refused.value.read()
    with pytest.raises(urllib.error.HTTPError) as by_get:
        urllib.request.urlopen(base + "/query?" + urllib.parse.urlencode({"query": query}), timeout=60)
    assert by_get.value.code == 400
    direct = urllib.request.Request(base + "/query", data=query.encode(),
                                    headers={"Content-Type": "application/sparql-query"})
    with pytest.raises(urllib.error.HTTPError) as by_body:
        urllib.request.urlopen(direct, timeout=60)
    assert by_body.value.code == 400
    assert hits == []


def test_service_works_when_allowed(tmp_path, elsewhere):
    url, hits = elsewhere
    with kg_serve(MINI, tmp_path / "build", tmp_path / "serve.log", TIMEOUT, "--allow-service") as (base, _):
        status, body = post(base + "/query", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
    assert status == 200 and b"from-elsewhere" in body and len(hits) == 1


@pytest.mark.parametrize("host, allowed", [("evil.example", False), ("rebind.attacker.test:7878", False),
                                           ("localhost", True), ("127.0.0.1", True), (None, True)])
def test_host_header_is_checked(served, host, allowed):
    base, _, _ = served
    port = int(urllib.parse.urlsplit(base).port)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    connection.putrequest("POST", "/query", skip_host=True)
    if host is not None:
        connection.putheader("Host", host if ":" in host else f"{host}:{port}")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body.encode())
    response = connection.getresponse()
    assert (response.status == 200) == allowed, (response.status, response.read())
    if not allowed:
        assert response.status == 403
    connection.close()


# ---------------------------------------------------------------- item: no cut answer as 200

def test_a_cut_answer_is_never_a_200(served):
    base, _, _ = served
    big = PREFIX + "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # far more than fits in time or size
    request = urllib.request.Request(base + "/query", data=urllib.parse.urlencode({"query": big}).encode(),
                                     headers={"Accept": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            pytest.fail(f"a 200 for an answer that could not be complete: {len(body)} bytes, "
                        f"ends {body[-60:]!r}")
    except urllib.error.HTTPError as exc:
        assert exc.code in (503, 507), exc.code
        text = exc.read()
        assert b"ran longer than" in text or b"larger than" in text


def test_a_slow_client_gets_its_whole_answer_and_breaks_no_one(served):
    base, _, _ = served
    rows = 100_000
    query = PREFIX + f"SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {rows}"
    port = int(urllib.parse.urlsplit(base).port)
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.settimeout(120)
    slow.connect(("127.0.0.1", port))
    body = urllib.parse.urlencode({"query": query}).encode()
    slow.sendall(b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def others() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                status, _ = post(base + "/query", PREFIX + "SELECT ?p WHERE { ?p a kg:Product }")
                answered += 1
                if status != 200:
                    failures.append(str(status))
            except Exception as exc:  # noqa: BLE001 - any failure of another client is what this test looks for
                failures.append(repr(exc))
            time.sleep(0.05)

    thread = threading.Thread(target=others)
    thread.start()
    received = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < 2 * TIMEOUT + 4:  # read slowly past the engine's deadline
            chunk = slow.recv(2048)
            if not chunk:
                break
            received.append(chunk)
            time.sleep(0.05)
        while chunk := slow.recv(1 << 20):  # then the rest at once
            received.append(chunk)
    finally:
        stop.set()
        thread.join()
        slow.close()
    answer = b"".join(received)
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0], head[:200]
    assert CANCELLED not in content
    assert content.count(b"\n") == rows + 1  # the header line and every row: nothing cut
    assert failures == [] and answered > 0


# ---------------------------------------------------------------- item: connections

def test_an_idle_connection_is_closed(served):
    base, _, _ = served
    answer = raw(base, b"")  # connect and send nothing
    assert answer == b"" or answer.startswith(b"HTTP/1."), answer[:200]  # closed by the server


def test_slow_header_connections_do_not_pile_up_threads(served):
    base, process, _ = served
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    sockets = []
    try:
        for _ in range(200):
            sock = socket.create_connection((host, int(port)), timeout=30)
            sock.sendall(b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the rest
            sockets.append(sock)
        time.sleep(0.5)
        threads = int(next(line.split()[1] for line in Path(f"/proc/{process.pid}/status").read_text().splitlines()
                           if line.startswith("Threads:")))
        assert threads < 100, threads
    finally:
        for sock in sockets:
            sock.close()
    for _ in range(100):  # the server serves again once they are gone
        try:
            assert post(base + "/query", "ASK { ?s ?p ?o }")[0] == 200
            break
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
            time.sleep(0.2)


@pytest.mark.parametrize("length, status", [("200000000", 413), ("abc", 400), ("-1", 400), ("1e3", 400)])
def test_bad_or_huge_content_length_is_refused(served, length, status):
    base, _, _ = served
    answer = raw(base, b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                 + f"Content-Length: {length}\r\n\r\nASK {{ ?s ?p ?o }}".encode())
    assert answer.startswith(f"HTTP/1.0 {status}".encode()) or answer.startswith(f"HTTP/1.1 {status}".encode()), \
        answer[:200]


def test_a_chunked_body_is_refused(served):
    base, _, _ = served
    query = b"ASK { ?s ?p ?o }"
    answer = raw(base, b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(query):x}\r\n".encode() + query + b"\r\n0\r\n\r\n")
    assert answer.split(b"\r\n")[0].split()[1] == b"411", answer[:200]


# ---------------------------------------------------------------- item: the engine ends with kg serve

def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def workdirs(tmp_path: Path) -> set[Path]:
    return set((tmp_path / "tmp").glob("kg-serve-*"))


def start_serve(tmp_path: Path, out: Path) -> tuple[subprocess.Popen, int]:
    if not __import__("shutil").which("oxigraph"):
        skip_or_fail("the `oxigraph` command (PyPI oxigraph) is not installed")
    port = free_port()
    # a temp folder of the test's own, so servers other tests or users run beside it don't count
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--data", str(MINI), "--build-dir", str(out),
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wait_listening("127.0.0.1", port, timeout=60, process=process)
    return process, port


def wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_sighup_and_sigterm_end_the_engine_and_remove_its_folder(tmp_path, sig):
    before = workdirs(tmp_path)
    process, _ = start_serve(tmp_path, tmp_path / "build")
    engines = children(process.pid)
    mine = workdirs(tmp_path) - before
    assert engines and len(mine) == 1
    process.send_signal(sig)
    process.wait(60)
    assert wait_for(lambda: not any(alive(p) for p in engines)), "the engine outlived kg serve"
    assert not any(p.exists() for p in mine), "the temporary folder was left behind"


def test_kill_9_ends_the_engine_and_the_next_start_removes_the_folder(tmp_path):
    before = workdirs(tmp_path)
    process, _ = start_serve(tmp_path, tmp_path / "build")
    engines = children(process.pid)
    left = workdirs(tmp_path) - before
    assert engines and len(left) == 1
    os.kill(process.pid, signal.SIGKILL)
    process.wait(60)
    assert wait_for(lambda: not any(alive(p) for p in engines)), "the engine outlived kg serve (kill -9)"
    again, _ = start_serve(tmp_path, tmp_path / "build")
    try:
        assert not any(p.exists() for p in left), "the killed server's folder is still there"
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(60)
