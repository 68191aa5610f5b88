"""`kg push` in blocks, resumable: against a real Oxigraph server on loopback, with a small
recording front (:class:`Front`) between kg and the server that can refuse a request, lose the
answer of one the server did load, or stop the server, and a `kg push` killed mid-way."""

from __future__ import annotations

import hashlib
import http.client
import http.server
import json
import os
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.store import push as pushing
from kg.store.build import build
from kg.store.endpoint import free_port
from kg.store.generations import current_generation
from tests.conftest import MINI, checkout_env, kg_command
from tests.test_progress import run_kg as run_kg_on
from tests.test_sparql import start_oxigraph, stop

BLOCK_MB = "0.02"  # the mini graph (about 120 KB) goes in about six blocks
BLOCK_BYTES = int(float(BLOCK_MB) * (1 << 20))


class Server:
    """An Oxigraph server on loopback over a folder, which can be stopped and started again
    on the same data."""

    def __init__(self, location: Path):
        self.location = location
        self.start()

    def start(self) -> None:
        self.process, endpoint = start_oxigraph(self.location)
        self.port = int(endpoint.rsplit(":", 1)[1].split("/")[0])

    def stop(self) -> None:
        stop(self.process)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"


class Front(http.server.ThreadingHTTPServer):
    """A loopback HTTP front for :class:`Server` that forwards every request and records the
    Graph Store requests (method, sha256 of the body). ``fault`` applies to the ``fault_at``-th
    Graph Store request: ``refuse`` answers 503 without forwarding; ``lose`` forwards it and
    closes the connection without the answer; ``stop`` stops the server and closes the
    connection; ``hang`` holds the request (``reached`` is set) until ``release`` is set."""

    daemon_threads = True

    def __init__(self, server: Server):
        self.upstream = server
        self.log: list[tuple[str, str]] = []
        self.fault: str | None = None
        self.fault_at = 0
        self.reached, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FrontHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/query"

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class FrontHandler(http.server.BaseHTTPRequestHandler):
    server: Front

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802
        self.forward(b"")

    def do_POST(self):  # noqa: N802
        self.handle_body()

    def do_PUT(self):  # noqa: N802
        self.handle_body()

    def handle_body(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.startswith("/store"):
            self.forward(body)
            return
        front = self.server
        with front.lock:
            front.log.append((self.command, hashlib.sha256(body).hexdigest()))
            fault = front.fault if len(front.log) == front.fault_at else None
        if fault == "refuse":
            self.send_response(503)
            self.send_header("Content-Length", "17")
            self.end_headers()
            self.wfile.write(b"down for the test")
            return
        if fault == "lose":
            self.forward(body, answer=False)
            self.close_connection = True
            return
        if fault == "stop":
            front.upstream.stop()
            self.close_connection = True
            return
        if fault == "hang":
            front.reached.set()
            front.release.wait(60)
            self.close_connection = True
            return
        self.forward(body)

    def forward(self, body: bytes, answer: bool = True) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        connection.request(self.command, self.path, body=body if self.command != "GET" else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if not answer:
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.getheader("Content-Type") or "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path / "oxigraph")
    yield running
    running.stop()


@pytest.fixture
def front(server):
    running = Front(server)
    yield running
    running.close()


@pytest.fixture
def mini_out(tmp_path) -> Path:
    out = tmp_path / "build"
    build(MINI, out)
    return out


def push_args(endpoint: str, out: Path, *extra: str, data: Path = MINI) -> list[str]:
    return ["push", "--endpoint", endpoint, "--data", str(data), "--build-dir", str(out), "--chunk-mb", BLOCK_MB,
            *extra]


def kg(*args: str):
    return CliRunner().invoke(main, list(args))


def canonical(text: bytes) -> list[str]:
    """The triples of an N-Triples document, each written canonically, sorted."""
    return sorted(str(t) for t in ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


def server_triples(endpoint: str) -> list[str]:
    """The default graph of the server, canonical and sorted (Graph Store GET)."""
    url = pushing.default_graph_url(endpoint)
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/n-triples"})) as answer:
        return canonical(answer.read())


def checksum(triples: list[str]) -> str:
    return hashlib.sha256("\n".join(triples).encode("utf-8")).hexdigest()


def assert_same_graph(endpoint: str, out: Path) -> None:
    expected = canonical((current_generation(out) / "graph.nt").read_bytes())
    found = server_triples(endpoint)
    assert len(found) == len(expected)
    assert checksum(found) == checksum(expected)


def block_hashes(out: Path, size: int = BLOCK_BYTES) -> list[str]:
    graph = current_generation(out) / "graph.nt"
    return [hashlib.sha256(block).hexdigest() for _, block in pushing.blocks(graph, size)]


def records(out: Path) -> list[Path]:
    return sorted(current_generation(out).glob("push-*.json"))


# --- what is sent ---------------------------------------------------------------------------

def test_shipped_graph_has_no_blank_nodes(shipped_build):
    """Re-sending a block is safe only because no triple has a blank node."""
    triples = list(ox.parse(path=str(current_generation(shipped_build) / "graph.nt"), format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) > 5000
    blank = [t for t in triples if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
    assert blank == []


def test_blocks_end_at_line_ends_cover_the_file_and_stay_bounded(tmp_path, shipped_build):
    graph = current_generation(shipped_build) / "graph.nt"
    odd = tmp_path / "odd.nt"
    odd.write_bytes(b"<a> <b> <c> .\n" + b"<a> <b> \"" + b"x" * 5000 + b"\" .\n# comment\n\n<a> <b> <d> .")
    for path, size in [(graph, 100_000), (graph, 4096), (odd, 64), (odd, 1 << 20)]:
        whole = path.read_bytes()
        found = list(pushing.blocks(path, size))
        assert b"".join(bytes(b) for _, b in found) == whole
        assert [o for o, _ in found] == [sum(len(b) for _, b in found[:i]) for i in range(len(found))]
        for _, block in found[:-1]:
            assert block.endswith(b"\n")
            assert len(block) <= size or block.count(b"\n") == 1
    whole = graph.read_bytes()
    assert sum(pushing.count_triples(b) for _, b in pushing.blocks(graph, 4096)) == len(canonical(whole))
    assert pushing.count_triples(odd.read_bytes()) == 3
    assert [len(b) for _, b in pushing.blocks(odd, 64)][1] > 5000  # the long line whole, in a block of its own
    assert list(pushing.blocks(graph, 1 << 20, start=graph.stat().st_size)) == []


def test_push_in_blocks_gives_exactly_graph_nt(shipped_build, server):
    graph = current_generation(shipped_build) / "graph.nt"
    expected_blocks = len(list(pushing.blocks(graph, 100_000)))
    assert expected_blocks > 10
    result = kg("push", "--endpoint", server.endpoint, "--build-dir", str(shipped_build),
                "--chunk-mb", str(100_000 / (1 << 20)))
    assert result.exit_code == 0, result.output
    url = pushing.default_graph_url(server.endpoint)
    assert f"replaced the default graph at {url} ({expected_blocks} block(s)" in result.output
    assert_same_graph(server.endpoint, shipped_build)
    assert records(shipped_build) == [] and list(current_generation(shipped_build).glob("push-*")) == []


def test_push_shows_its_progress_on_a_terminal_only(mini_out, server):
    shown = run_kg_on(push_args(server.endpoint, mini_out), terminal=True)
    assert "push: block 1 loaded (PUT)" in shown and "push: block 2 loaded (POST)" in shown
    assert "triples" in shown and "MB" in shown
    assert "push:" not in run_kg_on(push_args(server.endpoint, mini_out), terminal=False)


def test_append_keeps_what_the_server_held_and_replace_drops_it(mini_out, server):
    extra = b"<https://example.org/kept> <https://example.org/p> \"already there\" .\n"
    urllib.request.urlopen(urllib.request.Request(pushing.default_graph_url(server.endpoint), data=extra, method="POST",
                                                  headers={"Content-Type": "application/n-triples"})).read()
    result = kg(*push_args(server.endpoint, mini_out, "--append"))
    assert result.exit_code == 0, result.output
    assert "appended to the default graph" in result.output
    expected = canonical((current_generation(mini_out) / "graph.nt").read_bytes())
    found = server_triples(server.endpoint)
    assert found == sorted([*expected, *canonical(extra)])
    assert kg(*push_args(server.endpoint, mini_out)).exit_code == 0
    assert_same_graph(server.endpoint, mini_out)


# --- stopped and resumed --------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["refuse", "lose", "stop"])
def test_a_stopped_push_resumes_with_the_blocks_not_confirmed(fault, mini_out, server, front):
    hashes = block_hashes(mini_out)
    assert len(hashes) >= 5
    front.fault, front.fault_at = fault, 3
    failed = kg(*push_args(front.endpoint, mini_out))
    assert failed.exit_code == 1
    message = failed.output
    url = pushing.default_graph_url(front.endpoint)
    assert "block 3 (bytes" in message and url in message and "--resume" in message
    assert "Blocks 1–2 (bytes 0–" in message and "without clearing the graph again" in message
    assert [m for m, _ in front.log] == ["PUT", "POST", "POST"]
    assert [h for _, h in front.log] == hashes[:3]
    [record] = records(mini_out)
    assert json.loads(record.read_text())["next_chunk"] == 3
    if fault == "stop":
        server.start()  # the server comes back over the same data
    front.fault, front.log = None, []
    resumed = kg(*push_args(front.endpoint, mini_out, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    assert "resumed at block 3" in resumed.output
    assert front.log == [("POST", h) for h in hashes[2:]]  # the rest only, never a PUT again
    assert_same_graph(server.endpoint, mini_out)
    assert records(mini_out) == []


def test_a_killed_push_resumes(mini_out, server, front):
    hashes = block_hashes(mini_out)
    front.fault, front.fault_at = "hang", 4
    process = subprocess.Popen(kg_command(*push_args(front.endpoint, mini_out)), env=checkout_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert front.reached.wait(120), "the push never reached block 4"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    front.release.set()
    [record] = records(mini_out)
    assert json.loads(record.read_text())["next_chunk"] == 4
    front.fault, front.log = None, []
    resumed = kg(*push_args(front.endpoint, mini_out, "--resume"))
    assert resumed.exit_code == 0, resumed.output
    assert front.log == [("POST", h) for h in hashes[3:]]
    assert_same_graph(server.endpoint, mini_out)


def test_without_resume_a_push_starts_over(mini_out, server, front):
    hashes = block_hashes(mini_out)
    front.fault, front.fault_at = "refuse", 2
    assert kg(*push_args(front.endpoint, mini_out)).exit_code == 1
    front.fault, front.log = None, []
    again = kg(*push_args(front.endpoint, mini_out))
    assert again.exit_code == 0, again.output
    assert "starting over" in again.output
    assert front.log == [("PUT", hashes[0])] + [("POST", h) for h in hashes[1:]]
    assert_same_graph(server.endpoint, mini_out)


def stopped_push(front: Front, out: Path) -> Path:
    """A push through ``front`` refused at its third block; the record it left."""
    front.fault, front.fault_at, front.log = "refuse", 3, []
    assert kg(*push_args(front.endpoint, out)).exit_code == 1
    front.fault, front.log = None, []
    [record] = records(out)
    return record


def test_a_record_for_another_graph_endpoint_or_mode_is_not_resumed(mini_out, server, front):
    hashes = block_hashes(mini_out)
    full = [("PUT", hashes[0])] + [("POST", h) for h in hashes[1:]]

    record = stopped_push(front, mini_out)  # the same generation folder, another graph.nt (size)
    doc = json.loads(record.read_text())
    doc["graph"]["size"] += 1
    record.write_text(json.dumps(doc))
    result = kg(*push_args(front.endpoint, mini_out, "--resume"))
    assert result.exit_code == 0, result.output
    assert "was ignored: it is for another graph" in result.output and "resumed" not in result.output
    assert front.log == full

    stopped_push(front, mini_out)  # another mode: a replace push is not continued as an append
    result = kg(*push_args(front.endpoint, mini_out, "--resume", "--append"))
    assert "was ignored: it is for another mode" in result.output
    assert front.log == [("POST", h) for h in hashes]
    assert kg(*push_args(front.endpoint, mini_out)).exit_code == 0

    stopped_push(front, mini_out)  # another endpoint: its own record, none here
    other = Front(server)
    try:
        result = kg(*push_args(other.endpoint, mini_out, "--resume"))
        assert result.exit_code == 0, result.output
        assert "no unfinished push of this graph" in result.output
        assert other.log == full
    finally:
        other.close()
    assert len(records(mini_out)) == 1  # the first endpoint's record is still there

    old = current_generation(mini_out)  # a new build: a new generation, the old record stays with the old one
    build(MINI, mini_out, force=True)
    assert current_generation(mini_out) != old and records(mini_out) == []
    result = kg(*push_args(front.endpoint, mini_out, "--resume"))
    assert result.exit_code == 0, result.output
    assert "no unfinished push" in result.output
    assert front.log == full
    assert_same_graph(server.endpoint, mini_out)


def test_an_unreachable_server_is_a_clear_error(mini_out):
    endpoint = f"http://127.0.0.1:{free_port()}/query"
    result = kg(*push_args(endpoint, mini_out))
    assert result.exit_code == 1
    assert "block 1 (bytes 0–" in result.output and pushing.default_graph_url(endpoint) in result.output
    assert "cannot reach the server" in result.output and "No block is loaded yet" in result.output
    assert "--resume" in result.output


def test_one_push_of_a_graph_to_a_server_at_a_time(mini_out, server, front):
    front.fault, front.fault_at = "hang", 2
    process = subprocess.Popen(kg_command(*push_args(front.endpoint, mini_out)), env=checkout_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert front.reached.wait(120)
        second = kg(*push_args(front.endpoint, mini_out, "--resume"))
        assert second.exit_code == 1 and "another kg push" in second.output
    finally:
        front.release.set()
        process.wait(60)
