"""Build: tables -> checked -> RDF -> SHACL-validated -> written to the build folder.

The build folder (``--build-dir``; by default one per dataset in the per-user cache,
:func:`kg.paths.default_build_dir`) holds generations; ``current`` is a symlink to
the last good one, swapped atomically, so a failed or killed build leaves the previous
output as it was and a reader never sees half a graph::

    build/current -> gen-20260101T000000-1234/
    build/graph.ttl -> current/graph.ttl      Turtle, data and ontology (unless built with turtle=False)
    build/graph.nt  -> current/graph.nt       N-Triples, for bulk loaders
    build/gen-.../store/                      the embedded Oxigraph store
    build/gen-.../projection.json             the product graph (kg.store.projection), read once
    build/gen-.../manifest.json               fingerprint of the inputs, counts
    build/gen-.../.kg-generation              kg's mark on its own generation
    build/.kg-build                           kg's mark on its own build folder
    build/.lock                               one build at a time

kg removes and replaces only what it made: a folder that holds anything and no ``.kg-build``
is refused with nothing touched (a build folder of an older kg, with kg's names only, is taken
over); in its own folder kg counts and prunes only generations that carry its mark, and never
replaces a file or folder of the user's named ``current``, ``graph.ttl`` or ``graph.nt``.

>>> import tempfile
>>> from kg.paths import default_data_dir
>>> result = build(default_data_dir(), Path(tempfile.mkdtemp()))
>>> result.triples > 1000
True
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import __version__, progress, vocab
from kg.collector import paused
from kg.errors import KgError
from kg.graph.mapping import Derived, derive, row_index, to_ntriples, write_ntriples
from kg.paths import ontology_file, shapes_file
from kg.store.generations import MANIFEST, current_generation, generation_manifest, read_manifest
from kg.store.projection import PROJECTION_FILE, table_graph, write_graph
from kg.tables.dataset import load_tables
from kg.tables.read import DataErrors, DataIssue, Tables

KEEP_GENERATIONS = 2  # the current one and the one before, for readers still on it


@dataclass
class BuildResult:
    out: Path
    generation: Path
    triples: int
    fingerprint: str
    warnings: list[DataIssue] = field(default_factory=list)
    skipped: bool = False  # True when the build was up to date


def data_files(data: Path) -> list[Path]:
    """The input files a build depends on: the tables (or a workbook) and the ontology."""
    data = Path(data)
    tables = sorted(data.glob("*.csv")) if data.is_dir() else [data]
    return [*tables, ontology_file(), shapes_file()]


# The code that decides what the graph holds: a change to it makes old builds stale.
# Paths inside the kg package.
GRAPH_CODE = ("store/build.py", "graph/mapping.py", "graph/status.py", "store/projection.py", "tables/schema.py",
              "store/stores.py", "tables/read.py", "tables/dataset.py", "vocab.py", "tables/workbook.py")


def fingerprint(data: Path) -> str:
    """A hash of every input file's name and content, of the code that maps them, and of
    kg's version."""
    digest = hashlib.sha256(__version__.encode())
    code = [Path(__file__).parents[1] / name for name in GRAPH_CODE]
    for path in [*data_files(data), *code]:
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


BUILD_MARKER = ".kg-build"  # kg's mark on a build folder
GENERATION_MARKER = ".kg-generation"  # kg's mark on a generation: holds the generation's name
MARKER_TEXT = ("This folder is a kg build folder. kg writes and removes here only what it made: gen-* folders "
               "holding a .kg-generation file, current, graph.ttl, graph.nt and .lock.\n")
# kg's own links in a build folder and where each points.
LINKS = {"current": re.compile(r"gen-[^/]+"), "graph.ttl": re.compile(r"current/graph\.ttl"),
         "graph.nt": re.compile(r"current/graph\.nt")}
