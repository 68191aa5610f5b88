"""Read-only and odd folders, odd endpoints: a read-only build folder is read without the
write lock; a full disk, a folder named like a table, and an endpoint that answers something
other than SPARQL results (or a SELECT document to an ASK) give a message and exit 1, never a
traceback.

The read-only folder and the full disk are real: the commands run in a user and mount
namespace (``unshare -r -m``) where the build folder is a read-only bind mount, or a tmpfs of
a few kilobytes."""

from __future__ import annotations

import http.server
import json
import shlex
import shutil
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import KgError
from kg.store.build import build
from kg.store.stores import RemoteStore
from tests.conftest import MINI, skip_or_fail

KG = f"{shlex.quote(sys.executable)} -m kg"


def in_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script as root of a new user and mount namespace (no privilege needed)."""
    if not shutil.which("unshare"):
        skip_or_fail("the `unshare` command (util-linux) is not installed")
    probe = subprocess.run(["unshare", "-r", "-m", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        skip_or_fail(f"user namespaces are not available here: {probe.stderr.strip()}")
    return subprocess.run(["unshare", "-r", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=600)


def test_read_only_build_folder_is_read_without_the_lock(tmp_path):
    out = tmp_path / "build"
    build(MINI, out)
    q = shlex.quote(str(out))
    common = f"--data {shlex.quote(str(MINI))} --out {q}"
    result = in_namespace(f"mount --bind {q} {q} && mount -o remount,ro,bind {q} && "
                          f"{KG} stats {common} --format csv && "
                          f"{KG} query 'SELECT (COUNT(*) AS ?n) WHERE {{ ?p a kg:Product }}' {common} --format csv; "
                          f"{KG} build --force {common}; echo build-exit=$?")
    assert "salt,盐化工,Salt chemicals" in result.stdout, result.stderr
    assert "n\n" in result.stdout.replace("\r", "")  # the query answered too
    assert "build-exit=1" in result.stdout  # a new build cannot be written, and says so
    assert "read-only" in result.stderr and "Traceback" not in result.stderr


def test_a_full_disk_is_a_message_and_leaves_nothing_half_written(tmp_path):
    out = tmp_path / "small"
    out.mkdir()
    q = shlex.quote(str(out))
    result = in_namespace(f"mount -t tmpfs -o size=96k tmpfs {q} && "
                          f"{KG} build --data {shlex.quote(str(MINI))} --out {q}; echo build-exit=$?; ls -a {q}")
    assert "build-exit=1" in result.stdout, result.stderr
    assert "no space left" in result.stderr.lower() and "Traceback" not in result.stderr
    listed = result.stdout.split()
    assert not [name for name in listed if name.startswith((".tmp-", "gen-"))], listed


def test_a_folder_named_like_a_table_is_a_message(mini):
    (mini / "companies.csv").unlink()
    (mini / "companies.csv").mkdir()
    result = CliRunner().invoke(main, ["validate", "--data", str(mini)])
    assert result.exit_code == 1, result.output
    assert "companies.csv" in result.output and "is a folder" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


class Odd(http.server.BaseHTTPRequestHandler):
    """An 'endpoint' answering every request with ``Odd.body`` as ``Odd.type``."""
    body, type = b"", "text/html"

    def do_GET(self) -> None:  # noqa: N802
        self.do_POST()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", self.type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def odd_endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/query"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("args", [["stats"], ["gaps"], ["query", "SELECT * WHERE { ?s ?p ?o }"],
                                  ["query", "ASK { ?s ?p ?o }"], ["query", "CONSTRUCT WHERE { ?s ?p ?o }"]])
def test_an_endpoint_answering_something_else_is_a_message(odd_endpoint, args):
    Odd.body, Odd.type = b"<html><body>Welcome to nginx!</body></html>", "text/html"
    result = CliRunner().invoke(main, [*args, "--endpoint", odd_endpoint])
    assert result.exit_code == 1, result.output
    assert "not" in result.output and odd_endpoint in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception


def test_an_endpoint_answering_a_select_to_an_ask_is_a_message(odd_endpoint):
    Odd.body = json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": []}}).encode()
    Odd.type = "application/sparql-results+json"
    result = CliRunner().invoke(main, ["query", "ASK { ?s ?p ?o }", "--endpoint", odd_endpoint])
    assert result.exit_code == 1, result.output
    assert "ASK" in result.output and "true" not in result.output.split()
    # The analyses read a SELECT answered without the variables it projects as a message too.
    with pytest.raises(KgError, match=r"without the variable\(s\) \?n"):
        RemoteStore(odd_endpoint).select("SELECT ?n WHERE { ?n ?p ?o }")
