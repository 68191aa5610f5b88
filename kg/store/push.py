"""Loading the built graph into a SPARQL 1.1 server, in chunks, resumably.

``kg push`` sends ``graph.nt`` to a server's Graph Store Protocol endpoint (the default
graph) in blocks cut at line ends, at most ``chunk_bytes`` each (a single line longer than
that is a block of its own), so memory holds one block whatever the size of the graph:

- replace (the default): the first block is sent with ``PUT`` (the server drops the default
  graph and stores the block), every later block with ``POST`` (added);
- append: every block with ``POST``.

After each block the server confirms, a progress record in the generation folder of the build
(``push-<hash of the target URL>.json``, next to ``graph.nt``) says how far the push got.
``resume=True`` (``kg push --resume``) continues after the last confirmed block: only
``POST``s, so the graph is never cleared again. A record is used only when it was written for
this very ``graph.nt`` (generation name, size and modification time), this Graph Store URL and
this mode; any other is ignored and the push starts from the beginning (said in
:attr:`PushResult.notes`). The record is removed when the push completes; a new build makes a
new generation, so an old record is never found for a new graph, and it goes when the build
prunes its generation (kg removes only what it wrote).

Sending a block again is safe: a graph is a set of triples, and kg's graphs hold no blank
nodes (the mapping writes only IRIs and literals, :mod:`kg.graph.mapping`; the ontology has
none; ``tests/test_push.py`` checks the shipped graph), so a block that reached the server
before its answer was lost adds nothing the second time.
"""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg import progress
from kg.errors import KgError
from kg.files import write_atomic

CHUNK_MB = 32  # default block size, in MB
RECORD_MARK = "kg push record"  # the record's own mark: kg reads and removes only its own
TRIPLE_LINE = re.compile(rb"^[ \t]*[^#\s]", re.MULTILINE)  # an N-Triples line holding a triple


@dataclass
class PushResult:
    """What a push did: the URL written to, the blocks, bytes and triples sent by this run
    (a resumed run counts only what it sent itself), the block it started from (1 unless
    resumed) and notes for the user (a record ignored, a push started over)."""

    url: str
    chunks: int = 0
    bytes_sent: int = 0
    triples_sent: int = 0
    first_chunk: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def resumed(self) -> bool:
        return self.first_chunk > 1


def store_url_for(endpoint: str) -> str:
    """Oxigraph's Graph Store Protocol URL next to its query endpoint: .../query -> .../store."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rsplit("/", 1)[0] + "/store"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def default_graph_url(endpoint: str, store_url: str | None = None) -> str:
    """The URL of the default graph in the Graph Store Protocol: ``<store>?default``."""
    target = store_url or store_url_for(endpoint)
    return target + ("&" if "?" in target else "?") + "default"


def blocks(path: Path, chunk_bytes: int, start: int = 0) -> Iterator[tuple[int, bytearray]]:
    """The file from byte ``start`` in blocks that end at a line end: (offset, block). Each
    is at most ``chunk_bytes`` long, except a single line longer than that, which is a block
    of its own; the last block is the rest of the file. One block is in memory at a time.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "g.nt"
    >>> _ = f.write_bytes(b"aa\\nbbbb\\ncc\\nd")
    >>> [(o, bytes(b)) for o, b in blocks(f, 5)]
    [(0, b'aa\\n'), (3, b'bbbb\\n'), (8, b'cc\\nd')]
    """
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be at least 1")
    with open(path, "rb") as handle:
        offset = handle.seek(start)
        while True:
            block = bytearray(chunk_bytes)
            got = handle.readinto(block)
            if not got:
                return
            del block[got:]
            if got == chunk_bytes and handle.peek(1):  # more follows: end the block at a line end
                cut = block.rfind(b"\n") + 1
                if cut:
                    del block[cut:]
                    handle.seek(offset + cut)
                else:  # one line longer than a block: the whole line
                    block += handle.readline()
            yield offset, block
            offset += len(block)


def count_triples(block: bytes | bytearray) -> int:
    """The N-Triples lines of ``block`` that hold a triple (not blank, not a comment)."""
    return sum(1 for _ in TRIPLE_LINE.finditer(block))


# --- the progress record ----------------------------------------------------------------

def identity(graph: Path) -> dict:
    """What names one built graph: its generation folder's name, its size and mtime."""
    info = Path(graph).stat()
    return {"generation": Path(graph).resolve().parent.name, "size": info.st_size, "mtime_ns": info.st_mtime_ns}


def record_path(graph: Path, url: str) -> Path:
    """Where the progress of pushing ``graph`` to ``url`` is recorded: next to the graph, in
    its generation folder, one record per target."""
    return Path(graph).resolve().parent / f"push-{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"