# The names a build folder of an older kg (before the markers) holds, and nothing else.
OLDER_NAMES = re.compile(r"\.lock|current|graph\.ttl|graph\.nt|gen-[0-9T-]+|\.tmp-gen-[0-9T-]+|\.current-[0-9]+"
                         r"|since-[0-9a-f]{12}")


def _made_by_kg(path: Path, name: str) -> bool:
    """Whether ``path`` is a real folder (not a link) carrying kg's mark for generation ``name``."""
    try:
        return (not path.is_symlink() and path.is_dir()
                and (path / GENERATION_MARKER).read_text(encoding="utf-8").strip() == name)
    except (OSError, UnicodeDecodeError):
        return False


def generation_name(now_ns: int, pid: int) -> str:
    """The folder name of a new generation made at ``now_ns`` (nanoseconds since the epoch, UTC)
    by process ``pid``. Seconds and nanoseconds come from the same instant, so names sort in
    the order the generations were made (reading the clock twice could put a build made at
    x.999 s after one made at x+1.003 s).

    >>> generation_name(1_764_556_793_003_921_672, 7607)
    'gen-20251201T023953-003921672-7607'
    """
    seconds, nanoseconds = divmod(now_ns, 10**9)
    return time.strftime("gen-%Y%m%dT%H%M%S", time.gmtime(seconds)) + f"-{nanoseconds:09d}-{pid}"


def own_generations(out: Path) -> list[Path]:
    """kg's own generations in the build folder ``out``, oldest first: ``gen-*`` folders that
    carry kg's mark with their own name (a user's ``gen-*`` folder, or a copy of a generation
    under another name, is not one)."""
    return sorted(p for p in Path(out).glob("gen-*") if _made_by_kg(p, p.name))


def _mark_generation(folder: Path, name: str) -> None:
    (folder / GENERATION_MARKER).write_text(name + "\n", encoding="utf-8")


def _older_build(out: Path, entries: list[str]) -> list[Path] | None:
    """The generations of ``out`` when it is a build folder written by a kg before the
    markers (kg's names only, ``current`` a link to a generation holding kg's manifest), else
    None."""
    if not all(OLDER_NAMES.fullmatch(name) for name in entries) or not (out / "current").is_symlink():
        return None
    generations = []
    for name in entries:
        path = out / name
        if name.startswith("gen-"):
            try:
                manifest = generation_manifest(path)
            except (OSError, ValueError):
                return None
            own = isinstance(manifest, dict) and {"fingerprint", "kg_version"} <= set(manifest)
            if path.is_symlink() or not own:
                return None
            generations.append(path)
        elif name in LINKS and not path.is_symlink():
            return None
    target = os.readlink(out / "current")
    return generations if any(g.name == target for g in generations) else None


def _write_marker(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``, unless it exists (never through a link)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def claim_folder(out: Path) -> None:
    """Make ``out`` kg's build folder, or refuse it with nothing touched.

    A new or empty folder gets kg's marker; a folder with the marker is kg's; a build folder
    of an older kg is taken over (marker added, its generations marked); any other folder
    holding anything is refused (:class:`KgError`): kg would otherwise replace or prune what it
    holds."""
    out = Path(out)
    try:
        if not out.is_dir():
            if out.exists() or out.is_symlink():
                raise KgError(f"--build-dir {out} is not a folder: give a new or empty folder, or a kg build folder")
            out.mkdir(parents=True, exist_ok=True)
        if (out / BUILD_MARKER).is_file():
            return
        entries = sorted(os.listdir(out))
        if entries:
            older = _older_build(out, entries)
            if older is None:
                shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
                raise KgError(f"--build-dir {out} is not a kg build folder (it holds {shown} and no {BUILD_MARKER} "
                              "file): kg writes and replaces files in its build folder, so it uses only a new or "
                              "empty folder or one it made. Choose another --build-dir; nothing was changed.")
            for generation in older:
                _mark_generation(generation, generation.name)
        _write_marker(out / BUILD_MARKER, MARKER_TEXT)
    except (NotADirectoryError, FileExistsError) as exc:
        raise KgError(f"--build-dir {out} is not a folder (a part of the path is a file): {exc.strerror}") from exc
    except OSError as exc:
        raise write_error(out, exc) from exc


def write_error(out: Path, exc: OSError) -> KgError:
    """The message for a build folder the file system will not let kg write: read-only, full,
    or not the user's."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EROFS:
        return KgError(f"the build folder {out} is read-only ({reason}): a new build cannot be written there. "
                       "An up-to-date build is read without writing; to rebuild, give a --build-dir you can write to")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return KgError(f"no space left to write the build in {out} ({reason}); the previous build is as it was")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return KgError(f"cannot write in the build folder {out}: {reason} (give a --build-dir you can write to)")
    return KgError(f"cannot write the build in {out}: {reason}")


def check_links(out: Path) -> None:
    """Refuse (:class:`KgError`) when ``current``, ``graph.ttl`` or ``graph.nt`` in ``out`` is
    not kg's link: a file, a folder or a link elsewhere is the user's, never to be replaced."""
    for name, target in LINKS.items():
        path = out / name
        if path.is_symlink() and target.fullmatch(os.readlink(path)):
            continue
        if path.is_symlink() or path.exists():
            kind = "a link to " + os.readlink(path) if path.is_symlink() else "a folder" if path.is_dir() else "a file"
            raise KgError(f"{path} is {kind}, not kg's link: kg keeps its own link named {name} in its build folder "
                          "and will not replace yours. Move it out of the build folder; nothing was changed.")


@contextmanager
def build_lock(out: Path):
    """One build at a time per build folder (a second waits for the first). The folder is
    claimed first (:func:`claim_folder`); the lock file is opened without following a link
    and without emptying it, and must be a regular file."""
    out = Path(out)
    claim_folder(out)
    path = out / ".lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise KgError(f"{path} is a symbolic link: kg does not follow it (it would write where it points); "
                          "remove the link") from exc
        raise write_error(out, exc) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise KgError(f"{path} is not a regular file: remove it")
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def validate_graph(tables: Tables | None, lines: list[str] | None, warnings: list[DataIssue], engine: str = "store",
                   store: ox.Store | None = None, rows: Callable[[], dict] | None = None) -> None:
    """SHACL-validate the data triples ``lines`` of ``tables``; add warnings to ``warnings``
    and raise :class:`~kg.tables.read.DataErrors` (each issue naming file, row and column) on an
    error.

    ``engine="store"`` (the default) runs the shapes as SPARQL on an Oxigraph store, ``store``
    when given (the build's own, already loaded with the data; ``lines`` is then unused),
    else an in-memory one, and
    leaves out the company and production nodes whose constraints the table checks cover
    (:data:`kg.graph.shacl.TABLE_CHECKED`) and the label shape the table checks guarantee
    (:data:`kg.graph.shacl.TABLE_CHECKED_SHAPES`);
    ``engine="pyshacl"`` runs pyshacl over an rdflib graph, the reference implementation, far
    slower past a few thousand triples (see benchmarks/BENCHMARKS.md).

    ``rows`` gives the file and row of each node (:func:`kg.graph.mapping.row_index`), asked
    for only when there is a violation; by default from ``tables``."""
    # kg.graph.shacl loads rdflib, slow to import: here, so that commands that do not validate start quicker.
    from kg.graph.shacl import TABLE_CHECKED, TABLE_CHECKED_SHAPES, pyshacl_violations, store_violations, to_issues

    if engine == "pyshacl":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(data="\n".join(lines or []) + "\n", format="nt")
        violations = pyshacl_violations(graph)
    elif engine == "store":
        if store is None:
            store = ox.Store()
            store.bulk_load(input=_ntriples(lines or []), format=ox.RdfFormat.N_TRIPLES)
        violations = store_violations(store, skip=TABLE_CHECKED, skip_shapes=TABLE_CHECKED_SHAPES)
    else:
        raise KgError(f"unknown SHACL engine {engine!r}: use 'store' or 'pyshacl'")
    issues = to_issues(violations, rows or (lambda: row_index(tables)))
    warnings.extend(i for i in issues if i.severity != "error")
    if any(i.severity == "error" for i in issues):
        raise DataErrors(issues + warnings)


def _engine(shacl: bool | str) -> str | None:
    return None if shacl is False else "store" if shacl is True else str(shacl)


def _ntriples(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def check(data: Path, shacl: bool | str = True) -> tuple[Tables, list[str], list[DataIssue]]:
    """Read, check, map and (optionally) SHACL-validate a dataset without writing anything.

    ``shacl``: True (the store engine), False, or an engine name for :func:`validate_graph`.
    Returns the tables, the N-Triples lines and the warnings; raises
    :class:`~kg.tables.read.DataErrors` with every problem found."""
    warnings: list[DataIssue] = []
    tables = load_tables(data, warnings)
    lines = to_ntriples(tables)
    engine = _engine(shacl)
    if engine:
        validate_graph(tables, lines, warnings, engine)
    return tables, lines, warnings


@dataclass
class Validation:
    """What :func:`validate_dataset` checked: ``rows`` and ``tables`` read, ``triples`` made,
    and the ``warnings`` (problems that do not stop a build)."""

    rows: int
    tables: int
    triples: int
    warnings: list[DataIssue]


def validate_dataset(data: Path) -> Validation:
    """Check a dataset as the build does, writing nothing the user keeps: the tables, then
    the triples they make, streamed into a temporary on-disk store (as the build loads its
    own) and SHACL-validated there, so memory follows the tables, not the graph. Raises
    :class:`~kg.tables.read.DataErrors` with every problem found (file, row and column).

    >>> from kg.paths import default_data_dir
    >>> result = validate_dataset(default_data_dir())
    >>> result.triples > 1000 and result.tables >= 10
    True
    """
    warnings: list[DataIssue] = []
    tables = load_tables(data, warnings)
    rows, count = sum(len(frame) for frame in tables.values()), len(tables)
    with tempfile.TemporaryDirectory(prefix="kg-validate-") as scratch:
        store = ox.Store(str(Path(scratch) / "store"))
        with open(os.devnull, "wb") as nowhere:
            triples = _map_into(store, tables, nowhere)
        store.optimize()
        validate_graph(tables, None, warnings, store=store, rows=lambda: row_index(tables))
        del store  # closed before its folder goes
    return Validation(rows, count, triples, warnings)


def _write_turtle(target: Path, ontology: bytes) -> None:
    # Serialised from the N-Triples stream, not dumped from the store: three times faster.
    quads = itertools.chain(ox.parse(path=str(target / "graph.nt"), format=ox.RdfFormat.N_TRIPLES),
                            ox.parse(input=ontology, format=ox.RdfFormat.N_TRIPLES))
    ox.serialize(quads, str(target / "graph.ttl"), format=ox.RdfFormat.TURTLE, prefixes=vocab.PREFIXES)


LOAD_BLOCK = 8 << 20  # bytes of N-Triples per bulk load into the on-disk store (its memory follows the block)


class _Feeder:
    """Takes N-Triples text as the mapping makes it: appends it to graph.nt and bulk-loads it
    into the on-disk store in blocks of about :data:`LOAD_BLOCK` bytes, one block loading in
    ``pool`` while the next is made (pyoxigraph releases the GIL while it loads). A column
    larger than a block is cut into blocks at line ends. At most two blocks are held at once,
    whatever the size of the data or of a column."""

    def __init__(self, handle, store: ox.Store, pool: ThreadPoolExecutor) -> None:
        self.handle, self.store, self.pool = handle, store, pool
        self.parts: list[bytes] = []
        self.size = 0
        self.loading = None

    def add(self, text: str) -> None:
        data = text.encode("utf-8")
        self.handle.write(data)
        start = 0  # self.size < LOAD_BLOCK here: a full block is loaded at once
        while len(data) - start > LOAD_BLOCK:  # fill the block up to a line end and load it
            end = data.index(b"\n", start + LOAD_BLOCK - self.size) + 1
            self.parts.append(data[start:end])
            self._load()
            start = end
        if start < len(data):
            self.parts.append(data[start:] if start else data)
            self.size += len(data) - start
        if self.size >= LOAD_BLOCK:
            self._load()

    def _load(self) -> None:
        if self.loading is not None:
            self.loading.result()
        block = self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)  # a big column: no copy
        self.parts, self.size = [], 0
        self.loading = self.pool.submit(self.store.bulk_load, input=block, format=ox.RdfFormat.N_TRIPLES)

    def close(self) -> None:
        if self.parts:
            self._load()
        if self.loading is not None:
            self.loading.result()


def _map_into(store: ox.Store, tables: Tables, handle, derived: Derived | None = None) -> int:
    """Map ``tables`` into ``store`` and ``handle`` (N-Triples) in one stream (:class:`_Feeder`);
    return how many triples. ``derived``: :func:`kg.graph.mapping.derive` of the tables, when
    the caller has it."""
    with ThreadPoolExecutor(max_workers=1) as loader:
        feeder = _Feeder(handle, store, loader)
        try:
            return write_ntriples(tables, feeder.add, derived)
        finally:
            feeder.close()


def _write_store(target: Path, tables: Tables, ontology: bytes,
                 validate: Callable[[ox.Store], None] | None = None,
                 mapped: Callable[[], None] | None = None) -> int:
    """Map ``tables`` into ``target/graph.nt`` and the on-disk store ``target/store`` in one
    stream (:class:`_Feeder`), read the product graph from the tables while they are in memory
    (:func:`kg.store.projection.table_graph`, the graph the store's SPARQL answers give),
    compact the store and run ``validate`` (when given) on it before the ontology is added, so
    SHACL sees the data graph alone; add the ontology; return the triple count.

    Nothing here holds the whole graph in memory: the mapping hands over one table column at
    a time, the store is on disk, and SHACL is a series of queries on it (see
    benchmarks/BENCHMARKS.md for what this costs in time against an in-memory copy). The
    compaction (``optimize``) merges the blocks' files, so the point reads of the queries
    touch fewer of them. The product graph is read from the tables rather than the store:
    asked of the on-disk store, its answers cost a point read per term of every row, which
    at national size was the larger part of the build. ``mapped`` is called as soon as
    graph.nt holds every data triple."""
    store = ox.Store(str(target / "store"))
    derived = derive(tables)  # once, for the mapping and the product graph
    with open(target / "graph.nt", "wb") as handle:
        _map_into(store, tables, handle, derived)
    if mapped is not None:
        mapped()
    progress.step("build: reading the product graph")
    graph = table_graph(tables, derived)
    tables.clear()  # the build handed over its only reference: the tables' memory goes back
    del derived
    _return_freed_memory()
    progress.step("build: compacting the store")
    store.optimize()
    # SHACL on the data graph alone (before the ontology), while the product graph is written.
    with ThreadPoolExecutor(max_workers=1) as side:
        checked = side.submit(validate, store) if validate is not None else None
        write_graph(graph, target / PROJECTION_FILE)
        if checked is not None:
            checked.result()  # a violation stops the build here, before the store is complete
    store.bulk_load(input=ontology, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    return len(store)


def _return_freed_memory() -> None:
    """Hand the pages freed by the tables and the mapping back to the system: glibc keeps
    them otherwise, and the store's queries would stack on top of them."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _write_generation(target: Path, tables: Tables, validate: Callable[[ox.Store], None] | None = None,
                      turtle: bool = True) -> int:
    """Complete the generation in ``target`` from the checked ``tables``: graph.nt, the
    on-disk store and the product graph (:func:`_write_store`), and (when ``turtle``)
    graph.ttl, written by a second thread from graph.nt as soon as the mapping is done, while
    this one reads the product graph, compacts and validates the store; the ontology is added
    to graph.nt last. Returns the triple count."""
    ontology = ox.serialize(ox.parse(path=str(ontology_file()), format=ox.RdfFormat.TURTLE),
                            format=ox.RdfFormat.N_TRIPLES)
    progress.step("build: mapping the tables to RDF and loading the store")
    with ThreadPoolExecutor(max_workers=1) as pool:
        writing = None

        def write_turtle() -> None:  # graph.nt is complete now
            nonlocal writing
            writing = pool.submit(_write_turtle, target, ontology)

        def validate_store(store: ox.Store) -> None:
            if validate is not None:
                progress.step("build: validating with SHACL")
                validate(store)

        try:
            triples = _write_store(target, tables, ontology, validate_store, write_turtle if turtle else None)
        finally:
            if writing is not None:
                progress.step("build: finishing graph.ttl")
                writing.result()
    with open(target / "graph.nt", "ab") as handle:  # the readers are done with it
        handle.write(ontology)
    return triples


def _swap_current(out: Path, generation: Path) -> None:
    tmp_link = out / f".current-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(generation.name)
    os.replace(tmp_link, out / "current")
    _link_files(out, generation)


def _links_match(out: Path, generation: Path) -> bool:
    """Whether kg's links to graph.ttl and graph.nt are there exactly for the files the
    current generation has (a build killed between the swap and the links leaves them not)."""
    return all(os.path.lexists(out / name) == (generation / name).exists() for name in ("graph.ttl", "graph.nt"))


def _link_files(out: Path, generation: Path) -> None:
    """Link graph.ttl and graph.nt to the current generation's files, and remove kg's own
    link to a file the generation does not have (built with ``turtle=False``); a file, folder
    or foreign link of the user's (refused before any build by :func:`check_links`) is never
    touched. Safe to repeat."""
    for name in ("graph.ttl", "graph.nt"):
        link = out / name
        if not (generation / name).exists():
            if link.is_symlink() and LINKS[name].fullmatch(os.readlink(link)):
                link.unlink()
        elif not link.is_symlink() and not link.exists():
            link.symlink_to(Path("current") / name)


def _prune(out: Path, keep: Path) -> None:
    """Remove kg's own generations but ``keep`` and the newest, and the temporary folders
    of kg's killed builds; nothing without kg's mark."""
    generations = own_generations(out)
    old = [p for p in generations if p != keep][: max(0, len(generations) - KEEP_GENERATIONS)]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    for path in out.glob(".tmp-gen-*"):
        if _made_by_kg(path, path.name.removeprefix(".tmp-")):
            shutil.rmtree(path, ignore_errors=True)  # left by a killed build


@paused()
def build(data: Path, out: Path, force: bool = False, shacl: bool | str = True,
          turtle: bool | None = None) -> BuildResult:
    """Build the graph of the dataset in ``data`` into the build folder ``out``.

    Nothing in ``out`` changes unless the whole build succeeds. When the inputs are
    unchanged since the current build, nothing is rebuilt unless ``force``. ``shacl`` as in
    :func:`check`; the default validates on the new store before anything is swapped in.
    ``turtle``: write graph.ttl (True) or not (False: at national size it is a second copy
    of graph.nt that costs a core for a quarter of the build and nobody reads by eye); None
    does as the current build did (graph.ttl when there is none). A current build made the
    other way is not up to date for an explicit choice."""
    data, out = Path(data), Path(out)
    if not data.exists():
        raise KgError(f"data not found: {data}")
    stamp = fingerprint(data)
    if not force and (done := up_to_date(out, stamp, turtle)):
        return done  # read without the lock: a read-only build folder can be read
    with build_lock(out):
        check_links(out)
        manifest = read_manifest(out)
        if turtle is None:
            turtle = _has_turtle(manifest)
        if not force and _built_as(manifest, stamp, turtle):
            generation = current_generation(out)
            _link_files(out, generation)  # after a build killed between the swap and its links
            return BuildResult(out, generation, manifest["triples"], stamp, skipped=True)
        warnings: list[DataIssue] = []
        progress.step("build: reading and checking the tables")
        tables = load_tables(data, warnings)
        engine = _engine(shacl)
        if engine and engine != "store":  # the reference engine, in memory: small data only
            progress.step("build: mapping the tables to RDF")
            validate_graph(tables, to_ntriples(tables), warnings, engine)
        name = generation_name(time.time_ns(), os.getpid())
        tmp = out / f".tmp-{name}"
        try:
            def on_store(store: ox.Store) -> None:
                # The tables are gone by now (see _write_store): read again only to name the
                # file and row of a violation.
                validate_graph(None, None, warnings, "store", store, rows=lambda: row_index(load_tables(data, [])))

            tmp.mkdir()
            _mark_generation(tmp, name)
            counts = {name: len(frame) for name, frame in tables.items()}
            handed, tables = dict(tables), None  # _write_store drops them once mapped
            triples = _write_generation(tmp, handed, on_store if engine == "store" else None, turtle)
            (tmp / MANIFEST).write_text(json.dumps({
                "fingerprint": stamp, "data": str(data.resolve()), "built_at": time.time(),
                "kg_version": __version__, "triples": triples, "rows": counts, "turtle": turtle,
            }, indent=2), encoding="utf-8")
            generation = out / name
            os.replace(tmp, generation)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError):  # full, read-only: a message, the previous build as it was
                raise write_error(out, exc) from exc
            raise
        try:
            _swap_current(out, generation)
        except OSError as exc:
            if current_generation(out) != generation.resolve():  # never current: the previous build stays
                shutil.rmtree(generation, ignore_errors=True)
            raise write_error(out, exc) from exc
        _prune(out, generation)
        return BuildResult(out, generation, triples, stamp, warnings)


def _has_turtle(manifest: dict | None) -> bool:
    """Whether the build the manifest describes wrote graph.ttl (builds before the choice did)."""
    return bool((manifest or {}).get("turtle", True))


def _built_as(manifest: dict | None, stamp: str, turtle: bool | None) -> bool:
    """Whether the build the manifest describes is of inputs with fingerprint ``stamp``, with
    graph.ttl or without as ``turtle`` asks (None: either)."""
    return bool(manifest) and manifest.get("fingerprint") == stamp and turtle in (None, _has_turtle(manifest))


def up_to_date(out: Path, stamp: str, turtle: bool | None = None) -> BuildResult | None:
    """The current build of ``out`` when it was built from inputs with fingerprint ``stamp``,
    with graph.ttl or without as ``turtle`` asks (None: either), and kg's links match it
    (read without the lock and without writing: the generation ``current`` names is complete
    and never changes), else None."""
    link = Path(out) / "current"
    if not (link.is_symlink() and LINKS["current"].fullmatch(os.readlink(link))):
        return None
    try:
        manifest = read_manifest(out)
    except (OSError, ValueError):
        return None
    if not _built_as(manifest, stamp, turtle):
        return None
    generation = current_generation(out)
    if not _links_match(out, generation):
        return None
    return BuildResult(out, generation, manifest["triples"], stamp, skipped=True)


def ensure_built(data: Path, out: Path) -> Path:
    """The current generation of ``out``, built first when absent or older than ``data``."""
    result = build(data, out)
    return result.generation