def read_record(path: Path) -> dict | None:
    """The record at ``path`` when it is kg's own push record, else None."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("kg") == RECORD_MARK else None


def stale_reason(record: dict, graph: Path, url: str, mode: str) -> str | None:
    """Why ``record`` cannot be resumed for pushing ``graph`` to ``url`` in ``mode``, or None
    when it can."""
    here = identity(graph)
    if record.get("target") != url:
        return f"it is for another target ({record.get('target')})"
    if record.get("graph") != here:
        theirs = record.get("graph") or {}
        return (f"it is for another graph (generation {theirs.get('generation')}, {theirs.get('size')} bytes; "
                f"this one is {here['generation']}, {here['size']} bytes)")
    if record.get("mode") != mode:
        return f"it is for another mode ({record.get('mode')}; this push is {mode})"
    offset, size = record.get("offset"), here["size"]
    if not isinstance(offset, int) or not 0 <= offset <= size or not isinstance(record.get("next_chunk"), int):
        return "its position is not in this graph"
    if offset:
        with open(graph, "rb") as handle:
            handle.seek(offset - 1)
            if handle.read(1) != b"\n":
                return "its position is not at a line end of this graph"
    return None


def _write_record(path: Path, graph_id: dict, url: str, mode: str, next_chunk: int, offset: int, triples: int) -> None:
    record = {"kg": RECORD_MARK, "graph": graph_id, "target": url, "mode": mode, "next_chunk": next_chunk,
              "offset": offset, "triples": triples}
    write_atomic(path, (json.dumps(record, indent=1) + "\n").encode("utf-8"))


# --- sending ------------------------------------------------------------------------------

def _send(url: str, method: str, body: bytes | bytearray, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "application/n-triples",
                                              "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def _failure(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        try:
            detail = exc.read().decode("utf-8", "replace").strip()[:300]
        except OSError:
            detail = ""
        return f"the server refused it ({exc.code} {exc.reason}){': ' + detail if detail else ''}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot reach the server: {exc.reason}"
    return f"the connection failed: {exc}"


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


def push(graph: Path, endpoint: str, store_url: str | None = None, replace: bool = True,
         chunk_bytes: int = CHUNK_MB << 20, resume: bool = False, timeout: float = 600.0) -> PushResult:
    """Load the N-Triples file ``graph`` into the default graph of the server behind
    ``endpoint`` (Graph Store URL ``store_url``, default :func:`store_url_for`) in blocks of
    at most ``chunk_bytes`` (:func:`blocks`): replacing the default graph (``PUT`` of the
    first block, ``POST`` of the rest) or adding to it (``POST`` only). With ``resume``,
    continue a push of this graph to this URL that stopped, from its first block the server
    did not confirm (see the module's docstring). A block that fails is a :class:`KgError`
    naming the URL and the block and saying how to resume."""
    graph = Path(graph)
    url = default_graph_url(endpoint, store_url)
    mode = "replace" if replace else "append"
    result = PushResult(url)
    try:
        graph_id = identity(graph)
    except OSError as exc:
        raise KgError(f"cannot read {graph}: {exc.strerror or exc}") from exc
    path = record_path(graph, url)
    lock = _lock(path)
    try:
        start, number, triples = 0, 1, 0
        record = read_record(path)
        if record is not None:
            reason = stale_reason(record, graph, url, mode)
            if reason is not None:
                result.notes.append(f"a push record in {path.parent} was ignored: {reason}")
            elif resume:
                start, number, triples = record["offset"], record["next_chunk"], record.get("triples", 0)
            else:
                result.notes.append(f"an unfinished push of this graph to {url} stopped before block "
                                    f"{record['next_chunk']}; starting over (--resume continues it instead)")
        elif resume:
            result.notes.append(f"no unfinished push of this graph to {url}: pushing all of it")
        result.first_chunk = number
        _write_record(path, graph_id, url, mode, number, start, triples)
        size = graph_id["size"]
        progress.step(f"push: {graph.name} ({_mb(size)}) to {url} in blocks of at most {_mb(chunk_bytes)}"
                      + (f", resuming at block {number} ({_mb(start)} already loaded)" if number > 1 else ""))
        for offset, block in _with_empty(blocks(graph, chunk_bytes, start), replace and start == 0):
            method = "PUT" if replace and number == 1 else "POST"
            try:
                _send(url, method, block, timeout)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                raise KgError(_stopped(exc, url, number, offset, len(block), graph, path, start, result)) from exc
            triples += count_triples(block)
            number += 1
            result.chunks += 1
            result.bytes_sent += len(block)
            result.triples_sent += count_triples(block)
            _write_record(path, graph_id, url, mode, number, offset + len(block), triples)
            progress.step(f"push: block {number - 1} loaded ({method}); {_mb(offset + len(block))} of {_mb(size)} "
                          f"({100 * (offset + len(block)) / max(size, 1):.0f}%), {triples:,} triples")
        path.unlink(missing_ok=True)
        return result
    finally:
        _unlock(lock, path)


def _with_empty(found: Iterator[tuple[int, bytearray]], clear: bool) -> Iterator[tuple[int, bytearray]]:
    """The blocks; when there are none and the graph is to be replaced, one empty block, so
    that the ``PUT`` still clears the default graph."""
    empty = True
    for item in found:
        empty = False
        yield item
    if empty and clear:
        yield 0, bytearray()


def _stopped(exc: BaseException, url: str, number: int, offset: int, length: int, graph: Path, record: Path,
             start: int, result: PushResult) -> str:
    """The message for a push stopped at block ``number``: what failed, what is loaded, how
    to go on."""
    loaded = (f"blocks 1–{number - 1} (bytes 0–{offset} of {graph.name}) are loaded"
              if number > 1 else "no block is loaded yet")
    return (f"block {number} (bytes {offset}–{offset + length} of {graph}) was not confirmed by {url}: "
            f"{_failure(exc)}. {loaded[0].upper() + loaded[1:]}; the progress is recorded in {record}. "
            f"Run the same `kg push` with --resume (same --endpoint, --store, --data and --build-dir) to "
            f"continue from block {number}"
            + (" without clearing the graph again" if number > 1 else "") + ".")


def _lock(record: Path) -> int:
    """Hold the lock of one push of a graph to one target; a second one at the same time is
    refused (it would interleave its record with this one's)."""
    lock = record.with_suffix(".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise KgError(f"cannot write {lock}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise KgError(f"another kg push of {record.parent / 'graph.nt'} to the same server is running "
                      f"(it holds {lock}); wait for it to end") from None
    return fd


def _unlock(fd: int, record: Path) -> None:
    if not record.exists():  # done: nothing left to resume, the lock file goes too
        record.with_suffix(".lock").unlink(missing_ok=True)
    os.close(fd)
